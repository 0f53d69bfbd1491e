"""Which records each stage's notebook works on, as ``open_review`` gives them."""
from __future__ import annotations

import pandas as pd

from reviewkit.core.tables import write_table
from reviewkit.workbook import open_review


def test_records_excluded_on_title_and_abstract_are_not_compared_for_links(seed_review, tmp_path):
    out = tmp_path / "build"
    review = open_review(seed_review, out)
    everyone = [r.id for r in review.to_screen]
    assert [r.id for r in review.past_title_abstract] == everyone  # before screening has run: every record
    write_table(pd.DataFrame([
        {"record_id": everyone[0], "stage": "title_abstract", "decision": "exclude"},
        {"record_id": everyone[1], "stage": "title_abstract", "decision": "unsure"},
        {"record_id": everyone[1], "stage": "full_text", "decision": "exclude"},
    ]), out, "screening")
    assert [r.id for r in open_review(seed_review, out).past_title_abstract] == everyone[1:]


def test_extraction_suggestions_are_for_the_included_reports_once_screening_has_run(seed_review, tmp_path):
    out = tmp_path / "build"
    review = open_review(seed_review, out)
    assert review.included_reports == review.to_screen  # a new corpus: every record screened
    first = review.to_screen[0].id
    write_table(pd.DataFrame([{"record_id": first, "stage": "full_text", "decision": "include", "included": "True"}]),
                out, "screening")
    reopened = open_review(seed_review, out)
    assert [r.id for r in reopened.included_reports] == [r for s in reopened.included for r in s.records]
    assert first in {r.id for r in reopened.included_reports} and len(reopened.included_reports) < len(review.to_screen)
