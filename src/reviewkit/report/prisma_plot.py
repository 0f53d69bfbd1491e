"""The PRISMA 2020 flow diagram (Page et al. 2021, BMJ 372:n71), drawn with matplotlib from ``prisma.prisma_counts``.

The layout follows the PRISMA 2020 template for new reviews: phase bands (Identification,
Screening, Included) on the left; under a yellow heading per column, the main boxes with their
excluded boxes to the right, joined by arrows; one box of included studies and their reports.
A column ("via databases and registers", "via other methods") is drawn when ``sources.csv`` has a
source in it, even one that found nothing (n = 0); a column without any source is left out, as
drawing zeros would say that a search was run. reviewkit screens every record at title/abstract
whatever its source, so the other-methods column has the same boxes as the databases column
(the template leaves screening out there). Records still awaiting a decision are listed in the
excluded boxes and noted under the diagram as a draft.

An updated review (``prisma.is_updated``: counts with a ``previous`` column) is drawn as the template
for updated reviews: a "Previous studies" column on the left under a grey heading, its box of the
studies and reports included in the previous version of the review in the Identification row; the
other headings say "Identification of new studies via …"; the included box under the first column
holds the new studies and their reports (and the new reports of previous studies, when there are
any); one row below it, in the previous-studies column, the box of the total studies and reports,
reached by an arrow down from the previous-studies box and one from the new studies' box. The new
boxes' gids are ``box:header/previous``, ``box:previous/studies_previous`` and ``box:total_included``
(``text:…`` for their texts), the arrows' ``arrow:previous`` and ``arrow:new_studies`` (the line down
to the latter ``line:new_studies``).

Text is wrapped to the width of its box, measured with the renderer, so nothing overflows.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backend_bases import RendererBase  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402

from reviewkit.core.plot_style import style  # noqa: E402
from reviewkit.report.prisma import (  # noqa: E402
    COLUMN_LABELS,
    COLUMNS,
    PREVIOUS,
    UPDATE_LABELS,
    count,
    counts_as_read,
    is_updated,
    reason_counts,
    source_counts,
)

FONT = 8.0  # points, box text
HEAD_FONT = 8.5  # points, bold headings and phase names
TITLE_FONT = 11.0
PAD = 0.08  # inches between a box's edge and its text
MAIN_W = 2.05  # inches, a main box
SIDE_W = 2.05  # inches, an excluded box
ARROW_GAP = 0.38  # inches between a main box and its excluded box
COLUMN_GAP = 0.3  # inches between the two columns
BAND_W = 0.3  # inches, a phase band
BAND_GAP = 0.12  # inches between the bands and the boxes
ROW_GAP = 0.3  # inches between rows (room for the arrows)
MARGIN = 0.15  # inches around the diagram
INDENT = "   "
HEADER_COLOUR = "#FFC000"  # the template's yellow headings
PREVIOUS_COLOUR = "#D9D9D9"  # the template's grey heading of previous studies (updated review)
BAND_COLOUR = "#BCD2EE"  # the template's light-blue phase bands
DRAFT_COLOUR = "#B00000"
LINE_WIDTH = 0.8
LINESPACING = 1.25


@dataclass
class _Box:
    name: str  # gid suffix: "<column>/<box>" or "included"
    text: str  # wrapped
    x: float
    width: float
    height: float = 0.0


def _n(value: int) -> str:
    """'(n = 5)' with non-breaking spaces, so wrapping never splits it."""
    return f"(n\u00a0=\u00a0{value})"


def drawn_columns(counts: pd.DataFrame) -> list[str]:
    """The PRISMA columns with at least one source; both if no column has one."""
    return [c for c in COLUMNS if not source_counts(counts, c).empty] or list(COLUMNS)


def _included_paragraphs(counts: pd.DataFrame, updated: bool) -> list[tuple[str, int]]:
    """The included box: the studies and reports included; of an updated review the new ones."""
    if not updated:
        return [(f"Studies included in review {_n(count(counts, 'studies_included'))}", 0),
                (f"Reports of included studies {_n(count(counts, 'reports_included'))}", 0)]
    again = count(counts, "reports_included") - count(counts, "reports_new")
    return ([(f"New studies included in review {_n(count(counts, 'studies_new'))}", 0),
             (f"Reports of new included studies {_n(count(counts, 'reports_new'))}", 0)]
            + ([(f"New reports of previous studies {_n(again)}", 0)] if again > 0 else []))


def _awaiting(counts: pd.DataFrame, box: str, column: str) -> list[tuple[str, int]]:
    waiting = count(counts, box, column)
    if not waiting:
        return []
    states = reason_counts(counts, box, column)
    return [(f"Awaiting a decision {_n(waiting)}:", 0)] + [
        (f"{label} {_n(n)}", 1) for label, n in zip(states["label"], states["count"]) if n]


def _paragraphs(counts: pd.DataFrame, column: str) -> list[tuple[list, list]]:
    """(main box, excluded box) paragraphs — (text, indent level) — for the four rows of a column."""
    def n(box: str) -> str:
        return _n(count(counts, box, column))

    sources = source_counts(counts, column)
    reasons = reason_counts(counts, "excluded_full_text", column)
    reasons = reasons[reasons["count"] > 0]
    return [
        ([("Records identified from:", 0)] + [(f"{label} {_n(k)}", 1) for label, k in zip(sources["label"], sources["count"])],
         [("Records removed before screening:", 0), (f"Duplicate records removed {n('duplicates_removed')}", 1),
          (f"Records removed for other reasons (malformed at import) {n('removed_other')}", 1)]),
        ([(f"Records screened {n('screened')}", 0)],
         [(f"Records excluded {n('excluded_screening')}", 0)] + _awaiting(counts, "awaiting_screening", column)),
        ([(f"Reports sought for retrieval {n('sought')}", 0)],
         [(f"Reports not retrieved {n('not_retrieved')}", 0)]),
        ([(f"Reports assessed for eligibility {n('assessed')}", 0)],
         [(f"Reports excluded {n('excluded_full_text')}" + (":" if len(reasons) else ""), 0)]
         + [(f"{label} {_n(k)}", 1) for label, k in zip(reasons["label"], reasons["count"])]
         + _awaiting(counts, "awaiting_full_text", column)),
    ]


class _Measure:
    """Text sizes in inches, measured with the figure's renderer."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.renderer: RendererBase = fig.canvas.get_renderer()

    def size(self, text: str, fontsize: float = FONT, weight: str = "normal") -> tuple[float, float]:
        artist = self.fig.text(0, 0, text, fontsize=fontsize, fontweight=weight, linespacing=LINESPACING)
        box = artist.get_window_extent(self.renderer)
        artist.remove()
        return box.width / self.fig.dpi, box.height / self.fig.dpi

    def wrap(self, paragraphs: list[tuple[str, int]], width: float, fontsize: float = FONT, weight: str = "normal") -> str:
        """Lines no wider than ``width`` inches; an indented paragraph's lines hang under its first."""
        lines = []
        for text, indent in paragraphs:
            first, rest = INDENT * indent, INDENT * (indent + 1) if indent else ""
            chars = max(8, int(width * 72 / (fontsize * 0.45)))
            while True:
                wrapped = textwrap.wrap(text, chars, initial_indent=first, subsequent_indent=rest)
                if chars <= 8 or all(self.size(line, fontsize, weight)[0] <= width for line in wrapped):
                    break
                chars -= 1
            lines += wrapped
        return "\n".join(lines)


