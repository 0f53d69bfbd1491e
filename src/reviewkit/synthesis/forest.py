"""Forest plots of single-arm proportions: per-study proportions with exact 95% CIs, weights, pooled diamonds
and heterogeneity, grouped as the protocol says; studies without counts are listed with the reason."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.transforms import offset_copy

from reviewkit.core.numbers import bounds, fmt_percent
from reviewkit.core.plot_style import EDGE_COLOUR, style
from reviewkit.synthesis.outcomes import ALL

ROW = 0.3  # inches per row
WIDTHS = (3.4, 3.0, 2.6)  # inches: labels, plot, numbers
SPACE = 1.5  # points between the two halves of a column aligned on its middle (events / N, estimate (CI))
MARKER = 9.0  # points: the side of the square of the heaviest study
GREY = "#777777"
METHOD_NAMES = {"FE": "common effect", "DL": "random effects (DerSimonian–Laird)", "REML": "random effects (REML)",
                "GLMM": "random effects (binomial-normal GLMM)"}


def _split(ax: Axes, x: float, y: float, left: str, right: str, **kw) -> None:
    """``left`` ending and ``right`` starting at ``x``, a space apart: rows of a column line up on that point
    (the slash of "0 / 19" under that of "10 / 7", the estimates' last digits under each other)."""
    for text, ha, points in ((left, "right", -SPACE), (right, "left", SPACE)):
        ax.text(x, y, text, ha=ha, va="center", clip_on=False,
                transform=offset_copy(ax.transData, fig=ax.figure, x=points, units="points"), **kw)


def _interval(ax: Axes, x: float, y: float, estimate: float, low: float, high: float, **kw) -> None:
    _split(ax, x, y, fmt_percent(estimate), bounds(fmt_percent(low), fmt_percent(high)), **kw)


def _short(reason: str) -> str:
    return reason.split(":")[0] + " (narrative synthesis)"


def _rows(studies: pd.DataFrame, summary: pd.DataFrame) -> list[dict]:
    """The plot's rows from top to bottom: group headers, studies, group and overall summaries."""
    groups = [g for g in summary["group"] if g != ALL]
    rows: list[dict] = []
    for group in groups or [ALL]:
        members = studies if group == ALL else studies[studies["group"] == group]
        if groups:
            rows.append({"kind": "header", "text": group})
        rows += [{"kind": "study", "row": s} for s in members.itertuples()]
        pooled = summary[(summary["group"] == group) & (summary["method"] != "")]
        if groups and len(pooled):
            rows.append({"kind": "summary", "row": pooled.iloc[0], "text": f"Subtotal ({group})"})
        if groups:
            rows.append({"kind": "gap"})
    overall = summary[summary["group"] == ALL].iloc[0]
    if overall["method"]:
        rows.append({"kind": "summary", "row": overall, "text": "Overall"})
    return rows


def _diamond(ax: Axes, y: float, row: pd.Series) -> None:
    ax.add_patch(Polygon([(row["ci_low"], y), (row["estimate"], y + 0.3), (row["ci_high"], y),
                          (row["estimate"], y - 0.3)], closed=True, facecolor="#222222", edgecolor="#222222"))


def _heterogeneity(row: pd.Series) -> str:
    return (f"{METHOD_NAMES[row['method']]}, {row['transform']} scale; k = {row['k']}, n = {row['participants']}; "
            f"I² = {row['i2']:.0f}%, τ² = {row['tau2']:.2f}")


def forest_plot(outcome_label: str, studies: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """A forest plot of one outcome from its rows of ``synthesis_studies`` and ``synthesis`` tables; proportions
    in percent on a 0–100 axis."""
    rows = _rows(studies, summary)
    height = (len(rows) + 4.2) * ROW
    with style():
        fig = plt.figure(figsize=(sum(WIDTHS), height))
        left, mid, right = (w / sum(WIDTHS) for w in WIDTHS)
        bottom, top = 2.2 * ROW / height, 1 - 1.6 * ROW / height
        ax = fig.add_axes((left, bottom, mid, top - bottom))
        n = len(rows)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "25", "50", "75", "100"])
        ax.set_xlabel("Proportion of participants (%)")
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.set_yticks([])
        label_x, count_x, number_x, weight_x = (-0.96 * left / mid, -0.2 * left / mid, 1 + 0.3 * right / mid,
                                                1 + 0.98 * right / mid)
        header_y = -1.0
        _split(ax, count_x, header_y, "Events", "/ N", fontweight="bold")
        _split(ax, number_x, header_y, "%", "(95% CI)", fontweight="bold")
        for x, text, align in ((label_x, "Study", "left"), (weight_x, "Weight", "right")):
            ax.text(x, header_y, text, ha=align, va="center", fontweight="bold", clip_on=False)
        fig.suptitle(outcome_label, x=0.04 * left, ha="left", fontsize=11, fontweight="bold")
        max_weight = studies["weight"].max() if studies["weight"].notna().any() else 100
        for y, item in enumerate(rows):
            if item["kind"] == "header":
                ax.text(label_x, y, item["text"], ha="left", va="center", fontweight="bold", fontstyle="italic",
                        clip_on=False)
            elif item["kind"] == "study":
                s = item["row"]
                ax.text(label_x + 0.03, y, s.study_id, ha="left", va="center", clip_on=False)
                if pd.isna(s.proportion):
                    ax.text(0.01, y, _short(s.reason), ha="left", va="center", color=GREY, fontstyle="italic")
                    continue
                colour = EDGE_COLOUR if s.pooled else GREY
                _split(ax, count_x, y, f"{s.events}", f"/ {s.total}")
                ax.plot([s.ci_low, s.ci_high], [y, y], color=colour, lw=1.2, solid_capstyle="butt")
                size = MARKER * (s.weight / max_weight) ** 0.5 if s.pooled else MARKER / 2
                ax.plot([s.proportion], [y], marker="s", markersize=max(size, 3), color=colour, clip_on=False,
                        zorder=3)
                _interval(ax, number_x, y, s.proportion, s.ci_low, s.ci_high)
                ax.text(weight_x, y, fmt_percent(s.weight, 1, scale=1) if s.pooled else "–", ha="right", va="center",
                        clip_on=False)
            elif item["kind"] == "summary":
                r = item["row"]
                _diamond(ax, y, r)
                ax.text(label_x + 0.03, y, item["text"], ha="left", va="center", fontweight="bold", clip_on=False)
                _split(ax, count_x, y, f"{r['events']}", f"/ {r['participants']}", fontweight="bold")
                _interval(ax, number_x, y, r["estimate"], r["ci_low"], r["ci_high"], fontweight="bold")
                ax.text(weight_x, y, "100%" if r["group"] == ALL else "", ha="right", va="center", clip_on=False)
        overall = summary[summary["group"] == ALL].iloc[0]
        footer = "Overall: " + _heterogeneity(overall) if overall["method"] else f"Not pooled: {overall['note']}."
        fig.text(0.04 * left, 0.3 * ROW / height, footer, fontsize=8, color="#333333")
    return fig
