"""Risk-of-bias figures in the robvis convention: a traffic-light plot and a weighted summary plot per tool.

The traffic light has a row per appraisal (a study, or one report of it) and a column per item plus
the overall judgment, each a circle in the colour of its level with the level's symbol; below it,
the wording of the items and the answers. The summary plot has a bar per item: the share of
appraisals (optionally weighted, for example by participants) at each level.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, Patch  # noqa: E402

from reviewkit.appraisal.judgments import PENDING, Appraisal  # noqa: E402
from reviewkit.appraisal.tools import LEVELS, Tool  # noqa: E402
from reviewkit.core.plot_style import EDGE_COLOUR, SYMBOLS, colour, save_figure, style  # noqa: E402

CELL = 0.42  # inches per traffic-light cell
RADIUS = 0.4  # of a cell
OVERALL_GAP = 0.3  # cells between the last item and the overall column
CHAR = 0.068  # inches per character of 9-point text, to size margins
TITLE_CHAR = 0.105  # inches per character of the bold 11-point title
LINE = 0.19  # inches per line of legend text
MARGIN = 0.25
KEYS_PER_ROW = 3


def row_labels(appraisals: list[Appraisal]) -> list[str]:
    """One label per appraisal; the record id is added where labels would repeat."""
    labels = [a.label for a in appraisals]
    return [f"{a.label} {a.record}" if labels.count(a.label) > 1 else a.label for a in appraisals]


def cell_xy(tool: Tool, row: int, column: int) -> tuple[float, float]:
    """Data coordinates of a traffic-light cell; column ``len(tool.items)`` is the overall judgment."""
    gap = OVERALL_GAP if column >= len(tool.items) else 0.0
    return column + gap, float(row)


def _cells(appraisal: Appraisal, tool: Tool) -> list[tuple[str, str]]:
    """(level, text in the circle) per item and overall; a ``sum`` total is written in its circle."""
    cells = []
    for item in tool.items:
        judged = appraisal.items.get(item.id)
        level = judged.level if judged else PENDING
        cells.append((level, SYMBOLS.get(level, "")))
    overall = appraisal.overall
    level = overall.level if overall else PENDING
    text = overall.judgment if overall and tool.overall.rule == "sum" else SYMBOLS.get(level, "")
    cells.append((level, text))
    return cells


def _answer_keys(tool: Tool) -> list[list[tuple[str, str]]]:
    """Groups of (level, label) for the legend: the item answers, then the overall answers or bands."""
    groups = [[(a.level, f"{a.answer} ({a.meaning})" if a.meaning else a.answer) for a in tool.answers]]
    groups.append([(a.level, f"overall: {a.answer}") for a in tool.overall.answers])
    bands = sorted(tool.overall.bands, key=lambda b: -b.min)
    tops = [tool.max_score] + [b.min - 1 for b in bands[:-1]]
    groups.append([(b.level, f"total {b.min}–{top}: {b.judgment}") for b, top in zip(bands, tops)])
    return [g for g in groups if g]


def _key_rows(groups: list[list[tuple[str, str]]]) -> list[list[tuple[str, str]]]:
    """Legend rows of at most ``KEYS_PER_ROW`` keys, each group starting a new row."""
    return [g[i:i + KEYS_PER_ROW] for g in groups for i in range(0, len(g), KEYS_PER_ROW)]


def _draw_cell(ax: Axes, x: float, y: float, level: str, text: str, palette: str, scale: float = 1.0) -> None:
    ax.add_patch(Circle((x, y), RADIUS * scale, facecolor=colour(level, palette), edgecolor=EDGE_COLOUR, linewidth=0.6))
    size = 15 * scale if len(text) <= 1 else 7.5 * scale
    ax.text(x, y, text, ha="center", va="center_baseline", fontsize=size, fontweight="bold", color="black")


def _legend_lines(tool: Tool, width_in: float) -> list[str]:
    chars = max(30, int(width_in / (CHAR * 0.9)))
    lines = []
    for item in tool.items:
        lines += textwrap.wrap(f"{item.id}  {item.text}", chars, subsequent_indent="      ")
    return lines


def _title(text: str, width_in: float) -> str:
    return "\n".join(textwrap.wrap(text, int((width_in - 2 * MARGIN) / TITLE_CHAR)))


def _citation_lines(tool: Tool, width_in: float) -> list[str]:
    return textwrap.wrap(f"Tool: {tool.citation}", max(30, int(width_in / (CHAR * 0.72))))


def traffic_light(appraisals: list[Appraisal], tool: Tool, palette: str = "cochrane") -> Figure:
    """Studies × items (and overall) of one tool, robvis colours and symbols, with the items' wording below."""
    rows = [a for a in appraisals if a.tool.id == tool.id]
    labels = row_labels(rows)
    n_cols = len(tool.items) + 1
    label_w = max([len(s) for s in labels] + [8]) * CHAR + MARGIN
    grid_w = (n_cols + OVERALL_GAP) * CELL
    grid_h = max(len(rows), 1) * CELL
    width = max(label_w + grid_w + 2 * MARGIN, 6.5, min(len(tool.name) * TITLE_CHAR + 2 * MARGIN, 10.0))
    legend = _legend_lines(tool, width - 2 * MARGIN)
    keys = _key_rows(_answer_keys(tool))
    citation = _citation_lines(tool, width - 2 * MARGIN)
    heading = _title(tool.name, width)
    head, title = 0.45, 0.25 + 0.22 * (heading.count("\n") + 1)
    legend_h = (len(legend) + len(keys) + 1.5) * LINE + len(citation) * 0.13 + MARGIN
    height = title + head + grid_h + legend_h
    with style():
        fig = plt.figure(figsize=(width, height))
        ax = fig.add_axes((label_w / width, (legend_h) / height, grid_w / width, grid_h / height))
        ax.set_xlim(-0.5, n_cols - 0.5 + OVERALL_GAP)
        ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
        ax.set_aspect("equal")
        for side in ax.spines.values():
            side.set_visible(False)
        ax.tick_params(length=0)
        ax.xaxis.tick_top()
        ax.set_xticks([cell_xy(tool, 0, c)[0] for c in range(n_cols)], [i.id for i in tool.items] + ["Overall"])
        ax.set_yticks(range(len(rows)), labels)
        for r, appraisal in enumerate(rows):
            ax.axhline(r, color="#E6E6E6", linewidth=CELL * 72 * 0.9, zorder=0)
            for c, (level, text) in enumerate(_cells(appraisal, tool)):
                _draw_cell(ax, *cell_xy(tool, r, c), level, text, palette)
        if not rows:
            ax.text((n_cols - 1) / 2, 0, "no appraisal with this tool yet", ha="center", va="center", color="#666666")
        fig.text(MARGIN / width, 1 - 0.2 / height, heading, fontsize=11, fontweight="bold", va="top")
        _draw_legend(fig, legend, keys, citation, width, legend_h, palette)
    return fig


