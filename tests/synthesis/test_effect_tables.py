"""Comparative outcomes in the workbook's tables: pooled as the protocol says, agreeing with metafor's reference
values (the BCG trials), with the subgroup test, leave-one-out, small-study tests from 10 studies, the protocol's
sensitivity analyses, meta-regression and the absolute effect per 1,000."""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from reviewkit.core.outcome import MetaAnalysis, Outcome
from reviewkit.core.protocol import load_protocol
from reviewkit.extraction.forms import Entry, Form
from reviewkit.records.studies import Study
from reviewkit.synthesis.comparative_tables import effect_results, effect_tables
from reviewkit.synthesis.effect_analyses import (
    effect_sensitivity_table,
    leave_one_out_table,
    meta_regression_table,
    small_study_table,
)
from reviewkit.synthesis.outcomes import ALL, COLUMNS, COUNTS
from reviewkit.synthesis.sof import corresponding_risk, sof_table

REFERENCE = ROOT / "tests" / "reference"
DATA = pd.read_csv(REFERENCE / "metafor_comparative_data.csv")
BCG = DATA[DATA["dataset"] == "bcg"].reset_index(drop=True)
POOLED = pd.read_csv(REFERENCE / "metafor_comparative_pooled.csv")
REGTEST = pd.read_csv(REFERENCE / "metafor_comparative_regtest.csv")
TRIMFILL = pd.read_csv(REFERENCE / "metafor_comparative_trimfill.csv")
SUBGROUP = pd.read_csv(REFERENCE / "metafor_comparative_subgroup.csv")
MODERATORS = pd.read_csv(REFERENCE / "metafor_comparative_moderators.csv")
RISK_OF_BIAS = ["low", "some concerns", "high", "low", "low", "high", "low", "low", "low", "low", "some concerns",
                "low", "low"]


def _protocol(seed_review, **settings):
    outcome = Outcome(id="tb", label="Tuberculosis", type="dichotomous", measure="RR", events_t_field="e_t",
                      total_t_field="n_t", events_c_field="e_c", total_c_field="n_c")
    protocol = load_protocol(seed_review)
    return protocol.model_copy(update={"outcomes": [outcome], "meta_analysis": MetaAnalysis(**settings)})


def _outcomes(groups: list[str] | None = None) -> pd.DataFrame:
    rows = [{"outcome": "tb", "outcome_label": "Tuberculosis", "type": "dichotomous", "measure": "RR",
             "group": groups[i] if groups else "not grouped", "study_id": f"s{i + 1}", "label": r.label,
             "design": "randomised controlled trial", "participants": str(r.total_t + r.total_c),
             "events_t": r.events_t, "total_t": r.total_t, "events_c": r.events_c, "total_c": r.total_c,
             "poolable": True, "reason": "", "finding": "", "direction": "", "risk_of_bias": RISK_OF_BIAS[i]}
            for i, r in enumerate(BCG.itertuples())]
    return pd.DataFrame(rows, columns=COLUMNS).astype({c: "Int64" for c in COUNTS})


def _reference(method: str, test: str) -> pd.Series:
    return POOLED[(POOLED["dataset"] == "bcg") & (POOLED["measure"] == "RR") & (POOLED["method"] == method)
                  & (POOLED["test"] == test)].iloc[0]


@pytest.mark.parametrize("method, test", [("REML", "knha"), ("DL", "z"), ("MH", "z"), ("FE", "z")])
def test_the_pooled_row_is_metafors(seed_review, method, test):
    protocol = _protocol(seed_review, method=method, test=test)
    outcomes = _outcomes()
    results = effect_results(outcomes, protocol)
    summary, studies = effect_tables(outcomes, protocol, results)
    row, expected = summary[summary["group"] == ALL].iloc[0], _reference(method, "z" if method == "MH" else test)
    for name in ("estimate", "ci_low", "ci_high", "tau2", "i2", "q"):
        assert row[name] == pytest.approx(expected[name], rel=1e-6, abs=1e-6), name
    assert (row["k"], row["measure"], row["method"]) == (13, "RR", method)
    assert studies["weight"].sum() == pytest.approx(100)
    assert studies["arms"].iloc[0] == "4/123 vs 11/139"


def test_groups_are_pooled_apart_with_the_test_for_subgroup_differences(seed_review):
    groups = MODERATORS[MODERATORS["dataset"] == "bcg"]["alloc"].tolist()  # the trials' allocation, as metafor's
    protocol = _protocol(seed_review, method="REML")
    outcomes = _outcomes(groups)
    summary, _ = effect_tables(outcomes, protocol, effect_results(outcomes, protocol))
    assert list(summary["group"]) == [ALL, "alternate", "random", "systematic"]
    overall = summary.iloc[0]
    expected = SUBGROUP[(SUBGROUP["dataset"] == "bcg") & (SUBGROUP["method"] == "REML") & (SUBGROUP["test"] == "z")].iloc[0]
    for name in ("subgroup_q", "subgroup_df", "subgroup_p"):
        assert overall[name] == pytest.approx(expected[name.removeprefix("subgroup_")], rel=1e-6), name
    assert summary.iloc[1:]["subgroup_q"].isna().all()


