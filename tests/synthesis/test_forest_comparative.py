"""The forest plot of comparative studies: each study's square, interval, figures and weight, the diamonds
with their prediction intervals and heterogeneity, the subgroup test, the favours labels under the axis
and the risk-of-bias dots beside it, on a log axis for ratios and a linear one for differences."""
from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from figure_rows import lines  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from reviewkit.core.errors import ReviewInputError  # noqa: E402
from reviewkit.core.plot_style import colour  # noqa: E402
from reviewkit.synthesis import comparative_forest, pool_binary, pool_continuous, subgroup_test  # noqa: E402
from reviewkit.synthesis.tables import ALL  # noqa: E402

# metafor's dat.bcg: label, vaccinated TB cases and total, unvaccinated TB cases and total, allocation
BCG = [("Aronson 1948", 4, 123, 11, 139, "random"), ("Ferguson & Simes 1949", 6, 306, 29, 303, "random"),
       ("Rosenthal 1960", 3, 231, 11, 220, "random"), ("Hart & Sutherland 1977", 62, 13598, 248, 12867, "random"),
       ("Frimodt-Moller 1973", 33, 5069, 47, 5808, "alternate"), ("Stein & Aronson 1953", 180, 1541, 372, 1451, "alternate"),
       ("Vandiviere 1973", 8, 2545, 10, 629, "random"), ("TPT Madras 1980", 505, 88391, 499, 88391, "random"),
       ("Coetzee & Berjak 1968", 29, 7499, 45, 7277, "random"), ("Rosenthal 1961", 17, 1716, 65, 1665, "systematic"),
       ("Comstock 1974", 186, 50634, 141, 27338, "systematic"), ("Comstock & Webster 1969", 5, 2498, 3, 2341, "systematic"),
       ("Comstock 1976", 27, 16913, 29, 17854, "systematic")]
DOMAINS = ["D1", "D2", "D3", "D4", "D5", "Overall"]
LEVELS = ["low", "some concerns", "high"]
ROB = {s[0]: {d: LEVELS[(i + j) % 3] for j, d in enumerate(DOMAINS)} for i, s in enumerate(BCG[:-1])}  # the last not judged
ARMS = {s[0]: f"{s[1]}/{s[2]} vs {s[3]}/{s[4]}" for s in BCG}


def pool(studies, **options):
    return pool_binary(*([s[i] for s in studies] for i in (1, 2, 3, 4)), labels=[s[0] for s in studies], **options)


def texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text()]


def strings(fig) -> list[str]:
    return [t.get_text() for t in texts(fig)]


def plot_axes(fig):
    return next(ax for ax in fig.axes if ax.axison)


def gids(fig, prefix: str) -> list:
    return [a for a in fig.findobj(lambda a: str(a.get_gid() or "").startswith(prefix))]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_ungrouped_risk_ratios_on_a_log_axis_with_rob_columns(tmp_path):
    result = pool(BCG)
    fig = comparative_forest("BCG vaccine and tuberculosis", {ALL: result}, rob=ROB, rob_domains=DOMAINS, arms=ARMS,
                             favours=("vaccine", "no vaccine"))
    fig.savefig(tmp_path / "forest_rr_rob.png", dpi=150)
    ax = plot_axes(fig)
    assert ax.get_xscale() == "log"
    assert [line.get_xdata()[0] for line in gids(fig, "no-effect")] == [1.0]
    found = strings(fig)
    assert {"Favours vaccine", "Favours no vaccine", "Overall (k = 13)", "4/123 vs 11/139", "Weight"} <= set(found)
    shown = lines(fig)
    assert any(line.startswith("Overall (k = 13) 0.49 (0.34 to 0.70) 100.0%") for line in shown), shown
    # metafor: rma(measure="RR") 0.4894 [0.3441, 0.6962]; the first study, Aronson's Wald interval
    assert any(line.startswith("Aronson 1948 4/123 vs 11/139 0.41 (0.13 to 1.26)") for line in shown), shown
    note = next(t for t in found if t.startswith("Random effects (REML)"))
    assert "I² = 92%" in note and "τ² = 0.313" in note and "95% PI 0.15 to 1.55" in note
    assert gids(fig, "prediction-interval")  # REML has a prediction interval
    dots = [p for p in gids(fig, "rob:") if isinstance(p, Circle)]
    assert len(dots) == len(BCG) * len(DOMAINS)  # one per study and domain, the last study's grey
    assert dots[0].get_facecolor()[:3] == matplotlib.colors.to_rgb(colour(ROB["Aronson 1948"]["D1"]))
    unjudged = [p for p in dots if p.get_gid().startswith("rob:Comstock 1976:")]
    assert len(unjudged) == len(DOMAINS) and all(p.get_facecolor()[:3] == (1, 1, 1) for p in unjudged)
    assert {"D1", "Overall", "Risk of bias", "Low", "Some concerns", "High", "Not judged"} <= set(found)


