"""A journal article PDF read into text by page (pypdfium2): reading order across two columns, line-end hyphens
joined, ligatures normalised, running headers and footers removed, pages without a text layer (scans) noted."""
from __future__ import annotations

import bisect
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, Sequence

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.storage import atomic_write_text

PAGE_BREAK = "\f"
PAGE_SEPARATOR = f"\n{PAGE_BREAK}\n"
CACHE_VERSION = 1
OCR_HINT = "run OCR first (for example ocrmypdf)"

BAND_ROWS = 2  # the top and bottom rows of a page that may hold a running header or footer
MIN_REPEATS = 3  # a running header or footer repeats on at least this many pages, and on half of them
SOFT_HYPHENS = "\x02\ufffe\u00ad"  # pdfium's mark for a hyphen at a line end (U+0002, U+FFFE), the soft hyphen


@dataclass(frozen=True)
class PdfText:
    """The text of a PDF by page; ``no_text_pages`` are the 1-based pages without a text layer (scans)."""

    path: Path
    pages: tuple[str, ...]
    no_text_pages: tuple[int, ...] = ()

    @cached_property
    def text(self) -> str:
        """The pages joined with ``PAGE_BREAK`` on a line of its own."""
        return PAGE_SEPARATOR.join(self.pages)

    @cached_property
    def page_starts(self) -> tuple[int, ...]:
        """The offset in ``text`` where each page starts."""
        starts, offset = [], 0
        for page in self.pages:
            starts.append(offset)
            offset += len(page) + len(PAGE_SEPARATOR)
        return tuple(starts)

    def page_of(self, offset: int) -> int:
        """The 1-based page of character ``offset`` of ``text`` (the page break belongs to the page before it)."""
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"offset {offset} is outside the text ({len(self.text)} characters)")
        return bisect.bisect_right(self.page_starts, offset)

    def note(self) -> str:
        """"" or what to do about the pages without a text layer."""
        if not self.no_text_pages:
            return ""
        word = "page" if len(self.no_text_pages) == 1 else "pages"
        return f"no text layer on {word} {page_ranges(self.no_text_pages)}: {OCR_HINT}"


def page_ranges(pages: Sequence[int]) -> str:
    """Page numbers with runs compressed: 1, 2, 3, 5 → "1–3, 5"."""
    runs: list[list[int]] = []
    for page in sorted(set(pages)):
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def read_pdf(path: str | Path, cache_dir: str | Path | None = None) -> PdfText:
    """The text of the PDF at ``path`` by page. With ``cache_dir``, the result is kept there as
    ``<sha256 of the file>.json`` and read back on the next call instead of the PDF."""
    path = Path(path)
    data = _read_bytes(path)
    cache = Path(cache_dir) / f"{hashlib.sha256(data).hexdigest()}.json" if cache_dir is not None else None
    cached = _read_cache(cache, path) if cache is not None else None
    if cached is not None:
        return cached
    result = _extract(path, data)
    if cache is not None:
        _write_cache(cache, result)
    return result


# ---------------------------------------------------------------- opening the file

def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReviewInputError(path, "the PDF does not exist") from None
    except IsADirectoryError:
        raise ReviewInputError(path, "this is a folder, not a PDF") from None
    except OSError as exc:
        raise ReviewInputError(path, f"the PDF cannot be read ({exc.strerror or exc})") from None
    if not data:
        raise ReviewInputError(path, "the file is empty (0 bytes): download the PDF again")
    if b"%PDF-" not in data[:1024]:
        raise ReviewInputError(path, f"this is not a PDF (it starts with {data[:8]!r}): save the article as PDF, or "
                                     "put a text export of it in the source folder instead")
    return data


_NO_PAGES = re.compile(rb"/Count\s+0\b")
_A_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


def _open(path: Path, data: bytes) -> Any:
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise ImportError("reading PDFs needs pypdfium2: pip install 'pypdfium2>=4.30'") from None
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium.raw.FPDF_ERR_PASSWORD:
            raise ReviewInputError(path, "the PDF is encrypted with a password: save an unprotected copy (print to "
                                         "PDF, or qpdf --decrypt with the password) and read that") from None
        if code == pdfium.raw.FPDF_ERR_SECURITY:
            raise ReviewInputError(path, "the PDF uses an unsupported security handler: save an unprotected copy "
                                         "and read that") from None
        if code == pdfium.raw.FPDF_ERR_SUCCESS or _NO_PAGES.search(data) and not _A_PAGE.search(data):
            raise ReviewInputError(path, "the PDF has no pages: download it again") from None
        raise ReviewInputError(path, "the PDF is damaged and cannot be opened (a truncated download?): download it "
                                     "again or re-save it from a PDF viewer") from None
    if len(document) == 0:
        document.close()
        raise ReviewInputError(path, "the PDF has no pages: download it again")
    return document


# ---------------------------------------------------------------- reading characters into lines

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


class Page(NamedTuple):
    width: float
    segments: list[Segment]
    has_image: bool