def _update_boxes(counts: pd.DataFrame, measure: _Measure, x: float) -> tuple[_Box, _Box, _Box]:
    """The previous-studies heading, its box of previous studies and the total box, at ``x``."""
    header = _Box(f"header/{PREVIOUS}", measure.wrap([(UPDATE_LABELS[PREVIOUS], 0)], MAIN_W - 2 * PAD, HEAD_FONT, "bold"),
                  x, MAIN_W)
    previous = _Box(f"{PREVIOUS}/studies_previous", measure.wrap(
        [(f"Studies included in previous version of review {_n(count(counts, 'studies_previous', PREVIOUS))}", 0),
         (f"Reports of studies included in previous version of review {_n(count(counts, 'reports_previous', PREVIOUS))}",
          0)], MAIN_W - 2 * PAD), x, MAIN_W)
    total = _Box("total_included", measure.wrap(
        [(f"Total studies included in review {_n(count(counts, 'studies_included'))}", 0),
         (f"Reports of total included studies {_n(count(counts, 'reports_total'))}", 0)], MAIN_W - 2 * PAD), x, MAIN_W)
    return header, previous, total


def _rect(ax: Axes, box: _Box, top: float, colour: str = "white", rounded: bool = False) -> None:
    if rounded:
        patch = FancyBboxPatch((box.x, top), box.width, box.height, boxstyle="round,pad=0,rounding_size=0.07",
                               facecolor=colour, edgecolor="black", linewidth=LINE_WIDTH)
    else:
        patch = Rectangle((box.x, top), box.width, box.height, facecolor=colour, edgecolor="black", linewidth=LINE_WIDTH)
    patch.set_gid(f"box:{box.name}")
    ax.add_patch(patch)


