"""Judgments made independently by two or more reviewers of one study (data extraction, risk of bias): where each
reviewer's file is, how their answers compare, and which answer stands.

With one reviewer a study's file is ``<stage folder>/<study>.yml``. With two or more, each reviewer has
``<stage folder>/<study>/<reviewer>.yml`` and the agreed answers to disagreements go in
``<stage folder>/<study>/consensus.yml``. An answer stands when the consensus gives it, or when every reviewer gave
the same one; otherwise it waits (a conflict, or a reviewer who has not answered yet).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.evidence import normalise

CONSENSUS = "consensus"
REVIEWER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
AGREED, CONFLICT, TEXT_DIFFERS, WAITING = "agreed", "conflict", "text differs", "waiting"


@dataclass(frozen=True)
class StudyFiles:
    """The files of one study at one stage: a single reviewer's, or each reviewer's and the consensus."""

    study: str
    single: Path | None = None
    reviewers: dict[str, Path] = field(default_factory=dict)
    consensus: Path | None = None

    @property
    def team(self) -> bool:
        """Whether the study is judged by reviewers each in a file of their own."""
        return bool(self.reviewers)


@dataclass(frozen=True)
class Compared:
    """One question (a form field, a risk-of-bias item) as each reviewer who answered it (reviewer → their entry,
    whose ``evidence`` holds its quotes) and the consensus gave it, and how the answers compare (``compare``)."""

    key: str
    status: str  # agreed, conflict, text differs, waiting
    entries: dict[str, Any]
    consensus: Any = None

    @property
    def standing(self) -> Any:
        """The entry that stands: the consensus's, else the agreed one (the first reviewer's, with its quotes)."""
        if self.consensus is not None:
            return self.consensus
        return next(iter(self.entries.values())) if self.status == AGREED else None

    @property
    def same_passage(self) -> bool | None:
        """Whether every reviewer's quotes point to the same passages (None where a reviewer gave none)."""
        spans = [{(q.record, q.span) for q in e.evidence} for e in self.entries.values()]
        if len(spans) < 2 or not all(spans):
            return None
        return all(same_passages(spans[0], other) for other in spans[1:])


def check_reviewer(reviewer: str, where: Path) -> None:
    """Refuse a reviewer id that cannot be a file name of its own (letters, digits, ``_ . -``) or is ``consensus``."""
    if not REVIEWER_ID.fullmatch(reviewer or "") or reviewer == CONSENSUS:
        raise ReviewInputError(where, f"reviewer id {reviewer!r}: use letters, digits, _ . - (not 'consensus'), "
                                      "as it names the reviewer's file", field="reviewer")


def reviewer_path(folder: Path, study_id: str, reviewer: str) -> Path:
    """Where ``reviewer``'s own file of a study is (``<folder>/<study>/<reviewer>.yml``)."""
    check_reviewer(reviewer, folder / study_id)
    return folder / study_id / f"{reviewer}.yml"


def study_files(folder: Path, study_id: str) -> tuple[StudyFiles, list[ReviewInputError]]:
    """The files of a study in a stage's folder, and every problem with them."""
    single, team = folder / f"{study_id}.yml", folder / study_id
    if not team.is_dir():
        return StudyFiles(study_id, single if single.exists() else None), []
    errors, reviewers, consensus = [], {}, None
    if single.exists():
        errors.append(ReviewInputError(single, f"study {study_id!r} has both this file of one reviewer and a folder of "
                                               f"reviewers' files ({study_id}/): keep one of them"))
    for path in sorted(team.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file() and path.suffix == ".yml" and path.stem == CONSENSUS:
            consensus = path
        elif path.is_file() and path.suffix == ".yml" and REVIEWER_ID.fullmatch(path.stem):
            reviewers[path.stem] = path
        else:
            errors.append(ReviewInputError(path, "expected <reviewer>.yml or consensus.yml (reviewer ids: letters, "
                                                 "digits, _ . -)"))
    if not reviewers:
        errors.append(ReviewInputError(team, "a folder of reviewers' files with no reviewer's file in it: add "
                                             "<reviewer>.yml or remove the folder"))
    elif consensus is not None and len(reviewers) < 2:
        errors.append(ReviewInputError(consensus, f"a consensus file for study {study_id!r}, which has one reviewer "
                                                  f"({next(iter(reviewers))}): consensus is between two or more"))
    return StudyFiles(study_id, None, reviewers, consensus), errors


def _text(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(normalise(str(v)) for v in value)
    return normalise(str(value))


def same(a: Any, b: Any, *, text: bool = False) -> bool:
    """Whether two answers are the same: equal numbers and choices; for text, the same after normalisation (case,
    spaces, dashes and quotes)."""
    if isinstance(a, bool) or isinstance(b, bool) or not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return _text(a) == _text(b) if text else a == b
    return float(a) == float(b)


def compare(answers: dict[str, Any], expected: int, *, text: bool = False) -> str:
    """How the reviewers' answers to one question compare (reviewer → answer, answered only): ``waiting`` while
    fewer than ``expected`` reviewers answered, ``agreed``, ``text differs`` (text answers to read side by side),
    or ``conflict``."""
    values = list(answers.values())
    if len(values) < max(expected, 2):
        return WAITING
    if all(same(values[0], v) for v in values[1:]):
        return AGREED
    if text and all(same(values[0], v, text=True) for v in values[1:]):
        return AGREED
    return TEXT_DIFFERS if text else CONFLICT


def same_passages(a: set[tuple[str, tuple[int, int]]], b: set[tuple[str, tuple[int, int]]]) -> bool:
    """Whether two reviewers' quotes, as (record, span) sets, point to the same passages: each of one overlaps one of the
    other in the same record, both ways."""
    def covered(x: set, y: set) -> bool:
        return all(any(r == s and lo < hi2 and lo2 < hi for s, (lo2, hi2) in y) for r, (lo, hi) in x)
    return covered(a, b) and covered(b, a)
