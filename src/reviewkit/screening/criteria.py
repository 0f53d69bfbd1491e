"""Suggested screening decisions from the protocol's eligibility rules.

Each criterion's ``met_if`` and ``not_met_if`` patterns are matched sentence by sentence:
a criterion is met when only ``met_if`` patterns match somewhere in the text, not met when
only ``not_met_if`` patterns do, and unclear when both or neither do. The suggestion for a
record is to exclude for the first unmet criterion (protocol order), include when every
criterion is met, and unclear otherwise. Nothing here knows about a particular corpus.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html import escape

import pandas as pd

from reviewkit.core.protocol import Criterion, Protocol
from reviewkit.core.text import join_cell
from reviewkit.records.model import Record

MET, NOT_MET, UNCLEAR = "met", "not_met", "unclear"
# A sentence ends at . ! ? before a capital, digit or opening quote, after a CJK full stop, or at a
# line break unless the next line goes on in lower case (text wrapped mid-sentence).
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"“'(\[]?[A-Z0-9])|(?<=[。！？])|\s*\n\s*(?=[^\sa-z])")


@dataclass(frozen=True)
class SentenceMatch:
    """A sentence that fired a rule: its offsets in the record text and the matched spans in it."""

    start: int
    end: int
    sentence: str
    polarity: str  # MET or NOT_MET: which list of patterns matched
    spans: tuple[tuple[int, int], ...]  # offsets within ``sentence``, sorted, not overlapping


@dataclass(frozen=True)
class Judgment:
    criterion: str
    judgment: str  # MET, NOT_MET or UNCLEAR
    evidence: tuple[SentenceMatch, ...]


@dataclass(frozen=True)
class ScreeningSuggestion:
    record_id: str
    decision: str  # "include", "exclude" or "unclear"
    exclusion_reason: str  # the protocol's reason id when the decision is "exclude", else ""
    judgments: tuple[Judgment, ...]


def sentences(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of the non-empty sentences of ``text``."""
    spans, start = [], 0
    for boundary in [*_BOUNDARY.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        if text[start:end].strip():
            lead = len(text[start:end]) - len(text[start:end].lstrip())
            spans.append((start + lead, start + len(text[start:end].rstrip())))
        if boundary:
            start = boundary.end()
    return spans


_NOT_JOINABLE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(\d|^\(\?[aiLmsux]+\)")  # references to a group by number or name, flags


@functools.lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str] | None, tuple[re.Pattern[str], ...]]:
    """Any of ``patterns`` as one expression, to pass over at once a sentence none of them matches (None where
    joining them could change what one means), and each of them."""
    each = tuple(re.compile(p, re.IGNORECASE) for p in patterns)
    if not patterns or any(_NOT_JOINABLE.search(p) for p in patterns):
        return None, each
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE), each
    except re.error:  # a group name two patterns share
        return None, each


def _matches(patterns: list[str], sentence: str) -> tuple[tuple[int, int], ...]:
    """Where any of ``patterns`` matches in ``sentence``, overlapping matches merged."""
    anyone, each = _compiled(tuple(patterns))
    if anyone is not None and anyone.search(sentence) is None:
        return ()
    found = sorted(m.span() for p in each for m in p.finditer(sentence) if m.end() > m.start())
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def judge(criterion: Criterion, text: str) -> Judgment:
    """Judge one criterion on a text, keeping every sentence that fired a rule."""
    evidence = []
    for start, end in sentences(text):
        sentence = text[start:end]
        for polarity, patterns in ((MET, criterion.met_if), (NOT_MET, criterion.not_met_if)):
            spans = _matches(patterns, sentence)
            if spans:
                evidence.append(SentenceMatch(start, end, sentence, polarity, spans))
    fired = {e.polarity for e in evidence}
    judgment = MET if fired == {MET} else NOT_MET if fired == {NOT_MET} else UNCLEAR
    return Judgment(criterion.id, judgment, tuple(evidence))