def test_columns_are_aligned_and_long_labels_are_cut():
    long = [("A study whose label goes on and on well past forty characters", 10, 100, 20, 100, "x")]
    fig = comparative_forest("Alignment", {ALL: pool(BCG[:4] + long)}, arms=ARMS)
    by_text = {t.get_text(): t for t in texts(fig)}
    cut = next(t for t in by_text if t.startswith("A study whose"))
    assert cut.endswith("…") and len(cut) <= 40
    labels = [by_text[s[0]] for s in BCG[:4]] + [by_text[cut]]
    assert len({t.get_position()[0] for t in labels}) == 1 and all(t.get_ha() == "left" for t in labels)
    arms = [by_text[ARMS[s[0]]] for s in BCG[:4]]
    assert len({t.get_position()[0] for t in arms}) == 1 and all(t.get_ha() == "left" for t in arms)
    estimates = [t for t in texts(fig) if re.fullmatch(r"−?\d+\.\d+", t.get_text())]
    intervals = [t for t in texts(fig) if re.fullmatch(r"\(.* to .*\)", t.get_text())]
    weights = [t for t in texts(fig) if t.get_text().endswith("%") and t.get_text()[0].isdigit()]
    for column, ha in ((estimates, "right"), (intervals, "left"), (weights, "right")):
        assert len(column) == 6 and len({t.get_position()[0] for t in column}) == 1
        assert all(t.get_ha() == ha for t in column)


def test_grouped_by_allocation_with_the_subgroup_test_in_the_footer(tmp_path):
    groups = {g: pool([s for s in BCG if s[5] == g]) for g in ("random", "alternate", "systematic")}
    test = subgroup_test(groups)
    fig = comparative_forest("BCG vaccine by allocation", groups, overall=pool(BCG), subgroups=test, arms=ARMS)
    fig.savefig(tmp_path / "forest_rr_grouped.png", dpi=150)
    found = strings(fig)
    assert {"random", "alternate", "systematic", "Subtotal (k = 7)", "Subtotal (k = 2)", "Subtotal (k = 4)",
            "Overall (k = 13)", "100.0%"} <= set(found)
    footer = f"Test for subgroup differences: Q = {test.q:.2f}, df = 2, p = {test.p:.2f}"
    assert footer in found
    assert max(t.get_position()[1] for t in texts(fig) if t.get_text() == footer) > max(
        t.get_position()[1] for t in texts(fig) if t.get_text() == "Overall (k = 13)")  # below the plot (y down)
    subtotals = [float(t.get_text()[:-1]) for t in texts(fig) if t.get_text().endswith("%")
                 and t.get_fontweight() == "bold"][:-1]  # the subtotals' weights, then the overall 100%
    assert sum(subtotals) == pytest.approx(100, abs=0.2)  # the subgroups' shares of the overall weight
    assert len([d for d in gids(fig, "diamond")]) == 4
    assert not gids(fig, "rob")  # no risk of bias given: no columns


def test_common_effect_has_no_prediction_interval():
    for method in ("FE", "MH"):
        fig = comparative_forest("Common effect", {ALL: pool(BCG, method=method)})
        assert not gids(fig, "prediction-interval")
        assert "τ²" not in " ".join(strings(fig)) and "PI" not in " ".join(strings(fig))


