"""cumulative agrees with R's metafor cumul() (tests/reference/metafor_comparative.R for comparative fits,
tests/reference/metafor_reference.R for proportions), and cumulative_forest draws one row per step."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from figure_rows import lines, placed  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from metafor_comparative import REFERENCE, fit, keys, reference, rows, studies, tolerance  # noqa: E402

from reviewkit.core.errors import ReviewInputError  # noqa: E402
from reviewkit.core.numbers import fmt_decimal, interval  # noqa: E402
from reviewkit.synthesis import cumulative, cumulative_forest, pool_proportions  # noqa: E402

CUMUL = reference("cumul")
PROPORTIONS = pd.read_csv(REFERENCE / "metafor_cumul.csv")
PROPORTION_STUDIES = pd.read_csv(REFERENCE / "metafor_studies.csv")
PROPORTION_TOLERANCE = 5e-5  # as test_meta.py: four decimals
COMPARED = ("estimate", "ci_low", "ci_high", "tau2", "i2")
NUMBERS = ["estimate", "ci_low", "ci_high", "tau2", "i2", "pi_low", "pi_high"]


def one_per_study(k: int) -> list[str]:
    """Each study its own step, "01", "02", …: sorted, the studies' given order."""
    return [f"{i + 1:02d}" for i in range(k)]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize("key", keys(CUMUL), ids=lambda k: "-".join(k))
def test_one_step_per_study_agrees_with_cumul(key):
    dataset, measure, method, test = key
    ref = rows(CUMUL, key).sort_values("step").reset_index(drop=True)
    result = fit(*key)
    table = cumulative(result, one_per_study(result.k))
    assert list(table["step"]) == one_per_study(result.k) and list(table["k"]) == list(ref["step"])
    assert list(table["added"]) == studies(dataset)["label"].tolist()
    unfitted = (table["k"] < 2) & (method in ("DL", "REML") or test == "knha")  # as pool_* refuse them
    assert list(table["note"] != "") == list(unfitted)
    assert table.loc[unfitted, NUMBERS].isna().all().all()
    fitted = ~unfitted
    for name in COMPARED:
        np.testing.assert_allclose(table.loc[fitted, name], ref.loc[fitted, name], atol=tolerance(method),
                                   rtol=tolerance(method), err_msg=name)
    assert table.loc[fitted, ["pi_low", "pi_high"]].isna().all().all() == (method == "FE")


def _select(table: pd.DataFrame, key: tuple) -> pd.DataFrame:
    dataset, transform, method, test = key
    return table[(table["dataset"] == dataset) & (table["transform"] == transform) & (table["method"] == method)
                 & (table["test"] == test)]


def _proportion_keys() -> list[tuple]:
    columns = ["dataset", "transform", "method", "test"]
    return sorted({tuple(r) for r in PROPORTIONS[columns].itertuples(index=False)})


@pytest.mark.parametrize("key", _proportion_keys(), ids=lambda k: "-".join(k))
def test_proportions_one_step_per_study_agree_with_cumul(key):
    dataset, transform, method, test = key
    data = _select(PROPORTION_STUDIES, key).sort_values("study")
    ref = _select(PROPORTIONS, key).sort_values("step").reset_index(drop=True)
    result = pool_proportions(data["events"], data["total"], transform=transform, method=method, test=test)
    table = cumulative(result, one_per_study(result.k))
    assert list(table["k"]) == list(ref["step"]) and table["added"].iloc[0] == "study 1"
    unfitted = (table["k"] < 2) & (test == "knha")  # pool_proportions refuses knha on one study; metafor uses z
    assert list(table["note"] != "") == list(unfitted)
    assert table.loc[unfitted, NUMBERS].isna().all().all()
    fitted = ~unfitted
    for name in COMPARED:
        atol = 10 * PROPORTION_TOLERANCE if name == "i2" else PROPORTION_TOLERANCE
        np.testing.assert_allclose(table.loc[fitted, name], ref.loc[fitted, name], atol=atol, rtol=0, err_msg=name)


