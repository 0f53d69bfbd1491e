"""Forest plots of comparative meta-analyses in the Cochrane (RevMan) layout, with the studies' risk of bias
beside them as robvis draws it: per study its label, the arms' data, a square sized by its weight on its 95%
CI, the estimate and weight; ratios on a log axis (no effect at 1), differences linear (at 0). Each group's
diamond carries its prediction interval (random effects) and a line of model and heterogeneity; grouped
plots end with the result over all studies and the test for subgroup differences. Judgments are drawn in the
colours and symbols of ``core.plot_style``, as the appraisal stage's traffic lights."""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import groupby
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, Polygon
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from reviewkit.appraisal.tools import LEVELS
from reviewkit.core.numbers import bounds, fmt_decimal, fmt_percent
from reviewkit.core.plot_style import EDGE_COLOUR, PALETTES, SYMBOLS, colour, style
from reviewkit.synthesis.checks import refuse
from reviewkit.synthesis.comparative import PooledEffect, StudyEffect
from reviewkit.synthesis.funnel import MEASURE_NAMES
from reviewkit.synthesis.moderators import SubgroupTest
from reviewkit.synthesis.outcomes import ALL

ROW = 0.27  # inches per row (of a study or diamond)
HEIGHTS = {"text": 0.19, "gap": 0.14, "end": 0.06}  # inches: the rows of the notes under a diamond, between groups
PLOT_W = 2.8  # inches: the plot's column
GAP = 0.2  # inches between columns
SPACE = 0.05  # inches between an estimate and its interval
MARGIN = 0.2
INDENT = 0.12  # inches: studies under a group's name
FONT, SMALL = 9.0, 7.5  # points
MARKER = 10.0  # points: the side of the square of the heaviest study
DOT = 0.085  # inches: the radius of a risk-of-bias dot
MAX_LABEL = 40
NOT_JUDGED = "#AAAAAA"
ARMS_HEADER = "Intervention vs control"
NOT_ESTIMABLE = ("not estimable", "")  # the estimate column of a study without an estimate (both arms without events)
SHORT = {"RR": "RR", "OR": "OR", "RD": "RD", "MD": "MD", "SMD": "SMD", "generic": "Estimate"}
MODELS = {"FE": "Common effect (inverse variance)", "DL": "Random effects (DerSimonian–Laird)",
          "REML": "Random effects (REML)", "MH": "Common effect (Mantel–Haenszel)", "Peto": "Common effect (Peto)"}
ALIASES = {"unclear": "no information", "unclear risk": "no information", "moderate": "some concerns",
           "serious": "high", "low risk": "low", "high risk": "high"}  # RoB 1 and ROBINS-I words


@lru_cache(maxsize=4096)
def _width(text: str, size: float = FONT, bold: bool = False, italic: bool = False) -> float:
    """The width of ``text`` in inches, in the workbook's font."""
    prop = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal",
                          style="italic" if italic else "normal")
    return TextToPath().get_text_width_height_descent(text, prop, ismath=False)[0] / 72


def _wrap(text: str, width: float, size: float = SMALL) -> list[str]:
    """``text`` in lines no wider than ``width`` inches, broken after a comma or semicolon (a longer phrase
    between them at its spaces, a longer word on its own line)."""
    lines: list[str] = []
    for phrase in re.split(r"(?<=[;,]) ", text):
        for word in [phrase] if _width(phrase, size) <= width else phrase.split(" "):
            if lines and _width(f"{lines[-1]} {word}", size) <= width:
                lines[-1] += f" {word}"
            else:
                lines.append(word)
    return lines


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1].rstrip() + "…"


def _digits(results: list[PooledEffect]) -> int:
    """2 decimals, 3 where a pooled estimate or its CI is below 0.1 in size (risk differences, mostly)."""
    return 3 if any(0 < abs(v) < 0.095 for r in results for v in (r.estimate, r.ci_low, r.ci_high)) else 2


def _interval(estimate: float, low: float, high: float, digits: int = 2) -> tuple[str, str]:
    """The estimate and ``(low to high)``, drawn apart so that rows line up on the space between them."""
    return fmt_decimal(estimate, digits), bounds(fmt_decimal(low, digits), fmt_decimal(high, digits))


