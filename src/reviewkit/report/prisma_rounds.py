"""The search rounds of an updated review, as the PRISMA 2020 counts need them (``prisma.count_flow``).

``sources.csv`` may give each source its round: ``round`` (the round's id) and ``round_number`` (its
place in the protocol, from 1). With two or more round numbers the review is an updated one and its
latest round is the highest number; the round of a record is that of its source, so each round's
search of a database has a source id of its own. An included study is *previous* when one of its
reports (records in ``included_studies.csv``) is a record of an earlier round, *new* otherwise.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.tables import table_path
from reviewkit.core.text import split_cell


def latest_round(sources: pd.DataFrame, out_dir: Path) -> pd.Series | None:
    """Whether each source is of the latest round, for an updated review; None for a review of one round
    (no ``round_number`` column, or one value in it)."""
    if "round_number" not in sources:
        return None
    numbers = sources["round_number"].astype(str).str.strip()
    if numbers.nunique() < 2:
        return None
    path = table_path(out_dir, "sources")
    for line, number in enumerate(numbers, start=2):
        if not number.isdigit() or int(number) < 1:
            raise ReviewInputError(path, f"round_number {number!r} is not a whole number from 1", line=line,
                                   field="round_number")
    twice = sources[sources.duplicated("source")]
    if not twice.empty:
        raise ReviewInputError(path, f"source {twice['source'].iloc[0]!r} is listed twice: each round's search of a "
                               "source needs its own source id", line=int(twice.index[0]) + 2, field="source")
    numbers = numbers.astype(int)
    return numbers == numbers.max()


def earlier_records(sources: pd.DataFrame, records: pd.DataFrame, latest: pd.Series) -> set[str]:
    """The records (``records.csv``) whose source is not of the latest round."""
    return set(records.loc[~records["source"].isin(sources.loc[latest, "source"]), "record_id"])


def study_counts(studies: pd.DataFrame, earlier: set[str]) -> dict[str, int]:
    """Previous and new included studies and their reports; ``earlier`` holds the earlier rounds' records.

    ``reports_previous`` counts the previous studies' reports from earlier rounds, ``reports_new`` the new
    studies' reports (all of the latest round) and ``reports_total`` the distinct reports of all studies.
    """
    reports = [set(split_cell(cell)) for cell in studies["records"]]
    previous = [r for r in reports if r & earlier]
    new = [r for r in reports if not r & earlier]
    return {"studies_previous": len(previous), "reports_previous": len(set().union(*previous) & earlier),
            "studies_new": len(new), "reports_new": len(set().union(*new)),
            "reports_total": len(set().union(*reports))}
