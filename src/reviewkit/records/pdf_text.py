"""A journal article PDF read into text by page (pypdfium2): reading order across two columns, line-end hyphens
joined, ligatures normalised, running headers and footers removed, pages without a text layer (scans) noted.
The page geometry (segments, rows, running heads, columns, hyphens) is in ``pdf_layout``."""
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
from reviewkit.records import pdf_layout
from reviewkit.records.pdf_layout import Segment

PAGE_BREAK = "\f"
PAGE_SEPARATOR = f"\n{PAGE_BREAK}\n"
CACHE_VERSION = 3  # 2: a short right column read after the left one; 3: running heads of two-page PDFs
OCR_HINT = "run OCR first (for example ocrmypdf)"

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

class Page(NamedTuple):
    """A page's segments, and whether it draws an image (a scan, if it has no text)."""

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
    segments = [s._replace(text=_clean(s.text)) for s in pdf_layout.segments(chars)]
    has_image = False
    if not any(s.text.strip() for s in segments):
        has_image = any(True for _ in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=4))
    page.close()
    return Page(segments, has_image)


def _assemble(path: Path, pages: list[Page]) -> PdfText:
    """The pages' segments as a PdfText: running heads dropped, reading order, lines and hyphens joined."""
    kept = pdf_layout.drop_running_heads([page.segments for page in pages])
    texts = pdf_layout.page_texts([pdf_layout.reading_order(segments) for segments in kept])
    no_text = tuple(n for n, (page, text) in enumerate(zip(pages, texts), start=1) if page.has_image and not text.strip())
    return PdfText(path, tuple(texts), no_text)


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
