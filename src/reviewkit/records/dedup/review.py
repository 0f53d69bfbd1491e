"""Duplicate records across and within the review's sources: found by ``dedup``, adjusted by the reviewer's
``review/dedup.csv`` (ids are record ids), and removed before screening, first record of each group kept."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.core.protocol import Protocol
from reviewkit.core.stage_state import StageState
from reviewkit.core.storage import read_yaml
from reviewkit.records.citation import Citation
from reviewkit.records.dedup.decisions import ID_SEPARATOR, read_dedup_decisions
from reviewkit.records.dedup.groups import duplicate_groups
from reviewkit.records.model import Record
from reviewkit.records.studies import STUDIES_FILE, read_studies

DEDUP_FILE = "dedup.csv"


def record_citation(record: Record) -> Citation:
    """A record as a citation under its record id: imported records keep what their export gave; documents
    give their title, first DOI and first date's year."""
    if record.citation is not None:
        return replace(record.citation, id=record.id, source=record.source)
    year = record.dates[0][:4] if record.dates else ""
    return Citation(id=record.id, source=record.source, position=0, line=1, title=record.title,
                    doi=record.dois[0] if record.dois else "", year=year)


def record_duplicates(review_dir: str | Path, records: list[Record]) -> pd.DataFrame:
    """The duplicate groups of the review's records (``dedup.duplicate_groups``), with ``kept`` (the first
    member, in source order) and ``removed`` (the others, joined by ``;``)."""
    decisions = read_dedup_decisions(Path(review_dir) / DEDUP_FILE)
    groups = duplicate_groups([record_citation(r) for r in records], decisions)
    members = groups["merged_ids"].str.split(ID_SEPARATOR)
    groups.insert(2, "kept", members.str[0])
    groups.insert(3, "removed", members.str[1:].str.join(";"))
    return groups


def duplicate_of(groups: pd.DataFrame) -> dict[str, str]:
    """Each removed record id and the record kept in its place."""
    return {removed: row.kept for row in groups.itertuples() for removed in row.removed.split(ID_SEPARATOR) if removed}


def unique_records(review_dir: str | Path, records: list[Record]) -> list[Record]:
    """The records to screen: every record but the duplicates removed."""
    removed = duplicate_of(record_duplicates(review_dir, records))
    return [r for r in records if r.id not in removed]


def validate(review_dir: str | Path, protocol: Protocol, records: list[Record]) -> list[ReviewInputError]:
    """Every problem in ``review/dedup.csv``, and reports of studies that de-duplication would remove."""
    try:
        read_dedup_decisions(Path(review_dir) / DEDUP_FILE)
    except ReviewInputErrors as exc:
        return exc.errors
    except ReviewInputError as exc:
        return [exc]
    removed = duplicate_of(record_duplicates(review_dir, records))
    studies, problems = read_studies(review_dir, [r.id for r in records])
    path = Path(review_dir) / STUDIES_FILE
    doc = read_yaml(path) if path.exists() and not problems else None  # a broken studies.yml is extraction's to report
    return [
        ReviewInputError(path, f"report {record_id} of study {study.id!r} is removed as a duplicate of "
                               f"{removed[record_id]}: list that record instead, or split the group in {DEDUP_FILE}",
                         line=doc.line((study.id, "records")) if doc else None, field=f"{study.id}.records")
        for study in studies if study.records != (study.id,)  # studies listed in studies.yml
        for record_id in study.records if record_id in removed
    ]


def stage_status(review_dir: Path, protocol: Protocol, records: list[Record]) -> StageState:
    """The records stage: always done once the sources read; how many records, how many duplicates removed."""
    removed = len(records) - len(unique_records(review_dir, records))
    rounds = f" in {len(protocol.rounds)} search rounds" if len(protocol.rounds) > 1 else ""
    return StageState("done", f"{len(records)} records from {len(protocol.sources)} source(s){rounds}; "
                              f"{removed} duplicate(s) removed")