def _p(p: float) -> str:
    """3 decimals below 0.01 and where 2 would round to 0.05."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 or round(p, 2) == 0.05 else f"p = {p:.2f}"


def model_text(result: PooledEffect, digits: int = 2) -> str:
    """The line under a diamond: model, heterogeneity, prediction interval and the test of the effect."""
    model = MODELS[result.method]
    if result.test == "knha":
        model = model[:-1] + ", Knapp–Hartung)"
    parts = [model]
    df = int(np.isfinite([s.yi for s in result.studies]).sum()) - 1
    if df > 0:
        tau2 = f", τ² = {result.tau2:.3f}" if result.method in ("DL", "REML") else ""
        parts.append(f"I² = {result.i2:.0f}%{tau2}; Q = {result.q:.2f}, df = {df}, {_p(result.q_p)}")
    else:
        parts.append("heterogeneity not applicable (one study)")
    if result.pi_low is not None and result.pi_high is not None:
        parts.append(f"95% PI {fmt_decimal(result.pi_low, digits)} to {fmt_decimal(result.pi_high, digits)}")
    if result.se > 0:
        name = f"t({result.df})" if result.df else "z"
        parts.append(f"test for overall effect: {name} = {fmt_decimal(result.beta / result.se)}, {_p(result.p)}")
    return "; ".join(parts)


def _level(judgment: str | None) -> str | None:
    """The robvis level of a judgment (a level, "level (the tool's words)", or a RoB 1 / ROBINS-I word)."""
    text = str(judgment or "").strip().lower()
    base = text.split(" (")[0]
    return text if text in LEVELS else base if base in LEVELS else ALIASES.get(base)


def _rows(results: dict[str, PooledEffect], overall: PooledEffect | None, grouped: bool) -> list[dict]:
    """The rows from top to bottom: group names, studies (with the weight shown), diamonds, notes, gaps."""
    shared = {s.label: s.weight for s in overall.studies} if grouped and overall else {}
    rows: list[dict] = []
    for name, result in results.items():
        weights = [shared.get(s.label, s.weight) for s in result.studies]
        rows += [{"kind": "group", "text": _short(name)}] * grouped
        rows += [{"kind": "study", "study": s, "weight": w} for s, w in zip(result.studies, weights)]
        rows += [{"kind": "pooled", "text": f"{'Subtotal' if grouped else 'Overall'} (k = {result.k})", "result": result,
                  "weight": sum(weights) if shared else 100.0}, {"kind": "note", "result": result}]
        rows += [{"kind": "gap"}] * grouped
    if grouped and overall is not None:
        rows += [{"kind": "pooled", "text": f"Overall (k = {overall.k})", "result": overall, "weight": 100.0},
                 {"kind": "note", "result": overall}]
    elif grouped:
        rows.pop()
    return rows


def _ticks(lo: float, hi: float, log: bool) -> tuple[tuple[float, float], list[float]]:
    """The axis limits (on the ratio scale for ``log``) and its ticks, from limits on the analysis scale: a
    linear axis padded and widened to ticks, a log axis widened to 1, 2 or 5 times a power of 10 (padded
    instead if that would take more than half as much room again)."""
    pad = 0.04 * (hi - lo)
    if not log:
        lo, hi = lo - pad, hi + pad
        ticks = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
        low, high = max(t for t in ticks if t <= lo + 1e-12), min(t for t in ticks if t >= hi - 1e-12)
        return (low, high), [float(t) for t in ticks if low - 1e-12 <= t <= high + 1e-12]
    nice = [c * 10.0**e for e in range(-6, 7) for c in (1, 2, 5)]
    low = max([v for v in nice if v <= np.exp(lo) * 1.0001] or [np.exp(lo)])
    high = min([v for v in nice if v >= np.exp(hi) / 1.0001] or [np.exp(hi)])
    if np.log(high / low) > 1.5 * (hi - lo):
        low, high = float(np.exp(lo - pad)), float(np.exp(hi + pad))
    ticks = [c * 10.0**e for c in (1, 5, 2) for e in range(-6, 7) if low <= c * 10.0**e <= high]
    if len(ticks) < 3:
        ticks = [float(t) for t in MaxNLocator(nbins=5).tick_values(low, high) if t > 0 and low <= t <= high]
    kept: list[float] = []  # 1, then the decades, the fives, the twos, where their labels have room
    at = lambda t: PLOT_W * np.log(t / low) / np.log(high / low)  # noqa: E731
    for t in sorted(ticks, key=lambda t: t != 1.0):
        if all(abs(at(t) - at(k)) > (_width(f"{t:g}", 8) + _width(f"{k:g}", 8)) / 2 + 0.12 for k in kept):
            kept.append(t)
    return (low, high), sorted(kept)


def _axis(rows: list[dict], log: bool) -> tuple[tuple[float, float], list[float]]:
    """Limits that hold every estimate and pooled interval and the no-effect line, with room on either side
    of it; studies' intervals are cut at 1.5 times that range (and drawn with an arrow)."""
    f: Callable = np.log if log else np.asarray
    studies = [r["study"] for r in rows if r["kind"] == "study"]
    pooled = [r["result"] for r in rows if r["kind"] == "pooled"]
    core = [s.estimate for s in studies] + [v for p in pooled for v in (p.ci_low, p.ci_high, p.pi_low, p.pi_high)]
    wide = [v for s in studies for v in (s.ci_low, s.ci_high)]

    def shown(values: list) -> np.ndarray:
        values = np.array([v for v in values if v is not None], dtype=float)
        values = values[np.isfinite(values) & ((values > 0) if log else True)]
        return np.asarray(f(values), dtype=float)

    core_t = np.append(shown(core), 0.0)
    lo, hi = float(core_t.min()), float(core_t.max())
    span = max(hi - lo, 0.2)
    wide_t = shown(wide)
    wide_t = wide_t[(wide_t >= lo - 1.5 * span) & (wide_t <= hi + 1.5 * span)]
    lo, hi = min(lo, *wide_t, lo), max(hi, *wide_t, hi)
    lo, hi = min(lo, -0.3 * hi, -0.1), max(hi, -0.3 * lo, 0.1)
    return _ticks(lo, hi, log)


