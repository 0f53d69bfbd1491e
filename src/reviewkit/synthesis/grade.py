"""Certainty of the evidence per outcome (GRADE) from ``review/grade.yml``, and the summary-of-findings table.

``grade.yml`` maps each outcome id to its starting level (by design: ``high`` for randomised trials,
``low`` for non-randomised studies), a ``start_reason``, and per domain ``{change, reason}``: downgrades
of 0, -1 or -2 for risk_of_bias, inconsistency, indirectness, imprecision and publication_bias;
upgrades of 0, +1 or +2 for large_effect and 0 or +1 for dose_response and confounding. The certainty
is computed, never typed: the starting level moved by the sum of the changes, within very low to high.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.core.protocol import Protocol
from reviewkit.core.stage_state import StageState
from reviewkit.core.storage import YamlDoc, read_yaml

GRADE_FILE = "grade.yml"
LEVELS = ["very low", "low", "moderate", "high"]
DOMAINS: dict[str, tuple[int, ...]] = {
    "risk_of_bias": (0, -1, -2), "inconsistency": (0, -1, -2), "indirectness": (0, -1, -2),
    "imprecision": (0, -1, -2), "publication_bias": (0, -1, -2),
    "large_effect": (0, 1, 2), "dose_response": (0, 1), "confounding": (0, 1),
}
OUTCOME_KEYS = {"start", "start_reason", "domains", "comment"}
PENDING = "pending"


@dataclass(frozen=True)
class Rating:
    domain: str
    change: int
    reason: str


@dataclass(frozen=True)
class Grade:
    """One outcome's GRADE assessment as recorded; ``certainty`` is computed, or pending while incomplete."""

    outcome: str
    start: str
    start_reason: str
    ratings: tuple[Rating, ...]
    comment: str = ""

    @property
    def missing(self) -> list[str]:
        rated = {r.domain for r in self.ratings}
        return [d for d in DOMAINS if d not in rated]

    @property
    def certainty(self) -> str:
        if self.missing:
            return PENDING
        level = LEVELS.index(self.start) + sum(r.change for r in self.ratings)
        return LEVELS[min(max(level, 0), len(LEVELS) - 1)]


def grade_path(review_dir: str | Path) -> Path:
    return Path(review_dir) / GRADE_FILE


def _rating(doc: YamlDoc, outcome: str, domain: str, raw: Any) -> Rating:
    path = doc.path
    where = dict(line=doc.line((outcome, "domains", domain)), field=f"{outcome}.domains.{domain}")
    if domain not in DOMAINS:
        raise ReviewInputError(path, f"unknown GRADE domain {domain!r}; domains are {', '.join(DOMAINS)}", **where)
    if not isinstance(raw, dict) or set(raw) - {"change", "reason"} or "change" not in raw:
        raise ReviewInputError(path, "expected {change, reason}", **where)
    change = raw["change"]
    if isinstance(change, bool) or not isinstance(change, int) or change not in DOMAINS[domain]:
        raise ReviewInputError(path, f"change must be one of {list(DOMAINS[domain])}, not {excerpt(repr(change))}", **where)
    reason = str(raw.get("reason") or "").strip()
    if change and not reason:
        raise ReviewInputError(path, "a rating up or down needs its reason", **where)
    return Rating(domain, change, reason)


def _grade(doc: YamlDoc, outcome: str, raw: Any) -> Grade:
    path = doc.path
    line = doc.line((outcome,))
    if not isinstance(raw, dict):
        raise ReviewInputError(path, "expected a mapping with start, start_reason and domains", line=line, field=outcome)
    unknown = sorted(map(str, set(raw) - OUTCOME_KEYS))
    if unknown:
        raise ReviewInputError(path, f"unknown key(s) {excerpt(', '.join(unknown))}", line=line, field=outcome)
    if raw.get("start") not in LEVELS:
        raise ReviewInputError(path, f"start must be one of {LEVELS}, not {excerpt(repr(raw.get('start')))}",
                               line=doc.line((outcome, "start")), field=f"{outcome}.start")
    domains = raw.get("domains") or {}
    if not isinstance(domains, dict):
        raise ReviewInputError(path, "domains must map domain names to {change, reason}",
                               line=doc.line((outcome, "domains")), field=f"{outcome}.domains")
    ratings = tuple(_rating(doc, outcome, domain, value) for domain, value in domains.items())
    return Grade(outcome, raw["start"], str(raw.get("start_reason") or ""), ratings, str(raw.get("comment") or ""))


def read_grades(review_dir: str | Path, protocol: Protocol) -> tuple[dict[str, Grade], list[ReviewInputError]]:
    """The assessments in ``grade.yml`` (none if the file does not exist yet) and every problem found."""
    path = grade_path(review_dir)
    if not path.exists():
        return {}, []
    try:
        doc = read_yaml(path)
    except ReviewInputError as exc:  # listed with the other problems, not raised: validate names them all
        return {}, [exc]
    data = doc.data or {}
    if not isinstance(data, dict):
        return {}, [ReviewInputError(path, "expected a mapping of outcome ids to assessments", line=1)]
    outcomes = {o.id for o in protocol.outcomes}
    grades, errors = {}, []
    for outcome, raw in data.items():
        if outcome not in outcomes:
            errors.append(ReviewInputError(path, f"{outcome!r} is not an outcome of the protocol ({', '.join(outcomes)})",
                                           line=doc.line((outcome,)), field=str(outcome)))
            continue
        try:
            grades[outcome] = _grade(doc, outcome, raw)
        except ReviewInputError as exc:
            errors.append(exc)
    return grades, errors


def validate(review_dir: str | Path, protocol: Protocol, records: list) -> list[ReviewInputError]:
    """Every problem in `grade.yml`."""
    return read_grades(review_dir, protocol)[1]


def load_grades(review_dir: str | Path, protocol: Protocol) -> dict[str, Grade]:
    grades, errors = read_grades(review_dir, protocol)
    if errors:
        raise_collected(errors)
    return grades


def suggested_start(designs: list[str]) -> str:
    """GRADE's starting level: high when every study is a randomised trial, else low."""
    return "high" if designs and all(d == "randomised controlled trial" for d in designs) else "low"


def grade_table(grades: dict[str, Grade]) -> pd.DataFrame:
    """``outcome, domain, change, reason``: the start, every rating, and the computed certainty."""
    rows = []
    for grade in grades.values():
        rows.append({"outcome": grade.outcome, "domain": "start", "change": grade.start, "reason": grade.start_reason})
        rows += [{"outcome": grade.outcome, "domain": r.domain, "change": f"{r.change:+d}" if r.change else "0",
                  "reason": r.reason} for r in grade.ratings]
        rows += [{"outcome": grade.outcome, "domain": d, "change": PENDING, "reason": ""} for d in grade.missing]
        rows.append({"outcome": grade.outcome, "domain": "certainty", "change": grade.certainty, "reason": ""})
    return pd.DataFrame(rows, columns=["outcome", "domain", "change", "reason"])


def stage_status(review_dir: Path, protocol: Protocol, records: list) -> StageState:
    """Synthesis is done when every outcome has a complete GRADE assessment."""
    grades, errors = read_grades(review_dir, protocol)
    if errors:
        return StageState(PENDING, f"{len(errors)} problem(s) in {GRADE_FILE}")
    todo = [o.id for o in protocol.outcomes if o.id not in grades or grades[o.id].certainty == PENDING]
    if todo:
        return StageState(PENDING, f"GRADE pending for {', '.join(todo)}")
    return StageState("done", "; ".join(f"{o.id}: {grades[o.id].certainty}" for o in protocol.outcomes))
