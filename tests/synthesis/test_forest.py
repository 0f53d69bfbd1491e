"""The forest plot shows every study: counts, intervals, weights, diamonds, and why a study is not pooled."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
from figure_rows import ends, lines  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from reviewkit.core.plot_style import save_figure  # noqa: E402
from reviewkit.core.protocol import MetaAnalysis  # noqa: E402
from reviewkit.synthesis.forest import forest_plot  # noqa: E402
from reviewkit.synthesis.tables import synthesis_tables  # noqa: E402


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_forest_plot_of_grouped_studies_with_one_not_pooled(tmp_path):
    outcomes = pd.DataFrame([
        {"outcome": "sae", "outcome_label": "SAE", "type": "proportion", "group": g, "study_id": s, "label": s, "design": "", "participants": "",
         "events": e, "total": t, "poolable": e is not None, "reason": r, "finding": "", "direction": "", "risk_of_bias": ""}
        for g, s, e, t, r in [("fatigue", "msc-cm", 0, 19, ""), ("SCI", "hirota", 0, 7, ""),
                              ("SCI", "honmou", None, None, "counts not reported: vague")]
    ]).astype({"events": "Int64", "total": "Int64"})
    synthesis, studies = synthesis_tables(outcomes, MetaAnalysis())
    fig = forest_plot("Participants with serious adverse events", studies, synthesis)
    texts, shown = _texts(fig), lines(fig)
    assert {"fatigue", "SCI", "Overall"} <= set(texts)
    assert "Study Events / N % (95% CI) Weight" in shown
    # the exact (Clopper-Pearson) CI of 0/19; the pooled estimate with its CI, in percent, as the tables write it
    assert "msc-cm 0 / 19 0.0% (0.0% to 17.6%) 51.0%" in shown
    assert "hirota 0 / 7 0.0% (0.0% to 41.0%) 49.0%" in shown
    assert "Overall 0 / 26 3.9% (0.5% to 23.3%) 100%" in shown
    # one column of counts, lined up on the slash; estimates end, and their intervals start, at one x
    _, events_end = ends(fig, {"Events", "0"})
    slash_start, _ = ends(fig, {"/ N", "/ 19", "/ 7", "/ 26"})
    assert len(events_end) == 1 and len(slash_start) == 1
    _, estimate_end = ends(fig, {"%", "0.0%", "3.9%"})
    ci_start, _ = ends(fig, {"(95% CI)", "(0.0% to 17.6%)", "(0.0% to 41.0%)", "(0.5% to 23.3%)"})
    assert len(estimate_end) == 1 and len(ci_start) == 1
    assert "counts not reported (narrative synthesis)" in texts
    assert any("I² = 0%" in t and "REML" in t for t in texts)
    png, svg = save_figure(fig, tmp_path, "forest_sae")
    assert png.stat().st_size > 10_000 and "Overall" in svg.read_text(encoding="utf-8")
