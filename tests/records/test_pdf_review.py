"""A review whose sources are PDFs: the trials fixture's reports typeset as two-column A5 articles (running head,
hyphenated justified text), then the whole review run: every quote verified in the PDF's text and paged, the
study notebooks show the quotes highlighted on their pages, the review PDF's appendix says the page."""
from __future__ import annotations

import shutil

import pdf_fixtures as fx
import pytest
from conftest import ROOT
from pypdf import PdfReader

from reviewkit.core.tables import read_table
from reviewkit.workbook.pipeline import run
from reviewkit.workbook.validate import validate_review

FIXTURE = ROOT / "tests" / "fixtures" / "trials_review"


def _article(text: str) -> bytes:
    """A report typeset as a short two-column article over two or three A5 pages."""
    first, *lines = [line for line in text.splitlines() if line.strip()]
    body = "\n\n".join(fx._escape(line) for line in lines)
    return fx.compile_typst(f"""#set page(paper: "a5", columns: 2, margin: 1.5cm,
  header: [#set text(7pt); #emph[Journal of Fixture Trials] #h(1fr) 2024],
  footer: context [#set text(7pt); #h(1fr) Page #counter(page).display() #h(1fr)])
#set text(font: "Libertinus Serif", size: 12pt, lang: "en", hyphenate: true)
#set par(justify: true)
#place(top + center, float: true, scope: "parent")[#text(12pt, weight: "bold")[{fx._escape(first)}]]
{body}
""")


@pytest.fixture
def pdf_review(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "trials")
    for document in sorted((tmp_path / "trials" / "documents").glob("*.txt")):
        document.with_suffix(".pdf").write_bytes(_article(document.read_text(encoding="utf-8")))
        document.unlink()
    return tmp_path / "trials" / "review"


@pytest.mark.slow
def test_a_review_of_pdfs_runs_with_quotes_verified_paged_and_shown_on_their_pages(pdf_review, tmp_path):
    assert [str(p) for p in validate_review(pdf_review)] == []
    out = tmp_path / "build"
    run(pdf_review, out, report=lambda line: None)
    records = read_table(out, "records")
    assert set(records["full_text"]) == {"yes"} and (records["pages"].astype(int) >= 2).sum() >= 10
    extraction = read_table(out, "extraction")
    quoted = extraction[extraction["quote"] != ""]
    assert (quoted["page"] != "").all() and {"1", "2"} <= set(quoted["page"])
    images = sorted((out / "figures" / "quotes" / "alder-2009").glob("*.png"))
    assert len(images) == len(quoted[quoted["study_id"] == "alder-2009"])
    assert all(image.stat().st_size > 2_000 for image in images)
    assert (out / "studies" / "alder-2009.pdf").exists()
    text = " ".join(page.extract_text() for page in PdfReader(out / "review.pdf").pages)
    assert "(p. 1)" in text and "(p. 2)" in text


def test_the_extraction_form_shows_a_pdf_by_page_and_a_selection_says_its_page(pdf_review):
    from reviewkit.forms import ExtractionForm

    form = ExtractionForm(pdf_review, studies=["alder-2009"])
    shown = form.text.html
    assert 'data-page="1"' in shown and 'data-page="2"' in shown and "\f" not in shown
    record = form.by_id[form.record.value]
    second_page = record.text[record.page_starts[1]:].split("\n")
    line = next(x for x in second_page if len(x.split()) >= 5 and "Page" not in x)
    form.text.selection = line
    assert "p. 2" in form.status.value
