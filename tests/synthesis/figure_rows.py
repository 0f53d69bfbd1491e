"""A figure's text as a reader sees it: the texts on each line, left to right, and where each one starts and ends."""
from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text


def placed(fig: Figure) -> list[tuple[Text, float, float, float]]:
    """Every non-empty text but the axes' tick labels, with its left and right ends and its vertical centre, in
    display pixels."""
    renderer = fig.canvas.get_renderer()
    ticks = {id(t) for ax in fig.axes for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]}
    out = []
    for t in fig.findobj(Text):
        if t.get_text() and t.get_visible() and id(t) not in ticks:
            box = t.get_window_extent(renderer)
            out.append((t, box.x0, box.x1, round((box.y0 + box.y1) / 2)))
    return out


def lines(fig: Figure) -> list[str]:
    """The figure's lines of text, top to bottom, each with its texts joined left to right by spaces."""
    by_line: dict[float, list[tuple[float, str]]] = {}
    for t, x0, _, y in placed(fig):
        by_line.setdefault(y, []).append((x0, t.get_text()))
    return [" ".join(text for _, text in sorted(parts)) for _, parts in sorted(by_line.items(), reverse=True)]


def ends(fig: Figure, texts: set[str]) -> tuple[set[float], set[float]]:
    """The left ends and the right ends (pixels, rounded) of the texts that read as one of ``texts``."""
    found = [(x0, x1) for t, x0, x1, _ in placed(fig) if t.get_text() in texts]
    assert len(found) >= len(texts), (found, texts)
    return {round(x0) for x0, _ in found}, {round(x1) for _, x1 in found}
