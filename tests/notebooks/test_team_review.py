"""A review extracted by two reviewers independently (tests/two_reviewers.py) run through every notebook into the PDF:
notebook 03 writes the comparison, agreement and conflicts; a field in conflict stays pending in the synthesis and
makes the PDF a draft; the methods say how extraction was done, from the files."""
from __future__ import annotations

import pytest
from pypdf import PdfReader
from two_reviewers import make_two_reviewer_review, second_rob_reviewer

from reviewkit.core.tables import read_table
from reviewkit.workbook.pipeline import run


@pytest.mark.slow
def test_a_two_reviewer_review_runs_into_the_pdf_with_agreement_and_conflicts(tmp_path):
    review = make_two_reviewer_review(tmp_path)
    protocol = review / "protocol.yml"
    protocol.write_text(protocol.read_text(encoding="utf-8").replace("  extraction: 2\n", "  extraction: 2\n"
                                                                     "  risk_of_bias: 2\n"), encoding="utf-8")

    def d1_low(appraisal: dict) -> None:  # R1 some concerns, R2 low: a conflict
        appraisal["items"]["D1"]["answer"] = "low"

    second_rob_reviewer(review, "alder-2009", d1_low)
    second_rob_reviewer(review, "dahl-2013", lambda appraisal: None)  # agreed throughout
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
    rob_conflicts = read_table(out, "rob_conflicts")
    assert list(zip(rob_conflicts["study_id"], rob_conflicts["item"])) == [("alder-2009", "D1")]
    rob = read_table(out, "rob").set_index(["study_id", "item"])
    assert rob.loc[("alder-2009", "D1"), "judgment"] == "pending" and rob.loc[("dahl-2013", "overall"), "judgment"] == "low"
    rob_agreement = read_table(out, "rob_agreement").set_index("item")
    assert rob_agreement.loc["D1", ["compared", "agreed"]].tolist() == ["2", "1"]
    text = " ".join(page.extract_text() for page in PdfReader(out / "review.pdf").pages)
    for expected in ("3 studies were extracted independently by 2 reviewers (R1 and R2)", "The other 9 studies were "
                     "extracted by one reviewer", "Agreement between data extractors", "2 fields are still in conflict",
                     "2 studies were appraised independently by 2 reviewers", "Agreement between risk-of-bias assessors",
                     "DRAFT"):
        assert expected in " ".join(text.split()), expected
