"""The review forms without a browser: build each form, click its buttons and set its inputs as a reviewer
would, and check the files written. Also the round-trip YAML writers the forms save through."""
from __future__ import annotations

import difflib
import html
import re

import nbformat
import pandas as pd
import pytest
import yaml
from conftest import ROOT

from reviewkit.appraisal.judgments import record_judgment, rob_path
from reviewkit.appraisal.judgments import validate as validate_rob
from reviewkit.core.protocol import load_protocol
from reviewkit.extraction.forms import form_path, record_value
from reviewkit.extraction.forms import validate as validate_extraction
from reviewkit.forms import ExtractionForm, RobForm, ScreeningForm
from reviewkit.records.sources import load_records
from reviewkit.screening.decisions import decision_file
from reviewkit.workbook.pipeline import FORMS_PARAMETER, batch_parameters, default_notebooks_dir

FATIGUE = "msc-cm-chronic-fatigue-2025"
HIROTA = "hirota-2024"


@pytest.fixture(scope="module")
def seed():
    """The seed protocol and records, read once (the forms take them instead of reading them again)."""
    protocol = load_protocol(ROOT / "review")
    return {"protocol": protocol, "records": load_records(ROOT / "review", protocol)}


def _rows(review, reviewer, stage="title_abstract"):
    return pd.read_csv(decision_file(review, stage, reviewer), dtype=str, keep_default_na=False)


def _status(form) -> str:
    """The status line as the reviewer reads it."""
    return html.unescape(re.sub(r"<[^>]+>", " ", form.status.value))


def _cut(path, start: str, end: str) -> tuple[str, str]:
    """Remove the lines from ``start`` up to ``end`` from a file; the text before and after the cut."""
    text = path.read_text(encoding="utf-8")
    a, b = text.index(start), text.index(end)
    path.write_text(text[:a] + text[b:], encoding="utf-8")
    return text[:a], text[b:]


# Screening


def test_screening_decisions_are_saved_for_the_reviewer_and_the_form_moves_on(seed_review, seed):
    form = ScreeningForm(seed_review, reviewer="ab", **seed)
    ids = list(form.shown)
    assert form.current == ids[0] and form.progress.value == 0 and "0 of 5" in form.progress_label.value
    form.note.value = "clear press release"
    form.include.click()
    assert "Saved include" in _status(form) and form.current == ids[1]
    assert form.progress.value == 1 and "1 of 5 records screened at title/abstract by <b>ab</b>" in form.progress_label.value
    rows = _rows(seed_review, "ab")
    assert rows[["record_id", "decision", "exclusion_reason", "note", "reviewer"]].values.tolist() == [
        [ids[0], "include", "", "clear press release", "ab"]]
    form.previous.click()
    assert form.current == ids[0] and form.include.button_style == "success" and form.note.value == "clear press release"
    form.unsure.click()  # a second decision on a record replaces the first
    assert _rows(seed_review, "ab")["decision"].tolist() == ["unsure"]
    assert _rows(seed_review, "R1")["decision"].tolist() == ["include"] * 5  # another reviewer's file is untouched


def test_exclusion_needs_a_reason_and_keys_do_what_the_buttons_do(seed_review, seed):
    form = ScreeningForm(seed_review, reviewer="ab", advance=False, **seed)
    first = form.current
    form.reason.value = ""
    form.shortcuts.press("e")
    assert "Choose an exclusion reason" in _status(form)
    assert not decision_file(seed_review, "title_abstract", "ab").exists()
    form.shortcuts.press("3")
    assert form.reason.value == seed["protocol"].exclusion_reasons[2].id
    form.shortcuts.press("e")
    assert form.current == first and form.exclude.button_style == "danger"
    assert _rows(seed_review, "ab")[["decision", "exclusion_reason"]].values.tolist() == [["exclude", form.reason.value]]
    form.shortcuts.press("n")
    form.shortcuts.press("ArrowRight")
    form.shortcuts.press("p")
    assert form.position == 1
    form.shortcuts.press("x")  # not a shortcut: nothing happens
    assert form.position == 1 and len(_rows(seed_review, "ab")) == 1


def test_no_decision_without_a_valid_reviewer_id(seed_review, seed):
    form = ScreeningForm(seed_review, **seed)
    assert "Type your reviewer id" in _status(form)
    form.include.click()
    assert "reviewer id first" in _status(form)
    form.reviewer.value = "a b"
    form.include.click()
    assert "Not saved" in _status(form) and "reviewer id 'a b'" in _status(form)
    assert not (seed_review / "screening" / "title_abstract" / "a b.csv").exists()


def test_a_decision_file_with_a_problem_is_reported(seed_review, seed):
    form = ScreeningForm(seed_review, reviewer="ab", **seed)
    r1 = decision_file(seed_review, "title_abstract", "R1")
    r1.write_text(r1.read_text(encoding="utf-8").replace(",include,", ",maybe,", 1), encoding="utf-8")
    form.reviewer.value = "cd"
    assert "decision files have problems" in _status(form) and "decision 'maybe' is not one of" in _status(form)


