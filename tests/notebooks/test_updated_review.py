"""An updated review (tests/two_rounds.py: the trials fixture in two search rounds, in a git repository) run through
every notebook into the PDF: the second round's copies of first-round records removed and not screened, the PRISMA
2020 diagram for updated reviews, what changed since the previous version, and the pooled estimates by round."""
from __future__ import annotations

import pytest
from pypdf import PdfReader
from two_rounds import RIS_NEW_RECORD, make_two_round_review

from reviewkit.core.tables import read_table
from reviewkit.report.prisma import check_prisma, count
from reviewkit.synthesis.comparative import pool_binary
from reviewkit.workbook.pipeline import run

PREVIOUS = ["alder-2009", "brennan-2011", "castillo-2012", "dahl-2013", "eriksen-2014", "farouk-2015", "gallo-2016",
            "haddad-2017", "ishikawa-2018"]


@pytest.mark.slow
def test_an_updated_review_runs_into_the_pdf_with_what_changed(tmp_path):
    review = make_two_round_review(tmp_path)
    out = tmp_path / "build"
    run(review, out, report=lambda line: None)

    records = read_table(out, "records").set_index("record_id")
    assert records.loc["update-2025:1", "duplicate_of"] == "search-2020:1"
    assert records.loc["update-2025:2", "duplicate_of"] == "search-2020:2"
    sources = read_table(out, "sources").set_index("source")
    assert sources["round_number"].to_dict() == {"trials": "1", "search-2020": "1", "update-2025": "2",
                                                 "trials-update": "2"}
    screened = set(read_table(out, "screening")["record_id"])
    assert {"update-2025:1", "update-2025:2"}.isdisjoint(screened) and RIS_NEW_RECORD in screened

    prisma = read_table(out, "prisma").astype({"count": int})
    assert check_prisma(prisma) == []
    flow = {box: count(prisma, box) for box in ("identified", "duplicates_removed", "screened", "excluded_screening",
                                                 "assessed", "excluded_full_text", "included_full_text",
                                                 "reports_included", "studies_new", "reports_new", "studies_included",
                                                 "reports_total")}
    assert flow == {"identified": 8, "duplicates_removed": 2, "screened": 6, "excluded_screening": 1, "assessed": 5,
                    "excluded_full_text": 1, "included_full_text": 4, "reports_included": 4, "studies_new": 3,
                    "reports_new": 3, "studies_included": 12, "reports_total": 13}
    assert (count(prisma, "studies_previous", "previous"), count(prisma, "reports_previous", "previous")) == (9, 9)

    changes = read_table(out, "changes")
    assert set(changes["basis"]) == {changes["basis"].iloc[0]} and changes["basis"].iloc[0].startswith("git ")
    rows = {(r.kind, r.id, r.field): (r.before, r.after) for r in changes.itertuples()}
    assert {k[1] for k in rows if k[0] == "new_study"} == {"jansen-2019", "kowalski-2021", "lindqvist-2023"}
    assert rows[("new_report", "008_haddad_2017", "haddad-2017")] == ("", "included")
    assert rows[("decision", "013_morland_2020", "title_abstract")] == ("unsure", "exclude (wrong_design)")
    assert rows[("extraction", "alder-2009", "country")] == ("pending", "United Kingdom")
    assert rows[("extraction", "haddad-2017", "")][0] == "no form"
    assert len(rows) == len(changes)  # nothing listed twice

    cumulative = read_table(out, "cumulative")
    relapse = cumulative[cumulative["outcome"] == "relapse"].set_index("step")
    assert list(relapse.index) == ["initial", "update-2025"] and relapse["k"].tolist() == ["9", "12"]
    effects = read_table(out, "effects").set_index(["outcome", "group"])
    assert float(relapse.loc["update-2025", "estimate"]) == pytest.approx(
        float(effects.loc[("relapse", "all studies"), "estimate"]), rel=1e-9)
    arms = read_table(out, "extraction").pivot(index="study_id", columns="field", values="value").loc[PREVIOUS]
    first = pool_binary(*(arms[f"relapse_{v}_{a}"].astype(int).tolist() for a in "tc" for v in ("events", "total")),
                        measure="RR", method="REML", test="knha")
    assert float(relapse.loc["initial", "estimate"]) == pytest.approx(first.estimate, rel=1e-9)
    assert (out / "figures" / "cumulative_relapse.png").stat().st_size > 10_000

    text = " ".join(page.extract_text() for page in PdfReader(out / "review.pdf").pages)
    for expected in ("Changes since the previous version", "This is an update of the review", "3 new studies",
                     "Previous studies", "Pooled estimates by search round", "Cumulative meta-analysis by search round"):
        assert expected in text, expected
