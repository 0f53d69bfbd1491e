"""A quote from a PDF full text as a PNG: the region of its page, the quoted characters highlighted.

A co-author checks an extracted value at a glance: ``quote_image`` finds the reviewer's quote among the
characters of the page (pypdfium2's text layer), renders the page, marks the quoted characters line by
line like a highlighter pen (yellow multiplied over the page, so the text stays black), and keeps the
text block around the quote with a few lines of context above and below.

Matching tolerates what differs between a PDF's characters and a typed quote: whitespace and line breaks
are ignored, and so are hyphens and dashes (a word split at a line end, "treat-" + "ment", matches
"treatment"; "0.61-0.85" matches "0.61–0.85"); ligatures and other compatibility characters are
decomposed ("ﬁ" is "fi"); curly quotes and apostrophes are straight; accents are ignored; case is kept.
A quote may leave out text with an ellipsis ("...", "…" or "[...]"): the parts are found in order. A
quote that runs over the end of the page is highlighted as far as the page goes, when the rest of it
starts the next page.
"""
from __future__ import annotations

import ctypes
import io
import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.storage import atomic_write_bytes

HIGHLIGHT = (255, 226, 64)  # multiplied over the page: white becomes this yellow, black text stays black
SEPARATOR = (150, 150, 150)  # the rule between two pieces of a quote (a column or page jump)
PAD_LINES = 0.6  # white space kept around the crop, in line heights
CONTEXT_REACH = 3.0  # a context line is at most this many line heights (per margin line) from the quote
ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:\.\s*){3}\]|\[\s*…\s*\]|(?:\.\s*){2}\.|…)\s*")
MAX_GAP = 3000  # normalised characters that an ellipsis may leave out
MIN_PREFIX = 12  # normalised characters of a quote that must be on the page when it runs over the page end
TAIL_SLACK = 300  # normalised characters (a running foot, a page number) allowed after such a prefix

_QUOTES = str.maketrans({c: "'" for c in "‘’‚‛′`"} | {c: '"' for c in "“”„‟″«»"})
_DASHES = set("-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\ufffe\x02")
_INVISIBLE = set("\u200b\u200c\u200d\u2060\ufeff\ufffd")


def normalise(text: str) -> str:
    """``text`` as it is matched: quotes straight, compatibility characters decomposed, whitespace, dashes,
    hyphens, accents and control characters left out; case folded (as the quote check, ``core.evidence``, does)."""
    out = []
    for ch in unicodedata.normalize("NFKD", text.translate(_QUOTES)):
        if ch.isspace() or ch in _DASHES or ch in _INVISIBLE or unicodedata.category(ch) in {"Mn", "Sk", "Cc", "Cf"}:
            continue
        out.append(ch)
    return "".join(out).translate(_QUOTES).casefold()


@dataclass
class _Box:
    """A rectangle in image pixels (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def union(self, other: _Box) -> _Box:
        return _Box(min(self.left, other.left), min(self.top, other.top),
                    max(self.right, other.right), max(self.bottom, other.bottom))

    def overlaps_x(self, other: _Box) -> bool:
        return self.left < other.right and other.left < self.right

    def overlaps_y(self, other: _Box) -> bool:
        return self.top < other.bottom and other.top < self.bottom


@dataclass
class _Page:
    """The characters of a page: normalised text, the index of the character each of its letters comes
    from, each character's box in PDF user space (None for spaces and characters without a box) and the
    quarter turns (0-3, clockwise) its baseline makes with the page's x axis."""

    text: str
    source: list[int]
    boxes: list[tuple[float, float, float, float] | None]
    turns: list[int]


def _open(pdf: Path):
    import pypdfium2 as pdfium

    if not pdf.is_file():
        raise ReviewInputError(pdf, "no such file")
    try:
        return pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise ReviewInputError(pdf, f"not a readable PDF (damaged, encrypted or not a PDF: {exc})") from None


def _page_chars(textpage) -> _Page:
    """The characters of a page's text layer, normalised, with their boxes and directions."""
    import pypdfium2.raw as raw

    text, source, boxes, turns = [], [], [], []
    for i in range(textpage.count_chars()):
        code = raw.FPDFText_GetUnicode(textpage.raw, i)
        try:
            ch = chr(code)
        except (ValueError, OverflowError):
            ch = "\ufffd"
        if raw.FPDFText_IsHyphen(textpage.raw, i):
            ch = "-"
        box, turn = None, 0
        if not ch.isspace() and not raw.FPDFText_IsGenerated(textpage.raw, i):
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            if right > left and top > bottom:
                box = (left, bottom, right, top)
            angle = raw.FPDFText_GetCharAngle(textpage.raw, i)
            turn = round(math.degrees(angle) / 90) % 4 if angle >= 0 else 0
        boxes.append(box)
        turns.append(turn)
        for letter in normalise(ch):
            text.append(letter)
            source.append(i)
    return _Page("".join(text), source, boxes, turns)