def style_axis(ax: Axes, limits: tuple[float, float], ticks: list[float], log: bool) -> None:
    """The effect axis of a forest plot: its limits and ticks (log scale for ratios), no y-axis, no frame."""
    if log:
        ax.set_xscale("log")
    ax.set(xlim=limits, yticks=[])
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}".replace("-", "−")))
    ax.tick_params(axis="x", labelsize=8, length=3)
    ax.spines[["left", "right", "top"]].set_visible(False)
    ax.patch.set_alpha(0)


def _study(ax: Axes, y: float, study: StudyEffect, size: float, limits: tuple[float, float]) -> None:
    """A study's interval (cut at the axis with an arrow) and its square."""
    lo, hi = limits
    if not np.isfinite(study.estimate):
        return
    left, right = max(study.ci_low, lo), min(study.ci_high, hi)
    ax.plot([left, right], [y, y], color=EDGE_COLOUR, lw=1.0, solid_capstyle="butt", zorder=2)
    for cut, edge, marker in ((study.ci_low < lo, lo, "<"), (study.ci_high > hi, hi, ">")):
        if cut:
            ax.plot([edge], [y], marker=marker, markersize=4, color=EDGE_COLOUR, clip_on=False, zorder=2)
    if lo <= study.estimate <= hi:
        ax.plot([study.estimate], [y], marker="s", markersize=size, color=EDGE_COLOUR, zorder=3, gid="study")