def test_standardised_mean_differences_on_a_linear_axis(tmp_path):
    result = pool_continuous([10.2, 8.1, 12.0], [3.1, 2.9, 4.0], [30, 45, 60], [11.5, 9.0, 12.4], [3.3, 3.0, 4.2],
                             [31, 44, 58], measure="SMD", labels=["Smith 2010", "Jones 2014", "Garcia 2019"])
    fig = comparative_forest("Pain at 12 weeks", {ALL: result}, favours=("treatment", "placebo"),
                             arms={"Smith 2010": "10.2 (3.1) 30 vs 11.5 (3.3) 31"})
    fig.savefig(tmp_path / "forest_smd.png", dpi=150)
    ax = plot_axes(fig)
    assert ax.get_xscale() == "linear"
    assert [line.get_xdata()[0] for line in gids(fig, "no-effect")] == [0.0]
    low, high = ax.get_xlim()
    assert low < result.ci_low and high > 0
    assert {"Favours treatment", "Favours placebo", "SMD", "(95% CI)"} <= set(strings(fig))


def test_one_study_and_the_height_grows_with_the_rows(tmp_path):
    one = pool(BCG[:1], method="FE")
    fig = comparative_forest("One study", {ALL: one}, rob={"Aronson 1948": {"D1": "low", "Overall": "unclear"}})
    fig.savefig(tmp_path / "forest_one.png", dpi=150)
    found = strings(fig)
    assert "heterogeneity not applicable (one study)" in " ".join(found)
    assert "No information (unclear)" in found  # RoB 1's "unclear" drawn as robvis' no information
    heights = [comparative_forest("k", {ALL: pool(BCG[:k])}).get_figheight() for k in (2, 5, 13)]
    assert heights[0] < heights[1] < heights[2]


def test_no_text_overlaps_at_1_5_and_25_studies():
    many = [(f"A multicentre randomised trial number {i} of a long name", 5 + i, 100 + 3 * i, 9 + i, 110, "x")
            for i in range(25)]
    for studies in (many[:1], many[:5], many):
        fig = comparative_forest("Overlaps", {ALL: pool(studies, method="FE" if len(studies) == 1 else "REML")},
                                 arms=ARMS | {s[0]: f"{s[1]}/{s[2]} vs {s[3]}/{s[4]}" for s in studies},
                                 rob={s[0]: {"D1": "low", "D2": "high"} for s in studies})
        renderer = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in texts(fig) if t.get_text() not in ("+", "×", "−", "?")]
        figure = fig.bbox
        for i, a in enumerate(boxes):
            assert figure.x0 <= a.x0 and a.x1 <= figure.x1 + 1 and figure.y0 <= a.y0 and a.y1 <= figure.y1 + 1
            assert not any(a.overlaps(b) and a.intersection(a, b).width > 1 and a.intersection(a, b).height > 1
                           for b in boxes[i + 1:]), texts(fig)[i].get_text()


def test_refuses_mixed_measures_and_unknown_palettes():
    rr, od = pool(BCG[:3]), pool(BCG[:3], measure="OR")
    with pytest.raises(ReviewInputError, match="different measures"):
        comparative_forest("Mixed", {"a": rr, "b": od})
    with pytest.raises(ReviewInputError, match="palette"):
        comparative_forest("Palette", {ALL: rr}, palette="rainbow")
    fig = comparative_forest("Colourblind", {ALL: rr}, rob={"Aronson 1948": {"D1": "high"}}, palette="colourblind")
    dot = next(p for p in gids(fig, "rob:Aronson 1948:D1"))
    assert dot.get_facecolor()[:3] == matplotlib.colors.to_rgb(colour("high", "colourblind"))


def test_a_study_without_an_estimate_is_named_clear_of_the_plot():
    """A study with no events in either arm (Mantel–Haenszel leaves it out) reads "not estimable" in the estimate
    column, right of the plot, not across it."""
    fig = comparative_forest("Zero cells", {ALL: pool(BCG[:3] + [("No events 2001", 0, 50, 0, 50, "x")], method="MH")})
    renderer = fig.canvas.get_renderer()
    text = next(t for t in texts(fig) if t.get_text() == "not estimable")
    assert text.get_window_extent(renderer).x0 > plot_axes(fig).get_window_extent(renderer).x1
