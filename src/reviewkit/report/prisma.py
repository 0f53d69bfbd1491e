"""PRISMA 2020 flow counts derived from the build tables, and the checks that they add up.

Inputs (``out_dir/tables``, written by earlier stages): ``sources.csv`` (records identified per
source and the PRISMA column it counts in), ``records.csv`` (each record's source),
``screening.csv`` (the decision per record and stage) and ``included_studies.csv`` (studies and
their reports, ``|``- or ``;``-separated record ids). Exclusion-reason labels come from the protocol.

Each PRISMA column (``databases_registers``, ``other_methods``) and their ``total`` gets the boxes:

- ``identified``: per source (``sources.csv`` records, plus the records skipped as malformed at import,
  its ``skipped`` column) and their sum;
- ``duplicates_removed``: records removed as duplicates (``records.csv`` ``duplicate_of``; without that
  column, records identified minus those removed for other reasons minus distinct records screened);
- ``removed_other``: records removed for other reasons: malformed records skipped at import;
- ``screened``: records that entered title/abstract screening;
- ``excluded_screening``: records excluded at title/abstract;
- ``awaiting_screening``: records still pending or in conflict at title/abstract (per state in ``reason``);
- ``sought``: reports sought for retrieval, the records passed on to full text (include or unsure);
- ``not_retrieved``: reports sought whose full text the review does not have (an imported record with no PDF
  attached by ``reviewkit attach``) and that have no full-text decision, and reports excluded at full text with
  the reason id ``not_retrieved`` (add ``{id: not_retrieved, label: Report could not be retrieved}`` to the
  protocol's exclusion_reasons to record one);
- ``assessed``: reports assessed for eligibility (sought minus not retrieved);
- ``excluded_full_text``: reports excluded at full text, in total and per protocol reason (``reason``);
- ``awaiting_full_text``: reports still pending, unsure or in conflict at full text (per state);
- ``included_full_text``: reports included at full text;
- ``reports_included``: reports of included studies (distinct records linked to included studies).

``total`` also holds ``studies_included`` (rows of ``included_studies.csv``). Records awaiting a
decision are counted in their own boxes, never as included or excluded; ``check_prisma`` says so.

An updated review (PRISMA 2020 template for updated reviews): ``sources.csv`` gives each source its search
round (``round``, and ``round_number``, its place in the protocol); with two or more round numbers the
columns above and ``total`` count only the latest round (the highest ``round_number``): its sources, their
records, those records' decisions and the reports of included studies among them (``reports_included``);
a new record removed as a duplicate of an earlier round's record counts in ``duplicates_removed``. The
boxes of the review's earlier versions:

- ``previous`` column: ``studies_previous``, the included studies with a report that is a record of an
  earlier round, and ``reports_previous``, those studies' reports that are earlier-round records;
- ``total``: ``studies_new``, the included studies none of whose reports is from an earlier round;
  ``reports_new``, their reports (all of the latest round); ``studies_included``, labelled "Total studies
  included in review" (previous + new); ``reports_total``, all distinct reports of included studies.

A review of one round has none of these boxes.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import load_protocol
from reviewkit.core.tables import read_table, table_path, write_table
from reviewkit.core.text import split_cell
from reviewkit.report.prisma_rounds import earlier_records, latest_round, study_counts

COLUMNS = ("databases_registers", "other_methods")
TOTAL = "total"
COLUMN_LABELS = {
    "databases_registers": "Identification of studies via databases and registers",
    "other_methods": "Identification of studies via other methods",
}
PREVIOUS = "previous"  # the studies of the review's earlier versions (an updated review)
UPDATE_LABELS = {
    PREVIOUS: "Previous studies",
    "databases_registers": "Identification of new studies via databases and registers",
    "other_methods": "Identification of new studies via other methods",
}
NOT_RETRIEVED = "not_retrieved"
BOXES = {
    "identified": "Records identified",
    "duplicates_removed": "Duplicate records removed",
    "removed_other": "Records removed for other reasons (malformed at import)",
    "screened": "Records screened",
    "excluded_screening": "Records excluded",
    "awaiting_screening": "Records awaiting a screening decision",
    "sought": "Reports sought for retrieval",
    "not_retrieved": "Reports not retrieved",
    "assessed": "Reports assessed for eligibility",
    "excluded_full_text": "Reports excluded",
    "awaiting_full_text": "Reports awaiting an eligibility decision",
    "included_full_text": "Reports included at full text",
    "reports_included": "Reports of included studies",
    "studies_included": "Studies included in review",
    "studies_previous": "Studies included in previous version of review",
    "reports_previous": "Reports of studies included in previous version of review",
    "studies_new": "New studies included in review",
    "reports_new": "Reports of new included studies",
    "reports_total": "Reports of total included studies",
}
TOTAL_STUDIES_LABEL = "Total studies included in review"  # studies_included in an updated review
PREVIOUS_BOXES = ("studies_previous", "reports_previous")  # the previous column
UPDATE_BOXES = ("studies_new", "reports_new", "reports_total")  # total column, updated review
STUDY_BOXES = ("studies_included", *PREVIOUS_BOXES, *UPDATE_BOXES)  # not in the identification columns
AWAITING = {"title_abstract": ("pending", "conflict"), "full_text": ("pending", "conflict", "unsure")}
STATE_LABELS = {"pending": "Pending", "conflict": "Reviewers in conflict", "unsure": "Unsure"}
DECISIONS = ("include", "exclude", "unsure", "conflict", "pending")
FIELDS = ["column", "box", "source", "reason", "label", "count"]


def _row(column: str, box: str, count: int, source: str = "", reason: str = "", label: str | None = None) -> dict:
    return {"column": column, "box": box, "source": source, "reason": reason,
            "label": BOXES[box] if label is None else label, "count": int(count)}


def _column_of_records(sources: pd.DataFrame, records: pd.DataFrame, out_dir: Path) -> dict[str, str]:
    """Record id → PRISMA column, through its source; unknown columns or sources are errors."""
    path = table_path(out_dir, "sources")
    for line, row in enumerate(sources.itertuples(), start=2):
        if row.prisma_column not in COLUMNS:
            raise ReviewInputError(path, f"prisma_column {row.prisma_column!r} is not one of {', '.join(COLUMNS)}",
                                   line=line, field="prisma_column")
    column = dict(zip(sources["source"], sources["prisma_column"]))
    path = table_path(out_dir, "records")
    for line, row in enumerate(records.itertuples(), start=2):
        if row.source not in column:
            raise ReviewInputError(path, f"source {row.source!r} is not in sources.csv", line=line,
                                   record=row.record_id, field="source")
    return dict(zip(records["record_id"], records["source"].map(column)))


def _decisions(screening: pd.DataFrame, columns: dict[str, str], reasons: dict[str, str], out_dir: Path) -> pd.DataFrame:
    """Screening rows with their PRISMA column, checked against records.csv and the protocol's reasons."""
    path = table_path(out_dir, "screening")
    for line, row in enumerate(screening.itertuples(), start=2):
        def error(message: str, field: str) -> ReviewInputError:
            return ReviewInputError(path, message, line=line, record=row.record_id, field=field)

        if row.record_id not in columns:
            raise error("no record in records.csv has this id", "record_id")
        if row.stage not in AWAITING:
            raise error(f"stage {row.stage!r} is not one of {', '.join(AWAITING)}", "stage")
        if row.decision not in DECISIONS:
            raise error(f"decision {row.decision!r} is not one of {', '.join(DECISIONS)}", "decision")
        if row.decision == "exclude" and row.exclusion_reason not in reasons:
            raise error(f"exclusion reason {row.exclusion_reason!r} is not in the protocol's exclusion_reasons", "exclusion_reason")
    twice = screening[screening.duplicated(["record_id", "stage"])]
    if not twice.empty:
        raise ReviewInputError(path, f"a second row for this record at stage {twice['stage'].iloc[0]!r}",
                               line=int(twice.index[0]) + 2, record=twice["record_id"].iloc[0], field="record_id")
    return screening.assign(column=screening["record_id"].map(columns))


