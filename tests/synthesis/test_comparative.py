"""pool_binary, pool_continuous and pool_generic agree with R's metafor (tests/reference/metafor_comparative.R)."""

import numpy as np
import pytest
from metafor_comparative import fit, keys, reference, rows, tolerance

from reviewkit.core.errors import ReviewInputError
from reviewkit.synthesis import pool_generic

POOLED = reference("pooled")
STUDIES = reference("studies")
POOLED_FIELDS = ("estimate", "ci_low", "ci_high", "beta", "se", "p", "tau2", "i2", "q", "q_p")


@pytest.mark.parametrize("key", keys(POOLED), ids=lambda k: "-".join(k))
def test_pooled_values_agree_with_metafor(key):
    ref = rows(POOLED, key).iloc[0]
    if isinstance(ref["error"], str):  # metafor cannot fit this: neither can we, and we say why
        assert "did not converge" in ref["error"]
        with pytest.raises(ReviewInputError, match="REML: Fisher scoring did not converge"):
            fit(*key)
        return
    result = fit(*key)
    tol = tolerance(key[2])
    assert result.k == ref["k"]
    for name in POOLED_FIELDS:
        assert getattr(result, name) == pytest.approx(ref[name], abs=tol, rel=tol), name
    if key[2] in ("FE", "MH", "Peto"):
        assert result.pi_low is None and result.pi_high is None
    else:
        assert result.pi_low == pytest.approx(ref["pi_low"], abs=tol, rel=tol)
        assert result.pi_high == pytest.approx(ref["pi_high"], abs=tol, rel=tol)
    assert (result.measure, result.method, result.test) == (key[1], key[2], key[3])


@pytest.mark.parametrize("key", keys(STUDIES), ids=lambda k: "-".join(k))
def test_study_values_and_weights_agree_with_metafor(key):
    ref = rows(STUDIES, key).sort_values("study")
    result = fit(*key)
    np.testing.assert_allclose([s.yi for s in result.studies], ref["yi"], atol=1e-10, rtol=1e-10)
    np.testing.assert_allclose([s.vi for s in result.studies], ref["vi"], atol=1e-10, rtol=1e-10)
    np.testing.assert_allclose([s.weight for s in result.studies], ref["weight"], atol=tolerance(key[2]))


def test_ratio_measures_are_reported_on_the_ratio_scale_with_the_log_estimate_kept():
    result = fit("bcg", "RR", "REML", "z")
    assert result.scale == "log"
    assert result.estimate == pytest.approx(np.exp(result.beta))
    study = result.studies[0]
    assert study.label == "Aronson 1948"
    assert study.estimate == pytest.approx(np.exp(study.yi))
    assert study.ci_low == pytest.approx(np.exp(study.yi - 1.959964 * np.sqrt(study.vi)))
    assert sum(s.weight for s in result.studies) == pytest.approx(100)


def test_double_zero_studies_have_no_estimate_under_mh_and_peto_but_count_in_k():
    result = fit("double_zero", "OR", "MH", "z")  # study 1: no events in either arm; study 7: only events
    assert [np.isnan(s.yi) for s in result.studies] == [True] + [False] * 5 + [True]
    assert np.isnan(result.studies[0].estimate) and result.k == 7
    assert not np.isnan(fit("double_zero", "OR", "REML", "z").studies[0].yi)  # escalc keeps it, corrected


def test_many_studies_are_pooled_without_a_k_by_k_matrix():
    rng = np.random.default_rng(1)
    k = 200_000  # a k × k matrix would take 320 GB
    se = rng.uniform(0.1, 0.5, k)
    y = 0.2 + rng.normal(0, np.sqrt(0.1), k) + se * rng.standard_normal(k)  # tau² = 0.1
    result = pool_generic(y, se, method="REML", test="knha")
    assert result.k == k and result.tau2 == pytest.approx(0.1, abs=0.005)
    assert result.estimate == pytest.approx(0.2, abs=0.005)