def test_records_are_shown_in_the_order_given(seed_review, seed):
    ids = [r.id for r in seed["records"]]
    form = ScreeningForm(seed_review, reviewer="ab", order=[ids[3], ids[1]], **seed)
    assert form.shown == [ids[3], ids[1], ids[0], ids[2], ids[4]]
    form.next.click()
    form.set_order([ids[4], ids[1], ids[0]])
    assert form.shown == [ids[4], ids[1], ids[0], ids[2], ids[3]] and form.current == ids[1]
    with pytest.raises(ValueError, match="not to be screened: nobody"):
        ScreeningForm(seed_review, order=["nobody"], **seed)


def test_full_text_shows_the_records_not_excluded_and_the_reviewers_decisions(seed_review, seed):
    ids = [r.id for r in seed["records"]]
    r1 = ScreeningForm(seed_review, reviewer="R1", stage="full_text", **seed)
    assert r1.shown == ids and r1.progress.value == 5 and "5 of 5" in r1.progress_label.value
    r1.next.click()
    assert r1.exclude.button_style == "danger" and r1.reason.value == "no_primary_clinical_data"
    ab = ScreeningForm(seed_review, reviewer="ab", **seed)
    ab.reason.value = "non_human"
    ab.exclude.click()  # r1 included the first record: a conflict keeps it from full text
    for _ in ids[1:]:
        ab.include.click()
    ab.stage.value = "full_text"
    assert ab.shown == ids[1:] and ab.progress.value == 0


# Extraction


def test_extraction_prefills_the_suggestion_and_a_selection_becomes_the_quote(seed_review, seed):
    path = form_path(seed_review, FATIGUE)
    before, after = _cut(path, "route:\n", "schedule:\n")
    form = ExtractionForm(seed_review, studies=[FATIGUE], **seed)
    assert form.field.value == "route" and form.value.value == "intravenous and inhalation"
    assert "Pre-filled with the suggestion" in _status(form)
    assert "intravenously" in form.quote.value  # the suggestion's passage, until the reviewer selects another
    form.text.selection = "received systemic administration\n  of MSC-CM intravenously"
    assert form.quote.value == "received systemic administration of MSC-CM intravenously"
    form.add_quotes.value = True
    form.text.selection = "received inhalation administration"
    form.note.value = "18 intravenous, 1 inhaled"
    form.save.click()
    assert "Saved route" in _status(form)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(before) and text.endswith(after)  # comments and other fields as the reviewer wrote them
    assert yaml.safe_load(text)["route"] == {
        "value": "intravenous and inhalation",
        "quote": ["received systemic administration of MSC-CM intravenously", "received inhalation administration"],
        "record": "000_ce438576644deecb", "note": "18 intravenous, 1 inhaled"}
    assert form.field.options[[k for _, k in form.field.options].index("route")][0] == "✓ route"
    assert validate_extraction(seed_review, seed["protocol"], seed["records"]) == []


def test_extraction_refuses_a_quote_not_in_the_record_and_a_bad_number(seed_review, seed):
    path = form_path(seed_review, FATIGUE)
    original = path.read_bytes()
    form = ExtractionForm(seed_review, studies=[FATIGUE], **seed)
    form.field.value = "route"
    form.quote.value = "given into the spinal fluid"
    form.save.click()
    assert "Not saved" in _status(form) and "quote not found" in _status(form) and "closest passage" in _status(form)
    form.field.value = "n_participants"
    assert form.value.value == "19"  # the saved value
    form.value.value = "nineteen"
    form.save.click()
    assert "needs a whole number" in _status(form)
    assert path.read_bytes() == original


def test_extraction_not_reported_needs_no_quote(seed_review, seed):
    form = ExtractionForm(seed_review, studies=[HIROTA], **seed)
    form.field.value = "conflict_of_interest"
    form.not_reported.value, form.quote.value, form.note.value = True, "", "Funding is not stated."
    form.save.click()
    assert "Saved conflict_of_interest" in _status(form)
    saved = yaml.safe_load(form_path(seed_review, HIROTA).read_text(encoding="utf-8"))["conflict_of_interest"]
    assert saved == {"value": "not reported", "note": "Funding is not stated."}


# Risk of bias


