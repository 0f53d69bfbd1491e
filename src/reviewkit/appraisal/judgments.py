"""Risk-of-bias judgments: ``review/rob/<study_id>.yml``, checked against the tools and the reports' text.

A file holds a list ``appraisals``. The study's own appraisal uses the tool the protocol maps its
design to (``design`` in the extraction form), unless ``override: {tool, reason}`` says otherwise;
an appraisal with a ``source_type`` (press release, news article, blog) appraises one report with
the tool the protocol maps that source type to. Per item: an ``answer`` the tool allows, and the
verbatim ``quote`` that supports it (found in ``record``, a report of the study) or a ``note`` where
the judgment rests on an absence. The overall judgment is computed where the tool has a rule and
checked where the reviewer states it; a tool without a rule needs the reviewer's. An item not yet
answered leaves the appraisal pending. Files are never rewritten, except by ``record_judgment``.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reviewkit.appraisal.tools import Overall, Tool, read_tools, stated_overall
from reviewkit.core.errors import ReviewInputError, raise_collected
from reviewkit.core.evidence import closest_passage, find_quote
from reviewkit.core.protocol import Protocol
from reviewkit.core.stage_status import StageStatus
from reviewkit.core.storage import (
    atomic_write_text,
    load_yaml,
    read_text,
    yaml_key_line,
)
from reviewkit.core.yaml_edit import dump_edited, load_for_edit, new_document, set_entry
from reviewkit.extraction.forms import Evidence, form_path
from reviewkit.records.sources import Record
from reviewkit.records.studies import Study, read_studies

ROB_DIR = "rob"
APPRAISAL_KEYS = {"tool", "record", "source_type", "items", "overall"}
ITEM_KEYS = {"answer", "quote", "record", "note"}
OVERALL_KEYS = {"judgment", "note"}
OVERRIDE_KEYS = {"tool", "reason"}
FILE_KEYS = {"appraisals", "override"}
QUOTE_JOIN = " […] "
PENDING = "pending"


@dataclass(frozen=True)
class ItemJudgment:
    """One item's answer, the level it is drawn at, and the quotes or note that support it."""

    item: str
    answer: str
    level: str
    evidence: tuple[Evidence, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Appraisal:
    """One appraisal of a study (``source_type`` None) or of one of its reports, with one tool."""

    study: str
    tool: Tool
    record: str
    source_type: str | None
    items: dict[str, ItemJudgment]
    overall: Overall | None  # None while pending
    overall_note: str = ""

    @property
    def missing(self) -> list[str]:
        return [i.id for i in self.tool.items if i.id not in self.items]

    @property
    def label(self) -> str:
        """How the appraisal is named in plots: the study, and the report for a report's appraisal."""
        return self.study if self.source_type is None else f"{self.study} ({self.source_type})"


def rob_path(review_dir: str | Path, study_id: str) -> Path:
    return Path(review_dir) / ROB_DIR / f"{study_id}.yml"


def study_design(review_dir: str | Path, study_id: str) -> str | None:
    """The design recorded in the study's extraction form, if any (problems there are the extraction stage's)."""
    path = form_path(review_dir, study_id)
    try:
        data = load_yaml(path) if path.exists() else None
    except ReviewInputError:
        return None
    entry = data.get("design") if isinstance(data, dict) else None
    value = entry.get("value") if isinstance(entry, dict) else None
    return value if isinstance(value, str) else None


def _duplicate_keys(path: Path) -> list[tuple[str, int]]:
    """Keys repeated within one mapping of a YAML file (YAML keeps only the last), with their lines."""
    try:
        root = yaml.compose(read_text(path))
    except (yaml.YAMLError, ReviewInputError):
        return []
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if key.value in seen:
                    found.append((key.value, key.start_mark.line + 1))
                seen.add(key.value)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(found, key=lambda f: f[1])


def _answer_text(raw: Any) -> str | None:
    """An answer as text: YAML reads a bare yes / no as true / false and 2 as a number."""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, (int, str)):
        return str(raw).strip()
    return None


