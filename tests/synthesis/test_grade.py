"""GRADE certainty is computed from the reviewer's ratings; bad ratings name the file, line and domain."""
from __future__ import annotations

import pandas as pd
import pytest

from reviewkit.core.protocol import load_protocol
from reviewkit.synthesis.grade import DOMAINS, Grade, Rating, load_grades, read_grades
from reviewkit.synthesis.outcomes import ALL
from reviewkit.synthesis.sof import sof_table

FULL = {d: 0 for d in DOMAINS}


def _grade(start: str, **changes: int) -> Grade:
    ratings = tuple(Rating(d, {**FULL, **changes}[d], "why") for d in DOMAINS)
    return Grade("sae", start, "", ratings)


@pytest.mark.parametrize("start,changes,certainty", [
    ("low", {}, "low"),
    ("high", {"risk_of_bias": -1}, "moderate"),
    ("high", {"risk_of_bias": -1, "imprecision": -2}, "very low"),
    ("low", {"imprecision": -2, "publication_bias": -1}, "very low"),  # never below very low
    ("low", {"large_effect": 2}, "high"),
    ("high", {"large_effect": 1}, "high"),  # never above high
])
def test_certainty_is_the_start_moved_by_the_ratings(start, changes, certainty):
    assert _grade(start, **changes).certainty == certainty


def test_an_unrated_domain_leaves_the_certainty_pending():
    grade = Grade("sae", "low", "", (Rating("risk_of_bias", -1, "why"),))
    assert grade.certainty == "pending" and "imprecision" in grade.missing


def test_seed_grades_are_valid_and_very_low(seed_review):
    grades = load_grades(seed_review, load_protocol(seed_review))
    assert {o: g.certainty for o, g in grades.items()} == {"serious_adverse_events": "very low",
                                                            "improvement": "very low"}


@pytest.mark.parametrize("old,new,message", [
    ("    imprecision:\n      change: -2", "    imprecision:\n      change: -3", r"line \d+, field 'serious_adverse_events.domains.imprecision': change must be one of \[0, -1, -2\]"),
    ("    large_effect:\n      change: 0", "    large_effect:\n      change: -1", r"field 'serious_adverse_events.domains.large_effect': change must be one of \[0, 1, 2\]"),
    ("    imprecision:\n      change: -2", "    imprecision:\n      change: -2.0", r"domains.imprecision': change must be one of \[0, -1, -2\], not -2.0"),
    ("    risk_of_bias:\n      change: -1\n      reason: >-\n        Of the two", "    risk_of_bias:\n      change: -1\n      note: >-\n        Of the two", "expected {change, reason}"),
    ("  start: low\n  start_reason: single-arm case series and observational studies, no control group\n  domains:\n    risk_of_bias:\n      change: -1\n      reason: >-\n        Of", "  start: medium\n  start_reason: x\n  domains:\n    risk_of_bias:\n      change: -1\n      reason: >-\n        Of", "start must be one of"),
    ("    publication_bias:\n      change: -1\n      reason: >-\n        Two of four", "    publication_bias:\n      change: -1\n      reason: ''\n      x: >-\n        Two of four", "expected {change, reason}"),
    ("    confounding:\n      change: 0\n  comment", "    confounders:\n      change: 0\n  comment", "unknown GRADE domain 'confounders'"),
])
def test_bad_ratings_are_reported_with_file_line_and_field(seed_review, old, new, message):
    path = seed_review / "grade.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    _, errors = read_grades(seed_review, load_protocol(seed_review))
    assert errors and any(pytest.importorskip("re").search(message, str(e)) for e in errors), [str(e) for e in errors]
    assert "grade.yml" in str(errors[0])


def test_a_rating_down_without_a_reason_is_refused(seed_review):
    path = seed_review / "grade.yml"
    path.write_text("improvement:\n  start: low\n  domains:\n    imprecision:\n      change: -1\n", encoding="utf-8")
    _, errors = read_grades(seed_review, load_protocol(seed_review))
    assert "needs its reason" in str(errors[0]) and "line 5" in str(errors[0])


def test_an_outcome_not_in_the_protocol_is_refused(seed_review):
    (seed_review / "grade.yml").write_text("mortality:\n  start: low\n", encoding="utf-8")
    _, errors = read_grades(seed_review, load_protocol(seed_review))
    assert "'mortality' is not an outcome of the protocol" in str(errors[0])


def test_no_grade_file_yet_gives_pending_in_the_summary_of_findings(seed_review):
    (seed_review / "grade.yml").unlink()
    protocol = load_protocol(seed_review)
    assert read_grades(seed_review, protocol) == ({}, [])
    synthesis = pd.DataFrame([{"outcome": "improvement", "group": ALL, "k": 1, "events": 10, "participants": 19, "estimate": 0.5263,
                               "ci_low": 0.2886, "ci_high": 0.7555, "method": ""}])
    narrative = pd.DataFrame([{"outcome": "improvement", "participants": "19", "direction": "favourable"}])
    sof = sof_table(protocol, synthesis, narrative, {})
    assert sof.loc[0, "certainty"] == "pending"
    assert sof.loc[0, "estimate"] == "52.6% (28.9% to 75.5%); 10 events in 19 participants, one study"
    assert "1 favourable" in sof.loc[0, "comments"]