def _column_counts(column: str, sources: pd.DataFrame, decisions: pd.DataFrame, linked: list[str],
                   reasons: dict[str, str], duplicates: int | None, without: set[str]) -> list[dict]:
    """The boxes of one PRISMA column; ``linked`` holds the column of each record linked to an included study;
    ``duplicates`` the records of the column removed as duplicates (None: derive it); ``without`` the records
    whose full text the review does not have."""
    own = sources[sources["prisma_column"] == column]
    skipped = [int(n or 0) for n in own["skipped"]] if "skipped" in own else [0] * len(own)
    read = [int(n) + s for n, s in zip(own["records"], skipped)]
    rows = [_row(column, "identified", n, source=s, label=name) for s, name, n in zip(own["source"], own["name"], read)]
    identified, other = sum(read), sum(skipped)
    at = decisions[decisions["column"] == column]
    title = at[at["stage"] == "title_abstract"]
    passed = set(title.loc[title["decision"].isin(["include", "unsure"]), "record_id"])
    full = at[(at["stage"] == "full_text") & at["record_id"].isin(passed)]
    full = pd.concat([full, pd.DataFrame({"record_id": sorted(passed - set(full["record_id"])), "decision": "pending",
                                          "exclusion_reason": ""})])  # passed on but no full-text row yet
    unretrieved = (full["decision"] == "pending") & full["record_id"].isin(without)
    full = full[~unretrieved]
    excluded = full[full["decision"] == "exclude"]
    lost = excluded["exclusion_reason"] == NOT_RETRIEVED
    per_reason = excluded.loc[~lost, "exclusion_reason"].value_counts()
    rows += [
        _row(column, "identified", identified),
        _row(column, "duplicates_removed", identified - other - len(title) if duplicates is None else duplicates),
        _row(column, "removed_other", other),
        _row(column, "screened", len(title)),
        _row(column, "excluded_screening", (title["decision"] == "exclude").sum()),
        _row(column, "awaiting_screening", title["decision"].isin(AWAITING["title_abstract"]).sum()),
        *[_row(column, "awaiting_screening", (title["decision"] == s).sum(), reason=s, label=STATE_LABELS[s])
          for s in AWAITING["title_abstract"]],
        _row(column, "sought", len(passed)),
        _row(column, "not_retrieved", lost.sum() + unretrieved.sum()),
        _row(column, "assessed", len(passed) - lost.sum() - unretrieved.sum()),
        _row(column, "excluded_full_text", (~lost).sum()),
        *[_row(column, "excluded_full_text", per_reason.get(r, 0), reason=r, label=label)
          for r, label in reasons.items() if r != NOT_RETRIEVED],
        _row(column, "awaiting_full_text", full["decision"].isin(AWAITING["full_text"]).sum()),
        *[_row(column, "awaiting_full_text", (full["decision"] == s).sum(), reason=s, label=STATE_LABELS[s])
          for s in AWAITING["full_text"]],
        _row(column, "included_full_text", (full["decision"] == "include").sum()),
        _row(column, "reports_included", linked.count(column)),
    ]
    return rows


