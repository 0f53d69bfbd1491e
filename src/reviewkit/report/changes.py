"""What changed in an updated review since its previous version: new studies and reports, and the decisions, extracted
values and risk-of-bias judgments that differ.

A study is *new* when none of its reports is a record of an earlier search round, and a report is new when it is a
record of the latest round. Decisions, values and judgments are compared with the previous version of the review
folder where git history has it (``core.history``): the same readers read both versions, and a row is written for
each record, field or item whose value differs. Without that history only the screening files' timestamps can
tell: decisions on earlier rounds' records dated on or after the round's date are listed, and the forms cannot be
compared (a row of kind ``note`` says so). Columns: ``kind`` (``new_study``, ``new_report``, ``decision``,
``extraction``, ``risk_of_bias``, ``note``), ``id`` (study or record), ``field`` (stage, form field or item),
``before``, ``after``, ``basis`` (the commit compared with, or ``timestamps``).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from reviewkit.appraisal.judgments import Appraisal, load_appraisals
from reviewkit.core.errors import ReviewInputError, ReviewInputErrors, excerpt
from reviewkit.core.history import version_before, write_version
from reviewkit.core.protocol import Protocol, load_protocol
from reviewkit.core.text import split_cell
from reviewkit.extraction.forms import Form, load_forms
from reviewkit.records.model import Record
from reviewkit.screening.decisions import load_decisions, resolve

CHANGE_COLUMNS = ["kind", "id", "field", "before", "after", "basis"]


def _new_studies(studies: pd.DataFrame, round_of: dict[str, int], latest: int) -> list[dict]:
    """A row per new study, and per new report of a study included before (``round_of``: record id → round)."""
    rows = []
    for row in studies.itertuples():
        reports = split_cell(row.records)
        new = [r for r in reports if round_of.get(r) == latest]
        if new and len(new) == len(reports):
            rows.append({"kind": "new_study", "id": row.study_id, "field": "", "before": "", "after": "; ".join(new)})
        else:
            rows += [{"kind": "new_report", "id": r, "field": row.study_id, "before": "", "after": "included"} for r in new]
    return rows


def _decision_text(row: pd.Series) -> str:
    return f"{row.decision} ({row.exclusion_reason})" if row.exclusion_reason else str(row.decision)


def _decision_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[dict]:
    old = {(r.record_id, r.stage): _decision_text(r) for r in before.itertuples()}
    return [{"kind": "decision", "id": r.record_id, "field": r.stage, "before": old.get((r.record_id, r.stage), "pending"),
             "after": _decision_text(r)}
            for r in after.itertuples() if old.get((r.record_id, r.stage), "pending") != _decision_text(r)]


def _value(value: object) -> str:
    return "; ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _form_changes(before: dict[str, Form], after: dict[str, Form], new_studies: set[str]) -> list[dict]:
    """Values that differ, field by field, in the forms of studies that are not new; a form first filled since is
    one row."""
    rows = []
    for study_id, form in after.items():
        old = before[study_id].entries if study_id in before else {}
        if study_id in new_studies or not form.entries:
            continue
        if not old:
            rows.append({"kind": "extraction", "id": study_id, "field": "", "before": "no form",
                         "after": f"{len(form.entries)} field(s) extracted"})
            continue
        for key in dict.fromkeys([*old, *form.entries]):
            was = _value(old[key].value) if key in old else "pending"
            now = _value(form.entries[key].value) if key in form.entries else "pending"
            if was != now:
                rows.append({"kind": "extraction", "id": study_id, "field": key, "before": was, "after": now})
    return rows


def _judgments(appraisals: dict[str, list[Appraisal]], skip: set[str]) -> dict[str, dict[str, str]]:
    """Appraisal label → (tool: item, or tool: overall) → answer, for the studies not in ``skip``."""
    found: dict[str, dict[str, str]] = {}
    for study_id, items in appraisals.items():
        for a in items if study_id not in skip else []:
            answers = found.setdefault(a.label, {})
            answers |= {f"{a.tool.id}: {i}": j.answer for i, j in a.items.items()}
            answers[f"{a.tool.id}: overall"] = a.overall.judgment if a.overall else "pending"
    return found


def _rob_changes(before: dict[str, list[Appraisal]], after: dict[str, list[Appraisal]], new_studies: set[str]) -> list[dict]:
    """Answers that differ, item by item, in the appraisals of studies that are not new; an appraisal made since is
    one row."""
    old, rows = _judgments(before, new_studies), []
    for label, answers in _judgments(after, new_studies).items():
        if label not in old:
            rows.append({"kind": "risk_of_bias", "id": label, "field": "", "before": "not appraised",
                         "after": "; ".join(f"{k} {v}" for k, v in answers.items() if k.endswith(": overall"))})
            continue
        rows += [{"kind": "risk_of_bias", "id": label, "field": item, "before": old[label].get(item, "pending"),
                  "after": now} for item, now in answers.items() if old[label].get(item, "pending") != now]
    return rows


def _compared(review_dir: Path, previous: Path, protocol: Protocol, records: list[Record], earlier: list[str],
              new_studies: set[str]) -> list[dict]:
    """Decisions on earlier rounds' records, values and judgments that differ between ``previous`` and now."""
    old_protocol = load_protocol(previous)
    rows = _decision_changes(resolve(load_decisions(previous, old_protocol, records), earlier),
                             resolve(load_decisions(review_dir, protocol, records), earlier))
    rows += _form_changes(load_forms(previous, old_protocol, records)[1], load_forms(review_dir, protocol, records)[1],
                          new_studies)
    rows += _rob_changes(load_appraisals(previous, old_protocol, records)[1],
                         load_appraisals(review_dir, protocol, records)[1], new_studies)
    return rows


