"""BibTeX read with bibtexparser 2; LaTeX accents and braces decoded with pylatexenc (its dependency).

bibtexparser's own ``LatexDecodingMiddleware`` is not used: it reads ``%`` as a LaTeX comment and
cuts ``50% of patients`` to ``50``. Here a bare ``%`` is escaped first, and only values that hold
LaTeX (a backslash, brace, ``$``, ``~`` or ``--``) go through the decoder, which is slow.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares import SeparateCoAuthors
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text

from reviewkit.core.errors import excerpt
from reviewkit.records.readers.fields import Parsed

from . import fields as f

_LATEX = re.compile(r"[\\{}$~]|--")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_KEY = re.compile(r"^\s*@\s*\w+\s*[{(]\s*([^,\s]+)\s*,")
_ESCAPE = re.compile(r"\\([_%&#])")
_DECODER = LatexNodes2Text()


def parse(text: str, path: Path) -> Iterator[Parsed]:
    """Each entry, and each block bibtexparser could not parse, in file order."""
    log = logging.getLogger("bibtexparser.splitter")  # it logs each failure with 0-based lines
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors()])
    finally:
        log.setLevel(level)
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, Entry):
            yield _entry(line, block)
        elif isinstance(block, DuplicateBlockKeyBlock) and isinstance(block.ignore_error_block, Entry):
            yield _entry(line, block.ignore_error_block)  # reported as a reused id
        elif isinstance(block, ParsingFailedBlock):
            key = getattr(block, "key", None) or next(iter(_KEY.findall(block.raw or "")), None)
            reason = getattr(block.error, "abort_reason", None) or str(block.error)
            yield Parsed(line, {"id": key} if key else {}, f"unparseable BibTeX entry: {excerpt(reason.strip())}")


class _TooDeep(Exception):
    """A field whose braces or LaTeX nest too deeply for the decoder (it recurses)."""

    def __init__(self, field: str) -> None:
        self.field = field


def _entry(line: int, entry: Entry) -> Parsed:
    """An entry's fields; malformed where one nests too deeply to decode."""
    try:
        return Parsed(line, _fields(entry))
    except _TooDeep as exc:
        return Parsed(line, {"id": entry.key.strip()}, "braces or LaTeX commands nested too deeply to read", exc.field)


def _text(value: object, field: str) -> str:
    """A field's value as plain text: LaTeX decoded, whitespace collapsed."""
    value = str(value)
    if _LATEX.search(value):
        try:
            value = _DECODER.latex_to_text(_BARE_PERCENT.sub(r"\\%", value))
        except RecursionError:
            raise _TooDeep(field) from None
    return f.clean(value)


def _verbatim(value: object) -> str:
    """A DOI, URL or page range: braces and ``\\_``-style escapes removed, ``~`` kept."""
    return _ESCAPE.sub(r"\1", str(value)).replace("{", "").replace("}", "").strip()


def _fields(entry: Entry) -> dict[str, str | tuple[str, ...]]:
    values = {field.key.lower(): field.value for field in entry.fields}

    def first(*names: str) -> str:
        return next((_text(values[n], n) for n in names if values.get(n)), "")

    names = values.get("author") or values.get("editor") or []
    names = [names] if isinstance(names, str) else names
    return {
        "id": entry.key.strip(),
        "type": entry.entry_type.lower(),
        "title": first("title"),
        "abstract": first("abstract"),
        "authors": tuple(name for n in names if (name := _text(n, "author"))),
        "year": f.year(first("year", "date")),
        "journal": first("journal", "journaltitle", "booktitle"),
        "volume": first("volume"),
        "issue": first("number", "issue"),
        "pages": f.pages(_verbatim(values.get("pages", ""))),
        "doi": f.doi(_verbatim(values.get("doi", ""))),
        "pmid": first("pmid"),
        "isbn": first("isbn", "issn"),
        "url": _verbatim(values.get("url", "")),
        "keywords": f.keywords(first("keywords").replace(",", ";")),
    }
