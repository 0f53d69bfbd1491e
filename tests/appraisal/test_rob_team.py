"""Risk of bias judged by two reviewers independently: the files of each reviewer and the consensus, the appraisals
that stand, the comparison, agreement and conflicts tables, the writer and the checks of bad layouts."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import ROOT
from statsmodels.stats.inter_rater import cohens_kappa
from two_reviewers import fixture_with_reviewers, second_rob_reviewer

from reviewkit.appraisal.agreement import agreement_table, comparison_table, conflicts_table
from reviewkit.appraisal.judgments import load_appraisals, read_appraisals, read_teams, record_judgment, study_design, validate
from reviewkit.appraisal.tables import rob_table
from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import load_protocol
from reviewkit.records.sources import load_records
from reviewkit.workbook.cli import main
from reviewkit.workbook.validate import validate_review

FIXTURE = ROOT / "tests" / "fixtures" / "trials_review"
ALDER, BRENNAN, CASTILLO = "alder-2009", "brennan-2011", "castillo-2012"
OTHER_PASSAGE = "Sixty-one adults were randomised, 31 to graded aerobic exercise and 30 to usual care."
CONSENSUS = """\
# Consensus of R1 and R2 on castillo-2012: D3 as R1 judged it.
appraisals:
  - tool: rob2
    record: 002_castillo_2012
    items:
      D3:
        answer: high
        quote: the analysis included completers only, and reasons for dropping out were not recorded.