def _linked_records(studies: pd.DataFrame) -> set[str]:
    """Distinct records linked to the included studies (ids separated by ``|`` or ``;``)."""
    return {r for cell in studies["records"] for r in split_cell(cell)}


def count_flow(sources: pd.DataFrame, records: pd.DataFrame, screening: pd.DataFrame, studies: pd.DataFrame,
               reasons: dict[str, str], out_dir: str | Path = "") -> pd.DataFrame:
    """The PRISMA counts from the build tables (as ``read_table`` gives them) and reason id → label.

    For an updated review the identification columns count the latest round only, and the previous column and
    the total's new and total studies are added. ``out_dir`` is only used to name the tables in errors.
    """
    out_dir = Path(out_dir)
    columns = _column_of_records(sources, records, out_dir)
    decisions = _decisions(screening, columns, reasons, out_dir)
    linked = _linked_records(studies)
    unknown = sorted(linked - set(columns))
    if unknown:
        raise ReviewInputError(table_path(out_dir, "included_studies"), "no record in records.csv has this id",
                               record=unknown[0], field="records")
    latest = latest_round(sources, out_dir)
    earlier: set[str] = set()
    if latest is not None:
        earlier = earlier_records(sources, records, latest)
        sources = sources[latest]
        records = records[~records["record_id"].isin(earlier)]
        decisions = decisions[~decisions["record_id"].isin(earlier)]
    linked_columns = [columns[r] for r in linked if r not in earlier]
    removed = records["duplicate_of"].fillna("") != "" if "duplicate_of" in records else None
    duplicates = {c: None if removed is None else int((records["source"].map(dict(zip(sources["source"],
                  sources["prisma_column"])))[removed] == c).sum()) for c in COLUMNS}
    without = set(records.loc[records["full_text"] == "", "record_id"]) if "full_text" in records else set()
    rows = [row for column in COLUMNS
            for row in _column_counts(column, sources, decisions, linked_columns, reasons, duplicates[column], without)]
    table = pd.DataFrame(rows, columns=FIELDS)
    per_column = table[table["source"] == ""]
    total = per_column.groupby(["box", "reason"], sort=False, as_index=False).agg(label=("label", "first"), count=("count", "sum"))
    total = total.assign(column=TOTAL, source="")
    if latest is None:
        studies_row = pd.DataFrame([_row(TOTAL, "studies_included", len(studies))])
        return pd.concat([table, total[FIELDS], studies_row], ignore_index=True)
    studies_of = study_counts(studies, earlier)
    previous = pd.DataFrame([_row(PREVIOUS, box, studies_of[box]) for box in PREVIOUS_BOXES])
    studies_rows = pd.DataFrame([_row(TOTAL, "studies_included", len(studies), label=TOTAL_STUDIES_LABEL),
                                 *(_row(TOTAL, box, studies_of[box]) for box in UPDATE_BOXES)])
    return pd.concat([previous, table, total[FIELDS], studies_rows], ignore_index=True)