def _dated(review_dir: Path, protocol: Protocol, records: list[Record], earlier: list[str]) -> list[dict]:
    """Without history: decisions on earlier rounds' records dated on or after the latest round's date."""
    since = protocol.rounds[-1].date
    rows = [{"kind": "note", "id": "", "field": "", "before": "", "after": "no git history of the review folder before "
             "this round: extracted values and risk-of-bias judgments could not be compared"}]
    if since is None:
        return rows + [{"kind": "note", "id": "", "field": "", "before": "", "after": "the latest round has no date: "
                        "decisions made since it cannot be told"}]
    decisions = load_decisions(review_dir, protocol, records)
    recent = decisions[decisions["record_id"].isin(earlier) & (decisions["timestamp"].str[:10] >= since.isoformat())]
    return rows + [{"kind": "decision", "id": r.record_id, "field": r.stage, "before": "", "after": _decision_text(r)}
                   for r in recent.itertuples()]


def changes_table(review_dir: str | Path, protocol: Protocol, records: list[Record],
                  studies: pd.DataFrame | None) -> pd.DataFrame:
    """What changed since the previous version of an updated review (``studies``: ``included_studies.csv``, None
    before extraction has run); empty for a review of one round."""
    review_dir, latest = Path(review_dir), protocol.latest_round
    if latest < 2:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    studies = studies if studies is not None else pd.DataFrame(columns=["study_id", "records"])
    rounds = protocol.source_rounds()
    round_of = {r.id: rounds[r.source] for r in records}
    rows = _new_studies(studies, round_of, latest)
    earlier = [record_id for record_id, number in round_of.items() if number < latest]
    commit = version_before(review_dir, protocol.rounds[-1].id)
    if commit is None:
        changed, basis = _dated(review_dir, protocol, records, earlier), "timestamps"
    else:
        with tempfile.TemporaryDirectory(prefix="reviewkit-previous-") as folder:
            try:
                changed, basis = _compared(review_dir, write_version(review_dir, commit, folder), protocol, records,
                                           earlier, {r["id"] for r in rows if r["kind"] == "new_study"}), f"git {commit[:10]}"
            except (ReviewInputError, ReviewInputErrors) as exc:
                first = exc.errors[0] if isinstance(exc, ReviewInputErrors) else exc
                changed, basis = _dated(review_dir, protocol, records, earlier), "timestamps"
                changed.insert(0, {"kind": "note", "id": "", "field": "", "before": "", "after": f"the previous version "
                                   f"(git {commit[:10]}) could not be read, so it was not compared: {excerpt(str(first))}"})
    return pd.DataFrame([{**row, "basis": basis} for row in rows + changed], columns=CHANGE_COLUMNS)
