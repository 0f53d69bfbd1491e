"""Cohen's kappa against hand-computed examples; pairs of raters; conflicts."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reviewkit.screening.agreement import SUGGESTIONS, agreement_summary, crosstab, kappa, rater_pairs
from reviewkit.screening.criteria import ScreeningSuggestion
from reviewkit.screening.decisions import conflicts


def test_kappa_matches_a_hand_computed_2x2_example():
    # 50 records: both include 20, A include/B exclude 5, A exclude/B include 10, both exclude 15.
    # p_o = 35/50 = 0.7; A includes 0.5, B 0.6: p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = (0.7-0.5)/(1-0.5) = 0.4.
    # Fleiss-Cohen-Everitt variance: diagonal 0.4*(1-1.1*0.6)^2 + 0.3*(1-0.9*0.6)^2 = 0.10972;
    # off-diagonal 0.36*(0.1*1.1^2 + 0.2*0.9^2) = 0.10188; minus (0.4-0.5*0.6)^2 = 0.01;
    # var = 0.2016 / (50*0.25) = 0.016128, se = 0.126997, CI = 0.4 -/+ 1.959964*se.
    result = kappa(np.array([[20, 5], [10, 15]]))
    se = math.sqrt(0.016128)
    assert result["records"] == 50
    assert result["agreement"] == pytest.approx(0.7)
    assert result["kappa"] == pytest.approx(0.4)
    assert result["kappa_low"] == pytest.approx(0.4 - 1.959964 * se, abs=1e-5)
    assert result["kappa_high"] == pytest.approx(0.4 + 1.959964 * se, abs=1e-5)


def test_kappa_is_undefined_when_both_raters_use_one_value_and_has_no_interval_when_one_does():
    assert math.isnan(kappa(np.array([[5, 0], [0, 0]]))["kappa"])
    one_sided = kappa(np.array([[4, 1], [0, 0]]))
    assert one_sided["kappa"] == pytest.approx(0.0) and math.isnan(one_sided["kappa_low"])


def test_crosstab_keeps_every_decision_value():
    a = pd.Series({"r1": "include", "r2": "exclude"})
    b = pd.Series({"r1": "include", "r2": "include"})
    table = crosstab(a, b, "ann", "bob")
    assert table.shape == (3, 3) and table.loc["exclude", "include"] == 1 and table.values.sum() == 2


def decisions(rows: list[tuple[str, str, str, str, str, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"stage": s, "record_id": r, "reviewer": who, "decision": d, "exclusion_reason": why, "consensus": c} for s, r, who, d, why, c in rows]
    )


def suggestion(record_id: str, decision: str) -> ScreeningSuggestion:
    return ScreeningSuggestion(record_id, decision, "", ())


def test_two_reviewers_are_compared_with_each_other_on_records_both_decided():
    rows = decisions(
        [
            ("title_abstract", "r1", "ann", "include", "", False),
            ("title_abstract", "r2", "ann", "exclude", "non_human", False),
            ("title_abstract", "r3", "ann", "include", "", False),
            ("title_abstract", "r1", "bob", "include", "", False),
            ("title_abstract", "r2", "bob", "include", "", False),
            ("title_abstract", "r2", "ann+bob", "exclude", "non_human", True),
        ]
    )
    pairs = rater_pairs(rows, {r: suggestion(r, "include") for r in ("r1", "r2", "r3")})
    assert [(s, a, b, len(x)) for s, a, b, x, y in pairs] == [("title_abstract", "ann", "bob", 2)]
    summary = agreement_summary(pairs)
    assert summary.iloc[0]["agreement"] == pytest.approx(0.5)


def test_one_reviewer_is_compared_with_the_suggestions_unclear_as_unsure():
    rows = decisions(
        [
            ("full_text", "r1", "ann", "include", "", False),
            ("full_text", "r2", "ann", "unsure", "", False),
            ("full_text", "r3", "ann", "exclude", "no_outcomes", False),
        ]
    )
    found = {"r1": suggestion("r1", "include"), "r2": suggestion("r2", "unclear"), "r3": suggestion("r3", "include"), "r4": suggestion("r4", "exclude")}
    (stage, a, b, x, y), = rater_pairs(rows, found)
    assert (stage, a, b) == ("full_text", "ann", SUGGESTIONS)
    assert y.to_dict() == {"r1": "include", "r2": "unsure", "r3": "include"}
    # p_o = 2/3; ann 1/3 each value, suggestions include 2/3, unsure 1/3: p_e = 1/3*2/3 + 1/3*1/3 = 1/3; kappa = 0.5
    assert agreement_summary([(stage, a, b, x, y)]).iloc[0]["kappa"] == pytest.approx(0.5)


def test_conflicts_list_disagreements_and_their_resolution():
    rows = decisions(
        [
            ("title_abstract", "r1", "ann", "include", "", False),
            ("title_abstract", "r1", "bob", "include", "", False),
            ("title_abstract", "r2", "ann", "exclude", "non_human", False),
            ("title_abstract", "r2", "bob", "include", "", False),
            ("title_abstract", "r3", "ann", "exclude", "non_human", False),
            ("title_abstract", "r3", "bob", "exclude", "no_outcomes", False),
            ("title_abstract", "r3", "ann+bob", "exclude", "no_outcomes", True),
        ]
    )
    found = conflicts(rows)
    assert found["record_id"].tolist() == ["r2", "r3"]
    assert found.iloc[0]["consensus"] == "" and found.iloc[0]["decisions"] == "ann: exclude (non_human) | bob: include"
    assert (found.iloc[1]["consensus"], found.iloc[1]["resolved_by"]) == ("exclude (no_outcomes)", "ann+bob")
