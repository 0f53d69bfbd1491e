"""A review extracted by two reviewers independently (tests/two_reviewers.py) run through every notebook into the PDF:
notebook 03 writes the comparison, agreement and conflicts; a field in conflict stays pending in the synthesis and
makes the PDF a draft; the methods say how extraction was done, from the files."""
from __future__ import annotations

import pytest
from pypdf import PdfReader
from two_reviewers import make_two_reviewer_review

from reviewkit.core.tables import read_table
from reviewkit.workbook.pipeline import run


@pytest.mark.slow
def test_a_two_reviewer_review_runs_into_the_pdf_with_agreement_and_conflicts(tmp_path):
    review = make_two_reviewer_review(tmp_path)
    out = tmp_path / "build"
    run(review, out, report=lambda line: None)
    conflicts = read_table(out, "extraction_conflicts")
    assert list(zip(conflicts["study_id"], conflicts["field"])) == [("brennan-2011", "setting"),
                                                                    ("castillo-2012", "intervention")]
    assert set(conflicts.columns) >= {"R1", "R1_quote", "R2", "R2_quote"}
    agreement = read_table(out, "extraction_agreement").set_index("field")
    assert agreement.loc["all fields", ["studies", "agreed"]].tolist() == ["64", "62"]
    extraction = read_table(out, "extraction").set_index(["study_id", "field"])
    assert extraction.loc[("brennan-2011", "setting"), "status"] == "pending"
    assert extraction.loc[("alder-2009", "n_randomised"), "value"] == "47"  # the consensus value
    status = read_table(out, "status").set_index("stage")
    assert status.loc["extraction", "state"] == "pending" and "2 of them in conflict" in status.loc["extraction", "summary"]
    text = " ".join(page.extract_text() for page in PdfReader(out / "review.pdf").pages)
    for expected in ("3 studies were extracted independently by 2 reviewers (R1 and R2)", "The other 9 studies were "
                     "extracted by one reviewer", "Agreement between data extractors", "2 fields are still in conflict",
                     "DRAFT"):
        assert expected in " ".join(text.split()), expected
