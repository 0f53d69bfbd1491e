"""Studies and their reports: ``review/studies.yml`` links record ids to a study id.

Several documents can report one study (a news item and the article it cites). The reviewer
links them in ``studies.yml``; ``suggest_links`` proposes pairs of records that may be reports
of one study, with the evidence for each.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.core.storage import read_yaml
from reviewkit.core.text import join_cell

STUDIES_FILE = "studies.yml"
STUDY_KEYS = {"records", "primary_record", "label", "primary_citation"}
_STUDY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Study:
    id: str
    records: tuple[str, ...]
    primary_record: str
    label: str = ""
    primary_citation: str = ""


def _read_studies(path: Path, record_ids: list[str]) -> tuple[list[Study], list[ReviewInputError]]:
    try:
        doc = read_yaml(path)
    except ReviewInputError as exc:  # listed with the other problems, not raised: validate names them all
        return [], [exc]
    data = doc.data or {}
    if not isinstance(data, dict):
        return [], [ReviewInputError(path, "expected a mapping of study id to its reports", line=1)]
    studies: list[Study] = []
    errors: list[ReviewInputError] = []
    linked: dict[str, str] = {}
    for raw_id, entry in data.items():
        study_id = str(raw_id)
        line = doc.line((study_id,))
        if not _STUDY_ID.fullmatch(study_id):
            errors.append(ReviewInputError(path, "a study id may hold only letters, digits, '-', '_' and '.'", line=line, field=study_id))
            continue
        if not isinstance(entry, dict) or not entry.get("records") or not isinstance(entry["records"], list):
            errors.append(ReviewInputError(path, "a study needs a non-empty list 'records' of its reports", line=line, field=f"{study_id}.records"))
            continue
        unknown = set(entry) - STUDY_KEYS
        if unknown:
            errors.append(ReviewInputError(path, f"unknown key(s) {excerpt(sorted(unknown, key=str))}", line=line,
                                           field=study_id))
        records = tuple(str(r) for r in entry["records"])
        for record_id in records:
            if record_id not in record_ids:
                errors.append(ReviewInputError(path, "no record has this id", line=line, record=excerpt(record_id),
                                               field=f"{study_id}.records"))
            elif record_id in linked:
                errors.append(ReviewInputError(
                    path, f"record is already a report of study {linked[record_id]!r}", line=line, record=record_id
                ))
            else:
                linked[record_id] = study_id
        primary = str(entry.get("primary_record", records[0]))
        if primary not in records:
            errors.append(ReviewInputError(
                path, "the primary record is not one of the study's records", line=line, field=f"{study_id}.primary_record"
            ))
        studies.append(Study(study_id, records, primary, str(entry.get("label", "")), str(entry.get("primary_citation", ""))))
    reported = {r for s in studies for r in s.records}
    errors += [ReviewInputError(path, "a study id may not be the id of a record it does not report", line=doc.line((s.id,)),
                                field=s.id) for s in studies if s.id in record_ids and s.id not in reported]
    return studies, errors


def read_studies(review_dir: str | Path, record_ids: list[str]) -> tuple[list[Study], list[ReviewInputError]]:
    """The studies of ``studies.yml`` and every problem found in it; an unlinked record is a study of its own."""
    path = Path(review_dir) / STUDIES_FILE
    studies, errors = _read_studies(path, record_ids) if path.exists() else ([], [])
    linked = {r for s in studies for r in s.records}
    studies.extend(Study(r, (r,), r) for r in record_ids if r not in linked)
    return studies, errors


def load_studies(review_dir: str | Path, record_ids: list[str]) -> list[Study]:
    """The studies of ``studies.yml``; raises naming every problem in the file."""
    studies, errors = read_studies(review_dir, record_ids)
    if errors:
        raise_collected(errors)
    return studies


def studies_table(studies: list[Study]) -> pd.DataFrame:
    """One row per study: ``study_id, label, records, primary_record, primary_citation``."""
    return pd.DataFrame(
        [
            {"study_id": s.id, "label": s.label, "records": join_cell(s.records),
             "primary_record": s.primary_record, "primary_citation": s.primary_citation}
            for s in studies
        ],
        columns=["study_id", "label", "records", "primary_record", "primary_citation"],
    )
