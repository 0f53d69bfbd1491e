"""``reviewkit attach``: a full-text PDF linked to the imported record whose DOI or PMID it names, copied into the
review; the record's text is then the PDF's, by page; a failed attach changes nothing."""
from __future__ import annotations

import pdf_fixtures as fx
import pytest
from conftest import ROOT

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import load_protocol
from reviewkit.records.fulltext import FULLTEXT_DIR, INDEX, attached
from reviewkit.records.imports import add_import
from reviewkit.records.sources import load_records, records_table
from reviewkit.workbook.cli import main

FIXTURES = ROOT / "tests" / "fixtures" / "import"


def _pdf(path, *lines):
    body = "\n\n".join(lines)
    path.write_bytes(fx.compile_typst(f"#set page(width: 15cm, height: 10cm)\n{body}\n#pagebreak()\nPage two text."))
    return path


@pytest.fixture
def imported(seed_review):
    add_import(seed_review, FIXTURES / "pubmed.nbib", name="MEDLINE via PubMed")
    return seed_review


def _record(review, record_id):
    return {r.id: r for r in load_records(review, load_protocol(review))}[record_id]


def test_a_pdf_is_attached_by_the_doi_it_names_and_becomes_the_records_text(imported, tmp_path, capsys):
    pdf = _pdf(tmp_path / "masters.pdf", "The MASTERS-X trial. doi: 10.5555/laneur.2024.350",
               "Thirty-one participants were randomised.")
    assert main(["attach", str(pdf), "--review", str(imported)]) == 0
    assert "attached pubmed_38000001.pdf to record pubmed:38000001" in capsys.readouterr().out
    assert attached(imported) == {"pubmed:38000001": imported / FULLTEXT_DIR / "pubmed_38000001.pdf"}
    record = _record(imported, "pubmed:38000001")
    assert "Thirty-one participants were randomised." in record.text and len(record.page_starts) == 2
    assert record.title.startswith("Allogeneic mesenchymal cells")  # the bibliographic title stays
    table = records_table(load_records(imported, load_protocol(imported))).set_index("record_id")
    assert table.loc["pubmed:38000001", "full_text"] == "yes" and table.loc["pubmed:37000002", "full_text"] == ""


def test_a_pmid_or_the_record_given_also_attach(imported, tmp_path):
    _pdf(tmp_path / "a.pdf", "Olfactory ensheathing cells. PMID: 37000002")
    main(["attach", str(tmp_path / "a.pdf"), "--review", str(imported)])
    assert "pubmed:37000002" in attached(imported)


def test_a_failed_attach_names_the_problem_and_changes_nothing(imported, tmp_path):
    none = _pdf(tmp_path / "none.pdf", "A report that names no identifier.")
    with pytest.raises(ReviewInputError, match="no imported record has a DOI or PMID it names"):
        from reviewkit.records.fulltext import attach
        attach(imported, [none])
    assert not (imported / FULLTEXT_DIR / INDEX).exists()
    with pytest.raises(ReviewInputError, match="no imported record has the id 'pubmed:1'"):
        attach(imported, [none], record="pubmed:1")
    first = _pdf(tmp_path / "first.pdf", "doi: 10.5555/laneur.2024.350")
    attach(imported, [first])
    index = (imported / FULLTEXT_DIR / INDEX).read_text(encoding="utf-8")
    with pytest.raises(ReviewInputError, match="already has a full text"):
        attach(imported, [_pdf(tmp_path / "again.pdf", "doi 10.5555/laneur.2024.350, a second copy")])
    with pytest.raises(ReviewInputError, match="already attached, to record 'pubmed:38000001'"):
        attach(imported, [first], record="pubmed:37000002")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(first.read_bytes()[:300])
    with pytest.raises(ReviewInputError, match="broken.pdf"):
        attach(imported, [broken], record="pubmed:37000002")
    assert (imported / FULLTEXT_DIR / INDEX).read_text(encoding="utf-8") == index
    assert sorted(p.name for p in (imported / FULLTEXT_DIR).glob("*.pdf")) == ["pubmed_38000001.pdf"]
