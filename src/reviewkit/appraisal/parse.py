"""Checking one risk-of-bias file: each appraisal's tool, items, quotes and overall judgment, every problem naming
file, line and item (the file format is described in ``appraisal.judgments``)."""
from __future__ import annotations

from typing import Any

from reviewkit.appraisal.model import Appraisal, ItemJudgment
from reviewkit.appraisal.tools import Tool, stated_overall
from reviewkit.core.errors import ReviewInputError, excerpt
from reviewkit.core.evidence import FoundQuote, verify_quotes
from reviewkit.core.protocol import Protocol
from reviewkit.core.storage import YamlDoc
from reviewkit.records.model import Record
from reviewkit.records.studies import Study

APPRAISAL_KEYS = {"tool", "record", "source_type", "items", "overall"}
ITEM_KEYS = {"answer", "quote", "record", "note"}
OVERALL_KEYS = {"judgment", "note"}
OVERRIDE_KEYS = {"tool", "reason"}
FILE_KEYS = {"appraisals", "override"}


def _answer_text(raw: Any) -> str | None:
    """An answer as text: YAML reads a bare yes / no as true / false and 2 as a number."""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, (int, str)):
        return str(raw).strip()
    return None


class _Checker:
    """Collects every problem of one rob file, each naming file, line and item."""

    def __init__(self, doc: YamlDoc, study: Study, records: dict[str, Record]) -> None:
        self.doc, self.path, self.study, self.records = doc, doc.path, study, records
        self.errors: list[ReviewInputError] = []

    def error(self, keys: tuple[str | int, ...], message: str, record: str | None = None) -> None:
        field = ".".join(f"[{k}]" if isinstance(k, int) else str(k) for k in keys).replace(".[", "[")
        self.errors.append(ReviewInputError(
            self.path, f"study {self.study.id!r}: {message}", line=self.doc.line(keys), field=field or None, record=record
        ))

    def report(self, keys: tuple[str | int, ...], raw: Any, default: str | None) -> str | None:
        """The record named at ``keys`` (or ``default``), if it is a report of the study."""
        record = default if raw is None else str(raw)
        if record is None:
            self.error(keys, f"say which report is appraised: 'record' (one of {list(self.study.records)})")
        elif record not in self.study.records:
            self.error(keys, f"record {excerpt(record)!r} is not a report of this study "
                             f"(its reports: {list(self.study.records)})")
            return None
        return record

    def quotes(self, keys: tuple[str | int, ...], raw: Any, record: str) -> tuple[FoundQuote, ...] | None:
        """Each quote found in the record's text (``verify_quotes``); None, and an error per problem, if any is not."""
        found, problems = verify_quotes(raw, record, self.records[record].text, self.records[record].page_starts)
        for problem in problems:
            self.error(keys, problem, record=record)
        return None if problems else found


def _parse_item(check: _Checker, keys: tuple[str | int, ...], raw: Any, tool: Tool, record: str) -> ItemJudgment | None:
    item_id = str(keys[-1])
    if tool.item(item_id) is None:
        check.error(keys, f"unknown item {item_id!r} of tool {tool.id!r}; its items: {[i.id for i in tool.items]}")
        return None
    if not isinstance(raw, dict):
        check.error(keys, f"item {item_id}: expected a mapping with 'answer', 'quote', 'record' and 'note'")
        return None
    unknown = sorted(set(raw) - ITEM_KEYS, key=str)
    if unknown:
        check.error(keys, f"item {item_id}: unknown key(s) {excerpt(unknown)}; allowed: {sorted(ITEM_KEYS)}")
    answer_text = _answer_text(raw.get("answer"))
    answer = tool.answer(answer_text) if answer_text is not None else None
    if answer is None:
        check.error(keys, f"item {item_id}: answer {excerpt(repr(raw.get('answer')))} is not allowed by {tool.id}; "
                    f"allowed: {[a.answer for a in tool.answers]}")
    note = raw.get("note") or ""
    if not isinstance(note, str):
        check.error(keys, f"item {item_id}: 'note' must be text")
        note = ""
    evidence: tuple[FoundQuote, ...] | None = ()
    if raw.get("quote") is not None:
        quote_record = check.report(keys, raw.get("record"), record)
        evidence = check.quotes(keys, raw["quote"], quote_record) if quote_record else None
    elif not note.strip():
        check.error(keys, f"item {item_id}: give the verbatim quote that supports the answer, "
                    "or a note where it rests on an absence")
    if answer is None or evidence is None:
        return None
    return ItemJudgment(item_id, answer.answer, answer.level, evidence, note.strip())


def _parse_overall(check: _Checker, keys: tuple[str | int, ...], raw: Any) -> tuple[str | None, str]:
    """The stated overall judgment (None if not stated) and its note."""
    if raw is None:
        return None, ""
    if not isinstance(raw, dict):
        check.error(keys, "'overall' must be a mapping with 'judgment' and 'note'")
        return None, ""
    unknown = sorted(set(raw) - OVERALL_KEYS, key=str)
    if unknown:
        check.error(keys, f"overall: unknown key(s) {excerpt(unknown)}; allowed: {sorted(OVERALL_KEYS)}")
    note = raw.get("note") if isinstance(raw.get("note"), str) else ""
    judgment = raw.get("judgment")
    return (None if judgment is None else str(judgment).strip()), note.strip()