def _diamond(ax: Axes, y: float, result: PooledEffect, limits: tuple[float, float]) -> None:
    """The pooled diamond and, for random effects, the prediction interval as a line through it."""
    lo, hi = limits
    if result.pi_low is not None and result.pi_high is not None:
        ends = [max(result.pi_low, lo), min(result.pi_high, hi)]
        ax.plot(ends, [y, y], color=EDGE_COLOUR, lw=1.0, solid_capstyle="butt", zorder=2, gid="prediction-interval")
        ax.plot(ends, [y, y], ls="none", marker="|", markersize=6, color=EDGE_COLOUR, zorder=2,
                gid="prediction-interval")
    half = 0.32 * ROW
    points = [(max(result.ci_low, lo), y), (result.estimate, y - half), (min(result.ci_high, hi), y),
              (result.estimate, y + half)]
    ax.add_patch(Polygon(points, closed=True, facecolor="#222222", edgecolor="#222222", zorder=3, gid="diamond"))


def _judgments(rob: dict[str, dict[str, str]], labels: list[str], domains: list[str]) -> list[tuple[str | None, str]]:
    """The legend's keys: each level drawn (with the judgments' own words where they differ), then "Not judged"."""
    words: dict[str, set[str]] = {}
    missing = False
    for judged in (rob.get(label, {}) for label in labels):
        for domain in domains:
            level = _level(judged.get(domain))
            missing |= level is None
            if level:
                words.setdefault(level, set()).add(str(judged[domain]).strip().lower().split(" (")[-1].rstrip(")"))
    keys = [(lvl, lvl.capitalize() + (f" ({', '.join(sorted(words[lvl] - {lvl}))})" if words[lvl] - {lvl} else ""))
            for lvl in LEVELS if lvl in words]
    return keys + ([(None, "Not judged")] if missing else [])


def _dot(canvas: Axes, x: float, y: float, level: str | None, palette: str, gid: str) -> None:
    face, edge = (colour(level, palette), EDGE_COLOUR) if level else ("white", NOT_JUDGED)
    canvas.add_patch(Circle((x, y), DOT, facecolor=face, edgecolor=edge, linewidth=0.6, gid=gid))
    if level:
        canvas.text(x, y, SYMBOLS.get(level, ""), ha="center", va="center_baseline", fontsize=7, fontweight="bold")


def _legend_places(keys: list[tuple[str | None, str]], width: float) -> list[tuple[float, int]]:
    """Where each key starts (inches from the left) and on which line, wrapping at ``width``."""
    places, x, line = [], MARGIN + _width("Risk of bias:", SMALL, bold=True) + 0.15, 0
    for _, label in keys:
        step = 2 * DOT + 0.33 + _width(label, SMALL)
        if x + step > width - MARGIN and places:
            x, line = MARGIN + 0.15, line + 1
        places.append((x, line))
        x += step
    return places


def _columns(rows: list[dict], grouped: bool, arms: dict[str, str], figures: Callable, header: str,
             domains: list[str]) -> dict:
    """The columns' x in inches: label, arms (left-aligned), plot (its left), estimate and weight (their right
    ends), the risk-of-bias dots (centres), and the figure's width."""
    labels = [_width(_short(r["study"].label)) + INDENT * grouped for r in rows if r["kind"] == "study"]
    labels += [_width(r["text"], bold=True, italic=r["kind"] == "group") for r in rows if r["kind"] in ("group", "pooled")]
    x = {"label": MARGIN, "arms": MARGIN + max([*labels, 1.0]) + GAP}
    arms_w = max([_width(t) for t in arms.values()] + [_width(ARMS_HEADER, bold=True)]) + GAP if arms else 0.0
    x["plot"] = x["arms"] + arms_w
    shown = [(figures(r["study"]) if np.isfinite(r["study"].estimate) else NOT_ESTIMABLE, False)
             for r in rows if r["kind"] == "study"]
    shown += [(figures(r["result"]), True) for r in rows if r["kind"] == "pooled"] + [(header, True)]
    x["estimate"] = x["plot"] + PLOT_W + GAP + max(_width(t[0], bold=b) for t, b in shown)  # the space in its middle
    x["weight"] = x["estimate"] + SPACE + max(_width(t[1], bold=b) for t, b in shown) + GAP + _width("Weight", bold=True)
    rob_w = [max(2 * DOT + 0.1, _width(d, bold=True) + 0.08) for d in domains]
    x["rob"] = [x["weight"] + 1.5 * GAP + sum(rob_w[:i]) + w / 2 for i, w in enumerate(rob_w)]
    x["width"] = x["weight"] + (1.5 * GAP + sum(rob_w) if domains else 0) + MARGIN
    return x


