"""The geometry of a PDF page read into lines: characters grouped by their boxes into segments and rows, running
headers and footers dropped, two columns found by their gutter and read in order, line-end hyphens joined."""
from __future__ import annotations

import re
from typing import NamedTuple, Sequence

BAND_ROWS = 2  # the top and bottom rows of a page that may hold a running header or footer
MIN_REPEATS = 3  # a running header or footer repeats on this many pages (both of two) and on half of them
FILLED = 0.7  # a line of a column fills at least this share of the column's width
HYPHENS = ("\x02", "-", "\u2010")  # line ends that may split a word: pdfium's mark (as normalised), hyphens


class Segment(NamedTuple):
    """A run of characters on one line without a wide gap: its text and box (PDF units, y upwards)."""

    text: str
    x0: float
    bottom: float
    x1: float
    top: float

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def width(self) -> float:
        return self.x1 - self.x0


# ---------------------------------------------------------------- characters into segments and rows

def segments(chars: Sequence[tuple[str, float, float, float, float]]) -> list[Segment]:
    """Characters (text, left, bottom, right, top) grouped into segments, blank ones left out: a new one where the
    next character is on another line or beyond a wide gap (a column gutter, a table's column); a space where a
    gap is wider than a narrow space."""
    found: list[Segment] = []
    run: list[str] = []
    x0 = bottom = x1 = top = 0.0
    for ch, left, low, right, high in chars:
        if right - left <= 0 and high - low <= 0:  # a character pdfium added (a space), without a box
            if run and ch.isspace():
                run.append(" ")
            continue
        if run:
            height = top - bottom
            middle, own_middle = (low + high) / 2, (bottom + top) / 2
            same_line = bottom <= middle <= top or low <= own_middle <= high
            gap = left - x1
            if same_line and -height < gap <= 0.9 * (height if height > high - low else high - low):
                if ch == " ":  # a trailing space does not widen the segment (into a gutter)
                    run.append(ch)
                    continue
                if gap > 0.15 * height and run[-1] != " ":
                    run.append(" ")
                run.append(ch)
                x1, bottom, top = max(x1, right), min(bottom, low), max(top, high)
                continue
            found.append(Segment("".join(run), x0, bottom, x1, top))
        run, x0, bottom, x1, top = [ch], left, low, right, high
    if run:
        found.append(Segment("".join(run), x0, bottom, x1, top))
    return [s for s in found if s.text.strip()]


