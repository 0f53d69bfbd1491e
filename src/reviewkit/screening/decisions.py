"""Screening decisions: ``review/screening/<phase>/<reviewer>.csv`` and ``consensus.csv``.

One row per record and reviewer: decision (include, exclude, unsure), the protocol's
exclusion reason for an exclusion, a note, the reviewer and an ISO 8601 UTC timestamp.
A record's decision at a stage is the consensus row if there is one, else the reviewers'
decision when every reviewer of the stage made the same one; disagreeing reviewers leave a
``conflict``, missing decisions leave it ``pending``. Full-text screening covers the records
not excluded at title/abstract (an ``unsure`` record goes on to full text).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from reviewkit.core.csv_rows import Rows, read_csv_rows
from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.core.protocol import Protocol
from reviewkit.core.stage_state import StageState
from reviewkit.core.storage import locked, read_text, save_checked
from reviewkit.core.team import CONSENSUS, REVIEWER_ID
from reviewkit.core.text import join_cell
from reviewkit.records.dedup.review import unique_records
from reviewkit.records.model import Record
from reviewkit.screening.criteria import ScreeningSuggestion, suggestions

SCREENING_DIR = "screening"
PHASES = ("title_abstract", "full_text")
DECISIONS = ("include", "exclude", "unsure")
COLUMNS = ["record_id", "decision", "exclusion_reason", "note", "reviewer", "timestamp"]
PENDING, CONFLICT = "pending", "conflict"


def decision_file(review_dir: str | Path, stage: str, reviewer: str) -> Path:
    """The decision file of a reviewer (or ``consensus``) at a stage."""
    return Path(review_dir) / SCREENING_DIR / stage / f"{reviewer}.csv"


def _check_rows(
    path: Path, rows: Rows, protocol: Protocol, record_ids: set[str], reviewer: str | None
) -> list[ReviewInputError]:
    """Problems in the rows of one file; ``reviewer`` is the file's reviewer (None for consensus)."""
    reasons = {r.id for r in protocol.exclusion_reasons}
    errors, seen = [], {}
    for line, row in rows:
        record = excerpt(row["record_id"]) or None

        def error(message: str, field: str) -> None:
            errors.append(ReviewInputError(path, message, line=line, record=record, field=field))

        if not row["record_id"]:
            error("a record id is required", "record_id")
        elif row["record_id"] not in record_ids:
            error("no record has this id", "record_id")
        elif row["record_id"] in seen:
            error(f"a second row for this record (the first is on line {seen[row['record_id']]})", "record_id")
        else:
            seen[row["record_id"]] = line
        if row["decision"] not in DECISIONS:
            error(f"decision {excerpt(row['decision'])!r} is not one of {', '.join(DECISIONS)}", "decision")
        if row["decision"] == "exclude" and not row["exclusion_reason"]:
            error("an exclusion needs a reason from the protocol's exclusion_reasons", "exclusion_reason")
        elif row["exclusion_reason"] and row["exclusion_reason"] not in reasons:
            error(f"reason {excerpt(row['exclusion_reason'])!r} is not in the protocol's exclusion_reasons: "
                  f"{', '.join(sorted(reasons))}", "exclusion_reason")
        elif row["exclusion_reason"] and row["decision"] in ("include", "unsure"):
            error("an exclusion reason is given only with decision 'exclude'", "exclusion_reason")
        if reviewer is not None and row["reviewer"] != reviewer:
            error(f"the reviewer must be {reviewer!r}, as the file name says", "reviewer")
        if reviewer is None and not row["reviewer"]:
            error("name who resolved the conflict", "reviewer")
        if not _is_utc_timestamp(row["timestamp"]):
            error("expected an ISO 8601 UTC timestamp such as 2025-01-31T14:05:00Z", "timestamp")
    return errors


def _is_utc_timestamp(value: str) -> bool:
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return False
    return stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0


