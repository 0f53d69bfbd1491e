"""egger_test, trim_and_fill, leave_one_out, subgroup_test and meta_regression agree with R's metafor
(regtest, trimfill, leave1out, rma on subgroup estimates, rma with mods; tests/reference/metafor_comparative.R)."""

import numpy as np
import pandas as pd
import pytest
from metafor_comparative import MODERATORS, fit, keys, reference, rows, studies, tolerance

from reviewkit.synthesis.bias import egger_test, trim_and_fill
from reviewkit.synthesis.moderators import leave_one_out, meta_regression, subgroup_test

REGTEST = reference("regtest")
TRIMFILL = reference("trimfill")
LEAVE1OUT = reference("leave1out")
SUBGROUP = reference("subgroup")
METAREG = reference("metareg")


def close(value, expected, method):
    return value == pytest.approx(expected, abs=tolerance(method), rel=tolerance(method))


@pytest.mark.parametrize("key", keys(REGTEST), ids=lambda k: "-".join(k))
def test_egger_test_agrees_with_regtest(key):
    ref = rows(REGTEST, key).iloc[0]
    test = egger_test(fit(*key))
    assert close(test.z, ref["z"], key[2]) and close(test.p, ref["p"], key[2])
    assert close(test.intercept, ref["intercept"], key[2]) and close(test.slope, ref["slope"], key[2])
    assert test.df == (None if np.isnan(ref["df"]) else int(ref["df"]))


@pytest.mark.parametrize("key", keys(TRIMFILL), ids=lambda k: "-".join(k))
def test_trim_and_fill_agrees_with_trimfill(key):
    ref = rows(TRIMFILL, key).iloc[0]
    filled = trim_and_fill(fit(*key))
    assert (filled.k0, filled.side) == (ref["k0"], ref["side"])
    for name in ("estimate", "ci_low", "ci_high"):
        assert close(getattr(filled, name), ref[name], key[2]), name
    assert close(filled.result.tau2, ref["tau2"], key[2])
    assert len(filled.filled_yi) == filled.k0 and filled.result.k == len(studies(key[0])) + filled.k0


@pytest.mark.parametrize("key", keys(LEAVE1OUT), ids=lambda k: "-".join(k))
def test_leave_one_out_agrees_with_leave1out(key):
    ref = rows(LEAVE1OUT, key).sort_values("study")
    table = leave_one_out(fit(*key))
    assert list(table["study"]) == studies(key[0])["label"].tolist()
    for name in ("estimate", "ci_low", "ci_high", "tau2", "i2", "q", "q_p"):
        np.testing.assert_allclose(table[name], ref[name], atol=tolerance(key[2]), rtol=tolerance(key[2]), err_msg=name)


GROUPINGS = {"bcg": ("alloc", "RR"), "normand": ("stroke_unit", "SMD")}


@pytest.mark.parametrize("key", keys(SUBGROUP), ids=lambda k: "-".join(k))
def test_subgroup_test_agrees_with_metafor(key):
    dataset, measure, method, test = key
    column = GROUPINGS[dataset][0]
    groups = MODERATORS[MODERATORS["dataset"] == dataset].sort_values("study")[column].to_numpy()
    data = studies(dataset)
    results = {}
    for group in sorted(set(groups)):
        subset = data[groups == group]
        results[group] = fit_rows(subset, measure, method, test)
    ref = rows(SUBGROUP, key).iloc[0]
    result = subgroup_test(results)
    assert result.df == ref["df"]
    assert close(result.q, ref["q"], method) and close(result.p, ref["p"], method)


def fit_rows(subset: pd.DataFrame, measure: str, method: str, test: str):
    from reviewkit.synthesis.comparative import pool_binary, pool_continuous

    if measure == "RR":
        return pool_binary(subset["events_t"], subset["total_t"], subset["events_c"], subset["total_c"], measure=measure,
                           method=method, test=test)
    return pool_continuous(subset["mean_t"], subset["sd_t"], subset["n_t"], subset["mean_c"], subset["sd_c"],
                           subset["n_c"], measure=measure, method=method, test=test)


def _metareg_keys() -> list[tuple]:
    return sorted({tuple(r) for r in METAREG[["dataset", "measure", "model", "method", "test"]].itertuples(index=False)})


@pytest.mark.parametrize("key", _metareg_keys(), ids=lambda k: "-".join(k))
def test_meta_regression_agrees_with_rma_with_moderators(key):
    dataset, measure, model, method, test = key
    ref = METAREG[(METAREG["dataset"] == dataset) & (METAREG["model"] == model) & (METAREG["method"] == method)
                  & (METAREG["test"] == test)]
    pooled = fit(dataset, measure, "FE", "z")
    y = [s.yi for s in pooled.studies]
    se = [np.sqrt(s.vi) for s in pooled.studies]
    moderators = MODERATORS[MODERATORS["dataset"] == dataset].sort_values("study")[model.split(" + ")]
    result = meta_regression(y, se, moderators, method=method, test=test)
    assert list(result.coef) == ref["term"].tolist()
    for term, coef, se_ref, p in zip(ref["term"], ref["coef"], ref["se"], ref["p"]):
        assert close(result.coef[term], coef, method) and close(result.se[term], se_ref, method), term
        assert close(result.p[term], p, method), term
    assert close(result.tau2, ref["tau2"].iloc[0], method)
    assert close(result.qm, ref["qm"].iloc[0], method) and close(result.qm_p, ref["qm_p"].iloc[0], method)


def test_a_categorical_moderator_uses_its_own_level_order_for_the_reference():
    y, se = [0.1, 0.3, 0.2, 0.5, 0.4], [0.1, 0.2, 0.15, 0.1, 0.2]
    levels = pd.Categorical(["b", "a", "b", "a", "c"], categories=["c", "b", "a"])
    result = meta_regression(y, se, pd.DataFrame({"arm": levels}), method="FE")
    assert list(result.coef) == ["intercept", "armb", "arma"]


def test_trim_and_fill_keeps_the_measure_and_refits_with_the_filled_studies_labelled():
    filled = trim_and_fill(fit("bcg", "RR", "REML", "z"))
    assert filled.result.measure == "RR" and filled.result.scale == "log"
    assert [s.label for s in filled.result.studies][-filled.k0:] == [f"filled {i + 1}" for i in range(filled.k0)]


def test_levels_that_do_not_compare_are_ordered_by_their_text():
    y, se = [0.1, 0.3, 0.2, 0.5, 0.4], [0.1, 0.2, 0.15, 0.1, 0.2]
    result = meta_regression(y, se, pd.DataFrame({"dose": ["high", 1, "high", 1, "low"]}), method="FE")
    assert list(result.coef) == ["intercept", "dosehigh", "doselow"]