def prisma_counts(review_dir: str | Path, out_dir: str | Path) -> pd.DataFrame:
    """PRISMA 2020 counts (columns ``column, box, source, reason, label, count``) of a built review."""
    protocol = load_protocol(review_dir)
    reasons = {r.id: r.label for r in protocol.exclusion_reasons}
    tables = [read_table(out_dir, name) for name in ("sources", "records", "screening", "included_studies")]
    return count_flow(*tables, reasons, out_dir)


def write_prisma_table(counts: pd.DataFrame, out_dir: str | Path) -> Path:
    """Write the counts as ``out_dir/tables/prisma.csv``."""
    return write_table(counts, out_dir, "prisma")


def counts_as_read(counts: pd.DataFrame) -> pd.DataFrame:
    """The counts with empty strings for missing text and integer counts (as read back from CSV)."""
    counts = counts.copy()
    for field in ("source", "reason", "label"):
        counts[field] = counts[field].fillna("").astype(str)
    counts["count"] = counts["count"].astype(int)
    return counts


def count(counts: pd.DataFrame, box: str, column: str = TOTAL, reason: str = "") -> int:
    """One count: a box's total in a column, or one reason's (or state's) row of it."""
    rows = counts[(counts["column"] == column) & (counts["box"] == box) & (counts["source"].fillna("") == "")
                  & (counts["reason"].fillna("") == reason)]
    if rows.empty:
        raise KeyError(f"no count for box {box!r}" + (f", reason {reason!r}" if reason else "") + f" in column {column!r}")
    return int(rows["count"].iloc[0])


