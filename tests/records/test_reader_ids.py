"""Record ids on import: a file's own ids when they are unique; when they repeat or are missing,
every record is kept with an id that is unique and the same on every import of the file."""
from __future__ import annotations

import openpyxl
import pytest

from reviewkit.core.protocol import load_protocol
from reviewkit.records.imports import add_import
from reviewkit.records.readers import read_file
from reviewkit.records.sources import load_records

TITLES = [f"Mesenchymal stromal cells in chronic spinal cord injury: report {n}" for n in range(1, 7)]


def _ris(ids: list[str]) -> str:
    return "".join(f"TY  - JOUR\n{f'ID  - {i}' + chr(10) if i else ''}TI  - {t}\nPY  - 2020\nER  - \n\n"
                   for i, t in zip(ids, TITLES))


def _medline(ids: list[str]) -> str:
    return "".join(f"PMID- {i}\nTI  - {t}\nDP  - 2020\n\n" for i, t in zip(ids, TITLES))


def _bibtex(ids: list[str]) -> str:
    return "".join(f"@article{{{i},\n  title = {{{t}}},\n  year = {{2020}},\n}}\n\n" for i, t in zip(ids, TITLES))


def _table(ids: list[str], delimiter: str, column: str = "Record Number") -> str:
    rows = [f"{column}{delimiter}Title{delimiter}Year"] + [f"{i}{delimiter}{t}{delimiter}2020" for i, t in zip(ids, TITLES)]
    return "\n".join(rows) + "\n"


WRITERS = {
    "export.ris": _ris,
    "export.nbib": _medline,
    "export.bib": _bibtex,
    "export.csv": lambda ids: _table(ids, ","),
    "export.tsv": lambda ids: _table(ids, "\t"),
}
FIELD = {"export.ris": "ID", "export.nbib": "PMID", "export.bib": "entry key", "export.csv": "Record Number",
         "export.tsv": "Record Number", "export.xlsx": "Record Number"}


def _write(tmp_path, name: str, ids: list[str]):
    path = tmp_path / name
    if name.endswith(".xlsx"):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Record Number", "Title", "Year"])
        for i, title in zip(ids, TITLES):
            sheet.append([i, title, 2020])
        book.save(path)
    else:
        path.write_text(WRITERS[name](ids), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", [*WRITERS, "export.xlsx"])
def test_an_id_on_every_row_keeps_every_record(tmp_path, name):
    """An EndNote export that gives every record the same number: six records, six kept."""
    path = _write(tmp_path, name, ["12345"] * len(TITLES))
    result = read_file(path)
    assert (result.read, result.kept, result.skipped_count) == (6, 6, 0)
    assert [c.id for c in result.citations] == ["12345"] + [f"12345~{n}" for n in range(2, 7)]
    assert [c.title for c in result.citations] == TITLES
    [warning] = [w for w in result.warnings if "reuse an id" in w]
    assert f"5 record(s) reuse an id an earlier record of the file has, in {FIELD[name]} (5)" in warning
    assert str(path) in warning


@pytest.mark.parametrize("name", ["export.ris", "export.csv", "export.tsv", "export.xlsx"])
def test_missing_ids_are_positional_and_do_not_clash_with_own_ids(tmp_path, name):
    """Rows without an id get ``<source>:<position>``; an own id that reads the same is kept apart."""
    ids = ["7", "", "", "3", "7", ""]
    result = read_file(_write(tmp_path, name, ids), source="embase")
    assert [c.id for c in result.citations] == ["7", "embase:2", "embase:3", "3~2", "7~2", "embase:6"]
    assert result.kept == 6
    assert any("2 record(s) reuse an id" in w for w in result.warnings)


def test_unique_ids_give_no_warning(tmp_path):
    result = read_file(_write(tmp_path, "export.ris", ["a", "b", "c", "d", "e", "f"]))
    assert [c.id for c in result.citations] == ["a", "b", "c", "d", "e", "f"]
    assert not any("reuse an id" in w for w in result.warnings)


@pytest.mark.parametrize("name", [*WRITERS, "export.xlsx"])
def test_ids_are_the_same_on_every_import_of_the_file(tmp_path, name):
    path = _write(tmp_path, name, ["1", "1", "2", "1", "2", "3"])
    first, again = read_file(path, source="db"), read_file(path, source="db")
    assert [c.id for c in first.citations] == [c.id for c in again.citations] == ["1", "1~2", "2", "1~3", "2~2", "3"]
    assert [c.title for c in first.citations] == [c.title for c in again.citations]


def test_a_review_keeps_every_record_of_an_export_with_repeated_ids(seed_review):
    """Through the review's sources: the identification step counts all six, each with its own id."""
    export = _write(seed_review.parent, "export.csv", ["12345"] * len(TITLES))
    add_import(seed_review, export, source="endnote")

    def ids() -> list[str]:
        return [r.id for r in load_records(seed_review, load_protocol(seed_review)) if r.source == "endnote"]

    assert ids() == ["endnote:12345"] + [f"endnote:12345~{n}" for n in range(2, 7)]
    assert ids() == ids()


def test_medline_without_pmid_and_bibtex_without_key_are_positional(tmp_path):
    nbib = tmp_path / "pubmed.nbib"
    nbib.write_text(f"PMID- 1\nTI  - {TITLES[0]}\n\nTI  - {TITLES[1]}\nDP  - 2020\n\nPMID- 1\nTI  - {TITLES[2]}\n",
                    encoding="utf-8")
    assert [c.id for c in read_file(nbib).citations] == ["1", "pubmed:2", "1~2"]
    bib = tmp_path / "zotero.bib"
    bib.write_text(f"@article{{,\n  title = {{{TITLES[0]}}}\n}}\n@article{{k1, title = {{{TITLES[1]}}}}}\n", encoding="utf-8")
    assert [c.id for c in read_file(bib).citations] == ["zotero:1", "k1"]
