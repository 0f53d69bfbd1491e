"""Check every file of a review and report every problem found, not only the first."""
from __future__ import annotations

from pathlib import Path

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.core.protocol import load_protocol
from reviewkit.records.sources import read_sources
from reviewkit.records.studies import load_studies
from reviewkit.workbook.stages import STAGES


def _flatten(exc: ReviewInputError | ReviewInputErrors) -> list[ReviewInputError]:
    return exc.errors if isinstance(exc, ReviewInputErrors) else [exc]


def validate_review(review_dir: str | Path) -> list[ReviewInputError]:
    """Every problem in the protocol, the sources and the reviewer's files."""
    review_dir = Path(review_dir)
    try:
        protocol = load_protocol(review_dir)
    except (ReviewInputError, ReviewInputErrors) as exc:
        return _flatten(exc)
    records, _, problems = read_sources(review_dir, protocol)
    if problems:
        return problems
    try:
        load_studies(review_dir, [r.id for r in records])
    except (ReviewInputError, ReviewInputErrors) as exc:
        return _flatten(exc)
    for stage in STAGES:
        if stage.validate is not None:
            problems.extend(stage.validate(review_dir, protocol, records))
    return problems