def reason_counts(counts: pd.DataFrame, box: str, column: str = TOTAL) -> pd.DataFrame:
    """The per-reason (or per-state) rows of a box in a column: ``reason, label, count``."""
    rows = counts[(counts["column"] == column) & (counts["box"] == box) & (counts["reason"].fillna("") != "")]
    return rows[["reason", "label", "count"]].astype({"count": int}).reset_index(drop=True)


def source_counts(counts: pd.DataFrame, column: str) -> pd.DataFrame:
    """Records identified per source of a column: ``source, label, count``."""
    rows = counts[(counts["column"] == column) & (counts["box"] == "identified") & (counts["source"].fillna("") != "")]
    return rows[["source", "label", "count"]].astype({"count": int}).reset_index(drop=True)


def _name(column: str) -> str:
    return {"databases_registers": "Databases and registers", "other_methods": "Other methods", TOTAL: "Total",
            PREVIOUS: "Previous studies"}[column]


def _label(box: str, updated: bool = False) -> str:
    """A box's label; studies_included is the total of previous and new studies in an updated review."""
    return TOTAL_STUDIES_LABEL if updated and box == "studies_included" else BOXES[box]


def _n(counts: pd.DataFrame, box: str, column: str, updated: bool = False) -> str:
    return f"{_label(box, updated)} ({count(counts, box, column)})"


def _column_checks(counts: pd.DataFrame, column: str) -> list[str]:
    """The flow equations of one column, and each reason or state list against its box's total."""
    def get(box: str) -> int:
        return count(counts, box, column)

    messages = []
    flows = [
        (("identified",), ("duplicates_removed", "removed_other"), "screened"),
        (("screened",), ("excluded_screening", "awaiting_screening"), "sought"),
        (("sought",), ("not_retrieved",), "assessed"),
        (("assessed",), ("excluded_full_text", "awaiting_full_text"), "included_full_text"),
    ]
    for (start,), minus, result in flows:
        expected = get(start) - sum(get(b) for b in minus)
        if expected != get(result):
            terms = " − ".join([_n(counts, start, column), *(_n(counts, b, column) for b in minus)])
            messages.append(f"{_name(column)}: {terms} = {expected}, but {BOXES[result]} = {get(result)}")
    for box in ("excluded_full_text", "awaiting_screening", "awaiting_full_text"):
        parts = reason_counts(counts, box, column)
        if not parts.empty and parts["count"].sum() != get(box):
            listed = " + ".join(f"{label} ({n})" for label, n in zip(parts["label"], parts["count"]) if n)
            messages.append(f"{_name(column)}: {BOXES[box]} per reason add up to {parts['count'].sum()} ({listed}), "
                            f"but {BOXES[box]} = {get(box)}")
    sources = source_counts(counts, column)
    if column != TOTAL and sources["count"].sum() != get("identified"):
        messages.append(f"{_name(column)}: records identified per source add up to {sources['count'].sum()}, "
                        f"but {BOXES['identified']} = {get('identified')}")
    if get("reports_included") > get("included_full_text"):
        messages.append(f"{_name(column)}: {_n(counts, 'reports_included', column)} exceed "
                        f"{_n(counts, 'included_full_text', column)}: a study links a report that was not included")
    negative = counts[(counts["column"] == column) & (counts["count"] < 0)]
    messages += [f"{_name(column)}: {label} is negative ({n})" for label, n in zip(negative["label"], negative["count"])]
    return messages