def _draw_box(ax: Axes, box: _Box, top: float) -> None:
    """A white box with its text left-aligned and centred vertically."""
    _rect(ax, box, top)
    ax.text(box.x + PAD, top + box.height / 2, box.text, fontsize=FONT, ha="left", va="center",
            linespacing=LINESPACING, gid=f"text:{box.name}")


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], gid: str | None = None) -> None:
    arrow = ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="-|>", color="black", lw=LINE_WIDTH,
                                                                  shrinkA=0, shrinkB=0, mutation_scale=9))
    if gid:
        arrow.set_gid(gid)


def _draw_update(ax: Axes, previous: _Box, previous_top: float, total: _Box, total_top: float, included: _Box,
                 included_top: float) -> None:
    """An updated review's previous-studies and total boxes, an arrow down from the one to the other and one
    from the new studies' box (down, then left) to the total."""
    _draw_box(ax, previous, previous_top)
    _draw_box(ax, total, total_top)
    x = previous.x + previous.width / 2
    _arrow(ax, (x, previous_top + previous.height), (x, total_top), gid="arrow:previous")
    x, middle = included.x + included.width / 2, total_top + total.height / 2
    ax.plot([x, x], [included_top + included.height, middle], color="black", linewidth=LINE_WIDTH,
            solid_capstyle="butt", gid="line:new_studies")
    _arrow(ax, (x, middle), (total.x + total.width, middle), gid="arrow:new_studies")


def _draft_note(counts: pd.DataFrame) -> str:
    waiting = count(counts, "awaiting_screening") + count(counts, "awaiting_full_text")
    if not waiting:
        return ""
    return (f"Draft: {waiting} record(s) still await a screening or eligibility decision; "
            "the counts will change when they are decided.")


