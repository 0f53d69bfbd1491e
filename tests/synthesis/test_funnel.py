"""The funnel plot shows each study against its standard error, trim-and-fill's filled studies hollow, and
Egger's line when asked."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from metafor_comparative import fit  # noqa: E402

from reviewkit.core.plot_style import save_figure  # noqa: E402
from reviewkit.synthesis import trim_and_fill  # noqa: E402
from reviewkit.synthesis.funnel import funnel_plot  # noqa: E402


def _points(ax) -> list[PathCollection]:
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def test_funnel_plot_of_risk_ratios_with_filled_studies_hollow_and_eggers_line(tmp_path):
    result = fit("bcg", "RR", "REML", "z")
    filled = trim_and_fill(result)
    fig = funnel_plot(result, trim_fill=filled, egger=True)
    ax = fig.axes[0]
    studies, hollow = _points(ax)
    np.testing.assert_allclose(studies.get_offsets()[:, 0], [s.estimate for s in result.studies])  # ratio scale
    np.testing.assert_allclose(studies.get_offsets()[:, 1], [np.sqrt(s.vi) for s in result.studies])
    assert len(hollow.get_offsets()) == filled.k0 == 1
    assert tuple(hollow.get_facecolor()[0]) == (1, 1, 1, 1)  # hollow
    assert ax.get_xscale() == "log" and ax.get_ylim()[0] > ax.get_ylim()[1]  # standard error 0 at the top
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "filled by trim-and-fill (1)" in labels and any(t.startswith("Egger's regression (p = ") for t in labels)
    assert ax.get_xlabel() == "Risk ratio (log scale)"
    png, _ = save_figure(fig, tmp_path, "funnel")
    assert png.stat().st_size > 10_000


def test_funnel_plot_draws_on_a_given_axes_without_filled_studies():
    result = fit("normand", "MD", "DL", "z")
    fig, ax = plt.subplots()
    assert funnel_plot(result, ax) is fig
    assert len(_points(ax)) == 1 and ax.get_xscale() == "linear"
    assert ax.get_xlabel() == "Mean difference"
    plt.close(fig)