def _total_checks(counts: pd.DataFrame, updated: bool) -> list[str]:
    """The total column against the sum of the columns, and studies against their reports."""
    messages = []
    columns = counts[counts["column"].isin(COLUMNS) & (counts["source"] == "")]
    summed = columns.groupby(["box", "reason"])["count"].sum()
    for row in counts[(counts["column"] == TOTAL) & ~counts["box"].isin(STUDY_BOXES)].itertuples():
        if summed.get((row.box, row.reason), 0) != row.count:
            messages.append(f"Total: {row.label} ({row.count}) is not the sum of the columns "
                            f"({summed.get((row.box, row.reason), 0)})")
    pairs = ([("studies_previous", "reports_previous", PREVIOUS), ("studies_new", "reports_new", TOTAL),
              ("studies_included", "reports_total", TOTAL)] if updated else [("studies_included", "reports_included", TOTAL)])
    for studies, reports, column in pairs:
        if count(counts, studies, column) > count(counts, reports, column):
            messages.append(f"{_name(column)}: {_n(counts, studies, column, updated)} exceed {_n(counts, reports, column)}")
    return messages


def _update_checks(counts: pd.DataFrame) -> list[str]:
    """The equations of an updated review: total studies and reports are the previous ones and the new ones."""
    messages = []
    sums = [("studies_included", ("studies_previous", PREVIOUS), ("studies_new", TOTAL)),
            ("reports_total", ("reports_previous", PREVIOUS), ("reports_included", TOTAL))]
    for result, *parts in sums:
        expected, got = sum(count(counts, box, column) for box, column in parts), count(counts, result)
        if expected != got:
            terms = " + ".join(_n(counts, box, column) for box, column in parts)
            messages.append(f"Total: {terms} = {expected}, but {_label(result, True)} = {got}")
    if count(counts, "reports_new") > count(counts, "reports_included"):
        messages.append(f"Total: {_n(counts, 'reports_new', TOTAL)} exceed {_n(counts, 'reports_included', TOTAL)}: "
                        "a new study links a report that is not of the latest round")
    negative = counts[(counts["column"] == PREVIOUS) & (counts["count"] < 0)]
    return messages + [f"{_name(PREVIOUS)}: {label} is negative ({n})" for label, n in zip(negative["label"], negative["count"])]


def _draft_messages(counts: pd.DataFrame) -> list[str]:
    messages = []
    for box, stage in (("awaiting_screening", "title/abstract screening"), ("awaiting_full_text", "full-text assessment")):
        waiting = count(counts, box)
        if waiting:
            parts = reason_counts(counts, box)
            states = ", ".join(f"{label.lower()} {n}" for label, n in zip(parts["label"], parts["count"]) if n)
            messages.append(f"Draft: {waiting} record(s) await a decision at {stage} ({states}); "
                            f"they are counted in '{BOXES[box]}', neither excluded nor included")
    return messages


def is_updated(counts: pd.DataFrame) -> bool:
    """Whether the counts are of an updated review (they have the previous column or the total's new studies)."""
    return bool((counts["column"] == PREVIOUS).any() or counts["box"].isin(UPDATE_BOXES).any())


def _expected_boxes(updated: bool) -> list[tuple[str, str]]:
    """(column, box) of every count the diagram needs."""
    flow = [box for box in BOXES if box not in STUDY_BOXES]
    boxes = [(column, box) for column in (*COLUMNS, TOTAL) for box in flow] + [(TOTAL, "studies_included")]
    if updated:
        boxes += [(PREVIOUS, box) for box in PREVIOUS_BOXES] + [(TOTAL, box) for box in UPDATE_BOXES]
    return boxes


def check_prisma(counts: pd.DataFrame) -> list[str]:
    """Where the counts do not add up, naming the boxes and numbers; records awaiting a decision; [] if all is well."""
    counts = counts_as_read(counts)
    updated = is_updated(counts)
    missing = [f"no count for {BOXES[box]} ({box}) in column {column!r}" for column, box in _expected_boxes(updated)
               if counts[(counts["column"] == column) & (counts["box"] == box) & (counts["source"] == "")
                         & (counts["reason"] == "")].empty]
    if missing:
        return missing
    messages = [m for column in (*COLUMNS, TOTAL) for m in _column_checks(counts, column)]
    messages += _total_checks(counts, updated) + (_update_checks(counts) if updated else [])
    return messages + _draft_messages(counts)