def comparative_forest(title: str, results: dict[str, PooledEffect], *, overall: PooledEffect | None = None,
                       subgroups: SubgroupTest | None = None, rob: dict[str, dict[str, str]] | None = None,
                       rob_domains: list[str] | None = None, favours: tuple[str, str] = ("intervention", "control"),
                       palette: str = "cochrane", arms: dict[str, str] | None = None) -> Figure:
    """A forest plot of ``results`` (group name → pooled result; one entry, ``ALL``, when not grouped), with
    ``overall`` (over all studies) under the groups and the test for subgroup differences in the footer.
    ``arms``: study label → the arms' data as text (intervention first); ``rob``: study label → {domain →
    judgment}, drawn in columns ``rob_domains`` (default: the domains in the order first met); ``favours``:
    the words under the left and right of the no-effect line."""
    where = "comparative_forest"
    if not results:
        raise refuse(where, "give at least one pooled result (group name → PooledEffect)", "results")
    every = [*results.values(), *([overall] if overall else [])]
    if len({(r.measure, r.scale) for r in every}) > 1:
        raise refuse(where, "the results pool different measures or scales: plot one", "results")
    if palette not in PALETTES:
        raise refuse(where, f"unknown palette {palette!r}; choose one of {', '.join(PALETTES)}", "palette")
    first, arms, digits = every[0], arms or {}, _digits(every)
    log, null, header = first.scale == "log", 1.0 if first.scale == "log" else 0.0, (SHORT[first.measure], "(95% CI)")
    grouped = len(results) > 1 or (overall is not None and next(iter(results)) != ALL)
    domains = (list(rob_domains) if rob_domains else list(dict.fromkeys(d for j in rob.values() for d in j))) if rob is not None else []

    def figures(e: StudyEffect | PooledEffect) -> tuple[str, str]:
        return _interval(e.estimate, e.ci_low, e.ci_high, digits)

    rows = _rows(results, overall, grouped)
    x = _columns(rows, grouped, arms, figures, header, domains)
    width = x["width"]
    notes = {id(r): _wrap(model_text(r["result"], digits), x["weight"] - MARGIN - INDENT) for r in rows if r["kind"] == "note"}
    rows = [e for r in rows for e in ([{"kind": "text", "text": t} for t in notes[id(r)]] if r["kind"] == "note" else [r])]
    rows.append({"kind": "end"})  # room above the axis
    footer = _wrap(f"Test for subgroup differences: Q = {subgroups.q:.2f}, df = {subgroups.df}, {_p(subgroups.p)}",
                   width - 2 * MARGIN, FONT) if subgroups else []
    keys = _judgments(rob, [r["study"].label for r in rows if r["kind"] == "study"], domains) if rob is not None else []
    places = _legend_places(keys, width)
    heading = _wrap(title, width - 2 * MARGIN, 11)

    # rows, in inches from the top
    rows_top = MARGIN + 0.24 * len(heading) + 0.62
    tall = [HEIGHTS.get(r["kind"], ROW) for r in rows]
    rows_h = sum(tall)
    inside = [sum(tall[:i]) + h / 2 for i, h in enumerate(tall)]  # row centres, inches below the header
    below = rows_top + rows_h + 0.67
    height = below + 0.22 * len(footer) + (0.1 + 0.24 * (places[-1][1] + 1) if places else 0) + MARGIN
    limits, ticks = _axis(rows, log)
    heaviest = max([r["weight"] for r in rows if r["kind"] == "study" and np.isfinite(r["weight"])] + [1e-9])

    with style():
        fig = plt.figure(figsize=(width, height))
        canvas = fig.add_axes((0, 0, 1, 1))
        canvas.set(xlim=(0, width), ylim=(height, 0))
        canvas.axis("off")
        ax = fig.add_axes((x["plot"] / width, 1 - (rows_top + rows_h) / height, PLOT_W / width, rows_h / height))
        ax.set_ylim(rows_h, 0)
        style_axis(ax, limits, ticks, log)

        def text(at: float, y: float, value: str, ha: str = "left", **kw) -> None:
            canvas.text(at, y, value, ha=ha, va="center", **kw)

        def split(y: float, halves: tuple[str, str], **kw) -> None:
            text(x["estimate"], y, halves[0], "right", **kw)
            text(x["estimate"] + SPACE, y, halves[1], **kw)

        for i, line in enumerate(heading):
            text(MARGIN, MARGIN + 0.12 + 0.24 * i, line, fontsize=11, fontweight="bold")
        y1, y2, bold, middle = rows_top - 0.35, rows_top - 0.14, {"fontweight": "bold"}, x["plot"] + PLOT_W / 2
        text(MARGIN, y2, "Study", **bold)
        if arms:
            text(x["arms"], y2, ARMS_HEADER, **bold)
        text(middle, y1, MEASURE_NAMES.get(first.measure, first.measure), "center", **bold)
        text(middle, y2, "95% CI" + (", log scale" if log else ""), "center", fontsize=8)
        split(y2, header, **bold)
        text(x["weight"], y2, "Weight", "right", **bold)
        if domains:
            text((x["rob"][0] + x["rob"][-1]) / 2, y1, "Risk of bias", "center", **bold)
            for at, domain in zip(x["rob"], domains):
                text(at, y2, domain, "center", **bold)
        canvas.plot([MARGIN, width - MARGIN], [rows_top - 0.02] * 2, color=EDGE_COLOUR, lw=0.6)

        for row, mid in zip(rows, inside):
            kind, y = row["kind"], rows_top + mid
            if kind == "group":
                text(MARGIN, y, row["text"], fontweight="bold", fontstyle="italic")
            elif kind == "text":
                text(MARGIN + INDENT * grouped, y, row["text"], fontsize=SMALL, color="#333333")
            elif kind == "study":
                s = row["study"]
                text(MARGIN + INDENT * grouped, y, _short(s.label))
                text(x["arms"], y, arms.get(s.label, ""))
                split(y, figures(s) if np.isfinite(s.estimate) else NOT_ESTIMABLE)
                text(x["weight"], y, fmt_percent(row["weight"], 1, scale=1), "right")
                _study(ax, mid, s, max(MARKER * np.sqrt(max(row["weight"], 0) / heaviest), 3.0), limits)
                for at, domain in zip(x["rob"], domains):
                    _dot(canvas, at, y, _level((rob or {}).get(s.label, {}).get(domain)), palette, f"rob:{s.label}:{domain}")
            elif kind == "pooled":
                text(MARGIN, y, row["text"], fontweight="bold")
                split(y, figures(row["result"]), fontweight="bold")
                text(x["weight"], y, fmt_percent(row["weight"], 1, scale=1), "right", fontweight="bold")
                _diamond(ax, mid, row["result"], limits)
        # the no-effect line over each run of studies and diamonds, not through the notes
        for drawn, run in groupby(range(len(rows)), key=lambda i: rows[i]["kind"] in ("study", "pooled")):
            if drawn:
                run = list(run)
                ax.plot([null, null], [inside[run[0]] - tall[run[0]] / 2, inside[run[-1]] + tall[run[-1]] / 2],
                        color=EDGE_COLOUR, lw=0.8, zorder=1, gid="no-effect")
        for value, ha, offset in ((favours[0], "right", -6), (favours[1], "left", 6)):
            ax.annotate(f"Favours {value}", xy=(null, 0), xycoords=("data", "axes fraction"), xytext=(offset, -22),
                        textcoords="offset points", ha=ha, va="top", fontsize=8)
        for i, line in enumerate(footer):
            text(MARGIN, below + 0.05 + 0.22 * i, line)
        y = below + 0.22 * len(footer) + 0.15
        if places:
            text(MARGIN, y, "Risk of bias:", fontsize=SMALL, fontweight="bold")
        for (level, label), (at, line) in zip(keys, places):
            _dot(canvas, at + DOT, y + 0.24 * line, level, palette, "rob-legend")
            text(at + 2 * DOT + 0.08, y + 0.24 * line, label, fontsize=SMALL)
    return fig