"""


def _items(rob: Path, study: str) -> dict:
    return yaml.safe_load((rob / study / "R1.yml").read_text(encoding="utf-8"))


def _alder(appraisal: dict) -> None:  # D1 in conflict: R1 some concerns, R2 low
    appraisal["items"]["D1"]["answer"] = "low"


def _brennan(appraisal: dict) -> None:  # D5 not answered yet (nor the overall); D3 quoted from another passage
    del appraisal["items"]["D5"], appraisal["overall"]
    appraisal["items"]["D3"]["quote"] = OTHER_PASSAGE


def _castillo(appraisal: dict) -> None:  # D3 and the overall in conflict: R1 high, R2 some concerns
    appraisal["items"]["D3"]["answer"] = "some concerns"
    appraisal["overall"]["judgment"] = "some concerns"


@pytest.fixture
def team_review(tmp_path: Path) -> Path:
    """The trials fixture with two reviewers for risk of bias on alder-2009, brennan-2011 and castillo-2012."""
    review = fixture_with_reviewers(tmp_path, "risk_of_bias")
    rob = review / "rob"
    for study, change in ((ALDER, _alder), (BRENNAN, _brennan), (CASTILLO, _castillo)):
        second_rob_reviewer(review, study, change)
    (rob / CASTILLO / "consensus.yml").write_text(CONSENSUS, encoding="utf-8")
    return review


def _load(review: Path):
    protocol = load_protocol(review)
    return protocol, load_records(review, protocol)


def test_the_protocol_asks_for_two_reviewers(team_review):
    assert load_protocol(team_review).independent_reviewers.risk_of_bias == 2


def test_agreed_items_stand_conflicts_and_waiting_items_leave_the_appraisal_pending(team_review):
    protocol, records = _load(team_review)
    _, appraisals, _ = load_appraisals(team_review, protocol, records)
    alder, = appraisals[ALDER]
    assert alder.missing == ["D1"] and alder.overall is None
    assert {k: v.answer for k, v in alder.items.items()} == {"D2": "low", "D3": "low", "D4": "low", "D5": "some concerns"}
    brennan, = appraisals[BRENNAN]
    assert brennan.missing == ["D5"] and brennan.overall is None
    assert brennan.items["D3"].evidence[0].quote == "No participant was lost to follow-up."  # R1's, the first
    table = rob_table(appraisals[ALDER])
    assert table.set_index("item").loc[["D1", "overall"], "judgment"].tolist() == ["pending", "pending"]


def test_the_consensus_wins_and_the_rule_gives_the_overall(team_review):
    protocol, records = _load(team_review)
    _, appraisals, _ = load_appraisals(team_review, protocol, records)
    castillo, = appraisals[CASTILLO]
    assert castillo.missing == []
    assert castillo.items["D3"].answer == "high"
    assert castillo.items["D3"].evidence[0].quote.startswith("the analysis included completers only")  # the consensus's
    assert castillo.overall.judgment == "high" and castillo.overall.level == "high"
    dahl, = appraisals["dahl-2013"]  # a study of one reviewer, as before
    assert dahl.overall is not None


def test_comparison_table(team_review):
    protocol, records = _load(team_review)
    teams, errors = read_teams(team_review, protocol, records)
    assert errors == [] and [t.study for t in teams] == [ALDER, BRENNAN, CASTILLO]
    table = comparison_table(teams)
    assert list(table.columns) == ["study_id", "record_id", "source_type", "tool", "item", "R1", "R2", "status",
                                   "same_passage", "consensus"]
    assert len(table) == 3 * 6
    rows = table.set_index(["study_id", "item"])
    assert rows.loc[(ALDER, "D1"), ["R1", "R2", "status", "same_passage", "consensus"]].tolist() == \
        ["some concerns", "low", "conflict", True, ""]
    assert rows.loc[(ALDER, "overall"), ["R1", "R2", "status"]].tolist() == ["some concerns", "some concerns", "agreed"]
    assert rows.loc[(ALDER, "overall"), "same_passage"] is None
    assert rows.loc[(BRENNAN, "D3"), ["status", "same_passage"]].tolist() == ["agreed", False]
    assert rows.loc[(BRENNAN, "D5"), ["R1", "R2", "status"]].tolist() == ["low", "", "waiting"]
    assert rows.loc[(BRENNAN, "D5"), "same_passage"] is None
    assert rows.loc[(BRENNAN, "overall"), ["R1", "R2", "status"]].tolist() == ["some concerns", "", "waiting"]
    assert rows.loc[(CASTILLO, "D3"), ["R1", "R2", "status", "consensus"]].tolist() == \
        ["high", "some concerns", "conflict", "high"]
    assert rows.loc[(CASTILLO, "overall"), ["R1", "R2", "status", "consensus"]].tolist() == \
        ["high", "some concerns", "conflict", ""]
    assert set(table["record_id"][table["study_id"] == CASTILLO]) == {"002_castillo_2012"}


def test_conflicts_table_lists_only_what_the_consensus_has_not_settled(team_review):
    protocol, records = _load(team_review)
    table = conflicts_table(read_teams(team_review, protocol, records)[0])
    assert list(table.columns) == ["study_id", "record_id", "source_type", "tool", "item", "R1", "R1 support", "R2",
                                   "R2 support"]
    assert table[["study_id", "item", "R1", "R2"]].values.tolist() == [[ALDER, "D1", "some concerns", "low"]]
    assert table.loc[0, "R1 support"].startswith("“Participants were randomly allocated to the two groups.” — Random")
    assert table.loc[0, "R2 support"] == table.loc[0, "R1 support"]


def _kappa(counts: list[list[int]]) -> tuple[float, float, float]:
    with np.errstate(divide="ignore", invalid="ignore"):
        result = cohens_kappa(np.array(counts, dtype=float))
    return result.kappa, result.kappa_low, result.kappa_upp


def test_agreement_table_per_item_overall_and_all_items(team_review):
    protocol, records = _load(team_review)
    table = agreement_table(read_teams(team_review, protocol, records)[0])
    assert list(table.columns) == ["tool", "item", "rater_a", "rater_b", "compared", "agreed", "agreement", "kappa",
                                   "kappa_low", "kappa_high"]
    assert table["item"].tolist() == ["D1", "D2", "D3", "D4", "D5", "overall", "all items"]
    assert set(table["tool"]) == {"rob2"} and set(table["rater_a"]) == {"R1"} and set(table["rater_b"]) == {"R2"}
    rows = table.set_index("item")
    assert rows["compared"].tolist() == [3, 3, 3, 3, 2, 2, 14]
    assert rows["agreed"].tolist() == [2, 3, 2, 3, 2, 1, 12]
    assert rows["agreement"].tolist() == pytest.approx([2 / 3, 1, 2 / 3, 1, 1, 1 / 2, 12 / 14])
    # cross-tables over low, some concerns, high (R1 in rows, R2 in columns)
    d1 = _kappa([[2, 0, 0], [1, 0, 0], [0, 0, 0]])  # alder: some concerns / low
    d3 = _kappa([[2, 0, 0], [0, 0, 0], [0, 1, 0]])  # castillo: high / some concerns
    d4 = _kappa([[2, 0, 0], [0, 1, 0], [0, 0, 0]])
    assert d1[0] == pytest.approx(0) and d3[0] == pytest.approx(0.4) and d4[0] == pytest.approx(1)
    assert rows.loc["D1", "kappa"] == pytest.approx(d1[0])
    assert rows.loc["D3", ["kappa", "kappa_low", "kappa_high"]].tolist() == pytest.approx(list(d3))
    assert rows.loc["D4", "kappa"] == pytest.approx(1)
    assert np.isnan(rows.loc["D2", "kappa"])  # every answer low: chance agreement is 1
    overall = _kappa([[0, 0, 0], [0, 1, 0], [0, 1, 0]])  # alder some concerns / some concerns, castillo high / sc
    assert rows.loc["overall", "kappa"] == pytest.approx(overall[0])
    assert np.isnan(rows.loc["all items", "kappa"])


def _error(errors: list[ReviewInputError], text: str) -> ReviewInputError:
    found = [e for e in errors if text in e.message]
    assert len(found) == 1, [str(e) for e in errors]
    return found[0]


def test_a_consensus_answer_no_reviewer_gave_needs_a_note(team_review):
    path = team_review / "rob" / CASTILLO / "consensus.yml"
    path.write_text(CONSENSUS.replace("answer: high", "answer: low"), encoding="utf-8")
    protocol, records = _load(team_review)
    error = _error(validate(team_review, protocol, records), "is not one a reviewer gave")
    assert Path(error.path) == path and error.line == 7 and error.field == "appraisals[0].items.D3"
    assert "'low'" in error.message and "R1: 'high'; R2: 'some concerns'" in error.message
    assert f"{path}, line 7, field 'appraisals[0].items.D3'" in str(error)
    path.write_text(CONSENSUS.replace("answer: high", "answer: low") + "        note: Both misread the dropouts.\n",
                    encoding="utf-8")
    assert validate(team_review, protocol, records) == []
    castillo, = load_appraisals(team_review, protocol, records)[1][CASTILLO]
    assert castillo.items["D3"].answer == "low" and castillo.overall.judgment == "low"


def test_a_consensus_overall_that_contradicts_the_rule_is_reported(team_review):
    path = team_review / "rob" / CASTILLO / "consensus.yml"
    path.write_text(CONSENSUS + "    overall:\n      judgment: low\n      note: Wrongly low.\n", encoding="utf-8")
    protocol, records = _load(team_review)
    error = _error(validate(team_review, protocol, records), "contradicts the rule")
    assert Path(error.path) == path and error.line == 10 and error.field == "appraisals[0].overall"
    castillo, = read_appraisals(team_review, protocol, records)[1][CASTILLO]  # pending meanwhile
    assert castillo.overall is None


def test_bad_layouts_are_reported_with_their_file(team_review):
    rob = team_review / "rob"
    shutil.copy(rob / ALDER / "R1.yml", rob / f"{ALDER}.yml")  # both a single file and a folder
    (rob / "gallo-2016.yml").unlink()
    (rob / "gallo-2016").mkdir()  # a folder with no reviewer's file
    (rob / "eriksen-2014").mkdir()
    shutil.move(rob / "eriksen-2014.yml", rob / "eriksen-2014" / "R1.yml")
    (rob / "eriksen-2014" / "consensus.yml").write_text("appraisals: []\n", encoding="utf-8")  # with one reviewer
    (rob / CASTILLO / "notes.txt").write_text("to do", encoding="utf-8")  # badly named
    (rob / "nobody-2000").mkdir()
    shutil.copy(rob / CASTILLO / "R1.yml", rob / "nobody-2000" / "R1.yml")  # not a study
    protocol, records = _load(team_review)
    errors = validate(team_review, protocol, records)
    assert Path(_error(errors, "has both this file").path) == rob / f"{ALDER}.yml"
    assert Path(_error(errors, "no reviewer's file in it").path) == rob / "gallo-2016"
    assert Path(_error(errors, "which has one reviewer (R1)").path) == rob / "eriksen-2014" / "consensus.yml"
    assert Path(_error(errors, "expected <reviewer>.yml or consensus.yml").path) == rob / CASTILLO / "notes.txt"
    assert Path(_error(errors, "name a folder of reviewers' judgments").path) == rob / "nobody-2000"
    assert len(errors) == 5, [str(e) for e in errors]
    listed = "\n".join(str(e) for e in validate_review(team_review))
    for path in (rob / f"{ALDER}.yml", rob / "gallo-2016", rob / "eriksen-2014" / "consensus.yml",
                 rob / CASTILLO / "notes.txt", rob / "nobody-2000"):
        assert str(path) in listed


def test_validate_review_lists_a_reviewers_bad_answer_with_file_line_and_field(team_review):
    path = team_review / "rob" / BRENNAN / "R2.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("answer: some concerns", "answer: maybe"),
                    encoding="utf-8")
    problems = validate_review(team_review)
    error = _error(problems, "answer 'maybe' is not allowed")
    assert Path(error.path) == path and error.line is not None and error.field == "appraisals[0].items.D4"


def test_record_judgment_writes_only_the_reviewers_own_file(team_review):
    protocol, records = _load(team_review)
    folder = team_review / "rob" / BRENNAN
    before = (folder / "R1.yml").read_bytes()
    record_judgment(team_review, BRENNAN, "rob2", "D5", "low", protocol=protocol, records=records, reviewer="R2",
                    quote="The trial was registered (FICT-REG-2009-0112) before recruitment began.")
    assert (folder / "R1.yml").read_bytes() == before
    written = yaml.safe_load((folder / "R2.yml").read_text(encoding="utf-8"))
    assert written["appraisals"][0]["items"]["D5"]["answer"] == "low"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == ["R1.yml", "R2.yml"]
    brennan, = load_appraisals(team_review, protocol, records)[1][BRENNAN]
    assert brennan.missing == [] and brennan.overall.judgment == "some concerns"


def test_record_judgment_writes_the_consensus_and_refuses_without_a_reviewer(team_review):
    protocol, records = _load(team_review)
    folder = team_review / "rob" / ALDER
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(ReviewInputError, match="give your reviewer id") as raised:
        record_judgment(team_review, ALDER, "rob2", "D1", "low", protocol=protocol, records=records, note="x")
    assert raised.value.field == "reviewer"
    with pytest.raises(ReviewInputError, match="reviewer id"):
        record_judgment(team_review, ALDER, "rob2", "D1", "low", protocol=protocol, records=records, note="x",
                        reviewer="R 1")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not (team_review / "rob" / f"{ALDER}.yml").exists()
    record_judgment(team_review, ALDER, "rob2", "D1", "some concerns", protocol=protocol, records=records,
                    reviewer="consensus", quote="Participants were randomly allocated to the two groups.")
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name in before} == before
    assert "(the reviewers' consensus)" in (folder / "consensus.yml").read_text(encoding="utf-8")
    alder, = load_appraisals(team_review, protocol, records)[1][ALDER]
    assert alder.items["D1"].answer == "some concerns" and alder.overall.judgment == "some concerns"


def test_the_design_of_a_study_extracted_by_two_reviewers_decides_its_tool(team_review):
    folder = team_review / "extraction" / ALDER
    folder.mkdir()
    shutil.move(folder.with_suffix(".yml"), folder / "R1.yml")
    shutil.copy(folder / "R1.yml", folder / "R2.yml")
    design = yaml.safe_load((folder / "R1.yml").read_text(encoding="utf-8"))["design"]["value"]
    assert study_design(team_review, ALDER) == design
    text = (folder / "R2.yml").read_text(encoding="utf-8")
    (folder / "R2.yml").write_text(text.replace(f"value: {design}", "value: cohort study"), encoding="utf-8")
    assert study_design(team_review, ALDER) is None  # in conflict
    shutil.copy(folder / "R1.yml", folder / "consensus.yml")
    assert study_design(team_review, ALDER) == design


def test_the_rob_consensus_is_started_with_the_agreed_answers_and_the_conflicts_marked(team_review, capsys):
    assert main(["consensus", ALDER, "--stage", "risk_of_bias", "--review", str(team_review)]) == 0
    path = team_review / "rob" / ALDER / "consensus.yml"
    text = path.read_text(encoding="utf-8")
    assert "# CONFLICT D1: R1: some concerns" in text and "R2: low" in text
    data = yaml.safe_load(text)
    items = data["appraisals"][0]["items"]
    assert set(items) == {"D2", "D3", "D4", "D5"} and items["D2"]["answer"] == "low"
    assert validate_review(team_review) == []
    protocol, records = _load(team_review)
    alder, = load_appraisals(team_review, protocol, records)[1][ALDER]
    assert alder.missing == ["D1"]  # still pending until the reviewers settle it
    before = path.read_bytes()
    assert main(["consensus", ALDER, "--stage", "risk_of_bias", "--review", str(team_review)]) == 1
    assert "the consensus file exists already" in capsys.readouterr().err and path.read_bytes() == before