def _draw_legend(fig: Figure, lines: list[str], keys: list[list[tuple[str, str]]], citation: list[str],
                 width: float, legend_h: float, palette: str) -> None:
    """The items' wording, the answer key and the tool's citation, in an axes measured in inches."""
    ax = fig.add_axes((0, 0, 1, legend_h / fig.get_figheight()))
    ax.set_xlim(0, width)
    ax.set_ylim(legend_h, 0)
    ax.axis("off")
    y = LINE
    for line in lines:
        ax.text(MARGIN, y, line, fontsize=8, va="center")
        y += LINE
    y += LINE * 0.5
    column_w = (width - 2 * MARGIN) / KEYS_PER_ROW
    for row in keys:
        for index, (level, label) in enumerate(row):
            x = MARGIN + 0.1 + index * column_w
            ax.add_patch(Circle((x, y), 0.075, facecolor=colour(level, palette), edgecolor=EDGE_COLOUR, linewidth=0.5))
            ax.text(x, y, SYMBOLS.get(level, ""), ha="center", va="center_baseline", fontsize=6, fontweight="bold")
            ax.text(x + 0.14, y, label, fontsize=8, va="center")
        y += LINE
    for line in citation:
        ax.text(MARGIN, y, line, fontsize=6.5, color="#555555", va="center")
        y += 0.13