def _stage_files(review_dir: Path) -> tuple[list[tuple[str, Path]], list[ReviewInputError]]:
    """(stage, path) of every decision file, and errors for folders or files that do not belong."""
    root = review_dir / SCREENING_DIR
    found, errors = [], []
    if not root.is_dir():
        return found, errors
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir() or entry.name not in PHASES:
            errors.append(ReviewInputError(entry, f"not a screening stage: expected a folder named {' or '.join(PHASES)}"))
            continue
        for path in sorted(entry.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix != ".csv" or not REVIEWER_ID.fullmatch(path.stem):
                errors.append(ReviewInputError(path, "expected <reviewer>.csv or consensus.csv (reviewer ids: letters, digits, _ . -)"))
            else:
                found.append((entry.name, path))
    return found, errors


def _collect(
    review_dir: str | Path, protocol: Protocol, record_ids: list[str], replace: dict[Path, str] | None = None
) -> tuple[pd.DataFrame, list[ReviewInputError]]:
    """All decision rows (with stage, file and line) and every problem in every file.

    ``replace`` gives new text for files, to check a change before writing it.
    """
    review_dir = Path(review_dir)
    replace = replace or {}
    files, errors = _stage_files(review_dir)
    files += [(p.parent.name, p) for p in replace if (p.parent.name, p) not in files]
    rows = []
    for stage, path in files:
        try:
            text = replace[path] if path in replace else read_text(path)
        except ReviewInputError as exc:
            errors.append(exc)
            continue
        parsed, problems = read_csv_rows(path, text, COLUMNS)
        reviewer = None if path.stem == CONSENSUS else path.stem
        problems += _check_rows(path, parsed, protocol, set(record_ids), reviewer)
        errors += problems
        if not problems:
            rows += [{"stage": stage, "file": str(path), "line": line, "consensus": reviewer is None, **row} for line, row in parsed]
    table = pd.DataFrame(rows, columns=["stage", "file", "line", "consensus", *COLUMNS]).astype({"consensus": bool})
    resolved = resolve(table, record_ids)
    excluded = set(resolved[(resolved["stage"] == PHASES[0]) & (resolved["decision"] == "exclude")]["record_id"])
    for row in table[(table["stage"] == PHASES[1]) & table["record_id"].isin(excluded)].itertuples():
        errors.append(
            ReviewInputError(row.file, "the record was excluded at title/abstract: no full-text decision is needed", line=row.line, record=row.record_id, field="record_id")
        )
    return table, errors


def validate(review_dir: str | Path, protocol: Protocol, records: list[Record]) -> list[ReviewInputError]:
    """Every problem in every screening file of the review."""
    return _collect(review_dir, protocol, [r.id for r in records])[1]


def load_decisions(review_dir: str | Path, protocol: Protocol, records: list[Record]) -> pd.DataFrame:
    """All decision rows of the review (columns stage, file, line, consensus and the file columns)."""
    table, errors = _collect(review_dir, protocol, [r.id for r in records])
    if errors:
        raise_collected(errors)
    return table


def record_decision(
    review_dir: str | Path,
    protocol: Protocol,
    records: list[Record],
    *,
    stage: str,
    reviewer: str,
    record_id: str,
    decision: str,
    exclusion_reason: str = "",
    note: str = "",
    timestamp: str | None = None,
    consensus: bool = False,
) -> Path:
    """Record one decision: replace the reviewer's row for the record or add one, atomically.

    With ``consensus=True`` the row goes to ``consensus.csv`` and ``reviewer`` names who
    resolved it. Nothing is written if the file as it is, or as it would become, has a problem.
    """
    if stage not in PHASES:
        raise ValueError(f"stage must be one of {', '.join(PHASES)}, not {stage!r}")
    if not consensus and (not REVIEWER_ID.fullmatch(reviewer) or reviewer == CONSENSUS):
        raise ValueError(f"reviewer id {reviewer!r}: use letters, digits, _ . - (and not {CONSENSUS!r})")
    path = decision_file(review_dir, stage, CONSENSUS if consensus else reviewer)
    record_ids = [r.id for r in records]
    with locked(path):
        rows: Rows = []
        if path.exists():
            rows, errors = read_csv_rows(path, read_text(path), COLUMNS)
            raise_collected(errors or _check_rows(path, rows, protocol, set(record_ids), None if consensus else reviewer))
        new = {
            "record_id": record_id,
            "decision": decision,
            "exclusion_reason": exclusion_reason,
            "note": note,
            "reviewer": reviewer,
            "timestamp": timestamp or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        kept = [row for _, row in rows]
        index = next((i for i, row in enumerate(kept) if row["record_id"] == record_id), len(kept))
        kept[index:index + 1] = [new]
        text = pd.DataFrame(kept, columns=COLUMNS).to_csv(index=False, lineterminator="\n")
        before = {str(e) for e in _collect(review_dir, protocol, record_ids)[1]}
        # the problems the change would bring to any screening file (a full-text row for a record it excludes)
        save_checked(path, text, [e for e in _collect(review_dir, protocol, record_ids, {path: text})[1]
                                  if str(e) not in before])
    return path


def resolve(decisions: pd.DataFrame, record_ids: list[str]) -> pd.DataFrame:
    """The decision per record and stage: consensus, else agreeing reviewers; else conflict or pending.

    Columns: record_id, stage, decision, exclusion_reason, decided_by, reviewers, note.
    Full-text rows are given for records not excluded at title/abstract.
    """
    rows, first = [], {}
    for stage in PHASES:
        at_stage = decisions[decisions["stage"] == stage]
        reviewers = sorted(set(at_stage[~at_stage["consensus"]]["reviewer"]))
        by_record: dict[str, list] = {}  # the rows of each record, in file order: one pass, not one per record
        for row in at_stage.itertuples(index=False):
            by_record.setdefault(row.record_id, []).append(row)
        for record_id in record_ids:
            if stage == PHASES[1] and first[record_id] == "exclude":
                continue
            row = _resolve_one(by_record.get(record_id, []), reviewers)
            first.setdefault(record_id, row["decision"])
            rows.append({"record_id": record_id, "stage": stage, **row})
    return pd.DataFrame(rows, columns=["record_id", "stage", "decision", "exclusion_reason", "decided_by", "reviewers", "note"])


def _resolve_one(rows: list, reviewers: list[str]) -> dict[str, str]:
    """One record's decision at one stage from its rows (named tuples of the decisions table)."""
    individual = [r for r in rows if not r.consensus]
    summary = join_cell(
        f"{r.reviewer}: {r.decision}" + (f" ({r.exclusion_reason})" if r.exclusion_reason else "") for r in individual
    )
    notes = join_cell(f"{r.reviewer}: {r.note}" for r in rows if r.note)
    agreed = {(r.decision, r.exclusion_reason) for r in individual}
    chosen = next((r for r in rows if r.consensus), None)
    if chosen is not None:
        decision, reason, by = chosen.decision, chosen.exclusion_reason, f"consensus ({chosen.reviewer})"
    elif len(agreed) > 1:
        decision, reason, by = CONFLICT, "", ""
    elif not individual or len(individual) < len(reviewers):
        decision, reason, by = PENDING, "", ""
    else:
        decision, reason = agreed.pop()
        by = "unanimous" if len(reviewers) > 1 else "single reviewer"
    return {"decision": decision, "exclusion_reason": reason, "decided_by": by, "reviewers": summary, "note": notes}


def conflicts(decisions: pd.DataFrame) -> pd.DataFrame:
    """Records on which reviewers disagree (decision or exclusion reason), with how each was resolved."""
    rows = []
    for (stage, record_id), group in decisions.groupby(["stage", "record_id"], sort=True):
        individual = group[~group["consensus"]]
        if len({(r.decision, r.exclusion_reason) for r in individual.itertuples()}) < 2:
            continue
        agreed = group[group["consensus"]]
        rows.append(
            {
                "record_id": record_id,
                "stage": stage,
                "decisions": join_cell(
                    f"{r.reviewer}: {r.decision}" + (f" ({r.exclusion_reason})" if r.exclusion_reason else "") for r in individual.itertuples()
                ),
                "consensus": "" if agreed.empty else agreed.iloc[0]["decision"] + (f" ({agreed.iloc[0]['exclusion_reason']})" if agreed.iloc[0]["exclusion_reason"] else ""),
                "resolved_by": "" if agreed.empty else agreed.iloc[0]["reviewer"],
            }
        )
    return pd.DataFrame(rows, columns=["record_id", "stage", "decisions", "consensus", "resolved_by"])


def resolved_table(review_dir: str | Path, protocol: Protocol, records: list[Record],
                   to_screen: list[Record] | None = None) -> pd.DataFrame:
    """One row per record screened (``to_screen``: all ``records`` but the duplicates removed, unless given) and
    stage: the decision, who made it, and whether the record is included (``resolve``, with ``title`` and
    ``included``)."""
    to_screen = unique_records(review_dir, records) if to_screen is None else to_screen
    resolved = resolve(load_decisions(review_dir, protocol, records), [r.id for r in to_screen])
    resolved["title"] = resolved["record_id"].map({r.id: r.title for r in to_screen})
    resolved["included"] = resolved["record_id"].isin(set(included_ids(resolved)))
    return resolved


def screening_table(review_dir: str | Path, protocol: Protocol, records: list[Record],
                    found: dict[str, ScreeningSuggestion] | None = None) -> pd.DataFrame:
    """``resolved_table`` with each record's suggestion beside its decision. ``found``: the records' suggestions
    (``criteria.suggestions``) where the caller has them already."""
    to_screen = unique_records(review_dir, records)
    resolved = resolved_table(review_dir, protocol, records, to_screen)
    if found is None:
        found = suggestions(protocol, to_screen)
    resolved["suggested_decision"] = resolved["record_id"].map(lambda i: found[i].decision)
    resolved["suggested_reason"] = resolved["record_id"].map(lambda i: found[i].exclusion_reason)
    return resolved[
        ["record_id", "stage", "decision", "exclusion_reason", "suggested_decision", "suggested_reason",
         "decided_by", "reviewers", "note", "included", "title"]
    ]


def included_ids(resolved: pd.DataFrame) -> list[str]:
    """Records included at full text after passing title/abstract (``resolve`` output)."""
    passed = set(resolved[(resolved["stage"] == PHASES[0]) & resolved["decision"].isin(["include", "unsure"])]["record_id"])
    kept = resolved[(resolved["stage"] == PHASES[1]) & (resolved["decision"] == "include")]["record_id"]
    return [r for r in kept if r in passed]


def prisma_screening_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Counts per stage from ``screening_table`` (columns stage, measure, reason, count).

    Per stage: records to screen, screened (decided), excluded (in total and per reason),
    included, unsure, conflict, pending; then the records included in the review. Full text
    counts only the records that passed title/abstract (PRISMA's reports assessed).
    """
    rows = []
    for stage in PHASES:
        at_stage = table[table["stage"] == stage]
        if stage == PHASES[1]:
            passed = table[(table["stage"] == PHASES[0]) & table["decision"].isin(["include", "unsure"])]["record_id"]
            at_stage = at_stage[at_stage["record_id"].isin(passed)]
        decided = at_stage["decision"].isin(DECISIONS)
        excluded = at_stage[at_stage["decision"] == "exclude"]
        rows.append((stage, "to_screen", "", len(at_stage)))
        rows.append((stage, "screened", "", int(decided.sum())))
        rows.append((stage, "excluded", "", len(excluded)))
        rows += [(stage, "excluded", reason, int(n)) for reason, n in excluded["exclusion_reason"].value_counts().sort_index().items()]
        rows.append((stage, "included", "", int((at_stage["decision"] == "include").sum())))
        rows += [(stage, state, "", int((at_stage["decision"] == state).sum())) for state in ("unsure", CONFLICT, PENDING)]
    rows.append(("overall", "included", "", int(table[table["stage"] == PHASES[1]]["included"].sum())))
    return pd.DataFrame(rows, columns=["stage", "measure", "reason", "count"])


def stage_status(review_dir: Path, protocol: Protocol, records: list[Record]) -> StageState:
    """The screening stage for ``reviewkit status``: done when no record awaits a decision."""

    errors = validate(review_dir, protocol, records)
    if errors:
        return StageState("pending", f"{len(errors)} problem(s) in the screening files: run reviewkit validate")
    table = resolved_table(review_dir, protocol, records)  # the decisions only: no suggestion is needed
    ta, ft = (table[table["stage"] == stage] for stage in PHASES)
    passed = set(ta[ta["decision"].isin(["include", "unsure"])]["record_id"])
    ft = ft[ft["record_id"].isin(passed)]
    open_ = table["decision"].isin([PENDING, CONFLICT]).sum() + (ft["decision"] == "unsure").sum()
    summary = (
        f"{ta['decision'].isin(DECISIONS).sum()} records screened at title/abstract, "
        f"{ft['decision'].isin(DECISIONS).sum()} at full text; "
        f"{(table['decision'] == CONFLICT).sum()} conflicts; {(table['decision'] == 'exclude').sum()} excluded; "
        f"{ft['included'].sum()} included"
    )
    return StageState("pending" if open_ else "done", summary)