def _expected_tool(
    check: _Checker, keys: tuple[str | int, ...], source_type: str | None, design: str | None,
    override: dict[str, Any] | None, protocol: Protocol,
) -> str | None:
    """The tool the protocol (or the file's override) calls for; an error where it cannot say."""
    mapping = protocol.risk_of_bias_tools
    if source_type is not None:
        if source_type not in mapping:
            check.error(keys + ("source_type",), f"source type {excerpt(source_type)!r} is not mapped to a tool in the "
                        f"protocol's risk_of_bias_tools ({list(mapping)})")
        return mapping.get(source_type)
    if override is not None:
        return str(override.get("tool"))
    return mapping.get(design) if design is not None else None


def _parse_appraisal(
    check: _Checker, index: int, raw: Any, tools: dict[str, Tool], design: str | None,
    override: dict[str, Any] | None, protocol: Protocol,
) -> Appraisal | None:
    keys: tuple[str | int, ...] = ("appraisals", index)
    if not isinstance(raw, dict):
        check.error(keys, "an appraisal must be a mapping with 'tool', 'record', 'items' and 'overall'")
        return None
    unknown = sorted(set(raw) - APPRAISAL_KEYS, key=str)
    if unknown:
        check.error(keys, f"unknown key(s) {excerpt(unknown)}; allowed: {sorted(APPRAISAL_KEYS)}")
    tool = tools.get(str(raw.get("tool")))
    if tool is None:
        check.error(keys + ("tool",), f"unknown tool {excerpt(repr(raw.get('tool')))}; known tools: {sorted(tools)}")
        return None
    source_type = None if raw.get("source_type") is None else str(raw["source_type"])
    expected = _expected_tool(check, keys, source_type, design, override, protocol)
    if expected is not None and expected != tool.id:
        why = (f"source type {source_type!r}" if source_type else
               "the override" if override else f"design {design!r}")
        hint = "" if source_type or override else " (or add 'override: {tool, reason}')"
        check.error(keys + ("tool",), f"{why} calls for tool {expected!r}, not {tool.id!r}{hint}")
    default = check.study.primary_record if source_type is None or len(check.study.records) == 1 else None
    record = check.report(keys + ("record",), raw.get("record"), default)
    items_raw = raw.get("items") or {}
    if not isinstance(items_raw, dict):
        check.error(keys + ("items",), "'items' must be a mapping of item id to judgment")
        items_raw = {}
    items = {}
    for item_id, item_raw in items_raw.items():
        parsed = _parse_item(check, keys + ("items", str(item_id)), item_raw, tool, record or check.study.primary_record)
        if parsed is not None:
            items[parsed.item] = parsed
    stated, note = _parse_overall(check, keys + ("overall",), raw.get("overall"))
    if record is None or len(items) < len(items_raw):
        return None
    appraisal = Appraisal(check.study.id, tool, record, source_type, items, None, note, stated)
    if appraisal.missing:
        return appraisal
    overall, problem = stated_overall(tool, {k: v.answer for k, v in items.items()}, stated)
    if problem:
        check.error(keys + ("overall",), f"tool {tool.id}, overall: {problem}")
        return None
    return Appraisal(check.study.id, tool, record, source_type, items, overall, note, stated)


def _check_override(check: _Checker, raw: Any, tools: dict[str, Tool]) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("reason"), str) or not raw["reason"].strip():
        check.error(("override",), "'override' needs 'tool' and a 'reason' saying why the protocol's tool does not fit")
        return None
    unknown = sorted(set(raw) - OVERRIDE_KEYS, key=str)
    if unknown:
        check.error(("override",), f"override: unknown key(s) {excerpt(unknown)}; allowed: {sorted(OVERRIDE_KEYS)}")
    if str(raw.get("tool")) not in tools:
        check.error(("override", "tool"),
                    f"override: unknown tool {excerpt(repr(raw.get('tool')))}; known tools: {sorted(tools)}")
        return None
    return raw


def parse_rob_file(
    doc: YamlDoc, study: Study, protocol: Protocol, records: dict[str, Record], tools: dict[str, Tool],
    design: str | None,
) -> tuple[list[Appraisal], list[ReviewInputError]]:
    """A study's appraisals (those that passed every check) and every problem in its file."""
    data, path = doc.data, doc.path
    check = _Checker(doc, study, records)
    for key, line in doc.duplicate_keys():
        check.errors.append(ReviewInputError(path, f"study {study.id!r}: {key!r} is given twice; answer each item once", line=line, field=key))
    if data is None:
        return [], check.errors
    if not isinstance(data, dict) or not isinstance(data.get("appraisals"), list):
        check.error((), "expected a mapping with a list 'appraisals' (and optionally 'override')")
        return [], check.errors
    unknown = sorted(set(data) - FILE_KEYS, key=str)
    if unknown:
        check.error((), f"unknown key(s) {excerpt(unknown)}; allowed: {sorted(FILE_KEYS)}")
    override = _check_override(check, data.get("override"), tools)
    appraisals = [_parse_appraisal(check, i, raw, tools, design, override, protocol) for i, raw in enumerate(data["appraisals"])]
    found = [a for a in appraisals if a is not None]
    seen: set[tuple[str, str | None]] = set()
    for index, appraisal in enumerate(appraisals):
        if appraisal is None:
            continue
        key = appraisal.key
        if key in seen:
            check.error(("appraisals", index), f"a second appraisal with tool {appraisal.tool.id!r} of the same "
                        f"{'report' if appraisal.source_type else 'study'}")
        seen.add(key)
    return found, check.errors