def plot_prisma(counts: pd.DataFrame, *, title: str | None = None) -> Figure:
    """The PRISMA 2020 flow diagram of the counts (``prisma.prisma_counts`` or ``tables/prisma.csv``)."""
    counts = counts_as_read(counts)
    columns = drawn_columns(counts)
    updated = is_updated(counts)
    column_w = MAIN_W + ARROW_GAP + SIDE_W
    left = MARGIN + BAND_W + BAND_GAP
    first = left + (MAIN_W + COLUMN_GAP if updated else 0)  # the first identification column
    width = first + len(columns) * column_w + (len(columns) - 1) * COLUMN_GAP + MARGIN
    inner = width - 2 * MARGIN
    with style():
        fig = plt.figure(figsize=(width, 1))
        measure = _Measure(fig)
        xs = {c: first + i * (column_w + COLUMN_GAP) for i, c in enumerate(columns)}
        labels = UPDATE_LABELS if updated else COLUMN_LABELS
        headers = [_Box(f"header/{c}", measure.wrap([(labels[c], 0)], column_w - 2 * PAD, HEAD_FONT, "bold"),
                        xs[c], column_w) for c in columns]
        if updated:
            previous_header, previous, total = _update_boxes(counts, measure, left)
            headers.insert(0, previous_header)
        grid = [[(_Box(f"{c}/{main}", measure.wrap(m, MAIN_W - 2 * PAD), xs[c], MAIN_W),
                  _Box(f"{c}/{side}", measure.wrap(s, SIDE_W - 2 * PAD), xs[c] + MAIN_W + ARROW_GAP, SIDE_W))
                 for c, (m, s) in [(c, _paragraphs(counts, c)[row]) for c in columns]]
                for row, (main, side) in enumerate([("identified", "duplicates_removed"), ("screened", "excluded_screening"),
                                                    ("sought", "not_retrieved"), ("assessed", "excluded_full_text")])]
        included = _Box("included", measure.wrap(_included_paragraphs(counts, updated), MAIN_W - 2 * PAD),
                        xs[columns[0]], MAIN_W)
        phases = {name: measure.size(name, HEAD_FONT, "bold")[0] + 2 * PAD for name in ("Identification", "Screening", "Included")}
        heading = measure.wrap([(title, 0)], inner, TITLE_FONT, "bold") if title else ""
        note = measure.wrap([(_draft_note(counts), 0)], inner) if _draft_note(counts) else ""

        def height(text: str) -> float:
            return measure.size(text, FONT)[1] + 2 * PAD

        for header in headers:
            header.height = measure.size(header.text, HEAD_FONT, "bold")[1] + 2 * PAD
        row_heights = [max(height(b.text) for pair in row for b in pair) for row in grid]
        row_heights[0] = max(row_heights[0], phases["Identification"], height(previous.text) if updated else 0)
        screening_extra = phases["Screening"] - (sum(row_heights[1:]) + 2 * ROW_GAP)
        if screening_extra > 0:
            row_heights[1:] = [h + screening_extra / 3 for h in row_heights[1:]]
        included.height = max(height(included.text), phases["Included"])
        if updated:
            included.height, total.height, previous.height = height(included.text), height(total.text), row_heights[0]
            included_extra = (phases["Included"] - (included.height + ROW_GAP + total.height)) / 2
            if included_extra > 0:
                included.height, total.height = included.height + included_extra, total.height + included_extra
        for row, h in zip(grid, row_heights):
            for box in (b for pair in row for b in pair):
                box.height = h

        top = MARGIN + (measure.size(heading, TITLE_FONT, "bold")[1] + 0.15 if heading else 0)
        header_top = top
        top += max(h.height for h in headers) + ROW_GAP * 0.7
        tops = []
        for h in row_heights:
            tops.append(top)
            top += h + ROW_GAP
        included_top = top
        bottom = included_top + included.height
        if updated:
            total_top = bottom + ROW_GAP
            bottom = total_top + total.height
        total_h = bottom + (measure.size(note, FONT)[1] + 0.15 if note else 0) + MARGIN

        fig.set_size_inches(width, total_h)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(total_h, 0)
        ax.axis("off")
        if heading:
            ax.text(MARGIN, MARGIN, heading, fontsize=TITLE_FONT, fontweight="bold", ha="left", va="top", linespacing=LINESPACING)
        for header in headers:
            _rect(ax, header, header_top, PREVIOUS_COLOUR if header.name == f"header/{PREVIOUS}" else HEADER_COLOUR,
                  rounded=True)
            ax.text(header.x + header.width / 2, header_top + header.height / 2, header.text, fontsize=HEAD_FONT,
                    fontweight="bold", ha="center", va="center", linespacing=LINESPACING, gid=f"text:{header.name}")
        bands = {"Identification": (tops[0], tops[0] + row_heights[0]),
                 "Screening": (tops[1], tops[3] + row_heights[3]),
                 "Included": (included_top, bottom)}
        for name, (y0, y1) in bands.items():
            band = _Box(f"band/{name.lower()}", name, MARGIN, BAND_W, y1 - y0)
            _rect(ax, band, y0, BAND_COLOUR, rounded=True)
            ax.text(MARGIN + BAND_W / 2, (y0 + y1) / 2, name, fontsize=HEAD_FONT, fontweight="bold", rotation=90,
                    ha="center", va="center", rotation_mode="anchor", gid=f"text:{band.name}")
        for r, (row, y) in enumerate(zip(grid, tops)):
            for main, side in row:
                _draw_box(ax, main, y)
                _draw_box(ax, side, y)
                _arrow(ax, (main.x + main.width, y + main.height / 2), (side.x, y + side.height / 2))
                if r + 1 < len(grid):
                    _arrow(ax, (main.x + main.width / 2, y + main.height), (main.x + main.width / 2, tops[r + 1]))
        _draw_box(ax, included, included_top)
        if updated:
            _draw_update(ax, previous, tops[0], total, total_top, included, included_top)
        middle = included_top + included.height / 2
        for c in columns:
            x, y = xs[c] + MAIN_W / 2, tops[3] + row_heights[3]
            if c == columns[0]:
                _arrow(ax, (x, y), (x, included_top))
            else:
                ax.plot([x, x], [y, middle], color="black", linewidth=LINE_WIDTH, solid_capstyle="butt")
                _arrow(ax, (x, middle), (included.x + included.width, middle))
        if note:
            ax.text(MARGIN, bottom + 0.15, note, fontsize=FONT, color=DRAFT_COLOUR, ha="left", va="top", linespacing=LINESPACING)
    return fig
