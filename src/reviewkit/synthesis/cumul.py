"""Cumulative meta-analysis, as metafor's ``cumul``: how the pooled estimate changed as studies were added.

- ``cumulative``: the result refitted at each step (a search round, a year) on every study added by then, same
  measure, method and test (a ``PooledEffect`` by its ``refit``, a ``PooledProportion`` by ``pool_proportions``);
  a step that cannot be fitted (REML or Knapp–Hartung with one study) gets NaN and a note saying why.
- ``cumulative_forest``: one row per step, its pooled estimate and 95% CI, ratios on a log axis (no effect at 1),
  differences linear (at 0), proportions linear.
"""
from __future__ import annotations

from itertools import groupby
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import MaxNLocator

from reviewkit.core.errors import ReviewInputError, excerpt
from reviewkit.core.numbers import fmt_decimal, fmt_interval, interval, missing
from reviewkit.core.plot_style import EDGE_COLOUR, style
from reviewkit.synthesis.checks import choice, refuse, study_names
from reviewkit.synthesis.comparative import PooledEffect
from reviewkit.synthesis.forest_comparative import style_axis
from reviewkit.synthesis.funnel import MEASURE_NAMES
from reviewkit.synthesis.meta import PooledProportion, pool_proportions

COLUMNS = ["step", "added", "k", "estimate", "ci_low", "ci_high", "tau2", "i2", "pi_low", "pi_high", "note"]
NUMBERS = ["estimate", "ci_low", "ci_high", "tau2", "i2", "pi_low", "pi_high"]
PROPORTION = "proportion"  # the measure of a cumulative table of proportions
SCALES = ("log", "linear")
ROW, MARGIN, GAP, PLOT_W = 0.27, 0.2, 0.2, 2.8  # inches
FONT, SMALL, MAX_LABEL = 9.0, 7.5, 40  # points; characters of a step's label


def _steps(where: str, keys: Sequence, order: Sequence | None, names: list[str]) -> list:
    """The steps in order (the distinct keys), after checking one key per study, each of them in ``order``."""
    if isinstance(keys, (str, bytes)) or not hasattr(keys, "__len__"):
        raise refuse(where, f"give one key per study (a list or column), not {excerpt(repr(keys), 40)}", "keys")
    if len(keys) != len(names):
        raise refuse(where, f"{len(keys)} keys for {len(names)} studies: give one key per study", "keys")
    for name, key in zip(names, keys):
        if missing(key):
            raise refuse(where, "the key is missing: give the study's round or year", "keys", name)
    if order is None:  # sorted, by their text where they do not compare
        try:
            return sorted(set(keys))
        except TypeError:
            return sorted(set(keys), key=str)
    if isinstance(order, (str, bytes)) or len(set(order)) != len(order):
        raise refuse(where, "give the order as a list of distinct keys", "order")
    unknown = [key for key in dict.fromkeys(keys) if key not in set(order)]
    if unknown:
        raise refuse(where, f"the key{'s' * (len(unknown) > 1)} {excerpt(', '.join(map(repr, unknown)), 80)} "
                     "not in the order: add them to order", "keys")
    return [step for step in order if step in set(keys)]


def _refit(result: PooledEffect | PooledProportion, keep: np.ndarray, names: list[str]):
    if isinstance(result, PooledEffect):
        return result.refit(keep)
    kept = [s for s, k in zip(result.studies, keep) if k]
    return pool_proportions([s.events for s in kept], [s.total for s in kept], transform=result.transform,
                            method=result.method, test=result.test, labels=[n for n, k in zip(names, keep) if k])