def suggest(protocol: Protocol, record: Record) -> ScreeningSuggestion:
    """The suggested decision for a record, with the judgment of every criterion."""
    judgments = tuple(judge(c, record.text) for c in protocol.eligibility)
    for criterion, judgment in zip(protocol.eligibility, judgments):
        if judgment.judgment == NOT_MET:
            return ScreeningSuggestion(record.id, "exclude", criterion.exclusion_reason, judgments)
    decision = "include" if all(j.judgment == MET for j in judgments) else "unclear"
    return ScreeningSuggestion(record.id, decision, "", judgments)


def suggestions(protocol: Protocol, records: list[Record]) -> dict[str, ScreeningSuggestion]:
    """Suggestions for all records, by record id."""
    return {r.id: suggest(protocol, r) for r in records}


def criteria_table(found: dict[str, ScreeningSuggestion]) -> pd.DataFrame:
    """One row per record and criterion: the judgment and its evidence sentences (marked met/not met)."""
    rows = [
        {
            "record_id": s.record_id,
            "criterion": j.criterion,
            "judgment": j.judgment,
            "evidence": join_cell(f"[{e.polarity}] {e.sentence}" for e in j.evidence),
        }
        for s in found.values()
        for j in s.judgments
    ]
    return pd.DataFrame(rows, columns=["record_id", "criterion", "judgment", "evidence"])


def sentence_html(evidence: SentenceMatch) -> str:
    """The evidence sentence as escaped HTML, matched words in <mark> (green for met, red for not met)."""
    colour = "#c8f0c8" if evidence.polarity == MET else "#f6c6c6"
    parts, position = [], 0
    for start, end in evidence.spans:
        parts.append(escape(evidence.sentence[position:start]))
        parts.append(f'<mark style="background:{colour}">{escape(evidence.sentence[start:end])}</mark>')
        position = end
    parts.append(escape(evidence.sentence[position:]))
    return "".join(parts)


def evidence_html(found: dict[str, ScreeningSuggestion], per_kind: int = 3, records: int = 50) -> str:
    """An HTML table of the first ``records`` records' judgments, each with at most ``per_kind`` highlighted
    sentences that met and that did not meet the criterion (the rest are counted); a line under it says how many
    records are left out (every record's evidence is in ``criteria_table``), so a notebook stays readable."""
    rows = []
    for s in list(found.values())[:records]:
        for j in s.judgments:
            cells = []
            for polarity in (MET, NOT_MET):
                fired = [e for e in j.evidence if e.polarity == polarity]
                cells += [f"<li>{sentence_html(e)}</li>" for e in fired[:per_kind]]
                if len(fired) > per_kind:
                    cells.append(f"<li><i>... {len(fired) - per_kind} more sentence(s) {polarity.replace('_', ' ')}</i></li>")
            rows.append(
                f"<tr><td>{escape(s.record_id)}</td><td>{escape(s.decision)} {escape(s.exclusion_reason)}</td>"
                f"<td>{escape(j.criterion)}</td><td>{escape(j.judgment)}</td>"
                f"<td style='text-align:left'><ul>{''.join(cells) or '<i>no rule fired</i>'}</ul></td></tr>"
            )
    head = "".join(f"<th>{h}</th>" for h in ("record", "suggestion", "criterion", "judgment", "evidence"))
    left = len(found) - records
    note = f"<p><i>The evidence of {left:,} more record(s) is in tables/screening_criteria.csv.</i></p>" if left > 0 else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"


def criteria_overview(protocol: Protocol) -> pd.DataFrame:
    """The protocol's eligibility criteria: id, label, the exclusion reason when not met, and how many rules each has."""
    return pd.DataFrame(
        [{"criterion": c.id, "label": c.label, "exclusion_reason": c.exclusion_reason,
          "met_if patterns": len(c.met_if), "not_met_if patterns": len(c.not_met_if)} for c in protocol.eligibility],
        columns=["criterion", "label", "exclusion_reason", "met_if patterns", "not_met_if patterns"])
