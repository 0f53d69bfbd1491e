"""Funnel plots of a comparative meta-analysis: each study's estimate against its standard error (0 at the
top), with the pooled estimate and its 95% pseudo-confidence funnel; ratios on a log axis. Studies filled in
by trim-and-fill are drawn hollow (and the funnel centred on the filled estimate, as metafor's ``funnel`` of
a ``trimfill`` fit); Egger's regression line is optional."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from reviewkit.core.plot_style import EDGE_COLOUR, style
from reviewkit.synthesis.bias import TrimAndFill, egger_test
from reviewkit.synthesis.comparative import Z95, PooledEffect

MEASURE_NAMES = {"RR": "Risk ratio", "OR": "Odds ratio", "RD": "Risk difference", "MD": "Mean difference",
                 "SMD": "Standardised mean difference (Hedges' g)", "generic": "Estimate"}
EGGER_COLOUR = "#BF0000"


def _shown(y: np.ndarray, scale: str) -> np.ndarray:
    return np.exp(y) if scale == "log" else y


def funnel_plot(result: PooledEffect, ax: Axes | None = None, *, trim_fill: TrimAndFill | None = None,
                egger: bool = False) -> Figure:
    """A funnel plot of ``result`` (on ``ax``, else a new figure); ``trim_fill`` adds its filled studies
    hollow, ``egger`` draws the regression of the estimates on their standard errors."""
    y = np.array([s.yi for s in result.studies])
    se = np.sqrt(np.array([s.vi for s in result.studies]))
    shown = np.isfinite(y)
    y, se = y[shown], se[shown]
    centre = trim_fill.result.beta if trim_fill and trim_fill.k0 else result.beta
    filled_y = np.array(trim_fill.filled_yi if trim_fill else ())
    filled_se = np.sqrt(np.array(trim_fill.filled_vi if trim_fill else ()))
    top = 1.05 * max(np.max(se), np.max(filled_se, initial=0))
    with style():
        fig = ax.figure if ax is not None else plt.figure(figsize=(7.5, 4.5), layout="constrained")
        ax = ax if ax is not None else fig.add_subplot()
        heights = np.linspace(0, top, 50)
        funnel_x = np.concatenate([centre - Z95 * heights[::-1], centre + Z95 * heights])
        funnel_y = np.concatenate([heights[::-1], heights])
        ax.fill(_shown(funnel_x, result.scale), funnel_y, color="#EEEEEE", zorder=0, label="95% pseudo-CI")
        ax.plot(_shown(funnel_x, result.scale), funnel_y, color="#999999", lw=0.8, ls="--", zorder=1)
        ax.axvline(_shown(centre, result.scale), color=EDGE_COLOUR, lw=1, zorder=1,
                   label="pooled (with filled studies)" if trim_fill and trim_fill.k0 else "pooled")
        ax.scatter(_shown(y, result.scale), se, s=28, color=EDGE_COLOUR, zorder=3, label="studies")
        if len(filled_y):
            ax.scatter(_shown(filled_y, result.scale), filled_se, s=28, facecolor="white", edgecolor=EDGE_COLOUR,
                       zorder=3, label=f"filled by trim-and-fill ({len(filled_y)})")
        if egger:
            test = egger_test(result)
            ax.plot(_shown(test.intercept + test.slope * heights, result.scale), heights, color=EGGER_COLOUR, lw=1.2,
                    zorder=2, label=f"Egger's regression (p = {test.p:.3f})")
        if result.scale == "log":
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_ylim(top, 0)
        ax.set_xlabel(MEASURE_NAMES.get(result.measure, result.measure) + (" (log scale)" if result.scale == "log" else ""))
        ax.set_ylabel("Standard error")
        for side in ("right", "top"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=7, frameon=False)
    return fig