def test_rob_form_answers_items_and_the_overall_judgment(seed_review, seed):
    rob_path(seed_review, HIROTA).unlink()
    form = RobForm(seed_review, studies=[HIROTA], **seed)
    assert form.plan.tool.id == "jbi_case_series" and form.item.value == "Q1"
    assert "no item answered yet" in form.overall_state.value
    form.save.click()
    assert "Choose an answer first" in _status(form)
    form.answer.value = "yes"
    form.text.selection = "neurological function was evaluated using the American Spinal Injury Association Impairment Scale (AIS)"
    form.save.click()
    assert "Saved Q1: yes; next: Q2" in _status(form) and form.item.value == "Q2"
    form.answer.value, form.note.value = "unclear", "Not reported."
    form.quote.value = "a sentence the abstract does not have"
    form.save.click()
    assert "quote not found" in _status(form)
    form.quote.value = ""
    for item in [f"Q{n}" for n in range(2, 10)]:
        form.item.value = item
        form.answer.value, form.note.value = "unclear", "Not reported."
        form.save.click()
    form.item.value = "Q10"
    form.answer.value, form.note.value = "unclear", "Not reported."
    form.save.click()  # the last item completes the appraisal: JBI has no rule, so the overall must be stated
    assert "state the overall judgment" in _status(form) and "Choose the overall judgment below" in _status(form)
    form.overall.value = "seek further info"
    form.save.click()
    assert "Saved Q10" in _status(form) and "seek further info" in form.overall_state.value
    saved = yaml.safe_load(rob_path(seed_review, HIROTA).read_text(encoding="utf-8"))["appraisals"][0]
    assert saved["items"]["Q1"] == {"answer": "yes", "quote": "neurological function was evaluated using the American "
                                    "Spinal Injury Association Impairment Scale (AIS)"}
    assert saved["overall"] == {"judgment": "seek further info"}
    assert validate_rob(seed_review, seed["protocol"], seed["records"]) == []


def test_rob_form_waits_for_the_design_and_lists_report_appraisals(seed_review, seed):
    _cut(form_path(seed_review, FATIGUE), "design:\n", "condition:\n")
    form = RobForm(seed_review, studies=[FATIGUE], **seed)
    labels = [label for label, _ in form.appraisal.options]
    assert labels[0].startswith("no tool: extract the design first") and form.save.disabled
    assert any(label.startswith("AACODS") or "press release" in label for label in labels[1:])
    form.appraisal.value = 1
    assert form.plan.source_type == "press release" and not form.save.disabled


# The writers the forms save through keep the reviewer's comments and layout


def test_record_value_changes_one_field_and_keeps_the_rest_byte_for_byte(seed_review, seed):
    path = form_path(seed_review, HIROTA)
    before = path.read_text(encoding="utf-8")
    entry = yaml.safe_load(before)["donor"]
    record_value(seed_review, HIROTA, "donor", entry["value"], entry["quote"], entry["record"], "Checked.", **seed)
    after = path.read_text(encoding="utf-8")
    assert "note" not in entry
    assert [d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[:2] in ("+ ", "- ")] == ["+   note: Checked."]


def test_record_value_quotes_text_that_yaml_would_read_as_something_else(seed_review, seed):
    record_value(seed_review, HIROTA, "condition", "yes", "chronic severe spinal cord injury", "002_57e1d13fb9b03d75", **seed)
    assert yaml.safe_load(form_path(seed_review, HIROTA).read_text(encoding="utf-8"))["condition"]["value"] == "yes"


def test_record_value_starts_a_new_form_in_the_protocols_field_order(seed_review, seed):
    path = form_path(seed_review, HIROTA)
    path.unlink()
    record_value(seed_review, HIROTA, "route", "intravenous", "intravenous infusion", "002_57e1d13fb9b03d75", **seed)
    record_value(seed_review, HIROTA, "design", "case series", "case series", "002_57e1d13fb9b03d75", **seed)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Extraction form of study hirota-2024.")
    assert list(yaml.safe_load(text)) == ["design", "route"]


def test_record_judgment_keeps_comments_and_writes_in_block_style(seed_review, seed):
    path = rob_path(seed_review, FATIGUE)
    before, after = _cut(path, "      Q10:\n", "    overall:\n")
    record_judgment(seed_review, FATIGUE, "jbi_case_series", "Q10", "unclear", note="No statistics.", **seed)
    assert path.read_text(encoding="utf-8") == before + "      Q10:\n        answer: unclear\n        note: No statistics.\n" + after
    record_judgment(seed_review, FATIGUE, "jbi_case_series", "overall", "exclude", **seed)
    assert "    overall:\n      judgment: exclude\n" in path.read_text(encoding="utf-8")


def test_record_judgment_refuses_a_stated_overall_the_rule_contradicts(seed_review, seed):
    path = rob_path(seed_review, "genchi-2023")
    original = path.read_bytes()
    with pytest.raises(ValueError, match="contradicts the rule of minors"):
        record_judgment(seed_review, "genchi-2023", "minors", "overall", "3", **seed)
    assert path.read_bytes() == original


# Batch runs: the forms are off


def test_batch_runs_turn_the_forms_off_where_a_notebook_declares_them():
    notebooks = default_notebooks_dir()
    given = {"review_dir": "r", "out_dir": "o"}
    for name in ("02_screening", "03_extraction", "04_risk_of_bias"):
        assert batch_parameters(notebooks / f"{name}.ipynb", given) == {**given, FORMS_PARAMETER: False}
        notebook = nbformat.read(notebooks / f"{name}.ipynb", as_version=4)
        forms = [c for c in notebook.cells if c.cell_type == "code" and "Form(" in c.source]
        assert len(forms) == 1 and forms[0].source.startswith(f"if {FORMS_PARAMETER}:")
        assert not any(c.get("outputs") for c in notebook.cells if c.cell_type == "code")
    assert batch_parameters(notebooks / "01_records.ipynb", given) == given