class _Checker:
    """Collects every problem of one rob file, each naming file, line and item."""

    def __init__(self, path: Path, study: Study, records: dict[str, Record]) -> None:
        self.path, self.study, self.records = path, study, records
        self.errors: list[ReviewInputError] = []

    def error(self, keys: tuple[str | int, ...], message: str, record: str | None = None) -> None:
        field = ".".join(f"[{k}]" if isinstance(k, int) else str(k) for k in keys).replace(".[", "[")
        self.errors.append(ReviewInputError(
            self.path, f"study {self.study.id!r}: {message}", line=yaml_key_line(self.path, keys), field=field or None, record=record
        ))

    def report(self, keys: tuple[str | int, ...], raw: Any, default: str | None) -> str | None:
        """The record named at ``keys`` (or ``default``), if it is a report of the study."""
        record = default if raw is None else str(raw)
        if record is None:
            self.error(keys, f"say which report is appraised: 'record' (one of {list(self.study.records)})")
        elif record not in self.study.records:
            self.error(keys, f"record {record!r} is not a report of this study (its reports: {list(self.study.records)})")
            return None
        return record

    def quotes(self, keys: tuple[str | int, ...], raw: Any, record: str) -> tuple[Evidence, ...] | None:
        """Each quote found in the record's text; None (and an error per quote) if any is not."""
        quotes = [raw] if isinstance(raw, str) else raw
        if not isinstance(quotes, list) or not quotes or not all(isinstance(q, str) and q.strip() for q in quotes):
            self.error(keys, "'quote' must be a text or a list of texts (put a quote holding ': ' in quotation marks)")
            return None
        text = self.records[record].text
        found = []
        for quote in quotes:
            span = find_quote(quote, text)
            if span is None:
                self.error(keys, f"quote not found in the text of record {record!r}: {quote!r}; "
                           f"closest passage: {closest_passage(quote, text)!r}", record=record)
            else:
                found.append(Evidence(record, quote, span))
        return tuple(found) if len(found) == len(quotes) else None


def _parse_item(check: _Checker, keys: tuple[str | int, ...], raw: Any, tool: Tool, record: str) -> ItemJudgment | None:
    item_id = str(keys[-1])
    if tool.item(item_id) is None:
        check.error(keys, f"unknown item {item_id!r} of tool {tool.id!r}; its items: {[i.id for i in tool.items]}")
        return None
    if not isinstance(raw, dict):
        check.error(keys, f"item {item_id}: expected a mapping with 'answer', 'quote', 'record' and 'note'")
        return None
    unknown = sorted(set(raw) - ITEM_KEYS)
    if unknown:
        check.error(keys, f"item {item_id}: unknown key(s) {unknown}; allowed: {sorted(ITEM_KEYS)}")
    answer_text = _answer_text(raw.get("answer"))
    answer = tool.answer(answer_text) if answer_text is not None else None
    if answer is None:
        check.error(keys, f"item {item_id}: answer {raw.get('answer')!r} is not allowed by {tool.id}; "
                    f"allowed: {[a.answer for a in tool.answers]}")
    note = raw.get("note") or ""
    if not isinstance(note, str):
        check.error(keys, f"item {item_id}: 'note' must be text")
        note = ""
    evidence: tuple[Evidence, ...] | None = ()
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
    unknown = sorted(set(raw) - OVERALL_KEYS)
    if unknown:
        check.error(keys, f"overall: unknown key(s) {unknown}; allowed: {sorted(OVERALL_KEYS)}")
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
            check.error(keys + ("source_type",), f"source type {source_type!r} is not mapped to a tool in the protocol's "
                        f"risk_of_bias_tools ({list(mapping)})")
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
    unknown = sorted(set(raw) - APPRAISAL_KEYS)
    if unknown:
        check.error(keys, f"unknown key(s) {unknown}; allowed: {sorted(APPRAISAL_KEYS)}")
    tool = tools.get(str(raw.get("tool")))
    if tool is None:
        check.error(keys + ("tool",), f"unknown tool {raw.get('tool')!r}; known tools: {sorted(tools)}")
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
    appraisal = Appraisal(check.study.id, tool, record, source_type, items, None, note)
    if appraisal.missing:
        return appraisal
    overall, problem = stated_overall(tool, {k: v.answer for k, v in items.items()}, stated)
    if problem:
        check.error(keys + ("overall",), f"tool {tool.id}, overall: {problem}")
        return None
    return Appraisal(check.study.id, tool, record, source_type, items, overall, note)


def _check_override(check: _Checker, raw: Any, tools: dict[str, Tool]) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("reason"), str) or not raw["reason"].strip():
        check.error(("override",), "'override' needs 'tool' and a 'reason' saying why the protocol's tool does not fit")
        return None
    unknown = sorted(set(raw) - OVERRIDE_KEYS)
    if unknown:
        check.error(("override",), f"override: unknown key(s) {unknown}; allowed: {sorted(OVERRIDE_KEYS)}")
    if str(raw.get("tool")) not in tools:
        check.error(("override", "tool"), f"override: unknown tool {raw.get('tool')!r}; known tools: {sorted(tools)}")
        return None
    return raw


