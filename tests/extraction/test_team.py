"""Data extracted by two reviewers independently (tests/two_reviewers.py): the forms compared field by field, the values
that stand, agreement with kappa, conflicts, the consensus form started for the reviewers, and the bad inputs."""
from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
import yaml
from statsmodels.stats.inter_rater import cohens_kappa
from two_reviewers import make_two_reviewer_review

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import load_protocol
from reviewkit.extraction import (
    read_forms,
    read_team_forms,
    record_value,
    start_consensus,
    team_agreement,
    team_comparison,
    team_conflicts,
)
from reviewkit.records.sources import load_records
from reviewkit.workbook.validate import validate_review


@pytest.fixture
def team_review(tmp_path):
    return make_two_reviewer_review(tmp_path)


def _read(review):
    protocol = load_protocol(review)
    records = load_records(review, protocol)
    studies, forms, problems = read_forms(review, protocol, records)
    return protocol, records, studies, forms, problems


def _messages(review) -> list[str]:
    return [str(p) for p in validate_review(review)]


def test_the_values_that_stand_are_the_agreed_and_the_consensus_ones(team_review):
    protocol, records, studies, forms, problems = _read(team_review)
    assert problems == []
    alder, brennan, castillo = forms["alder-2009"], forms["brennan-2011"], forms["castillo-2012"]
    assert alder.entries["n_randomised"].value == 47  # R1 47, R2 48: the consensus says 47
    assert alder.entries["n_randomised"].note == "R2 misread the number randomised."
    assert "setting" not in brennan.entries and brennan.status("setting") == "pending"  # a conflict left open
    assert "funding" not in brennan.entries  # R2 has not extracted it yet
    assert brennan.entries["country"].value == "Ireland"  # agreed
    assert castillo.entries["population"].value.startswith("Adults aged 18")  # agreed after normalisation: R1's
    assert "intervention" not in castillo.entries  # text that differs waits for a person
    assert forms["dahl-2013"].entries["setting"].value == "hospital"  # a study of one reviewer, read as it is


def test_comparison_agreement_and_conflicts_tables(team_review):
    protocol, records, studies, _, _ = _read(team_review)
    teams = read_team_forms(team_review, protocol, records, studies)
    assert sorted(teams) == ["alder-2009", "brennan-2011", "castillo-2012"]
    comparison = team_comparison(teams, protocol)
    rows = comparison.set_index(["study_id", "field"])
    assert rows.loc[("alder-2009", "n_randomised"), ["R1", "R2", "status", "consensus", "standing"]].tolist() == \
        ["47", "48", "conflict", "47", "47"]
    assert rows.loc[("brennan-2011", "funding"), "status"] == "waiting"
    assert rows.loc[("castillo-2012", "intervention"), "status"] == "text differs"
    assert rows.loc[("castillo-2012", "population"), "status"] == "agreed"
    assert rows.loc[("castillo-2012", "comparator"), ["status", "same_passage"]].tolist() == ["agreed", "no"]
    assert rows.loc[("alder-2009", "setting"), "same_passage"] == "yes"
    assert rows.loc[("alder-2009", "n_randomised"), "R2_quote"].startswith("We randomised 47 adults")
    conflicts = team_conflicts(comparison)
    assert list(zip(conflicts["study_id"], conflicts["field"])) == [("brennan-2011", "setting"),
                                                                    ("castillo-2012", "intervention")]
    agreement = team_agreement(teams, protocol).set_index("field")
    setting = agreement.loc["setting"]
    assert (setting["studies"], setting["agreed"]) == (3, 2)
    # R1: community, hospital, community; R2: community, community, community (levels community, hospital)
    with np.errstate(invalid="ignore"):  # its variance is 0 here, a rounding error below it: sqrt warns
        expected = cohens_kappa(np.array([[2, 0], [1, 0]]))
    assert setting["kappa"] == pytest.approx(expected.kappa)
    assert (agreement.loc["intervention", "studies"], agreement.loc["intervention", "text_differs"]) == (2, 1)
    assert (agreement.loc["funding", "studies"]) == 2  # R2 has not extracted brennan's
    overall = agreement.loc["all fields"]
    assert (overall["studies"], overall["agreed"], overall["text_differs"]) == (64, 62, 1)