def test_too_few_studies_are_not_pooled_and_say_why(seed_review):
    protocol = _protocol(seed_review, method="REML", min_studies=20)
    outcomes = _outcomes()
    summary, studies = effect_tables(outcomes, protocol, effect_results(outcomes, protocol))
    assert "fewer than the 20 the protocol needs" in summary.iloc[0]["note"]
    assert pd.isna(summary.iloc[0]["estimate"]) and not studies["pooled"].any()
    assert studies["estimate"].notna().all()  # each study's own effect is still shown


def test_small_study_tests_from_ten_studies_agree_with_metafor_and_below_ten_say_why(seed_review):
    protocol = _protocol(seed_review, method="REML")
    outcomes = _outcomes()
    row = small_study_table(effect_results(outcomes, protocol)).iloc[0]
    expected = REGTEST[(REGTEST["dataset"] == "bcg") & (REGTEST["method"] == "REML") & (REGTEST["test"] == "z")].iloc[0]
    assert row["egger_z"] == pytest.approx(expected["z"], abs=1e-6)
    filled = TRIMFILL[(TRIMFILL["dataset"] == "bcg") & (TRIMFILL["method"] == "REML") & (TRIMFILL["test"] == "z")].iloc[0]
    assert (row["k0"], row["side"]) == (filled["k0"], filled["side"])
    assert row["adjusted_estimate"] == pytest.approx(filled["estimate"], rel=1e-6)
    few = outcomes.iloc[:9]
    note = small_study_table(effect_results(few, protocol)).iloc[0]["note"]
    assert "fewer than 10" in note and "13.3.5.4" in note


def test_leave_one_out_and_the_protocols_sensitivity_analyses(seed_review):
    protocol = _protocol(seed_review, method="REML", sensitivity=["low_risk_of_bias", "exclude_high_risk_of_bias",
                                                                  "common_effect"])
    outcomes = _outcomes()
    results = effect_results(outcomes, protocol)
    loo = leave_one_out_table(results)
    assert len(loo) == 13 and list(loo["omitted"][:2]) == ["s1", "s2"]
    sensitivity = effect_sensitivity_table(outcomes, protocol, results).set_index("analysis")
    assert list(sensitivity.index) == ["main", "low_risk_of_bias", "exclude_high_risk_of_bias", "common_effect"]
    assert sensitivity.loc["low_risk_of_bias", "k"] == RISK_OF_BIAS.count("low")
    assert sensitivity.loc["exclude_high_risk_of_bias", "k"] == 13 - RISK_OF_BIAS.count("high")
    assert sensitivity.loc["common_effect", "estimate"] == pytest.approx(_reference("FE", "z")["estimate"], rel=1e-6)


def test_meta_regression_on_a_moderator_from_the_forms_and_a_missing_value_named(seed_review):
    protocol = _protocol(seed_review, method="REML", moderators=["year"])
    outcomes = _outcomes()
    years = [1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976]

    def form(i: int, year) -> Form:
        study = Study(f"s{i + 1}", (f"r{i + 1}",), f"r{i + 1}", "")
        return Form(study, {} if year is None else {"year": Entry("year", year)})

    forms = {f"s{i + 1}": form(i, y) for i, y in enumerate(years)}
    table = meta_regression_table(forms, protocol, effect_results(outcomes, protocol))
    assert list(table["term"]) == ["intercept", "year"] and table["p"].notna().all()
    forms["s3"] = form(2, None)
    note = meta_regression_table(forms, protocol, effect_results(outcomes, protocol)).iloc[0]["note"]
    assert "s3 (year)" in note


def test_the_absolute_effect_per_1000_from_the_control_arms(seed_review):
    protocol = _protocol(seed_review, method="REML")
    outcomes = _outcomes()
    summary, _ = effect_tables(outcomes, protocol, effect_results(outcomes, protocol))
    sof = sof_table(protocol, pd.DataFrame(columns=["outcome", "group"]), outcomes, {}, summary, outcomes).iloc[0]
    assumed = BCG["events_c"].sum() / BCG["total_c"].sum()
    pooled = summary.iloc[0]
    assert sof["risk_control"] == f"{1000 * assumed:.0f} per 1,000"
    assert sof["risk_intervention"] == (f"{1000 * assumed * pooled['estimate']:.0f} per 1,000 "
                                        f"({1000 * assumed * pooled['ci_low']:.0f} to {1000 * assumed * pooled['ci_high']:.0f})")
    assert sof["estimate"].startswith(f"RR {pooled['estimate']:.2f} (")
    assert corresponding_risk("OR", 0.2, 1.0) == pytest.approx(0.2)
    assert corresponding_risk("OR", 0.2, 2.0) == pytest.approx(0.4 / 1.2)
    assert corresponding_risk("RD", 0.2, -0.05) == pytest.approx(0.15)
