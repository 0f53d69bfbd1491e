"""The extraction form with two independent reviewers (tests/two_reviewers.py), without a browser: no value before
the reviewer's id, only the reviewer's own form shown and saved, and the comparison opened once both have finished."""
from __future__ import annotations

import hashlib
import html
import re

import ipywidgets as w
import pytest
import yaml
from two_reviewers import make_two_reviewer_review

from reviewkit.core.protocol import load_protocol
from reviewkit.forms import ExtractionForm
from reviewkit.forms.frontend import RecordText
from reviewkit.records.sources import load_records

BRENNAN = "brennan-2011"
FUNDING = "The trial was funded by a hospital research grant"
R1_ONLY = ("R1-only note on the setting", "R1-only note on the funding", "R1 (checked twice)")


@pytest.fixture
def team_review(tmp_path):
    """The two-reviewer review, with R1's form of brennan-2011 given words no report and no choice has."""
    review = make_two_reviewer_review(tmp_path)
    r1 = review / "extraction" / BRENNAN / "R1.yml"
    data = yaml.safe_load(r1.read_text(encoding="utf-8"))
    data["setting"]["note"] = R1_ONLY[0]
    data["funding"] = {**data["funding"], "value": f"{FUNDING}, says {R1_ONLY[2]}", "note": R1_ONLY[1]}
    r1.write_text(yaml.safe_dump(data, sort_keys=False, width=4096), encoding="utf-8")
    return review


@pytest.fixture
def context(team_review):
    protocol = load_protocol(team_review)
    return {"protocol": protocol, "records": load_records(team_review, protocol)}


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shown(widget: w.Widget) -> str:
    """Every text the form shows (values, options, labels, HTML, the record's text), hidden boxes left out."""
    if widget.layout.display == "none":
        return ""
    parts = []
    if isinstance(widget, RecordText):
        parts.append(widget.html)
    for name in ("value", "description", "placeholder"):
        value = getattr(widget, name, None)
        if isinstance(value, str):
            parts.append(value)
    parts += [str(label) for label in getattr(widget, "_options_labels", ())]
    parts += [_shown(child) for child in getattr(widget, "children", ())]
    return "\n".join(parts)


def _text(widget: w.HTML) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", widget.value))


def _every_field(form: ExtractionForm) -> str:
    """What the form shows with each field chosen in turn."""
    shown = []
    for key in form.fields:
        form.field.value = key
        shown.append(_shown(form.widget))
    return "\n".join(shown)


def test_no_study_value_is_shown_before_the_reviewer_gives_an_id(team_review, context):
    form = ExtractionForm(team_review, studies=[BRENNAN], **context)
    assert form.form is None and form.team.body.layout.display == "none"
    assert "Type your reviewer id" in _text(form.team.message)
    shown = _shown(form.widget)
    assert "Ireland" not in shown and "community" not in shown and "randomised" not in shown  # no value, no report
    form.team.reviewer.value = "R 2"
    assert "reviewer id 'R 2': use letters, digits" in _text(form.team.message)
    assert form.form is None and "Ireland" not in _shown(form.widget)
    form.save.click()  # nothing to save, nowhere
    assert not (team_review / "extraction" / BRENNAN / "R 2.yml").exists()


def test_the_reviewer_sees_only_their_own_form_prefilled_with_suggestions(team_review, context):
    form = ExtractionForm(team_review, studies=[BRENNAN], **context)
    form.team.reviewer.value = "R2"
    assert form.team.body.layout.display is None and form.form is not None
    assert form.field.value == "funding"  # R2's first pending field
    assert R1_ONLY[2] not in form.value.value and form.note.value == ""
    form.field.value = "setting"
    assert form.value.value == "community" and form.note.value == ""  # R2's, not R1's hospital
    assert [label for label, key in form.field.options if key == "funding"] == ["○ funding"]
    shown = _every_field(form)
    assert not [text for text in R1_ONLY if text in shown]


def test_saving_writes_only_the_reviewers_own_form(team_review, context):
    r1 = team_review / "extraction" / BRENNAN / "R1.yml"
    before = _digest(r1)
    form = ExtractionForm(team_review, studies=[BRENNAN], reviewer="R2", **context)
    form.field.value = "funding"
    form.not_reported.value = False
    form.value.value, form.quote.value = FUNDING, f"{FUNDING}."
    form.save.click()
    assert f"Saved funding of {BRENNAN} in extraction/{BRENNAN}/R2.yml" in _text(form.status)
    assert _digest(r1) == before
    saved = yaml.safe_load((r1.parent / "R2.yml").read_text(encoding="utf-8"))
    assert saved["funding"]["value"] == FUNDING and saved["setting"]["value"] == "community"


def test_the_comparison_opens_once_every_reviewer_has_finished(team_review, context):
    form = ExtractionForm(team_review, studies=[BRENNAN], reviewer="R2", **context)
    waiting = _text(form.team.comparison)
    assert "1 of 2 reviewers finished: the comparison opens when all have" in waiting
    assert "<table" not in form.team.comparison.value and "hospital" not in waiting
    form.field.value = "funding"
    form.value.value, form.quote.value, form.note.value = FUNDING, f"{FUNDING}.", ""
    form.save.click()
    table = form.team.comparison.value
    assert "<table" in table and "2 reviewers finished (R1, R2)" in _text(form.team.comparison)
    setting = next(row for row in table.split("<tr>") if ">setting<" in row)
    assert re.search(r">hospital<.*>community<.*>conflict<", setting)  # R1 beside R2, and their status
    funding = next(row for row in table.split("<tr>") if ">funding<" in row)
    assert R1_ONLY[2] in html.unescape(funding) and ">text differs<" in funding
    # R1 opening the form now sees the same comparison beside their own form
    other = ExtractionForm(team_review, studies=[BRENNAN], reviewer="R1", **context)
    assert other.team.comparison.value == table


def test_a_form_not_started_is_prefilled_with_the_suggestions_and_no_reviewer_finished(team_review, context):
    form = ExtractionForm(team_review, studies=["dahl-2013"], reviewer="R2", **context)
    assert all(label.startswith("○") for label, _ in form.field.options)  # the one-reviewer file is not R2's form
    assert form.field.value == "design" and form.value.value == "randomised controlled trial"
    assert "Pre-filled with the suggestion" in _text(form.status) and "randomised controlled trial" in form.quote.value
    assert "0 of 2 reviewers finished" in _text(form.team.comparison)
    assert "extraction/dahl-2013.yml is a form of one reviewer" in _text(form.team.comparison)