def _rows(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Segments grouped by line across the page, top to bottom, each row left to right."""
    rows: list[list[Segment]] = []
    reference = 0.0
    for segment in sorted(segments, key=lambda s: -s.middle):
        if rows and abs(segment.middle - reference) <= 0.3 * segment.height:
            rows[-1].append(segment)
        else:
            rows.append([segment])
            reference = segment.middle
    return [sorted(row, key=lambda s: s.x0) for row in rows]


def _row_text(row: Sequence[Segment]) -> str:
    return " ".join(s.text for s in row)


# ---------------------------------------------------------------- running headers and footers

def _band_key(row: Sequence[Segment]) -> str:
    """A row's text with digits as ``#`` and case and spacing folded: "Page 3 of 12" → "page # of #"."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", _row_text(row))).strip().casefold()


def _band(rows: list[list[Segment]]) -> list[int]:
    """Indices of the rows in the top and bottom band of a page."""
    return sorted(set(range(min(BAND_ROWS, len(rows)))) | set(range(max(0, len(rows) - BAND_ROWS), len(rows))))


def drop_running_heads(pages: Sequence[Sequence[Segment]]) -> list[list[Segment]]:
    """Each page's segments without the rows of its top and bottom band whose text (digits aside) repeats in the
    band of at least half of the pages and of ``MIN_REPEATS`` pages (both pages of a two-page PDF): journal name,
    "Page 3 of 12", page number. A one-page PDF keeps its every line."""
    all_rows = [_rows(page) for page in pages]
    counts: dict[str, int] = {}
    for rows in all_rows:
        for key in {_band_key(rows[i]) for i in _band(rows)}:
            counts[key] = counts.get(key, 0) + 1
    needed = max(2, min(MIN_REPEATS, len(pages)), (len(pages) + 1) // 2)
    running = {key for key, count in counts.items() if count >= needed}
    kept = []
    for rows in all_rows:
        dropped = {i for i in _band(rows) if _band_key(rows[i]) in running}
        kept.append([s for i, row in enumerate(rows) if i not in dropped for s in row])
    return kept


# ---------------------------------------------------------------- columns and reading order

def _gutter(segments: Sequence[Segment]) -> float | None:
    """The x of the gutter between a left and a right column, or None for a page read as one column.

    The gutter is the middle of the widest band of x (in the middle half of the text's width) crossed by the
    fewest segments; it counts if each side holds a column of text (``_fills``), the columns overlap vertically,
    and few segments cross it beside them (a title, abstract, table or figure caption above, below or between)."""
    if len(segments) < 6:
        return None
    left_edge, right_edge = min(s.x0 for s in segments), max(s.x1 for s in segments)
    width = right_edge - left_edge
    steps = 80
    candidates = [left_edge + width * (0.25 + 0.5 * k / steps) for k in range(steps + 1)]
    crossing = [sum(1 for s in segments if s.x0 < x < s.x1) for x in candidates]
    fewest = min(crossing)
    best, run_start, best_run = candidates[0], None, 0
    for k, count in enumerate([*crossing, fewest + 1]):
        if count == fewest and run_start is None:
            run_start = k
        elif count != fewest and run_start is not None:
            if k - run_start > best_run:
                best, best_run = candidates[(run_start + k - 1) // 2], k - run_start
            run_start = None
    left = [s for s in segments if s.x1 <= best]
    right = [s for s in segments if s.x0 >= best]
    if not _fills(left, best - left_edge) or not _fills(right, right_edge - best):
        return None
    low = max(min(s.bottom for s in left), min(s.bottom for s in right))
    high = min(max(s.top for s in left), max(s.top for s in right))
    if high <= low:
        return None
    between = sum(1 for s in segments if not (s.x1 <= best or s.x0 >= best) and low <= s.middle <= high)
    return best if between <= 0.2 * (len(left) + len(right)) else None


def _fills(side: Sequence[Segment], width: float) -> bool:
    """Whether the segments on one side of a gutter hold a column of text: at least two lines, and a third of
    them, fill most of its ``width`` (a short last column's paragraph ends do not count against it; a table's
    cells, labels or a lone page number do not make a column)."""
    filled = sum(1 for s in side if s.width >= FILLED * width)
    return filled >= max(2, len(side) / 3)


def reading_order(segments: Sequence[Segment]) -> list[str]:
    """The lines of a page in reading order: one column top to bottom; or, with a gutter, each stretch of the
    page between full-width rows read left column first, then right column, the full-width rows in place."""
    rows = _rows(segments)
    gutter = _gutter(segments)
    if gutter is None:
        return [_row_text(row) for row in rows]
    full = [any(s.x0 < gutter < s.x1 for s in row) for row in rows]
    column_width = gutter - min(s.x0 for s in segments)
    tabular = [len(row) >= 2 and any(s.x1 <= gutter for s in row) and any(s.x0 >= gutter for s in row)
               and all(s.width < 0.5 * column_width for s in row) for row in rows]
    for i, row in enumerate(rows):  # a table across both columns: two or more such rows in a row
        if tabular[i] and ((i > 0 and tabular[i - 1]) or (i + 1 < len(rows) and tabular[i + 1])):
            full[i] = True
    lines: list[str] = []
    left: list[str] = []
    right: list[str] = []
    for row, is_full in zip(rows, full):
        if is_full:
            lines += left + right + [_row_text(row)]
            left, right = [], []
            continue
        in_left = [s for s in row if s.x1 <= gutter]
        in_right = [s for s in row if s.x0 >= gutter]
        if in_left:
            left.append(_row_text(in_left))
        if in_right:
            right.append(_row_text(in_right))
    return lines + left + right


# ---------------------------------------------------------------- hyphens

_WORD = re.compile(r"\w+(?:[-\u2010]\w+)*")
_LAST_FRAGMENT = re.compile(r"(\w+)[\x02\-\u2010]$")
_FIRST_WORD = re.compile(r"^(\w+)(.*)$", re.S)


def _vocabulary(pages: list[list[str]]) -> set[str]:
    """The words of the document, hyphenated compounds whole, and the first parts of those with a hyphen
    ("meta-" of "meta-analysis"); pdfium's line-end marks are not hyphens here."""
    words = {w.casefold() for lines in pages for line in lines for w in _WORD.findall(line)}
    return words | {re.split(r"[-\u2010]", w, 1)[0] + "-" for w in words if "-" in w or "\u2010" in w}


def _join_hyphen(before: str, after: str, words: set[str]) -> tuple[str, str] | None:
    """``before`` ending in a line-end hyphen and ``after`` its next line as (joined line, rest) or None: the
    hyphen dropped ("treat-" "ment") unless the closed word does not occur elsewhere and the hyphenated one does,
    or another word starts with the same part and a hyphen ("meta-" "analysis" beside "meta-regression"); kept
    if the next line starts with a capital or digit ("COVID-" "19")."""
    last = _LAST_FRAGMENT.search(before)
    first = _FIRST_WORD.match(after)
    if not last or not first or not last.group(1)[-1].isalpha() and not last.group(1)[-1].isdigit():
        return None
    head, fragment, rest = before[: last.start()], last.group(1), first.group(2)
    word = first.group(1)
    if word[0].islower():
        closed, hyphenated = fragment + word, f"{fragment}-{word}"
        compound = hyphenated.casefold() in words or len(fragment) >= 3 and f"{fragment}-".casefold() in words
        keep = compound and closed.casefold() not in words
        return head + (hyphenated if keep else closed), rest
    return head + f"{fragment}-{word}", rest


def _join_lines(lines: list[str], words: set[str]) -> list[str]:
    """The lines of a page with each line-end hyphen joined to the word it splits."""
    out: list[str] = []
    for line in lines:
        if out and out[-1].endswith(HYPHENS):
            joined = _join_hyphen(out[-1], line, words)
            if joined is not None:
                out[-1] = joined[0] + joined[1]
                continue
        out.append(line)
    return out


def page_texts(pages: list[list[str]]) -> list[str]:
    """Each page's lines joined into its text: hyphens at line ends (also at a page's end) joined, pdfium's
    remaining hyphen marks made hyphens."""
    words = _vocabulary(pages)
    joined = [_join_lines(lines, words) for lines in pages]
    for i in range(len(joined) - 1):  # a word split across a page break goes to the page it starts on
        nxt = next((j for j in range(i + 1, len(joined)) if joined[j]), None)
        if joined[i] and nxt is not None and joined[i][-1].endswith(HYPHENS):
            parts = _join_hyphen(joined[i][-1], joined[nxt][0], words)
            if parts is not None:
                joined[i][-1] = parts[0]
                rest = parts[1].lstrip(" ")
                joined[nxt][0:1] = [rest] if rest else []
    return ["\n".join(lines).replace("\x02", "-") for lines in joined]