def _extract(path: Path, data: bytes) -> PdfText:
    import pypdfium2 as pdfium

    document = _open(path, data)
    try:
        pages = []
        for number in range(len(document)):
            try:
                pages.append(_read_page(document[number], pdfium))
            except pdfium.PdfiumError:
                raise ReviewInputError(path, f"page {number + 1} of the PDF is damaged and cannot be read: download "
                                             "it again or re-save it from a PDF viewer") from None
    finally:
        document.close()
    return _assemble(path, pages)


def _read_page(page: Any, pdfium: Any) -> Page:
    """The segments of one page, in the order the PDF draws them."""
    import ctypes

    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count > 0 else ""
        raw = textpage.raw
        if len(text) != count:  # characters outside UCS-2 or left out: one at a time
            text = "".join(chr(pdfium.raw.FPDFText_GetUnicode(raw, i)) for i in range(count))
        rect = pdfium.raw.FS_RECTF()
        ref, loose_box = ctypes.byref(rect), pdfium.raw.FPDFText_GetLooseCharBox
        chars = []
        for i in range(count):
            ch = text[i]
            if ch in "\r\n":  # pdfium's line breaks: lines are found from the boxes
                continue
            loose_box(raw, i, ref)
            chars.append((ch, rect.left, rect.bottom, rect.right, rect.top))
    finally:
        textpage.close()
    segments = _segments(chars)
    has_image = False
    if not any(s.text.strip() for s in segments):
        has_image = any(True for _ in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=4))
    width = page.get_width()
    page.close()
    return Page(width, segments, has_image)


def _segments(chars: list[tuple[str, float, float, float, float]]) -> list[Segment]:
    """Characters grouped into segments: a new one where the next character is on another line or beyond a wide
    gap (a column gutter, a table's column); a space where a gap is wider than a narrow space."""
    segments: list[Segment] = []
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
                if right > x1:
                    x1 = right
                if low < bottom:
                    bottom = low
                if high > top:
                    top = high
                continue
            segments.append(Segment("".join(run), x0, bottom, x1, top))
        run, x0, bottom, x1, top = [ch], left, low, right, high
    if run:
        segments.append(Segment("".join(run), x0, bottom, x1, top))
    return [s._replace(text=_clean(s.text)) for s in segments if s.text.strip()]


# ---------------------------------------------------------------- characters

_KEEP_FORMS = {"<super>", "<sub>", "<fraction>", "<wide>", "<vertical>", "<square>", "<circle>", "<small>"}
_KEEP_CHARS = {"\u2026"}  # the ellipsis stays one character


class _Normal(dict):
    """A ``str.translate`` table normalising each character once: compatibility characters (ligatures ﬁ ﬂ ﬀ ﬃ, no-break
    and other spaces, letter forms) by NFKC; superscripts, fractions, full-width (CJK) forms and the ellipsis kept;
    control characters dropped, tabs and page breaks made spaces; pdfium's hyphen marks kept as U+0002."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch in SOFT_HYPHENS:
            value = "\x02"
        elif ch in "\t\f\v" or unicodedata.category(ch) == "Zs":
            value = " "
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") or code in (0xFFFE, 0xFFFF):
            value = ""
        else:
            tag = unicodedata.decomposition(ch).split(" ", 1)[0]
            keep = not tag.startswith("<") or tag in _KEEP_FORMS or ch in _KEEP_CHARS
            value = ch if keep else unicodedata.normalize("NFKC", ch)
        self[code] = value
        return value


_NORMAL = _Normal()
_SPACES = re.compile(r" {2,}")


def _clean(text: str) -> str:
    """A segment's text normalised (``_Normal``, then NFC), runs of spaces made one, ends stripped."""
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text.translate(_NORMAL))).strip(" ")


# ---------------------------------------------------------------- rows, running heads, columns

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