def parse_rob_file(
    data: Any, path: Path, study: Study, protocol: Protocol, records: dict[str, Record], tools: dict[str, Tool],
    design: str | None,
) -> tuple[list[Appraisal], list[ReviewInputError]]:
    """A study's appraisals (those that passed every check) and every problem in its file."""
    check = _Checker(path, study, records)
    for key, line in _duplicate_keys(path):
        check.errors.append(ReviewInputError(path, f"study {study.id!r}: {key!r} is given twice; answer each item once", line=line, field=key))
    if data is None:
        return [], check.errors
    if not isinstance(data, dict) or not isinstance(data.get("appraisals"), list):
        check.error((), "expected a mapping with a list 'appraisals' (and optionally 'override')")
        return [], check.errors
    unknown = sorted(set(data) - FILE_KEYS)
    if unknown:
        check.error((), f"unknown key(s) {unknown}; allowed: {sorted(FILE_KEYS)}")
    override = _check_override(check, data.get("override"), tools)
    appraisals = [_parse_appraisal(check, i, raw, tools, design, override, protocol) for i, raw in enumerate(data["appraisals"])]
    found = [a for a in appraisals if a is not None]
    seen: set[tuple[str, str | None]] = set()
    for index, appraisal in enumerate(appraisals):
        if appraisal is None:
            continue
        key = (appraisal.tool.id, appraisal.record if appraisal.source_type else None)
        if key in seen:
            check.error(("appraisals", index), f"a second appraisal with tool {appraisal.tool.id!r} of the same "
                        f"{'report' if appraisal.source_type else 'study'}")
        seen.add(key)
    return found, check.errors


def read_appraisals(
    review_dir: str | Path, protocol: Protocol, records: list[Record]
) -> tuple[list[Study], dict[str, list[Appraisal]], dict[str, Tool], list[ReviewInputError]]:
    """Every study, its appraisals, the tools, and every problem in the tool and judgment files.

    Problems in ``studies.yml`` are the extraction stage's to report; here its studies are used as they are.
    """
    by_id = {r.id: r for r in records}
    studies, _ = read_studies(review_dir, list(by_id))
    tools, errors = read_tools(review_dir)
    appraisals: dict[str, list[Appraisal]] = {s.id: [] for s in studies}
    folder = Path(review_dir) / ROB_DIR
    known = {s.id: s for s in studies}
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        if path.suffix != ".yml" or path.stem not in known:
            errors.append(ReviewInputError(path, "name judgment files <study_id>.yml after a study of studies.yml"))
            continue
        try:
            data = load_yaml(path)
        except ReviewInputError as exc:
            errors.append(exc)
            continue
        design = study_design(review_dir, path.stem)
        appraisals[path.stem], found = parse_rob_file(data, path, known[path.stem], protocol, by_id, tools, design)
        errors.extend(found)
    return studies, appraisals, tools, errors


def validate(review_dir: str | Path, protocol: Protocol, records: list[Record]) -> list[ReviewInputError]:
    """Every problem in the review's tool files and risk-of-bias judgments (for ``reviewkit validate``)."""
    return read_appraisals(review_dir, protocol, records)[3]


def load_appraisals(
    review_dir: str | Path, protocol: Protocol, records: list[Record]
) -> tuple[list[Study], dict[str, list[Appraisal]], dict[str, Tool]]:
    """Studies, their appraisals and the tools; raises naming every problem if any file is invalid."""
    studies, appraisals, tools, errors = read_appraisals(review_dir, protocol, records)
    if errors:
        raise_collected(errors)
    return studies, appraisals, tools


