"""The recall curve of prioritised screening: relevant records found against records screened.

For a review in progress (total relevant unknown) the curve counts relevant records found; a stopping estimate
adds its estimated total and its lower bound as horizontal lines. For a replay of a labelled data set (total
known) it shows recall, with random screening's diagonal and the 95% level for comparison.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from reviewkit.core.plot_style import style  # noqa: E402
from reviewkit.screening.prioritise.stopping import StoppingEstimate  # noqa: E402

CURVE_COLOURS = ("#1f5fa8", "#d1701f", "#3a8f3a", "#8c3fa0", "#a83232", "#4a4a4a")
REFERENCE = "#8a8a8a"


def plot_recall(
    history: Sequence[bool] | Mapping[str, Sequence[bool]],
    n_total: int,
    *,
    n_relevant: int | None = None,
    estimate: StoppingEstimate | None = None,
    title: str = "Recall curve of prioritised screening",
) -> Figure:
    """A figure of relevant records found (or recall, when ``n_relevant`` is known) after each record screened.

    ``history``: True for a relevant record, in the order screened; or several such histories by name (seeds,
    models). ``n_total``: records to screen in all. ``estimate``: a ``stopping.estimate`` to draw.
    """
    curves = dict(history) if isinstance(history, Mapping) else {"screened": history}
    if n_total < 1 or any(len(h) > n_total for h in curves.values()):
        raise ValueError(f"n_total ({n_total}) must be at least the number of records screened")
    with style():
        fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
        scale = 100 / n_relevant if n_relevant else 1
        top = max([n_relevant or 0] + [int(np.sum(h)) for h in curves.values()])
        if n_relevant:
            ax.plot([0, n_total], [0, 100], color=REFERENCE, linestyle=":", linewidth=1, label="random order (expected)")
            ax.axhline(95, color=REFERENCE, linestyle="--", linewidth=0.8)
            ax.annotate("95% recall", (0, 95), xytext=(4, 3), textcoords="offset points", ha="left",
                        color=REFERENCE, fontsize=8)
        for (name, h), colour in zip(curves.items(), CURVE_COLOURS * len(curves)):
            found = np.concatenate([[0], np.cumsum(np.asarray(h, dtype=int))]) * scale
            ax.plot(np.arange(len(found)), found, color=colour, linewidth=1.4,
                    label=name if len(curves) > 1 else None)
        if estimate is not None and estimate.recall_estimate:
            total = estimate.relevant_found / estimate.recall_estimate
            bound = estimate.relevant_found / estimate.recall_lower
            ax.axhline(total * scale, color=CURVE_COLOURS[1], linestyle="--", linewidth=1,
                       label=f"estimated relevant in all (recall {estimate.recall_estimate:.0%})")
            if bound > total:
                ax.axhline(bound * scale, color=CURVE_COLOURS[4], linestyle=":", linewidth=1,
                           label=f"at most, with {estimate.confidence:.0%} confidence (recall ≥ {estimate.recall_lower:.0%})")
            top = max(top, bound if np.isfinite(bound) else top)
        ax.set_xlim(0, n_total)
        ax.set_ylim(0, 102 if n_relevant else max(1.0, top * 1.08))
        ax.set_xlabel(f"Records screened (of {n_total:,})")
        ax.set_ylabel("Recall (%)" if n_relevant else "Relevant records found")
        ax.set_title(title, loc="left")
        ax.grid(True, color="#e4e4e4", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower right", frameon=False, fontsize=8)
    return fig
