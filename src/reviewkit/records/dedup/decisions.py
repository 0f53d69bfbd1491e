"""The reviewer's de-duplication decisions: ``review/dedup.csv``.

Columns ``ids``, ``decision``, ``note``. ``ids`` are the records' own ids (as in the ``merged_ids`` of
the duplicate groups) joined by ``;``. ``confirm`` makes the listed records one group even where the
engine would not join them; ``split`` keeps every listed record apart from every other listed record,
even where the engine would join them (to keep two of them together, also confirm those two). Because
the ids are the records' own, the decisions hold on every re-run.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from reviewkit.core.csv_rows import read_csv_rows
from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.core.storage import read_text

COLUMNS = ("ids", "decision", "note")
ID_SEPARATOR = ";"  # between record ids, here and in merged_ids: the format of the labelled de-duplication sets
DECISIONS = ("confirm", "split")


@dataclass(frozen=True)
class DedupDecision:
    """One row of the decisions file, with where it is for error messages."""

    ids: tuple[str, ...]
    decision: str
    note: str
    path: str
    line: int


def read_dedup_decisions(path: str | Path) -> list[DedupDecision]:
    """The decisions in ``path`` (none if the file does not exist); raises naming every bad row."""
    path = Path(path)
    if not path.exists():
        return []
    text = read_text(path)
    rows, errors = read_csv_rows(path, text, COLUMNS, required=COLUMNS[:2])
    decisions: list[DedupDecision] = []
    for line, row in rows:
        ids = tuple(part.strip() for part in row["ids"].split(ID_SEPARATOR) if part.strip())
        decision = row["decision"].lower()
        problems = []
        if len(ids) < 2:
            problems.append(("ids", "list at least two record ids joined by ';'"))
        elif len(set(ids)) < len(ids):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            problems.append(("ids", f"an id is listed twice: {excerpt(', '.join(repeated))}"))
        if decision not in DECISIONS:
            problems.append(("decision", f"{excerpt(row['decision'])!r} is not one of {', '.join(DECISIONS)}"))
        errors += [ReviewInputError(path, message, line=line, field=field) for field, message in problems]
        if not problems:
            decisions.append(DedupDecision(ids, decision, row["note"], str(path), line))
    errors += _contradictions(decisions)
    if errors:
        raise_collected(errors)
    return decisions


def _contradictions(decisions: list[DedupDecision]) -> list[ReviewInputError]:
    """A pair of records that one row confirms and another splits."""
    split_at = {}
    for d in decisions:
        if d.decision == "split":
            for pair in combinations(sorted(d.ids), 2):
                split_at.setdefault(pair, d.line)
    errors = []
    for d in decisions:
        if d.decision != "confirm":
            continue
        for pair in combinations(sorted(d.ids), 2):
            if pair in split_at:
                errors.append(ReviewInputError(
                    d.path,
                    f"confirms {excerpt(pair[0])} and {excerpt(pair[1])} as one record, but line {split_at[pair]} splits them",
                    line=d.line, field="ids"))
    return errors


def decision_constraints(
    decisions: list[DedupDecision], ids: list[str]
) -> tuple[list[tuple[DedupDecision, list[int]]], dict[int, set[int]]]:
    """The decisions in terms of record indices: each confirm with the indices it joins, and for each
    record the split rows (by position in ``decisions``) it is listed in. An id that names no record is
    left out with a warning, so a decision about a record that is gone does not block the rest."""
    where: dict[str, list[int]] = {}
    for index, record_id in enumerate(ids):
        where.setdefault(record_id, []).append(index)
    confirms, splits = [], {}
    for number, d in enumerate(decisions):
        missing = [record_id for record_id in d.ids if record_id not in where]
        if missing:
            warnings.warn(f"{d.path}, line {d.line}, field 'ids': no record has the id(s) {', '.join(missing)}; "
                          "the decision holds for the others", stacklevel=2)
        indices = [i for record_id in d.ids for i in where.get(record_id, [])]
        if d.decision == "confirm" and len(indices) > 1:
            confirms.append((d, indices))
        elif d.decision == "split":
            for i in indices:
                splits.setdefault(i, set()).add(number)
    return confirms, splits
