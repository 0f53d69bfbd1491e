"""The forest plot shows every study: counts, intervals, weights, diamonds, and why a study is not pooled."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
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
    texts = _texts(fig)
    assert {"0 / 19", "0 / 7", "0 / 26", "fatigue", "SCI", "Overall"} <= set(texts)
    assert "3.9 [0.5, 23.3]" in texts  # the pooled estimate with its CI, in percent
    assert "0.0 [0.0, 17.6]" in texts  # the exact (Clopper-Pearson) CI of 0/19
    assert "counts not reported (narrative synthesis)" in texts
    assert any("I² = 0%" in t and "REML" in t for t in texts)
    png, svg = save_figure(fig, tmp_path, "forest_sae")
    assert png.stat().st_size > 10_000 and "Overall" in svg.read_text(encoding="utf-8")