def test_two_studies_per_step_equal_cumul_at_the_last_study_of_each_step():
    key = ("bcg", "RR", "REML", "z")
    ref = rows(CUMUL, key).set_index("step")
    result = fit(*key)
    rounds = [f"round {i // 2 + 1}" for i in range(result.k)]  # 13 studies: six rounds of two, then one
    table = cumulative(result, rounds)
    assert list(table["k"]) == [2, 4, 6, 8, 10, 12, 13] and (table["note"] == "").all()
    labels = studies("bcg")["label"].tolist()
    assert table["added"].iloc[0] == f"{labels[0]}; {labels[1]}" and table["added"].iloc[-1] == labels[-1]
    for name in COMPARED:
        np.testing.assert_allclose(table[name], ref.loc[table["k"], name], atol=1e-4, rtol=1e-4, err_msg=name)
    assert table["estimate"].iloc[-1] == pytest.approx(result.estimate)  # the last step is the result itself


def test_the_order_given_is_the_order_of_the_steps_and_unused_keys_are_skipped():
    result = fit("bcg", "RR", "FE", "z")
    years = [str(y) for y in (1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976)]
    table = cumulative(result, years)  # sorted years: the studies by year, as a cumulative meta-analysis by year
    assert list(table["step"]) == sorted(set(years)) and table["k"].iloc[-1] == 13
    assert table.set_index("step").loc["1973", "added"] == "Frimodt-Moller 1973; Vandiviere 1973"
    rounds = ["round 10", "round 2", "round 10"] + ["round 2"] * 10
    table = cumulative(result, rounds, order=["round 2", "round 5", "round 10"])
    assert list(table["step"]) == ["round 2", "round 10"] and list(table["k"]) == [11, 13]


def test_a_step_that_cannot_be_fitted_has_no_numbers_and_says_why():
    table = cumulative(fit("bcg", "RR", "REML", "z"), ["a"] + ["b"] * 12)
    first = table.iloc[0]
    assert first[NUMBERS].isna().all() and "REML" in first["note"] and "at least 2 studies" in first["note"]
    assert table.iloc[1]["note"] == "" and np.isfinite(table.iloc[1]["estimate"])
    knha = cumulative(pool_proportions([2, 15, 30], [50, 40, 60], test="knha"), ["1", "2", "2"],
                      labels=["Ames", "Baker", "Cole"])
    assert "Knapp–Hartung" in knha["note"].iloc[0] and np.isnan(knha["estimate"].iloc[0])
    assert list(knha["added"]) == ["Ames", "Baker; Cole"]
    single = cumulative(fit("bcg", "RR", "FE", "z"), one_per_study(13)).iloc[0]  # one study under FE: that study
    assert (round(single["estimate"], 2), round(single["ci_low"], 2), round(single["ci_high"], 2)) == (0.41, 0.13, 1.26)


@pytest.mark.parametrize("method", ["MH", "Peto"])
def test_mantel_haenszel_and_peto_end_at_the_result(method):
    result = fit("bcg", "OR", method, "z")
    table = cumulative(result, one_per_study(result.k))
    last = table.iloc[-1]
    assert (last["estimate"], last["ci_low"], last["ci_high"]) == pytest.approx(
        (result.estimate, result.ci_low, result.ci_high))
    assert (table["note"] == "").all()


@pytest.mark.parametrize("keys_, order, field, message", [
    (["1", "2"], None, "keys", "2 keys for 13 studies"),
    (["1"] * 12 + ["9"], ["1", "2"], "keys", "'9' not in the order"),
    (["1"] * 12 + [None], None, "keys", "missing"),
    (["1"] * 13, ["1", "1"], "order", "distinct keys"),
    ("1" * 13, None, "keys", "one key per study"),
])
def test_bad_keys_are_refused_naming_the_field(keys_, order, field, message):
    with pytest.raises(ReviewInputError, match=message) as caught:
        cumulative(fit("bcg", "RR", "FE", "z"), keys_, order)
    assert caught.value.path == "cumulative" and caught.value.field == field