def rob_table(appraisals: list[Appraisal]) -> pd.DataFrame:
    """``study_id, record_id, source_type, tool, item, judgment, level, support``: one row per item, then the overall.

    ``support`` is the quote(s) and the note; an item not yet answered is ``pending``.
    """
    rows = []
    for a in appraisals:
        base = {"study_id": a.study, "record_id": a.record, "source_type": a.source_type or "", "tool": a.tool.id}
        for item in a.tool.items:
            judged = a.items.get(item.id)
            support = "" if judged is None else " — ".join(
                p for p in (QUOTE_JOIN.join(f"“{e.quote}”" for e in judged.evidence), judged.note) if p
            )
            rows.append({**base, "item": item.id, "judgment": judged.answer if judged else PENDING,
                         "level": judged.level if judged else PENDING, "support": support})
        overall = a.overall
        rows.append({**base, "item": "overall", "judgment": overall.judgment if overall else PENDING,
                     "level": overall.level if overall else PENDING,
                     "support": "; ".join(p for p in (a.overall_note, overall.note if overall else "") if p)})
    return pd.DataFrame(rows, columns=["study_id", "record_id", "source_type", "tool", "item", "judgment", "level", "support"])


def expected_appraisals(
    review_dir: str | Path, study: Study, protocol: Protocol, records: dict[str, Record]
) -> list[tuple[str | None, str]]:
    """(source type or None, record) of the appraisals a study calls for: its design's, and one per
    grey-literature report (by the source type the records stage suggests)."""
    wanted: list[tuple[str | None, str]] = []
    if study_design(review_dir, study.id) in protocol.risk_of_bias_tools:
        wanted.append((None, study.primary_record))
    designs = {c for f in protocol.extraction_form if f.key == "design" for c in f.choices or []}
    for record_id in study.records:
        kind = records[record_id].source_type
        if kind in protocol.risk_of_bias_tools and kind not in designs:
            wanted.append((kind, record_id))
    return wanted


def _match(appraisals: list[Appraisal], kind: str | None, record: str) -> Appraisal | None:
    """The study's own appraisal (``kind`` None) or that of report ``record``."""
    return next((a for a in appraisals if (a.source_type is None) == (kind is None)
                 and (kind is None or a.record == record)), None)


def missing_appraisals(
    review_dir: str | Path, studies: list[Study], appraisals: dict[str, list[Appraisal]], protocol: Protocol,
    records: list[Record],
) -> list[str]:
    """What the given studies still lack: an appraisal not started, or one with items not answered."""
    by_id = {r.id: r for r in records}
    missing = []
    for study in studies:
        done = appraisals.get(study.id, [])
        if study_design(review_dir, study.id) is None:
            missing.append(f"{study.id}: design not extracted, so its tool is not known")
        for kind, record in expected_appraisals(review_dir, study, protocol, by_id):
            if _match(done, kind, record) is None:
                missing.append(f"{study.id}: no {'study' if kind is None else kind + ' (' + record + ')'} appraisal")
        missing.extend(f"{study.id}: {a.tool.id} items {a.missing} not answered" for a in done if a.missing)
    return missing


def plan_table(
    review_dir: str | Path, studies: list[Study], appraisals: dict[str, list[Appraisal]], protocol: Protocol,
    records: list[Record],
) -> pd.DataFrame:
    """Per appraisal the studies call for or have: what decides the tool, the tool, and the overall judgment.

    ``basis`` is the study's design (extraction form) or the report's source type (as the records
    stage suggests it, or as the appraisal states it); ``tool`` is the one used, else the one called for.
    """
    by_id = {r.id: r for r in records}
    rows = []
    for study in studies:
        design = study_design(review_dir, study.id)
        done = appraisals.get(study.id, [])
        wanted = expected_appraisals(review_dir, study, protocol, by_id)
        wanted += [(a.source_type, a.record) for a in done if (a.source_type, a.record) not in wanted
                   and not (a.source_type is None and any(k is None for k, _ in wanted))]
        for kind, record in wanted:
            found = _match(done, kind, record)
            rows.append({
                "study_id": study.id,
                "record_id": record,
                "basis": f"design: {design or 'not extracted'}" if kind is None else f"source type: {kind}",
                "tool": found.tool.id if found else protocol.risk_of_bias_tools.get(design if kind is None else kind, ""),
                "overall": found.overall.judgment if found and found.overall else PENDING,
            })
    return pd.DataFrame(rows, columns=["study_id", "record_id", "basis", "tool", "overall"])


