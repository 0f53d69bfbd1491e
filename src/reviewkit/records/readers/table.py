"""Tables of records: CSV, TSV and XLSX with the column names ASReview, Covidence, Zotero, Scopus
and BibTeX-style exports use (the de-duplication benchmark's ``records.csv.gz`` among them).

Column names are matched without regard to case, spaces or underscores. CSV and TSV go through
the ``csv`` module rather than pandas so that a record's line is its real line in the file even
when a quoted abstract spans several lines; XLSX goes through openpyxl, a record's line being its
row in the first sheet.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from reviewkit.core.errors import ReviewInputError, excerpt
from reviewkit.records.readers.fields import Parsed

from . import fields as f

# Citation field → the column names that hold it, normalised by ``_name``; the first present wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "record id", "record number", "covidence #", "covidence id", "key", "citation key", "eid"),
    "title": ("title", "primary title", "article title", "document title"),
    "abstract": ("abstract", "notes abstract", "abstract note"),
    "authors": ("authors", "author", "author names", "first authors", "author full names"),
    "year": ("year", "publication year", "published year", "pubyear", "date", "publication date"),
    "journal": ("journal", "secondary title", "source title", "publication title", "journal title"),
    "volume": ("volume",),
    "issue": ("issue", "number"),
    "pages": ("pages", "page"),
    "doi": ("doi",),
    "pmid": ("pmid", "pubmed id"),
    "isbn": ("isbn", "issn"),
    "url": ("url", "link", "urls"),
    "type": ("type", "entrytype", "document type", "item type", "type of reference", "publication type"),
    "keywords": ("keywords", "author keywords"),
}
_PAGE_RANGE = ("page start", "page end")  # Scopus
_SPACES = re.compile(r"[\s_]+")


def _name(column: str) -> str:
    return _SPACES.sub(" ", column).strip().lower()


def _delimiter(header: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of."""
    return max(",;\t", key=header.count)


def header_format(line: str) -> str | None:
    """``"CSV"`` or ``"TSV"`` when ``line`` reads as a table header with a title column."""
    delimiter = _delimiter(line)
    cells = next(csv.reader([line], delimiter=delimiter), [])
    if not any(_name(cell) in COLUMNS["title"] for cell in cells):
        return None
    return "TSV" if delimiter == "\t" else "CSV"


def parse_csv(text: str, path: Path, delimiter: str | None = None) -> Iterator[Parsed]:
    """Rows of a CSV or, with ``delimiter="\\t"``, a TSV; without one, the header's most
    frequent of comma, semicolon and tab."""
    delimiter = delimiter or _delimiter(text[:100_000].lstrip("\n").split("\n", 1)[0])
    reader = csv.reader((line + "\n" for line in f.lines(text)), delimiter=delimiter, strict=True)

    def rows() -> Iterator[tuple[int, list[str] | csv.Error]]:
        start = 1
        while True:
            try:
                row: list[str] | csv.Error = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # the reader goes on at the next line
                row = exc
            yield start, row
            start = reader.line_num + 1

    yield from _records(rows(), path)


def parse_xlsx(data: bytes, path: Path) -> Iterator[Parsed]:
    """Rows of the first sheet of an Excel workbook."""
    import openpyxl  # only a workbook needs it (0.1 s to import)

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        if not workbook.worksheets:
            raise ValueError("it has no sheet")
    except Exception as exc:  # a damaged workbook fails in many ways inside zipfile, zlib, the XML parser, openpyxl
        raise ReviewInputError(path, f"not a readable .xlsx workbook ({excerpt(f'{type(exc).__name__}: {exc}')}); "
                               "open it in a spreadsheet and save it again, or export CSV") from None
    try:
        rows = workbook.worksheets[0].iter_rows(min_row=1, values_only=True)
        yield from _records(((n, [_cell(v) for v in row]) for n, row in _numbered(rows, path)), path)
    finally:
        workbook.close()


def _numbered(rows: Iterable[tuple], path: Path) -> Iterator[tuple[int, tuple]]:
    """The rows of a sheet with their numbers; a sheet damaged past the rows read so far is an error."""
    number = 0
    try:
        for number, row in enumerate(rows, 1):
            yield number, row
    except Exception as exc:  # the sheet's XML is read as the rows are: damage shows up here
        raise ReviewInputError(path, f"the workbook is damaged after row {number} "
                               f"({excerpt(f'{type(exc).__name__}: {exc}')}); save it again, or export CSV",
                               line=number + 1) from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def _records(rows: Iterable[tuple[int, list[str] | csv.Error]], path: Path) -> Iterator[Parsed]:
    """Parsed records from ``(line, cells)`` pairs: the header is the first non-blank row."""
    rows = ((line, cells) for line, cells in rows if not isinstance(cells, list) or any(c.strip() for c in cells))
    header_line, header = next(rows, (0, []))
    if isinstance(header, csv.Error):
        raise ReviewInputError(path, f"unreadable header row: {header}", line=header_line)
    if not header:
        return
    names = [_name(c) for c in header]
    where = {field: next((names.index(a) for a in aliases if a in names), None) for field, aliases in COLUMNS.items()}
    if where["title"] is None:
        found = ", ".join(c for c in header if c.strip())
        raise ReviewInputError(path, f"no title column among {excerpt(found)}; expected one of "
                               f"{', '.join(COLUMNS['title'])} (any case)", line=header_line, field="title")
    page_range = [names.index(n) if n in names else None for n in _PAGE_RANGE]
    id_name = header[where["id"]].strip() if where["id"] is not None else ""
    for line, cells in rows:
        if isinstance(cells, csv.Error):
            yield Parsed(line, {}, _unreadable(cells))
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            yield Parsed(line, {}, f"{len(cells)} cells, but the header on line {header_line} has {len(header)}")
            continue

        def cell(index: int | None) -> str:
            return cells[index].strip() if index is not None and index < len(cells) else ""

        values = {field: cell(index) for field, index in where.items()}
        yield Parsed(line, {
            **values,
            "title": f.clean(values["title"]),
            "authors": f.authors(values["authors"]),
            "year": f.year(values["year"]),
            "journal": f.clean(values["journal"]),
            "pages": f.pages(values["pages"]) or f.pages(*(cell(i) for i in page_range)),
            "doi": f.doi(values["doi"]),
            "keywords": f.keywords(values["keywords"]),
        }, id_name=id_name)


def _unreadable(error: csv.Error) -> str:
    if "unexpected end of data" in str(error):
        return "a quote opened in this row is never closed: the rest of the file was read into it"
    return f"unreadable row ({error}): a stray quote?"
