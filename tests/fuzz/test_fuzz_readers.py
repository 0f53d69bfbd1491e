"""Fuzzing the readers of database exports (``records.readers.read_file``) with almost valid and arbitrary files.

Whatever a file holds, reading it gives citations, skipped records each with a ``ReviewInputError`` naming the
file and the record's line, or a refusal of the whole file with a ``ReviewInputError``: never another exception.
``on_error="stop"`` raises where ``"skip"`` skips or refuses, and reads the same citations where it does neither.
"""
from __future__ import annotations

import datetime
import gzip
import io
from pathlib import Path

import openpyxl
from conftest import ROOT
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from fuzz.strategies import LONG, REGEX_BOMBS, TRICKY, YAML_BOMBS, check_error, errors_of, line_count, mutated_bytes
from reviewkit.records.readers import read_file

FIXTURES = ROOT / "tests" / "fixtures" / "import"
SAMPLES = {path.name: path.read_text(encoding="utf-8-sig") for path in sorted(FIXTURES.iterdir())}
RIS = ["TY  - JOUR", "TY  -", "ty  - JOUR", "ER  - ", "ER  -", "ID  - a1", "TI  - ", "T1  - x", "AU  - ", "A1  - ",
       "KW  - ", "UR  - https://doi.org/10.1/x", "DO  - 10.1/x", "AN  - PMID: 1", "AN  - 123", "DB  - MEDLINE",
       "SP  - 1", "EP  - 2", "XX  - ", "  - x", "TY  - JOUR\nER  - "]
MEDLINE = ["PMID- 1", "PMID- ", "PMID-", "TI  - ", "TI  -", "FAU - ", "AU  - ", "CN  - ", "      wrapped", "\twrapped",
           "LID - 10.1/x [doi]", "AID - [doi]", "IS  - (", "DP  - 2020", "PG  - 1-2", "MH  - *", "OT  - ", "XX- ",
           "ABCDE- x", "STAT-"]
BIBTEX = ["@article{k,", "@article{", "@book(k,", "@misc{k}", "@ARTICLE{k, title={x}}", "}", ")", "title = {",
          "title = {x},", "author = {A and B and }", "author = {{A} and}", "doi = {10.1/x}", "@string{s = \"v\"}",
          "title = s # \"x\",", "@comment{", "@preamble{", "year = 2020,", "{{{{", "}}}}", "\\'", "$\\frac{",
          "\\begin{x}", "pages = {1--2}", "url = {\\_}", "= ,", ",,"]
TABLE = ['"', '""', ",", ";", "\t", '"open', "title", "Title,Authors", "ID,title,author", "ID\ttitle\tauthor", "r1",
         "a,b,c,d,e,f,g,h", ",,,,,,,,,,", "Page start,Page end", "Covidence #"]
TOKENS = {suffix: tokens + TRICKY + YAML_BOMBS + REGEX_BOMBS + ["{" * 400 + "}" * 400]
          for suffix, tokens in {".ris": RIS, ".nbib": MEDLINE, ".bib": BIBTEX, ".csv": TABLE, ".tsv": TABLE}.items()}
SUFFIXES = [".ris", ".nbib", ".medline", ".bib", ".csv", ".tsv", ".tab", ".txt", ".xlsx", ".ris.gz", ".csv.gz"]


def read_both(path: Path, lines: int | None) -> None:
    """Read ``path`` with ``on_error="skip"`` and ``"stop"``; every error names the file, short, and each
    skipped record its line (within the file's ``lines`` when known)."""
    kept, refused = errors_of(lambda: read_file(path, on_error="skip"))
    stopped, stop_errors = errors_of(lambda: read_file(path, on_error="stop"))
    skipped = kept.skipped if kept else []
    for error in refused + stop_errors:
        check_error(error, path, lines)
    for error in skipped:
        check_error(error, path, lines, needs_line=True)
    for citation in kept.citations if kept else []:
        assert citation.line >= 1 and (lines is None or citation.line <= lines)
    if refused:
        assert stop_errors, "'stop' read a file that 'skip' refuses"
    elif skipped:
        assert [str(e) for e in stop_errors] == [str(skipped[0])]
    else:
        assert not stop_errors and stopped.citations == kept.citations


