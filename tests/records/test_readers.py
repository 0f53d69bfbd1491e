"""Import readers on hand-written exports in each format's real layout (tests/fixtures/import)."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT

from reviewkit.core.errors import ReviewInputError
from reviewkit.records.readers import read_file

FIXTURES = ROOT / "tests" / "fixtures" / "import"
BENCHMARK = ROOT.parent / "shared" / "data" / "dedup" / "stroke" / "records.csv.gz"


def _by_id(result):
    return {c.id: c for c in result.citations}


def test_scopus_ris_without_ids_numbers_records_by_source_and_position():
    result = read_file(FIXTURES / "scopus.ris", source="Scopus")
    assert (result.format, result.encoding, result.read, result.kept) == ("RIS", "utf-8", 3, 3)
    first, conference, third = result.citations
    assert [c.id for c in result.citations] == ["Scopus:1", "Scopus:2", "Scopus:3"]
    assert [c.line for c in result.citations] == [1, 27, 43]
    assert first.source == "Scopus" and first.position == 1
    assert first.title.startswith("Intrathecal mesenchymal stromal cells")
    assert first.authors == ("Okafor, N.", "Novak, P.", "Chen, W.")
    assert (first.year, first.journal, first.volume, first.issue, first.pages) == (
        "2023", "Neurology and Therapy", "12", "2", "455-470")
    assert first.doi == "10.5555/neurther.2023.0455"
    assert first.keywords == ("amyotrophic lateral sclerosis", "mesenchymal stromal cells", "intrathecal")
    assert conference.type == "CONF" and conference.doi == "" and conference.pages == "112"
    assert result.summary() == "scopus.ris (RIS, utf-8): 3 records read, 0 skipped, 3 kept"


def test_endnote_ris_with_bom_keeps_its_ids_and_accents():
    assert (FIXTURES / "endnote.ris").read_bytes().startswith(b"\xef\xbb\xbf")
    result = read_file(FIXTURES / "endnote.ris")
    assert result.encoding == "utf-8-sig" and not result.warnings
    article, book = result.citations
    assert (article.id, book.id) == ("17", "23")
    assert article.source == "endnote"
    assert article.authors == ("Müller, Jörg", "García, María", "Kowalski, Jan")
    assert article.title == "Bone marrow mononuclear cells after spinal cord injury – a randomised, sham-controlled trial"
    assert (article.year, article.journal, article.pages, article.isbn) == ("2021", "Spinal Cord", "601-610", "1362-4393")
    assert book.type == "BOOK" and book.isbn == "978-3-030-00000-0" and book.line == 25


def test_embase_ris_reads_t1_a1_y1_n2_jf_and_folds_wrapped_lines():
    result = read_file(FIXTURES / "embase.ris", source="Embase")
    trial = _by_id(result)["2024815531"]
    assert trial.title == "Allogeneic mesenchymal cells for acute ischaemic stroke: the MASTERS-X trial"
    assert trial.authors == ("Hess, D.C.", "Wechsler, L.R.")
    assert trial.year == "2024"
    assert trial.journal == "Lancet Neurology"  # JF wins over the abbreviation JA
    assert trial.abstract.startswith("BACKGROUND: Multipotent adult progenitor cells were given intravenously 18-36 h after ischaemic")
    assert trial.abstract.endswith("excellent outcome at day 90 did not differ between groups.")
    # a keyword wrapped onto an indented line stays one keyword (rispy alone makes two)
    assert "adult progenitor cell" in trial.keywords
    assert trial.pmid == ""  # no PubMed AN: Embase ids are not taken for PMIDs


def test_medline_nbib_joins_continuation_lines_and_finds_the_doi():
    result = read_file(FIXTURES / "pubmed.nbib", source="PubMed")
    assert (result.format, result.kept) == ("MEDLINE", 2)
    trial, follow_up = result.citations
    assert (trial.id, trial.pmid, trial.line) == ("38000001", "38000001", 1)
    assert trial.title == "Allogeneic mesenchymal cells for acute ischaemic stroke: the MASTERS-X trial."
    assert "18-36 h after ischaemic stroke. RESULTS:" in trial.abstract
    assert trial.authors == ("Hess, David C", "Wechsler, Lawrence R")
    assert trial.doi == "10.5555/laneur.2024.350"  # the [doi] LID, not the [pii]
    assert (trial.year, trial.journal, trial.volume, trial.issue, trial.pages) == (
        "2024", "The Lancet. Neurology", "23", "4", "350-361")
    assert {"cell therapy", "Ischemic Stroke/therapy"} <= set(trial.keywords)
    assert follow_up.doi == "10.5555/ct.2023.e0001"  # from the AID line
    assert follow_up.authors == ("Silva, Ana Paula", "Spinal Repair Collaborative Group")
    assert follow_up.line == 48


def test_bibtex_decodes_accents_braces_and_keeps_percent_signs():
    result = read_file(FIXTURES / "zotero.bib")
    records = _by_id(result)
    muller = records["muller_bone_2021"]
    assert muller.authors == ("Müller, Jörg", "García, María", "Kowalski, Jan")
    assert muller.title == "Bone marrow mononuclear cells after spinal cord injury – a randomised, sham-controlled trial"
    assert muller.abstract == "Forty-two patients were randomised; 50% received cells and 50% a sham procedure."
    assert (muller.pages, muller.issue, muller.doi, muller.line) == ("601-610", "6", "10.5555/sc.2021.601", 5)
    assert muller.keywords == ("Bone Marrow Transplantation", "Spinal Cord Injuries")
    andersen = records["andersen_autologous_2023"]
    assert andersen.title == "Autologous stem cell transplantation in relapsing Multiple Sclerosis: 10-year outcomes"
    assert andersen.journal == "Journal of Neurology"  # an @string macro
    assert andersen.authors[-1] == "Spinal Repair Collaborative Group"  # the braced "and" is not split... nor lost
    assert andersen.year == "2023"
    rossi = records["rossi_umbilical_2023"]
    assert rossi.journal == "European Stroke Organisation Conference"  # booktitle
    assert rossi.url == "https://example.org/~rossi/eso2023.pdf"  # a URL's ~ is not a LaTeX space


def test_ris_pmid_only_from_a_pubmed_or_medline_accession_number(tmp_path):
    path = tmp_path / "ovid.ris"
    path.write_text(
        "TY  - JOUR\nDB  - Ovid MEDLINE(R)\nAN  - 38000001\nTI  - From MEDLINE\nER  - \n\n"
        "TY  - JOUR\nDB  - Embase\nAN  - PMID:37000002\nTI  - Labelled PMID\nER  - \n\n"
        "TY  - JOUR\nDB  - Embase\nAN  - 2024815531\nTI  - Embase accession number\nER  - \n", encoding="utf-8")
    assert [c.pmid for c in read_file(path).citations] == ["38000001", "37000002", ""]


def test_semicolon_csv_as_european_excel_saves_it(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("Title;Authors;Year;DOI\nCells, again;Smith, J.;2021;10.5555/x\n", encoding="utf-8")
    (record,) = read_file(path).citations
    assert (record.title, record.authors, record.year, record.doi) == ("Cells, again", ("Smith, J.",), "2021", "10.5555/x")


def test_on_error_must_be_skip_or_stop():
    with pytest.raises(ValueError, match="on_error"):
        read_file(FIXTURES / "scopus.ris", on_error="ignore")


def test_covidence_csv_with_a_multiline_abstract():
    result = read_file(FIXTURES / "covidence.csv", source="Covidence")
    assert [c.id for c in result.citations] == ["#101", "#102", "#103"]
    assert [c.line for c in result.citations] == [2, 5, 6]  # real lines: the first abstract spans three
    first = result.citations[0]
    assert first.abstract.endswith("three intrathecal doses.\n\nAdverse events were mild in 11 of 12 participants.")
    assert first.authors == ("Okafor, N.", "Novak, P.", "Chen, W.")
    assert (first.year, first.journal, first.pages, first.doi) == (
        "2023", "Neurology and Therapy", "455-470", "10.5555/neurther.2023.0455")


def test_asreview_csv_record_ids_doi_urls_and_author_lists():
    records = _by_id(read_file(FIXTURES / "asreview.csv"))
    assert set(records) == {"0", "1", "2"}
    assert records["0"].doi == "10.5555/ct.2023.e0001"  # https://doi.org/ removed
    assert records["0"].authors == ("Silva AP", "Spinal Repair Collaborative Group")
    assert records["0"].keywords == ("spinal cord injury", "cell therapy")
    assert records["1"].authors == ("Nguyen, Thi",)  # "Surname, Given" is one author
    assert records["2"].authors == ("Müller J", "García M", "Kowalski J")  # Vancouver commas split


def test_scopus_tsv_page_start_and_end_and_pubmed_id():
    result = read_file(FIXTURES / "scopus.tsv")
    assert result.format == "TSV"
    records = _by_id(result)
    assert set(records) == {"2-s2.0-85150000001", "2-s2.0-85150000002"}
    second = records["2-s2.0-85150000002"]
    assert (second.pages, second.pmid, second.journal, second.type) == (
        "1201-1214", "37000123", "Journal of Neurology", "Article")
    assert second.authors == ("Andersen K.", "Kim S.-J.")


def test_xlsx_rows_with_their_sheet_row_numbers(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Covidence #", "Title", "Authors", "Published Year", "Journal", "DOI", "PMID"])
    sheet.append(["#7", "Cord blood cells in cerebral palsy", "Rossi, M.; Kim, S.", 2022, "Pediatrics", None, 35000001])
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["#8", "Stem cells in heart failure", "Chen, W.", 2020.0, "Heart", "10.5555/h.2020.1", None])
    workbook.save(tmp_path / "covidence.xlsx")
    result = read_file(tmp_path / "covidence.xlsx")
    assert (result.format, result.encoding, result.kept) == ("XLSX", "", 2)
    first, second = result.citations
    assert (first.id, first.line, first.year, first.pmid, first.doi) == ("#7", 2, "2022", "35000001", "")
    assert first.authors == ("Rossi, M.", "Kim, S.")
    assert (second.id, second.line, second.year) == ("#8", 4, "2020")
    assert result.summary() == "covidence.xlsx (XLSX): 2 records read, 0 skipped, 2 kept"


def test_the_dedup_benchmark_csv_reads_whole(tmp_path):
    if not BENCHMARK.exists():
        pytest.skip("the shared de-duplication benchmark is not on this machine")
    result = read_file(BENCHMARK)
    assert (result.source, result.format, result.read, result.kept) == ("records", "CSV", 1292, 1292)
    first = result.citations[0]
    assert first.id == "id_0000001"
    assert first.authors == ("Zhai, Q. J.", "Yue, X. Y.", "Hong, Z.", "Xu, G. L.", "Liu, X. F.")
    assert (first.year, first.volume, first.issue, first.pages, first.type) == ("2010", "7", "2", "73-76", "article")


def test_utf16_with_bom_as_excel_saves_unicode_text(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes((FIXTURES / "scopus.tsv").read_text(encoding="utf-8").encode("utf-16"))
    result = read_file(path)
    assert (result.format, result.encoding, result.kept) == ("TSV", "utf-16", 2)
    assert result.citations[0].title.startswith("Intrathecal mesenchymal")


def test_latin1_file_is_read_with_a_warning_naming_it(tmp_path):
    path = tmp_path / "old_endnote.ris"
    text = (FIXTURES / "endnote.ris").read_text(encoding="utf-8-sig").replace("–", "-")
    path.write_bytes(text.encode("latin-1"))
    result = read_file(path)
    assert result.encoding in ("cp1252", "latin-1")
    assert result.citations[0].authors[0] == "Müller, Jörg"
    assert len(result.warnings) == 1 and str(path) in result.warnings[0] and "line 2" in result.warnings[0]


def test_windows_1252_dashes_and_quotes_are_not_control_characters(tmp_path):
    path = tmp_path / "windows.ris"
    path.write_bytes("TY  - JOUR\r\nTI  - Cells \u2013 \u201cfirst\u201d in man\r\nER  - \r\n".encode("cp1252"))
    result = read_file(path)
    assert result.citations[0].title == "Cells \u2013 \u201cfirst\u201d in man"
    assert result.warnings


@pytest.mark.parametrize("fixture, expected", [
    ("pubmed.nbib", "MEDLINE"), ("scopus.ris", "RIS"), ("zotero.bib", "BibTeX"),
    ("covidence.csv", "CSV"), ("scopus.tsv", "TSV"),
])
def test_txt_files_are_recognised_by_content(tmp_path, fixture, expected):
    path = tmp_path / "export.txt"
    shutil.copy(FIXTURES / fixture, path)
    result = read_file(path)
    assert result.format == expected and result.kept >= 2


def test_gzipped_export_by_suffix(tmp_path):
    path = tmp_path / "pubmed.nbib.gz"
    path.write_bytes(gzip.compress((FIXTURES / "pubmed.nbib").read_bytes()))
    result = read_file(path)
    assert (result.format, result.source, result.kept) == ("MEDLINE", "pubmed", 2)


def test_malformed_ris_records_are_skipped_and_counted_with_their_lines():
    result = read_file(FIXTURES / "malformed.ris")
    assert [c.id for c in result.citations] == ["a1", "a3", "a1~2"]  # the id of record 1 again: kept, renamed
    assert [c.position for c in result.citations] == [1, 3, 5]  # positions count skipped records too
    problems = [(e.line, e.record, e.field) for e in result.skipped]
    assert problems == [
        (7, "#2 a2", "ER"),   # no ER before the next TY
        (16, "#4", "TY"),     # tagged lines with no TY
        (25, "#6 a5", "title"),  # nothing to identify it by
        (31, "#7", "ER"),     # cut off at the end of the file
    ]
    assert result.summary() == "malformed.ris (RIS, utf-8): 7 records read, 4 skipped, 3 kept"
    assert any("1 record(s) reuse an id" in w and "in ID (1)" in w for w in result.warnings)


def test_stop_raises_the_first_malformed_record_with_file_and_line():
    with pytest.raises(ReviewInputError) as raised:
        read_file(FIXTURES / "malformed.ris", on_error="stop")
    error = raised.value
    assert (Path(error.path).name, error.line, error.record, error.field) == ("malformed.ris", 7, "#2 a2", "ER")
    assert "malformed.ris, line 7" in str(error) and "no ER line" in str(error)


def test_malformed_medline_bibtex_and_csv_records_are_reported():
    nbib = read_file(FIXTURES / "malformed.nbib")
    assert [c.id for c in nbib.citations] == ["31000001", "31000003"]
    assert [(e.line, e.record) for e in nbib.skipped] == [(5, "#2 31000002")]
    assert "line 7 is neither a tag line" in nbib.skipped[0].message

    bib = read_file(FIXTURES / "malformed.bib")
    assert [c.id for c in bib.citations] == ["good2020", "good2022", "good2020~2"]
    assert bib.citations[2].title == "Same key as the first entry"
    assert [(e.line, e.record, e.field) for e in bib.skipped] == [(7, "#2 broken2021", None)]
    assert "closing `}`" in bib.skipped[0].message

    csv = read_file(FIXTURES / "malformed.csv")
    assert [c.id for c in csv.citations] == ["r1", "r3", "r5"]  # r3 has no title but a DOI: kept, with a warning
    assert [(e.line, e.record) for e in csv.skipped] == [(3, "#2"), (5, "#4 r4")]
    assert "7 cells, but the header on line 1 has 6" in csv.skipped[0].message
    assert any("1 record(s) have no title" in w for w in csv.warnings)


@pytest.mark.parametrize("name, content, message", [
    ("notes.txt", "Just some notes\nabout nothing\n", "cannot tell the format"),
    ("wos.txt", "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nER\n", "Web of Science"),
    ("list.csv", "name,score\nA,1\n", "no title column"),
    ("broken.csv.gz", "not gzip", "not a readable gzip"),
    ("broken.xlsx", "not a workbook", "not a readable .xlsx"),
])
def test_unreadable_files_always_raise_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReviewInputError, match=message) as raised:
        read_file(path)
    assert raised.value.path == str(path)


def test_csv_rows_with_stray_or_unclosed_quotes_are_reported(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text('title,doi\nGood row,\n"Bad"quote,\nNext row,\n"Unclosed row,\nLost row,\n', encoding="utf-8")
    result = read_file(path)
    assert [c.title for c in result.citations] == ["Good row", "Next row"]
    assert [e.line for e in result.skipped] == [3, 5]
    assert "stray quote" in result.skipped[0].message
    assert "never closed: the rest of the file was read into it" in result.skipped[1].message