def test_a_consensus_value_no_reviewer_gave_needs_a_note(team_review):
    path = team_review / "extraction" / "alder-2009" / "consensus.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["n_randomised"] = {k: v for k, v in {**data["n_randomised"], "value": 46}.items() if k != "note"}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert any(m.endswith("alder-2009/consensus.yml, line 2, field 'n_randomised': the consensus value 46 is not one a "
                          "reviewer gave (R1: 47; R2: 48): say why in its note") for m in _messages(team_review))


def test_bad_layouts_are_named_with_their_file(team_review):
    folder = team_review / "extraction"
    (folder / "dahl-2013").mkdir()  # a folder with no reviewer's form, beside dahl-2013.yml
    shutil.copy(folder / "brennan-2011" / "R1.yml", folder / "brennan-2011" / "R 1!.yml")
    (folder / "eriksen-2014").mkdir()
    shutil.move(folder / "eriksen-2014.yml", folder / "eriksen-2014" / "R1.yml")
    (folder / "eriksen-2014" / "consensus.yml").write_text("", encoding="utf-8")
    (folder / "no-such-study").mkdir()
    messages = _messages(team_review)
    expected = [
        "dahl-2013.yml: study 'dahl-2013' has both this file of one reviewer and a folder of reviewers' files",
        "dahl-2013: a folder of reviewers' files with no reviewer's file in it",
        "brennan-2011/R 1!.yml: expected <reviewer>.yml or consensus.yml (reviewer ids: letters, digits, _ . -)",
        "eriksen-2014/consensus.yml: a consensus file for study 'eriksen-2014', which has one reviewer (R1)",
        "no-such-study: no study has this id: name a folder of reviewers' forms",
    ]
    for text in expected:
        assert any(text in m for m in messages), (text, messages)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_reviewer_writes_only_their_own_form(team_review):
    protocol = load_protocol(team_review)
    records = load_records(team_review, protocol)
    r1 = team_review / "extraction" / "brennan-2011" / "R1.yml"
    before = _digest(r1)
    quote = "The trial was funded by a hospital research grant."
    record_value(team_review, "brennan-2011", "funding", "The trial was funded by a hospital research grant", quote,
                 protocol=protocol, records=records, reviewer="R2")
    assert _digest(r1) == before
    assert "funding" in yaml.safe_load((r1.parent / "R2.yml").read_text(encoding="utf-8"))
    _, _, _, forms, _ = _read(team_review)
    assert forms["brennan-2011"].entries["funding"].value.startswith("The trial was funded")  # now agreed
    with pytest.raises(ReviewInputError, match="2 independent reviewers for extraction: give your reviewer id"):
        record_value(team_review, "brennan-2011", "funding", "x", quote, protocol=protocol, records=records)
    with pytest.raises(ReviewInputError, match="reviewer id 'R 2': use letters, digits"):
        record_value(team_review, "brennan-2011", "funding", "x", quote, protocol=protocol, records=records,
                     reviewer="R 2")
    assert _digest(r1) == before


def test_the_consensus_form_is_started_with_the_agreed_values_and_the_conflicts_marked(team_review):
    path = start_consensus(team_review, "brennan-2011")
    text = path.read_text(encoding="utf-8")
    assert "# CONFLICT setting: R1: hospital" in text and "R2: community" in text
    assert "# WAITING funding: R1: The trial was funded by a hospital research grant" in text
    data = yaml.safe_load(text)
    assert data["country"]["value"] == "Ireland" and "setting" not in data
    assert _messages(team_review) == []
    _, _, _, forms, _ = _read(team_review)
    assert "setting" not in forms["brennan-2011"].entries  # still pending until the reviewers settle it
    before = _digest(path)
    with pytest.raises(ReviewInputError, match="the consensus file exists already"):
        start_consensus(team_review, "brennan-2011")
    assert _digest(path) == before
    with pytest.raises(ReviewInputError, match="fewer than two reviewers' forms"):
        start_consensus(team_review, "dahl-2013")