def test_labels_must_match_the_studies():
    with pytest.raises(ReviewInputError, match="labels") as caught:
        cumulative(pool_proportions([2, 15], [50, 40]), ["1", "2"], labels=["only one"])
    assert caught.value.field == "labels"


def _axes(fig):
    return next(ax for ax in fig.axes if ax.axison)


def _gids(fig, gid: str) -> list:
    return fig.findobj(lambda a: a.get_gid() == gid)


def test_the_forest_draws_one_labelled_row_per_step_with_its_interval(tmp_path):
    result = fit("bcg", "RR", "REML", "z")
    table = cumulative(result, one_per_study(result.k))
    fig = cumulative_forest("BCG vaccine: cumulative meta-analysis", table, measure="RR")
    fig.savefig(tmp_path / "cumulative_rr.png", dpi=150)
    shown = lines(fig)
    assert "01 k = 1 random effects (REML) needs at least 2 studies, not 1" in shown, shown
    assert "13 k = 13 0.49 (0.34 to 0.70)" in shown  # as comparative_forest's Overall row, metafor 0.4894 [0.3441, 0.6962]
    for _, row in table.iloc[1:].iterrows():
        assert any(line.startswith(f"{row['step']} k = {row['k']} {row['estimate']:.2f} (") for line in shown), row
    assert len(_gids(fig, "estimate")) == len(_gids(fig, "ci")) == 12
    assert _axes(fig).get_xscale() == "log"
    assert {line.get_xdata()[0] for line in _gids(fig, "no-effect")} == {1.0}
    assert {"Step", "Studies", "Risk ratio (95% CI)", "Risk ratio (log scale)"} <= {
        t.get_text() for t in fig.findobj(Text)}
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t, *_ in placed(fig)]
    for i, a in enumerate(boxes):
        assert fig.bbox.x0 <= a.x0 and a.x1 <= fig.bbox.x1 + 1 and fig.bbox.y0 <= a.y0 and a.y1 <= fig.bbox.y1 + 1
        assert not any(a.overlaps(b) and a.intersection(a, b).width > 1 and a.intersection(a, b).height > 1
                       for b in boxes[i + 1:])


def test_the_forest_of_differences_and_of_proportions_is_linear():
    result = fit("normand", "MD", "DL", "z")
    fig = cumulative_forest("Length of stay", cumulative(result, ["a"] * 4 + ["b"] * 5), measure="MD", scale="linear")
    assert _axes(fig).get_xscale() == "linear"
    assert {line.get_xdata()[0] for line in _gids(fig, "no-effect")} == {0.0}
    figures = interval(*(fmt_decimal(v) for v in (result.estimate, result.ci_low, result.ci_high)))
    assert f"b k = 9 {figures}" in lines(fig) and figures.startswith("−")  # a true minus sign
    table = cumulative(pool_proportions([2, 15, 30, 4, 45], [50, 40, 60, 80, 70]), ["r1", "r1", "r2", "r3", "r3"])
    fig = cumulative_forest("Proportions", table, measure="proportion", scale="linear")
    assert not _gids(fig, "no-effect")  # a proportion has no line of no effect
    assert any(line.startswith("r3 k = 5 24.4% (") and line.endswith("%)") for line in lines(fig)), lines(fig)


def test_the_forest_refuses_a_log_axis_for_differences_and_unknown_scales():
    table = cumulative(fit("normand", "MD", "FE", "z"), one_per_study(9))
    with pytest.raises(ReviewInputError, match="log axis") as caught:
        cumulative_forest("MD", table, measure="MD")
    assert caught.value.field == "scale"
    with pytest.raises(ReviewInputError, match="unknown scale"):
        cumulative_forest("MD", table, measure="MD", scale="sqrt")