def stage_status(review_dir: Path, protocol: Protocol, records: list[Record]) -> StageStatus:
    """Risk of bias: problems in the files, else what the studies with extraction forms still lack."""

    studies, appraisals, _, errors = read_appraisals(review_dir, protocol, records)
    if errors:
        return StageStatus("risk of bias", "pending", f"{len(errors)} problem(s) in tool or judgment files")
    extracted = [s for s in studies if form_path(review_dir, s.id).exists()]
    count = sum(len(a) for a in appraisals.values())
    if not count:
        return StageStatus("risk of bias", "pending", "no risk-of-bias judgments yet")
    missing = missing_appraisals(review_dir, extracted, appraisals, protocol, records)
    summary = f"{count} appraisal(s) of {sum(1 for a in appraisals.values() if a)} stud(ies)"
    if missing:
        return StageStatus("risk of bias", "pending", f"{summary}; still to do: {len(missing)}")
    return StageStatus("risk of bias", "done", summary)


def _check_candidate(
    text: str, path: Path, study: Study, protocol: Protocol, records: dict[str, Record], tools: dict[str, Tool],
    design: str | None,
) -> list[ReviewInputError]:
    """Every problem a rob file would have with ``text``, with line numbers in that text and ``path`` named."""
    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / path.name
        candidate.write_text(text, encoding="utf-8")
        _, errors = parse_rob_file(yaml.safe_load(text), candidate, study, protocol, records, tools, design)
    return [ReviewInputError(path, e.message, line=e.line, field=e.field, record=e.record) for e in errors]


def raw_appraisal(data: Any, study: Study, tool_id: str, source_type: str | None, record: str) -> dict[str, Any] | None:
    """The appraisal with ``tool_id`` in a rob file's data: the study's (``source_type`` None) or that of report ``record``."""
    appraisals = data.get("appraisals") if isinstance(data, dict) else None
    return next((a for a in appraisals or [] if isinstance(a, dict) and a.get("tool") == tool_id
                 and a.get("source_type") == source_type
                 and (source_type is None or a.get("record", study.primary_record) == record)), None)


def record_judgment(
    review_dir: str | Path, study_id: str, tool_id: str, item: str, answer: str | None, *,
    protocol: Protocol, records: list[Record], quote: str | list[str] | None = None,
    record: str | None = None, note: str | None = None, source_type: str | None = None,
) -> None:
    """Write one item's judgment (``item="overall"``: the overall judgment, ``answer`` its text, or None to leave
    it to the tool's rule) into a study's rob file, atomically, after checking the whole file as it would be.

    Everything else in the file is kept as the reviewer wrote it, comments and layout included (ruamel.yaml
    round trip); a file that has problems already is reported and left alone. The appraisal is the study's
    (``source_type`` None; ``record`` is then the report quoted) or that of report ``record`` with ``source_type``.
    """
    by_id = {r.id: r for r in records}
    studies, _ = read_studies(review_dir, list(by_id))
    path = rob_path(review_dir, study_id)
    study = next((s for s in studies if s.id == study_id), None)
    if study is None:
        raise ReviewInputError(path, f"no study has the id {study_id!r}")
    tools = read_tools(review_dir)[0]
    tool = tools.get(tool_id)
    if tool is None:
        raise ReviewInputError(path, f"unknown tool {tool_id!r}", field=item)
    design = study_design(review_dir, study_id)
    if path.exists():
        problems = parse_rob_file(load_yaml(path), path, study, protocol, by_id, tools, design)[1]
        if problems:
            raise_collected(problems)
    data = load_for_edit(path)
    if data is None:
        data = new_document(f"Risk-of-bias judgments of study {study_id}. Reviewer-owned data: edit by hand or with "
                            "the form in\nnotebook 04, validate with `reviewkit validate`.", appraisals=CommentedSeq())
    appraised = record if source_type and record else study.primary_record
    entry = raw_appraisal(data, study, tool_id, source_type, appraised)
    if entry is None:
        entry = CommentedMap(tool=tool_id, record=appraised, **({"source_type": source_type} if source_type else {}))
        data["appraisals"].append(entry)
    if not entry.get("items"):
        entry["items"] = CommentedMap()  # block style, also in place of a reviewer's empty ``items: {}``
    if item == "overall":
        if answer is None and note is None:
            entry.pop("overall", None)
        else:
            set_entry(entry, "overall", {"judgment": answer, "note": note}, ["items", "overall"])
    else:
        given = int(answer) if isinstance(answer, str) and answer.isdigit() else answer
        values = {"answer": given, "quote": quote, "record": None if record == appraised else record, "note": note}
        set_entry(entry["items"], item, values, [i.id for i in tool.items])
    text = dump_edited(data)
    problems = _check_candidate(text, path, study, protocol, by_id, tools, design)
    if problems:
        raise_collected(problems)
    atomic_write_text(path, text)