def cumulative(result: PooledEffect | PooledProportion, keys: Sequence[str], order: Sequence[str] | None = None,
               labels: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per step (the distinct ``keys``, one per study of ``result``, in ``order``, default sorted): the
    fit over every study whose key is that step or earlier (ratio scale for ratios, proportions for
    proportions). ``labels`` name the studies added (default: a comparative study's label, else "study i")."""
    where = "cumulative"
    if not isinstance(result, (PooledEffect, PooledProportion)):
        raise refuse(where, "give a pooled result (PooledEffect or PooledProportion)", "result")
    own = [s.label for s in result.studies] if isinstance(result, PooledEffect) and labels is None else labels
    names = study_names(where, own, len(result.studies))
    steps = _steps(where, keys, order, names)
    at = pd.Index(steps).get_indexer(list(keys))  # each study's step
    rows = []
    for i, step in enumerate(steps):
        keep = at <= i
        row = {"step": step, "added": "; ".join(n for n, a in zip(names, at) if a == i), "k": int(keep.sum()),
               **dict.fromkeys(NUMBERS, np.nan), "note": ""}
        try:
            fit = _refit(result, keep, names)
        except ReviewInputError as error:
            row["note"] = error.message
        else:
            row |= {name: np.nan if getattr(fit, name) is None else float(getattr(fit, name)) for name in NUMBERS}
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _width(text: str, size: float = FONT, bold: bool = False) -> float:
    """The width of ``text`` in inches, in the workbook's font."""
    prop = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")
    return TextToPath().get_text_width_height_descent(text, prop, ismath=False)[0] / 72


def _figures(row: pd.Series, measure: str, digits: int) -> str:
    """``estimate (low to high)``: percentages for proportions, decimals otherwise."""
    if measure == PROPORTION:
        return fmt_interval(row["estimate"], row["ci_low"], row["ci_high"])
    return interval(*(fmt_decimal(row[c], digits) for c in ("estimate", "ci_low", "ci_high")))


def _limits(values: np.ndarray, null: float | None, log: bool) -> tuple[tuple[float, float], list[float]]:
    """Axis limits holding every interval (and the no-effect line), and their ticks."""
    t = np.log(values) if log else values
    t = np.append(t, [] if null is None else [np.log(null) if log else null])
    lo, hi = float(t.min()), float(t.max())
    pad = 0.05 * ((hi - lo) or abs(hi) or 1.0)
    lo, hi = lo - pad, hi + pad
    if not log:
        return (lo, hi), [float(v) for v in MaxNLocator(nbins=5).tick_values(lo, hi) if lo <= v <= hi]
    low, high = float(np.exp(lo)), float(np.exp(hi))
    nice = [c * 10.0**e for e in range(-6, 7) for c in (1, 2, 5) if low <= c * 10.0**e <= high]
    ticks = nice if len(nice) >= 3 else [float(v) for v in MaxNLocator(nbins=4).tick_values(low, high) if low <= v <= high]
    return (low, high), ticks if len(nice) <= 7 else [v for v in nice if f"{v:g}"[0] in "15"]


def _style_axis(ax: Axes, values: np.ndarray, null: float | None, log: bool, name: str) -> None:
    limits, ticks = _limits(values if len(values) else np.array([1.0 if log else 0.0]), null, log)
    style_axis(ax, limits, ticks, log)
    ax.set_xlabel(name + (" (log scale)" if log else ""), fontsize=8)


def cumulative_forest(title: str, table: pd.DataFrame, *, measure: str, scale: str = "log",
                      steps: str = "Step") -> Figure:
    """The forest plot of a ``cumulative`` table: per step its label, ``k = n``, the pooled estimate as a point
    on its 95% CI line and ``estimate (low to high)``; a step without a fit shows its note. ``measure``: RR, OR,
    RD, MD, SMD, generic or "proportion"; ``scale``: "log" (ratios) or "linear"; ``steps`` heads the steps' column."""
    where = "cumulative_forest"
    choice(where, "scale", scale, SCALES)
    if not isinstance(table, pd.DataFrame) or not {"step", "k", "estimate", "ci_low", "ci_high"} <= set(table.columns):
        raise refuse(where, "give the table cumulative() returns (step, k, estimate, ci_low, ci_high)", "table")
    log, fits = scale == "log", np.isfinite(table["estimate"].to_numpy(dtype=float))
    values = table.loc[fits, ["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float).ravel()
    if log and np.any(values <= 0):
        raise refuse(where, "a log axis needs positive estimates and limits: use scale='linear'", "scale")
    null = None if measure == PROPORTION else 1.0 if log else 0.0
    digits = 3 if any(0 < abs(v) < 0.095 for v in values) else 2
    labels = [str(s) if len(str(s)) <= MAX_LABEL else str(s)[:MAX_LABEL - 1] + "…" for s in table["step"]]
    counts = [f"k = {k}" for k in table["k"]]
    shown = {i: _figures(row, measure, digits) for i, (_, row) in enumerate(table.iterrows()) if fits[i]}
    notes = ["" if missing(n) else str(n) for n in table.get("note", [""] * len(table))]
    name = "Proportion" if measure == PROPORTION else MEASURE_NAMES.get(measure, measure)
    x_count = MARGIN + max([_width(t) for t in labels] + [_width(steps, bold=True)]) + GAP
    x_plot = x_count + max(_width(t) for t in [*counts, "Studies"]) + GAP
    x_text = x_plot + PLOT_W + GAP
    notes_end = max([x_plot + _width(n, SMALL) for n, fit in zip(notes, fits) if not fit] + [0])
    width = max(x_text + max([_width(t) for t in shown.values()] + [_width(f"{name} (95% CI)", bold=True)]),
                notes_end) + MARGIN
    top, rows_h = MARGIN + 0.55, ROW * max(len(table), 1)
    height = top + rows_h + 0.65

    with style():
        fig = plt.figure(figsize=(width, height))
        canvas = fig.add_axes((0, 0, 1, 1))
        canvas.set(xlim=(0, width), ylim=(height, 0))
        canvas.axis("off")
        ax = fig.add_axes((x_plot / width, 1 - (top + rows_h) / height, PLOT_W / width, rows_h / height))
        _style_axis(ax, values, null, log, name)
        ax.set_ylim(rows_h, 0)

        def text(at: float, y: float, value: str, **kw) -> None:
            canvas.text(at, y, value, ha="left", va="center", **kw)

        text(MARGIN, MARGIN + 0.12, title, fontsize=11, fontweight="bold")
        for at, value in ((MARGIN, steps), (x_count, "Studies"), (x_text, f"{name} (95% CI)")):
            text(at, top - 0.14, value, fontweight="bold")
        canvas.plot([MARGIN, width - MARGIN], [top - 0.02] * 2, color=EDGE_COLOUR, lw=0.6)
        for drawn, run in groupby(range(len(table)), key=lambda i: fits[i]):  # the no-effect line, not across notes
            if drawn and null is not None:
                run = list(run)
                ax.plot([null] * 2, [ROW * run[0], ROW * (run[-1] + 1)], color=EDGE_COLOUR, lw=0.8, gid="no-effect")
        for i, (_, row) in enumerate(table.iterrows()):
            mid = ROW * (i + 0.5)
            for at, value in ((MARGIN, labels[i]), (x_count, counts[i])):
                text(at, top + mid, value)
            if not fits[i]:
                text(x_plot, top + mid, notes[i], fontsize=SMALL, fontstyle="italic", color="#555555")
                continue
            text(x_text, top + mid, shown[i])
            ax.plot([row["ci_low"], row["ci_high"]], [mid, mid], color=EDGE_COLOUR, lw=1.0, zorder=2, gid="ci")
            ax.plot([row["estimate"]], [mid], marker="D", markersize=6, color="#222222", zorder=3, gid="estimate")
    return fig
