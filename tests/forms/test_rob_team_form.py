"""The risk-of-bias form with two independent reviewers, without a browser: no judgment before the reviewer's id,
only the reviewer's own file shown and saved, and the comparison opened once both have finished."""
from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from test_team_form import _shown  # every text a form shows, hidden boxes left out
from two_reviewers import fixture_with_reviewers

from reviewkit.appraisal.judgments import read_team_appraisals
from reviewkit.appraisal.plan import expected_appraisals
from reviewkit.appraisal.team import comparison_open, finished
from reviewkit.appraisal.tools import read_tools
from reviewkit.core.protocol import load_protocol
from reviewkit.forms import RobForm
from reviewkit.records.sources import load_records
from reviewkit.records.studies import load_studies

FIXTURE = ROOT / "tests" / "fixtures" / "trials_review"
BRENNAN = "brennan-2011"
OTHER_PASSAGE = "Sixty-one adults were randomised, 31 to graded aerobic exercise and 30 to usual care."
R1_QUOTE = "No participant was lost to follow-up."
R1_ONLY = ("R1-only note on the sequence", "R1-only note on the overall")
D5_QUOTE = "The trial was registered (FICT-REG-2009-0112) before recruitment began."


def _dump(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096), encoding="utf-8")


@pytest.fixture
def team_review(tmp_path: Path) -> Path:
    """The trials fixture with two reviewers for risk of bias on brennan-2011: R1 finished (the fixture's file, with
    notes of their own), R2 without D5 (so without the overall) and quoting another passage for D3."""
    review = fixture_with_reviewers(tmp_path, "risk_of_bias")
    single = review / "rob" / f"{BRENNAN}.yml"
    data = yaml.safe_load(single.read_text(encoding="utf-8"))
    single.unlink()
    (review / "rob" / BRENNAN).mkdir()
    r2 = yaml.safe_load(yaml.safe_dump(data))
    appraisal = r2["appraisals"][0]
    del appraisal["items"]["D5"], appraisal["overall"]
    appraisal["items"]["D3"]["quote"] = OTHER_PASSAGE
    _dump(review / "rob" / BRENNAN / "R2.yml", r2)
    data["appraisals"][0]["items"]["D1"]["note"] = R1_ONLY[0]
    data["appraisals"][0]["overall"]["note"] = R1_ONLY[1]
    _dump(review / "rob" / BRENNAN / "R1.yml", data)
    return review


@pytest.fixture
def context(team_review):
    protocol = load_protocol(team_review)
    return {"protocol": protocol, "records": load_records(team_review, protocol)}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _text(widget) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", widget.value))


def _every_item(form: RobForm) -> str:
    """What the form shows with each item chosen in turn."""
    shown = []
    for _, key in form.item.options:
        form.item.value = key
        shown.append(_shown(form.widget))
    return "\n".join(shown)


def test_nothing_of_a_study_is_shown_before_the_reviewer_gives_an_id(team_review, context):
    form = RobForm(team_review, studies=[BRENNAN], **context)
    assert form.done == [] and form.team.body.layout.display == "none"
    assert "Type your reviewer id: the protocol has 2 independent reviewers for risk of bias" in _text(form.team.message)
    shown = _shown(form.widget)
    assert "low" not in shown and "some concerns" not in shown and "Sixty-one" not in shown  # no answer, no report
    form.team.reviewer.value = "consensus"
    assert "reviewer id 'consensus': use letters, digits" in _text(form.team.message)
    assert form.done == [] and "Sixty-one" not in _shown(form.widget)
    form.save.click()
    form.save_overall.click()  # nothing to save, nowhere
    assert sorted(p.name for p in (team_review / "rob" / BRENNAN).iterdir()) == ["R1.yml", "R2.yml"]


def test_the_reviewer_sees_only_their_own_answers_and_quotes(team_review, context):
    form = RobForm(team_review, studies=[BRENNAN], **context)
    form.team.reviewer.value = "R2"
    assert form.team.body.layout.display is None and "rob/<study>/R2.yml" in _text(form.team.message)
    assert form.item.value == "D5" and form.answer.value is None and form.quote.value == ""  # R2's first unanswered
    assert [label for label, key in form.item.options if key == "D5"][0].startswith("○ D5")
    assert "pending (items D5 not answered)" in _text(form.overall_state)
    form.item.value = "D3"
    assert form.quote.value == OTHER_PASSAGE  # the only mark in the text is R2's quote:
    assert [m.split(">", 1)[1].split("</mark")[0] for m in form.text.html.split("<mark")[1:]] == [OTHER_PASSAGE]
    form.item.value = "D1"
    assert "R1-only" not in form.note.value
    shown = _every_item(form)
    assert not [text for text in R1_ONLY if text in shown]
    assert "1 of 2 reviewers finished: the comparison opens when all have" in _text(form.team.comparison)
    assert "<table" not in form.team.comparison.value


def test_saving_writes_only_the_reviewers_own_file_and_opens_the_comparison(team_review, context):
    r1 = team_review / "rob" / BRENNAN / "R1.yml"
    before = _digest(r1)
    form = RobForm(team_review, studies=[BRENNAN], reviewer="R2", **context)
    assert "<table" not in form.team.comparison.value
    form.item.value = "D5"
    form.answer.value, form.quote.value = "low", D5_QUOTE
    form.save.click()
    assert f"Saved D5: low in rob/{BRENNAN}/R2.yml" in _text(form.status)
    assert _digest(r1) == before
    saved = yaml.safe_load((r1.parent / "R2.yml").read_text(encoding="utf-8"))["appraisals"][0]
    assert saved["items"]["D5"] == {"answer": "low", "quote": D5_QUOTE}
    assert saved["items"]["D3"]["quote"] == OTHER_PASSAGE
    assert "<b>some concerns</b>" in form.overall_state.value  # R2's overall, by RoB 2's rule
    table = form.team.comparison.value
    assert "<table" in table and "2 reviewers finished (R1, R2)" in _text(form.team.comparison)
    d3 = html.unescape(next(row for row in table.split("<tr>") if ">D3<" in row))
    assert R1_QUOTE in d3 and OTHER_PASSAGE in d3 and ">agreed<" in d3
    overall = html.unescape(next(row for row in table.split("<tr>") if ">overall<" in row))
    assert R1_ONLY[1] in overall and re.search(r">some concerns<.*>some concerns<.*>agreed<", overall)
    # R1 opening the form now sees the same comparison beside their own file
    other = RobForm(team_review, studies=[BRENNAN], reviewer="R1", **context)
    assert other.team.comparison.value == table


def test_finished_needs_every_appraisal_the_study_calls_for(team_review, context):
    protocol, records = context["protocol"], {r.id: r for r in context["records"]}
    study = next(s for s in load_studies(team_review, list(records)) if s.id == BRENNAN)
    tools = read_tools(team_review)[0]
    team, errors = read_team_appraisals(team_review, study, protocol, records, tools)
    wanted = expected_appraisals(team_review, study, protocol, records)
    assert errors == [] and wanted == [(None, "001_brennan_2011")]
    assert finished(team, wanted) == ["R1"] and not comparison_open(team, wanted, 2)
    assert finished(team, []) == [] and finished(None, wanted) == []


def test_a_study_of_one_reviewers_file_shows_none_of_it(team_review, context):
    form = RobForm(team_review, studies=["dahl-2013"], reviewer="R2", **context)
    assert form.done == [] and all(label.startswith("○") for label, _ in form.item.options)
    waiting = _text(form.team.comparison)
    assert "0 of 2 reviewers finished" in waiting and "rob/dahl-2013.yml is a form of one reviewer" in waiting