def level_shares(appraisals: list[Appraisal], tool: Tool, weights: dict[str, float] | None = None) -> dict[str, dict[str, float]]:
    """Per item (and ``overall``): the weighted share of appraisals at each level, in ``LEVELS`` order."""
    rows = [a for a in appraisals if a.tool.id == tool.id]
    shares: dict[str, dict[str, float]] = {}
    for index, key in enumerate([i.id for i in tool.items] + ["overall"]):
        counts: dict[str, float] = {}
        for appraisal in rows:
            level = _cells(appraisal, tool)[index][0]
            counts[level] = counts.get(level, 0.0) + (weights or {}).get(appraisal.study, 1.0)
        total = sum(counts.values()) or 1.0
        order = list(LEVELS) + [PENDING]
        shares[key] = {lvl: counts[lvl] / total for lvl in order if lvl in counts}
    return shares


def _legend_columns(labels: list[str], width_in: float) -> int:
    """As many legend columns (up to 3) as fit the figure's width."""
    for columns in (3, 2):
        if columns * (max(len(label) for label in labels) * CHAR * 0.9 + 0.5) <= width_in - 2 * MARGIN:
            return min(columns, len(labels))
    return 1


def _level_labels(tool: Tool, used: set[str]) -> list[tuple[str, str]]:
    """(level, the answers drawn at it) for each level in use, in ``LEVELS`` order then pending."""
    answers: dict[str, list[str]] = {}
    for level, label in (k for group in _answer_keys(tool) for k in group):
        answers.setdefault(level, []).append(label)
    return [(lvl, ", ".join(answers.get(lvl, [lvl]))) for lvl in list(LEVELS) + [PENDING] if lvl in used]


def summary_plot(appraisals: list[Appraisal], tool: Tool, palette: str = "cochrane",
                 weights: dict[str, float] | None = None) -> Figure:
    """A bar per item and overall: the share of appraisals at each level (``weights`` per study id, default equal)."""
    shares = level_shares(appraisals, tool, weights)
    names = [f"{i.id} {i.label}" for i in tool.items] + ["Overall"]
    label_w = max(len(n) for n in names) * CHAR + MARGIN
    width = max(label_w + 4.5, 7.0)
    n = sum(1 for a in appraisals if a.tool.id == tool.id)
    title = _title(f"{tool.name} (n = {n})", width)
    keys = _level_labels(tool, {lvl for share in shares.values() for lvl in share})
    columns = _legend_columns([label for _, label in keys], width)
    top = 0.3 + 0.22 * (title.count("\n") + 1)
    bottom = 0.65 + 0.24 * -(-len(keys) // columns)
    height = top + bottom + 0.32 * len(names)
    with style():
        fig = plt.figure(figsize=(width, height))
        ax = fig.add_axes((label_w / width, bottom / height, (width - label_w - MARGIN) / width, (height - top - bottom) / height))
        for y, key in enumerate(shares):
            left = 0.0
            for level, share in shares[key].items():
                ax.barh(y, share * 100, left=left, color=colour(level, palette), edgecolor=EDGE_COLOUR, linewidth=0.5, height=0.7)
                left += share * 100
        ax.set_yticks(range(len(names)), names)
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Weighted share of appraisals (%)" if weights else "Share of appraisals (%)")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.text(MARGIN / width, 1 - 0.2 / height, title, fontsize=11, fontweight="bold", va="top")
        handles = [Patch(facecolor=colour(lvl, palette), edgecolor=EDGE_COLOUR, label=label) for lvl, label in keys]
        fig.legend(handles=handles, loc="lower left", ncol=columns, frameon=False, fontsize=8,
                   bbox_to_anchor=(MARGIN / width, 0.05 / height))
    return fig


def plot_tools(appraisals: list[Appraisal], tools: dict[str, Tool], out_dir: str | Path,
               palette: str = "cochrane", weights: dict[str, float] | None = None) -> list[Path]:
    """Traffic-light and summary plots (``rob_traffic_<tool>``, ``rob_summary_<tool>``) of every tool in use."""
    paths: list[Path] = []
    for tool_id in dict.fromkeys(a.tool.id for a in appraisals):
        tool = tools[tool_id]
        paths += save_figure(traffic_light(appraisals, tool, palette), out_dir, f"rob_traffic_{tool_id}")
        paths += save_figure(summary_plot(appraisals, tool, palette, weights), out_dir, f"rob_summary_{tool_id}")
    return paths