def _export(name: str) -> st.SearchStrategy[tuple[str, bytes]]:
    suffix = Path(name).suffix
    return st.tuples(st.just(suffix), mutated_bytes(SAMPLES[name], TOKENS[suffix]))


def _shuffled(name: str) -> st.SearchStrategy[tuple[str, bytes]]:
    suffix = Path(name).suffix
    line = st.one_of(st.sampled_from(SAMPLES[name].split("\n") + TOKENS[suffix]), st.text(max_size=30))
    return st.tuples(st.just(suffix), st.lists(line, max_size=40).map(lambda lines: "\n".join(lines).encode()))


@given(export=st.sampled_from(sorted(SAMPLES)).flatmap(_export), gzipped=st.booleans())
@example(export=(".bib", b"@article{k, title={" + b"{" * 400 + b"}" * 400 + b"}}"), gzipped=False)  # RecursionError
@example(export=(".bib", b"@article{k,\n  title = {t},\n" + b"x" * 3000 + b"\n}\n"), gzipped=False)  # echoed whole
def test_an_almost_valid_export_is_read_skipped_or_refused_naming_file_and_line(tmp_path, export, gzipped):
    """A fixture export with lines deleted, duplicated, swapped, inserted (its format's tags, tricky text),
    re-indented, text injected, cut short, re-encoded, random bytes put in; gzipped or not."""
    suffix, raw = export
    path = tmp_path / (f"export{suffix}.gz" if gzipped else f"export{suffix}")
    path.write_bytes(gzip.compress(raw) if gzipped else raw)
    read_both(path, line_count(raw))


@given(export=st.sampled_from(sorted(SAMPLES)).flatmap(_shuffled))
def test_lines_of_a_format_in_any_order_are_read_skipped_or_refused(tmp_path, export):
    """Lines of a fixture export and its format's tags, in random order and number, with random lines."""
    suffix, raw = export
    path = tmp_path / f"export{suffix}"
    path.write_bytes(raw)
    read_both(path, line_count(raw))


@given(raw=st.one_of(st.binary(max_size=3000), st.text(max_size=1000).map(lambda t: t.encode("utf-8", "replace"))),
       suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_bytes_under_any_export_name_are_refused_or_read(tmp_path, raw, suffix):
    """Random bytes or text under each suffix read_file knows (``.txt`` by sniffing; ``.gz`` not gzip)."""
    path = tmp_path / f"export{suffix}"
    path.write_bytes(raw)
    read_both(path, line_count(raw))


def _workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_CELL_TEXT = st.text(max_size=30).map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t))
CELLS = st.one_of(
    st.none(), _CELL_TEXT, st.sampled_from(["Title", "title", "ID", "Authors", "DOI", "10.1/x", "Smith J; Doe A", LONG,
                                            "=1+1", "=A1", "#N/A", "=1/0", " "]),
    st.integers(-(2**40), 2**40), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(2100, 1, 1)),
)
HEADERS = st.lists(st.one_of(st.sampled_from(["Title", "ID", "Authors", "Year", "DOI", "PMID", "Page start",
                                              "Page end", "Journal", "Keywords"]), CELLS), max_size=8)


@given(header=HEADERS, rows=st.lists(st.lists(CELLS, max_size=10), max_size=8))
def test_a_workbook_of_random_cells_is_read_or_refused_naming_its_rows(tmp_path, header, rows):
    """An .xlsx written with openpyxl: a random header (a title column or not) and rows of text, numbers,
    dates, formulas, empty cells, more cells than the header."""
    path = tmp_path / "export.xlsx"
    path.write_bytes(_workbook([header, *rows]))
    read_both(path, None)


WORKBOOK = _workbook([["ID", "Title", "Authors"], ["r1", "A title", "Smith J"], ["r2", "Another", "Doe A"]])
NOISE = st.binary(max_size=16)


@given(cut=st.integers(0, len(WORKBOOK)), at=st.integers(0, len(WORKBOOK)), noise=NOISE)
def test_a_damaged_workbook_is_refused(tmp_path, cut, at, noise):
    """A real .xlsx with random bytes written over part of it, then cut short."""
    path = tmp_path / "export.xlsx"
    path.write_bytes((WORKBOOK[:at] + noise + WORKBOOK[at + len(noise):])[: max(cut, at)])
    read_both(path, None)
