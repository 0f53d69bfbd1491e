"""Studies and their reports: ``review/studies.yml`` links record ids to a study id."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ReviewInputError
from .storage import load_yaml, yaml_key_line

STUDIES_FILE = "studies.yml"


@dataclass(frozen=True)
class Study:
    id: str
    records: tuple[str, ...]
    primary_record: str
    label: str = ""
    primary_citation: str = ""


def load_studies(review_dir: str | Path, record_ids: list[str]) -> list[Study]:
    """The studies of ``studies.yml``; a record it does not name is a study of its own."""
    path = Path(review_dir) / STUDIES_FILE
    studies: list[Study] = []
    linked: dict[str, str] = {}
    if path.exists():
        data = load_yaml(path) or {}
        if not isinstance(data, dict):
            raise ReviewInputError(path, "expected a mapping of study id to its reports", line=1)
        for study_id, entry in data.items():
            line = yaml_key_line(path, (study_id,))
            if not isinstance(entry, dict) or not entry.get("records"):
                raise ReviewInputError(path, "a study needs a non-empty list 'records'", line=line, field=f"{study_id}.records")
            unknown = set(entry) - {"records", "primary_record", "label", "primary_citation"}
            if unknown:
                raise ReviewInputError(path, f"unknown key(s) {sorted(unknown)}", line=line, field=str(study_id))
            records = tuple(str(r) for r in entry["records"])
            for record_id in records:
                if record_id not in record_ids:
                    raise ReviewInputError(path, "no record has this id", line=line, record=record_id, field=f"{study_id}.records")
                if record_id in linked:
                    raise ReviewInputError(
                        path, f"record is already a report of study {linked[record_id]!r}", line=line, record=record_id
                    )
                linked[record_id] = str(study_id)
            primary = str(entry.get("primary_record", records[0]))
            if primary not in records:
                raise ReviewInputError(path, "the primary record is not one of the study's records", line=line, field=f"{study_id}.primary_record")
            studies.append(
                Study(str(study_id), records, primary, entry.get("label", ""), entry.get("primary_citation", ""))
            )
    studies.extend(Study(r, (r,), r) for r in record_ids if r not in linked)
    return studies