def _band_key(row: Sequence[Segment]) -> str:
    """A row's text with digits as ``#`` and case and spacing folded: "Page 3 of 12" → "page # of #"."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", _row_text(row))).strip().casefold()


def _band(rows: list[list[Segment]]) -> list[int]:
    """Indices of the rows in the top and bottom band of a page."""
    return sorted(set(range(min(BAND_ROWS, len(rows)))) | set(range(max(0, len(rows) - BAND_ROWS), len(rows))))


def _drop_running_heads(pages: list[Page]) -> list[list[Segment]]:
    """Each page's segments without the rows of its top and bottom band whose text (digits aside) repeats in the
    band of at least half of the pages and of ``MIN_REPEATS`` pages: journal name, "Page 3 of 12", page number."""
    all_rows = [_rows(page.segments) for page in pages]
    counts: dict[str, int] = {}
    for rows in all_rows:
        for key in {_band_key(rows[i]) for i in _band(rows)}:
            counts[key] = counts.get(key, 0) + 1
    needed = max(MIN_REPEATS, (len(pages) + 1) // 2)
    running = {key for key, count in counts.items() if count >= needed}
    kept = []
    for rows in all_rows:
        dropped = {i for i in _band(rows) if _band_key(rows[i]) in running}
        kept.append([s for i, row in enumerate(rows) if i not in dropped for s in row])
    return kept


def _gutter(segments: Sequence[Segment]) -> float | None:
    """The x of the gutter between a left and a right column, or None for a page read as one column.

    The gutter is the middle of the widest band of x (in the middle half of the text's width) crossed by the
    fewest segments; it counts if both sides hold at least 3 lines that mostly fill their column, and few
    segments cross it beside the columns (a title, abstract, table or figure caption above, below or between)."""
    if len(segments) < 6:
        return None
    left_edge, right_edge = min(s.x0 for s in segments), max(s.x1 for s in segments)
    width = right_edge - left_edge
    steps = 80
    candidates = [left_edge + width * (0.25 + 0.5 * k / steps) for k in range(steps + 1)]
    crossing = [sum(1 for s in segments if s.x0 < x < s.x1) for x in candidates]
    fewest = min(crossing)
    best, run_start, best_run = None, None, 0
    for k, count in enumerate([*crossing, fewest + 1]):
        if count == fewest and run_start is None:
            run_start = k
        elif count != fewest and run_start is not None:
            if k - run_start > best_run:
                best, best_run = candidates[(run_start + k - 1) // 2], k - run_start
            run_start = None
    assert best is not None
    left = [s for s in segments if s.x1 <= best]
    right = [s for s in segments if s.x0 >= best]
    if len(left) < 3 or len(right) < 3:
        return None
    if _median([s.x1 - s.x0 for s in left]) < 0.5 * (best - left_edge):
        return None
    if _median([s.x1 - s.x0 for s in right]) < 0.5 * (right_edge - best):
        return None
    low = max(min(s.bottom for s in left), min(s.bottom for s in right))
    high = min(max(s.top for s in left), max(s.top for s in right))
    if high <= low:
        return None
    between = sum(1 for s in segments if not (s.x1 <= best or s.x0 >= best) and low <= s.middle <= high)
    return best if between <= 0.2 * (len(left) + len(right)) else None


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def _reading_order(segments: Sequence[Segment]) -> list[str]:
    """The lines of a page in reading order: one column top to bottom; or, with a gutter, each stretch of the
    page between full-width rows read left column first, then right column, the full-width rows in place."""
    rows = _rows(segments)
    gutter = _gutter(segments)
    if gutter is None:
        return [_row_text(row) for row in rows]
    full = [any(s.x0 < gutter < s.x1 for s in row) for row in rows]
    column_width = gutter - min(s.x0 for s in segments)
    tabular = [len(row) >= 2 and any(s.x1 <= gutter for s in row) and any(s.x0 >= gutter for s in row)
               and all(s.x1 - s.x0 < 0.5 * column_width for s in row) for row in rows]
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


# ---------------------------------------------------------------- hyphens and pages

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
        if out and out[-1].endswith(("\x02", "-", "\u2010")):
            joined = _join_hyphen(out[-1], line, words)
            if joined is not None:
                out[-1] = joined[0] + joined[1]
                continue
        out.append(line)
    return out


def _finish(pages: list[list[str]]) -> list[str]:
    """Each page's lines joined into its text: hyphens at line ends (also at a page's end) joined, pdfium's
    remaining hyphen marks made hyphens."""
    words = _vocabulary(pages)
    joined = [_join_lines(lines, words) for lines in pages]
    for i in range(len(joined) - 1):  # a word split across a page break goes to the page it starts on
        nxt = next((j for j in range(i + 1, len(joined)) if joined[j]), None)
        if joined[i] and nxt is not None and joined[i][-1].endswith(("\x02", "-", "\u2010")):
            parts = _join_hyphen(joined[i][-1], joined[nxt][0], words)
            if parts is not None:
                joined[i][-1] = parts[0]
                rest = parts[1].lstrip(" ")
                joined[nxt][0:1] = [rest] if rest else []
    return ["\n".join(lines).replace("\x02", "-") for lines in joined]


def _assemble(path: Path, pages: list[Page]) -> PdfText:
    """The pages' segments as a PdfText: running heads dropped, reading order, lines and hyphens joined."""
    kept = _drop_running_heads(pages)
    lines = [_reading_order(segments) for segments in kept]
    texts = _finish(lines)
    no_text = tuple(n for n, (page, text) in enumerate(zip(pages, texts), start=1) if page.has_image and not text.strip())
    return PdfText(path, tuple(texts), no_text)


# ---------------------------------------------------------------- cache

def _read_cache(cache: Path, path: Path) -> PdfText | None:
    """The cached result, or None if there is none or it is unreadable, of another version or malformed."""
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return None
    pages, no_text = data.get("pages"), data.get("no_text_pages")
    if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages) or not pages:
        return None
    if not isinstance(no_text, list) or not all(isinstance(n, int) and 1 <= n <= len(pages) for n in no_text):
        return None
    return PdfText(path, tuple(pages), tuple(no_text))


def _write_cache(cache: Path, result: PdfText) -> None:
    """Keep ``result`` in the cache; a cache that cannot be written is skipped (it only saves time)."""
    data = {"version": CACHE_VERSION, "pages": list(result.pages), "no_text_pages": list(result.no_text_pages)}
    try:
        atomic_write_text(cache, json.dumps(data, ensure_ascii=False))
    except OSError:
        pass
