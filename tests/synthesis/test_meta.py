"""pool_proportions agrees with R's metafor (reference values from tests/reference/metafor_reference.R)."""

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.synthesis.meta import back_transform, pool_proportions

REFERENCE = ROOT / "tests" / "reference"
POOLED = pd.read_csv(REFERENCE / "metafor_pooled.csv", keep_default_na=True)
STUDIES = pd.read_csv(REFERENCE / "metafor_studies.csv")
TOLERANCE = 5e-5  # four decimals
# The GLMM: lme4 stops its optimiser (bobyqa) and takes its Hessian by finite differences to about 1e-4,
# so where tau2 is large or the data nearly separate, agreement is to 1e-4, absolute or relative
# (I2, in percent, to 1e-3).
GLMM_TOLERANCE = 1e-4


def _fits() -> list[tuple]:
    return [tuple(row) for row in POOLED[["dataset", "transform", "method", "test"]].itertuples(index=False)]


def _select(table: pd.DataFrame, dataset: str, transform: str, method: str, test: str) -> pd.DataFrame:
    return table[(table["dataset"] == dataset) & (table["transform"] == transform) & (table["method"] == method)
                 & (table["test"] == test)]


def _data(dataset: str, transform: str, method: str, test: str) -> pd.DataFrame:
    return _select(STUDIES, dataset, transform, method, test).sort_values("study")


@pytest.mark.parametrize("dataset,transform,method,test", _fits())
def test_pooled_values_agree_with_metafor(dataset: str, transform: str, method: str, test: str):
    ref = _select(POOLED, dataset, transform, method, test).iloc[0]
    data = _data(dataset, transform, method, test)
    if isinstance(ref["error"], str):  # metafor cannot fit this: neither can we, and we say why
        with pytest.raises(ReviewInputError, match="GLMM"):
            pool_proportions(data["events"], data["total"], transform=transform, method=method, test=test)
        return
    if test == "knha" and ref["k"] == 1:  # metafor falls back to a z test (with a warning); we refuse
        with pytest.raises(ReviewInputError, match="Knapp–Hartung test needs more studies"):
            pool_proportions(data["events"], data["total"], transform=transform, method=method, test=test)
        return
    result = pool_proportions(data["events"], data["total"], transform=transform, method=method, test=test)
    assert result.k == ref["k"]
    tolerance = GLMM_TOLERANCE if method == "GLMM" else TOLERANCE
    relative = GLMM_TOLERANCE if method == "GLMM" else None
    for name in ("estimate", "ci_low", "ci_high", "est_transformed", "se_transformed", "tau2"):
        assert getattr(result, name) == pytest.approx(ref[name], abs=tolerance, rel=relative), name
    if method == "FE":
        assert result.pi_low is None and result.pi_high is None
    else:
        assert result.pi_low == pytest.approx(ref["pi_low"], abs=tolerance, rel=relative)
        assert result.pi_high == pytest.approx(ref["pi_high"], abs=tolerance, rel=relative)
    assert result.i2 == pytest.approx(ref["i2"], abs=10 * tolerance)
    if method != "GLMM":  # rma.glmm reports a Wald test from a saturated logistic model, not Cochran's Q
        assert result.q == pytest.approx(ref["q"], abs=TOLERANCE)
        assert result.q_p == pytest.approx(ref["q_p"], abs=TOLERANCE)


@pytest.mark.parametrize("dataset,transform,method", [f[:3] for f in _fits() if f[2] != "GLMM" and f[3] == "z"])
def test_study_values_and_weights_agree_with_metafor(dataset: str, transform: str, method: str):
    data = _data(dataset, transform, method, "z")
    result = pool_proportions(data["events"], data["total"], transform=transform, method=method)
    np.testing.assert_allclose([s.yi for s in result.studies], data["yi"], atol=1e-10)
    np.testing.assert_allclose([s.vi for s in result.studies], data["vi"], atol=1e-10)
    np.testing.assert_allclose([s.weight for s in result.studies], data["weight"], atol=TOLERANCE)
    np.testing.assert_allclose([s.ci_low for s in result.studies], data["prop_ci_low"], atol=1e-8)
    np.testing.assert_allclose([s.ci_high for s in result.studies], data["prop_ci_high"], atol=1e-8)


def test_no_serious_adverse_events_in_any_patient_pools_with_a_continuity_correction():
    result = pool_proportions([0, 0], [19, 7])
    assert result.estimate == pytest.approx(0.0393, abs=1e-4)  # 0.5 added to each cell of both studies
    assert result.ci_low > 0 and result.ci_high < 0.25
    assert [s.proportion for s in result.studies] == [0, 0]
    assert [s.ci_low for s in result.studies] == [0, 0]


def test_back_transforms_clip_to_the_unit_interval_except_raw():
    assert back_transform(-0.1, "arcsine", np.array([10])) == 0
    assert back_transform(2.0, "arcsine", np.array([10])) == 1
    assert back_transform(0.01, "freeman-tukey", np.array([10, 20])) == 0
    assert back_transform(-0.05, "raw", np.array([10])) == -0.05


@pytest.mark.parametrize(
    "events,totals,message",
    [
        ([5, 12], [10, 11], "record 'study 2', field 'events': 12 events is more than the total of 11"),
        ([-1, 2], [10, 11], "record 'study 1', field 'events': events must not be negative"),
        ([1, None], [10, 11], "record 'study 2', field 'events': the value is missing"),
        ([1, 2], [10, float("nan")], "record 'study 2', field 'totals': the value is missing"),
        ([1, 2.5], [10, 11], "record 'study 2', field 'events': a count must be a whole number"),
        ([1, 2], [10, 0], "record 'study 2', field 'totals': the total must be positive"),
        ([1, "many"], [10, 11], "record 'study 2', field 'events': the value is not a number \\('many'\\)"),
        ([1, 2], [10], "field 'totals': 2 values of events but 1 of totals"),
        ([], [], "no studies to pool"),
    ],
)
def test_bad_counts_are_refused_with_the_study_named(events, totals, message):
    with pytest.raises(ReviewInputError, match=message):
        pool_proportions(events, totals)


def test_labels_name_the_study_in_errors():
    with pytest.raises(ReviewInputError, match="record 'hirota-2024', field 'events': 8 events is more than the total of 7"):
        pool_proportions([0, 8], [19, 7], labels=["msc-cm", "hirota-2024"])


def test_every_bad_count_of_a_call_is_reported_together():
    with pytest.raises(ReviewInputErrors) as caught:
        pool_proportions([12, -1], [10, 11])
    assert sorted(e.record for e in caught.value.errors) == ["study 1", "study 2"]


def test_unknown_transform_or_method_and_glmm_off_the_logit_scale_are_refused():
    with pytest.raises(ValueError, match="unknown transform 'probit'"):
        pool_proportions([1, 2], [10, 10], transform="probit")
    with pytest.raises(ValueError, match="unknown method 'HS'"):
        pool_proportions([1, 2], [10, 10], method="HS")
    with pytest.raises(ValueError, match="transform='logit'"):
        pool_proportions([1, 2], [10, 10], transform="arcsine", method="GLMM")
    with pytest.raises(ReviewInputError, match="field 'test'.*use test='z' with method='GLMM'"):
        pool_proportions([1, 2], [10, 10], method="GLMM", test="knha")
    with pytest.raises(ReviewInputError, match="unknown test 'hksj'"):
        pool_proportions([1, 2], [10, 10], test="hksj")