def _device_boxes(page, chars: _Page, rotation: int, width: int, height: int) -> list[_Box | None]:
    """The characters' boxes in a ``width`` × ``height`` rendering turned ``rotation`` degrees clockwise
    (pdfium's own page-to-device mapping, so the crop box is accounted for)."""
    import pypdfium2.raw as raw

    dx, dy = ctypes.c_int(), ctypes.c_int()

    def device(x: float, y: float) -> tuple[int, int]:
        raw.FPDF_PageToDevice(page.raw, 0, 0, width, height, rotation // 90, x, y, ctypes.byref(dx), ctypes.byref(dy))
        return dx.value, dy.value

    out: list[_Box | None] = []
    for box in chars.boxes:
        if box is None:
            out.append(None)
            continue
        (x0, y0), (x1, y1) = device(box[0], box[3]), device(box[2], box[1])
        out.append(_Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    return out


def _find(page: _Page, quote: str, next_page: str | None) -> list[tuple[int, int]] | None:
    """Spans of ``page.text`` (normalised) that hold ``quote``: one, or one per part of an elided quote;
    the last may be a prefix at the end of the page when the rest starts ``next_page``. None if not found."""
    whole = normalise(quote)
    if not whole:
        return None
    at = page.text.find(whole)
    if at >= 0:
        return [(at, at + len(whole))]
    parts = [p for p in (normalise(p) for p in ELLIPSIS.split(quote)) if p]
    spans: list[tuple[int, int]] = []
    for n, part in enumerate(parts):
        start = spans[-1][1] if spans else 0
        at = page.text.find(part, start)
        if at >= 0 and (not spans or at - start <= MAX_GAP):
            spans.append((at, at + len(part)))
            continue
        rest = "".join(parts[n:])
        prefix = _prefix_at_end(page.text, rest, start, next_page)
        if prefix is None or (spans and prefix[0] - start > MAX_GAP):
            return None
        return spans + [prefix]
    return spans


def _prefix_at_end(text: str, rest: str, start: int, next_page: str | None) -> tuple[int, int] | None:
    """The longest start of ``rest`` that ends ``text`` (but for a running foot), when what follows it
    begins the next page."""
    if next_page is None:
        return None
    tail_from = max(start, len(text) - TAIL_SLACK - len(rest))
    for k in range(len(rest) - 1, min(MIN_PREFIX, len(rest) - 1) - 1, -1):
        at = text.rfind(rest[:k], tail_from)
        if at >= 0 and len(text) - (at + k) <= TAIL_SLACK:
            following = rest[k:k + 40]
            if next_page.find(following, 0, TAIL_SLACK + len(following)) >= 0:
                return at, at + k
    return None


def _lines(indices: list[int], boxes: list[_Box | None]) -> list[tuple[_Box, list[int]]]:
    """Characters (in reading order) grouped into lines: a new line where the text moves to another line
    height, back to the left, or far to the right (another column). Each line: its box and its characters."""
    lines: list[tuple[_Box, list[int]]] = []
    last: _Box | None = None
    for i in indices:
        box = boxes[i]
        if box is None:
            continue
        if lines and last is not None:
            line = lines[-1][0]
            h = min(box.height, line.height) or 1
            shared = min(box.bottom, line.bottom) - max(box.top, line.top)
            if shared >= 0.5 * h and last.right - h < box.left < last.right + 3 * max(box.height, line.height):
                lines[-1] = (line.union(box), lines[-1][1] + [i])
                last = box
                continue
        lines.append((box, [i]))
        last = box
    return lines


def _crop(run: list[_Box], page_lines: list[_Box], margin_lines: int, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The region to show for one run of quoted lines: the run, ``margin_lines`` lines of its column above
    and below, as wide as the lines of the text block there, with a little white around it."""
    region = run[0]
    for box in run[1:]:
        region = region.union(box)
    height = statistics.median(b.height for b in run)
    reach = CONTEXT_REACH * height * (margin_lines + 1)
    column = [b for b in page_lines if b.overlaps_x(region) and not b.overlaps_y(region)]
    above = sorted((b for b in column if b.bottom <= region.top + 0.5 * height and region.top - b.bottom < reach),
                   key=lambda b: -b.bottom)
    below = sorted((b for b in column if b.top >= region.bottom - 0.5 * height and b.top - region.bottom < reach),
                   key=lambda b: b.top)
    for box in above[:margin_lines] + below[:margin_lines]:
        region = region.union(box)
    for box in page_lines:  # the full width of the text block: every line of the column in the region
        if box.overlaps_x(region) and box.top >= region.top - 1 and box.bottom <= region.bottom + 1:
            region = region.union(box)
    pad = PAD_LINES * height
    top, bottom = region.top - pad, region.bottom + pad
    for box in page_lines:  # the white above and below stops short of the next lines: no half-cut text
        if box.overlaps_x(region) and not box.overlaps_y(region):
            if box.bottom <= region.top:
                top = max(top, box.bottom + 1)
            elif box.top >= region.bottom:
                bottom = min(bottom, box.top - 1)
    return (max(0, int(region.left - pad)), max(0, int(top)),
            min(size[0], int(region.right + pad + 1)), min(size[1], int(bottom + 1)))


def quote_image(pdf: str | Path, page: int, quote: str, out: str | Path, *, scale: float = 2.0,
                margin_lines: int = 2) -> Path | None:
    """Save a PNG of the region of page ``page`` (1-based) of ``pdf`` that holds ``quote``, the quoted
    characters highlighted, with ``margin_lines`` lines of context above and below; returns ``out``.

    The quote starts on that page; if it runs over the page end, what is on the page is highlighted. A
    quote in two places (across columns, or parts of an elided quote far apart) gives the pieces one
    above the other, with a rule between them. Returns None (and writes nothing) when the quote is not
    on the page, or the page has no text layer (a scan). A file that is missing, damaged, encrypted or
    not a PDF, or a page number out of range, raises ``ReviewInputError``.
    """
    import pypdfium2 as pdfium
    from PIL import Image, ImageChops, ImageDraw

    pdf, out = Path(pdf), Path(out)
    doc = _open(pdf)
    try:
        count = len(doc)
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= count:
            raise ReviewInputError(pdf, f"page {page!r} is out of range: the PDF has {count} page{'s' * (count != 1)}")
        try:
            pdf_page = doc[page - 1]
            pdf_page.set_rotation(0)  # in memory: the text is read and shown as it is set, upright (below)
            chars = _page_chars(pdf_page.get_textpage())
            next_text = normalise(doc[page].get_textpage().get_text_bounded()) if page < count else None
            spans = _find(chars, quote, next_text)
            if not spans:
                return None
            quoted: set[int] = set()
            for start, end in spans:
                first, last = chars.source[start], chars.source[end - 1]
                quoted.update(i for i in range(first, last + 1) if chars.boxes[i] is not None)
            if not quoted:
                return None
            turn = Counter(chars.turns[i] for i in quoted).most_common(1)[0][0]
            rotation = (360 - 90 * turn) % 360  # turns sideways text (a landscape table) upright
            image = pdf_page.render(scale=scale, rotation=rotation).to_pil().convert("RGB")
            boxes = _device_boxes(pdf_page, chars, rotation, image.width, image.height)
        except pdfium.PdfiumError as exc:  # pdfium's errors on a damaged page
            raise ReviewInputError(pdf, f"page {page} could not be read: {exc}") from None
    finally:
        doc.close()

    marks = [box for box, _ in _lines(sorted(quoted), boxes)]
    mask = Image.new("L", image.size, 0)
    draw = ImageDraw.Draw(mask)
    for box in marks:
        draw.rectangle((box.left, box.top, box.right - 1, box.bottom - 1), fill=255)
    marked = Image.composite(ImageChops.multiply(image, Image.new("RGB", image.size, HIGHLIGHT)), image, mask)

    page_lines = [box for box, _ in _lines(list(range(len(boxes))), boxes)]
    runs: list[list[_Box]] = []
    for box in marks:  # a run goes down a column line by line; a jump (the next column) starts another
        if runs and 0 < box.top - runs[-1][-1].top and box.top - runs[-1][-1].bottom < runs[-1][-1].height:
            runs[-1].append(box)
        else:
            runs.append([box])
    regions: list[tuple[int, int, int, int]] = []
    for run in runs:  # regions that overlap (two parts of an elided quote close together) become one
        region = _crop(run, page_lines, margin_lines, image.size)
        if regions and region[0] < regions[-1][2] and regions[-1][0] < region[2] and region[1] <= regions[-1][3] \
                and regions[-1][1] <= region[3]:
            last = regions.pop()
            region = (min(last[0], region[0]), min(last[1], region[1]), max(last[2], region[2]), max(last[3], region[3]))
        regions.append(region)
    pieces = [marked.crop(region) for region in regions]
    result = pieces[0]
    if len(pieces) > 1:
        gap = max(2, round(6 * scale))
        result = Image.new("RGB", (max(p.width for p in pieces), sum(p.height for p in pieces) + gap * (len(pieces) - 1)),
                           "white")
        rule, y = ImageDraw.Draw(result), 0
        for n, piece in enumerate(pieces):
            if n:
                rule.line((0, y - gap // 2 - 1, result.width, y - gap // 2 - 1), fill=SEPARATOR, width=max(1, round(scale / 2)))
            result.paste(piece, (0, y))
            y += piece.height + gap
    buffer = io.BytesIO()
    dpi = 72 * scale  # the image's natural size is the region's size on the printed page
    result.save(buffer, format="PNG", optimize=True, dpi=(dpi, dpi))
    return atomic_write_bytes(out, buffer.getvalue())
