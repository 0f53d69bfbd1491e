"""Check every file of a review and report every problem found, not only the first."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.core.protocol import Protocol, load_protocol, source_dir
from reviewkit.records.sources import TEXT_SUFFIXES, Record, load_records, read_record
from reviewkit.records.studies import load_studies
from reviewkit.workbook.stages import STAGES

StageValidator = Callable[[Path, Protocol, list[Record]], list[ReviewInputError]]


def _flatten(exc: ReviewInputError | ReviewInputErrors) -> list[ReviewInputError]:
    return exc.errors if isinstance(exc, ReviewInputErrors) else [exc]


def _source_problems(review_dir: Path, protocol: Protocol) -> list[ReviewInputError]:
    problems: list[ReviewInputError] = []
    for source in protocol.sources:
        folder = source_dir(review_dir, source)
        if source.format == "export":  # read once, by load_records, which names any bad record
            if not folder.is_file():
                problems.append(ReviewInputError(folder, f"the export file of source {source.id!r} does not exist",
                                                 field="sources.path"))
            continue
        if not folder.is_dir():
            problems.append(ReviewInputError(folder, f"the folder of source {source.id!r} does not exist", field="sources.path"))
            continue
        files = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES]
        if not files:
            problems.append(ReviewInputError(folder, f"source {source.id!r} holds no .txt or .md documents", field="sources.path"))
        for path in files:
            try:
                read_record(path, source.id)
            except ReviewInputError as exc:
                problems.append(exc)
    return problems


def validate_review(review_dir: str | Path) -> list[ReviewInputError]:
    """Every problem in the protocol, the sources and the reviewer's files."""
    review_dir = Path(review_dir)
    try:
        protocol = load_protocol(review_dir)
    except (ReviewInputError, ReviewInputErrors) as exc:
        return _flatten(exc)
    problems = _source_problems(review_dir, protocol)
    if problems:
        return problems
    try:
        records = load_records(review_dir, protocol)
        load_studies(review_dir, [r.id for r in records])
    except (ReviewInputError, ReviewInputErrors) as exc:
        return _flatten(exc)
    for stage in STAGES:
        if stage.validate is not None:
            problems.extend(stage.validate(review_dir, protocol, records))
    return problems
