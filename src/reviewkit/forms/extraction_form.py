"""The extraction form: one study's fields, pre-filled with the rule-based suggestions, each saved with its quote.

Selecting text in the record fills the quote. Saving goes through ``extraction.record_value``: the quote
is looked for in the record's text (``evidence.find_quote``), the whole form is checked, and the file
is written atomically with the reviewer's comments kept; a refusal is shown with the closest passage.

With two or more independent reviewers in the protocol, the form first asks for the reviewer's id and then shows and
saves only that reviewer's own form of a study; the comparison opens once every reviewer has finished
(``forms.extraction_team``).
"""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as w

from reviewkit.core.protocol import FormField
from reviewkit.extraction.forms import NOT_REPORTED, Entry, Form, read_form, read_reviewer_form, record_value
from reviewkit.extraction.suggest import ValueSuggestion, suggest
from reviewkit.extraction.tables import display_value
from reviewkit.extraction.vocabularies import Vocabularies, load_vocabularies
from reviewkit.forms.common import (
    QUOTE_MARK,
    SUGGESTION_MARK,
    StudyForm,
    form_box,
    labelled,
    marked_html,
    problem_text,
    quotes_of,
    say,
)
from reviewkit.forms.extraction_team import ExtractionTeamView
from reviewkit.records.model import Record
from reviewkit.records.studies import Study

_STATUS_MARK = {"extracted": "✓", NOT_REPORTED: "–", "pending": "○"}


def value_widget(field: FormField) -> w.Widget:
    """An input for a field's value: a list of choices, a whole or decimal number, a text, or a list (one item a line)."""
    if field.type == "choice":
        return w.Dropdown(options=[("", "")] + [(c, c) for c in field.choices or []], layout=w.Layout(width="30em"))
    if field.type in ("integer", "number"):
        hint = "a whole number" if field.type == "integer" else "a number, e.g. 12.5"
        return w.Text(placeholder=hint, layout=w.Layout(width="10em"))
    rows = "5em" if field.type == "list" else "4em"
    hint = "one item a line" if field.type == "list" else "the value, in your words"
    return w.Textarea(placeholder=hint, layout=w.Layout(width="100%", height=rows))


def shown_value(value: Any) -> str:
    """A stored or suggested value as the value input shows it."""
    return "\n".join(value) if isinstance(value, list) else "" if value is None else str(value)


def typed_value(field: FormField, text: str) -> Any:
    """The value typed in the input, as the form file holds it; a ValueError says what is wrong."""
    text = text.strip()
    if not text:
        raise ValueError("the value is empty: type it, or tick 'not reported'")
    if field.type == "integer":
        if not text.isdigit():
            raise ValueError(f"{field.key} needs a whole number, not {text!r}")
        return int(text)
    if field.type == "number":
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{field.key} needs a number such as 12.5 (a point, not a comma), not {text!r}") from None
        return int(number) if number.is_integer() and "." not in text else number
    if field.type == "list":
        return [line.strip() for line in text.splitlines() if line.strip()]
    return text


def study_suggestions(
    study: Study, records: dict[str, Record], vocabularies: Vocabularies | None = None
) -> dict[str, tuple[str, ValueSuggestion]]:
    """Per field, the first suggestion in the study's reports (primary report first), with its record."""
    found: dict[str, tuple[str, ValueSuggestion]] = {}
    for record_id in sorted(study.records, key=lambda r: r != study.primary_record):
        for suggestion in suggest(records[record_id].text, vocabularies):
            found.setdefault(suggestion.field, (record_id, suggestion))
    return found


class ExtractionForm(StudyForm):
    """Extract one study at a time: pick a field, check or type its value, select its quote, save. With independent
    reviewers, as ``reviewer`` (or the id typed in the form), in the reviewer's own form."""

    NOTE, SAVE = "note (optional)", "Save field"

    def __init__(self, review_dir: str | Path, *, reviewer: str = "", **options: Any) -> None:
        super().__init__(review_dir, **options)
        blind = self.protocol.independent_reviewers.extraction > 1
        self.team = ExtractionTeamView(self.review_dir, self.protocol, reviewer) if blind else None
        self.fields = {f.key: f for f in self.protocol.extraction_form}
        self.form: Form | None = None
        self.suggested: dict[str, tuple[str, ValueSuggestion]] = {}
        self.vocabularies = load_vocabularies(review_dir)

        self.field = w.Select(options=[], rows=min(14, len(self.fields)), layout=w.Layout(width="19em"))
        self.description = w.HTML()
        self.suggestion = w.HTML()
        self.use_suggestion = w.Button(description="Use suggestion", icon="magic", layout=w.Layout(width="auto"))
        self.value_box = w.Box()
        self.value: w.Widget = w.Text()
        self.not_reported = w.Checkbox(description="not reported (the reports are silent)", indent=False)
        self.field.observe(lambda _: self.show_field(), "value")
        self.use_suggestion.on_click(lambda _: self.fill_suggestion())
        self.save.on_click(lambda _: self.save_field())

        panel = w.VBox([
            self.description,
            w.HBox([self.suggestion, self.use_suggestion]),
            labelled("Value", self.value_box),
            labelled("", self.not_reported),
            *self.quote_rows(),
        ], layout=w.Layout(flex="1 1 auto", padding="0 0 0 12px"))
        body = [
            w.HBox([w.VBox([w.HTML("<b>Fields</b>"), self.field,
                            w.HTML('<span style="color:#666">✓ extracted · – not reported · ○ pending</span>')]), panel]),
            w.HTML('<span style="color:#666">Select a passage in the record to make it the quote. Marks: '
                   f'<mark style="background:{QUOTE_MARK}">the field\'s saved quote</mark> '
                   f'<mark style="background:{SUGGESTION_MARK}">the suggestion\'s passage</mark></span>'),
            self.text,
        ]
        if self.team is None:
            self.widget = form_box([labelled("Study", self.study), *body])
        else:
            self.widget = self.team.layout(self.study, body, self.load_study)
        self.load_study()

    def _blank(self) -> None:
        """Show nothing of any study's form: no reviewer id yet (independent reviewers)."""
        self.form = None
        self.field.options = []
        self.value.value = self.quote.value = self.note.value = ""
        self.description.value = self.suggestion.value = self.status.value = self.text.html = ""
        self.team.body.layout.display = self.team.comparison.layout.display = "none"

    def load_study(self) -> None:
        """Read the study's form and its suggestions; show its first pending field (else its first field)."""
        study = self.current_study
        reviewer = self.team.reviewer_id() if self.team else None
        if self.team and reviewer is None:
            self._blank()
            return
        if self.team:
            self.team.body.layout.display = self.team.comparison.layout.display = None
            self.form, problems = read_reviewer_form(self.review_dir, study, self.protocol, self.by_id, reviewer)
            self.team.show_comparison(study, self.by_id)
        else:
            self.form, problems = read_form(self.review_dir, study, self.protocol, self.by_id)
        self.suggested = study_suggestions(study, self.by_id, self.vocabularies)
        self.record.options = [(f"{r} ({self.by_id[r].source_type})", r) for r in study.records]
        self.record.value = study.primary_record
        keys = list(self.fields)
        self._list_fields()
        self.field.value = next((k for k in keys if self.form.status(k) == "pending"), keys[0])
        self.show_field()
        if problems:
            say(self.status, "error", "The form file has problems; fix them by hand first:\n" + "\n".join(map(str, problems)))

    def _list_fields(self) -> None:
        current = self.field.value
        self.field.options = [(f"{_STATUS_MARK[self.form.status(k)]} {k}", k) for k in self.fields]
        if current in self.fields:
            self.field.value = current

    def show_field(self) -> None:
        """Show the chosen field: the reviewer's saved entry, else the suggestion, pre-filled."""
        key = self.field.value
        if key is None or self.form is None:
            return
        field = self.fields[key]
        self.value = value_widget(field)
        self.value.add_class("rk-value")
        self.value_box.children = [self.value]
        choices = f" ({', '.join(field.choices)})" if field.choices else ""
        self.description.value = f"<b>{escape(key)}</b> <i>{escape(field.type)}</i>: {escape(field.description)}{escape(choices)}"
        entry = self.form.entries.get(key)
        suggested = self.suggested.get(key)
        self.use_suggestion.disabled = suggested is None
        self.suggestion.value = ("<i>No suggestion for this field.</i>" if suggested is None else
                                 f"Suggested: <b>{escape(display_value(suggested[1].value))}</b> "
                                 f"<span style='color:#555'>from {escape(suggested[0])}</span>")
        self.status.value = ""
        if entry is not None:
            self.fill(entry)
        elif suggested is not None:
            self.fill_suggestion()
            say(self.status, "info", "Pre-filled with the suggestion: check it against the text, then save.")
        else:
            self.fill(None)
        self.show_text()

    def fill(self, entry: Entry | None) -> None:
        """Put a saved entry (or nothing) in the inputs."""
        reported = entry is not None and entry.value != NOT_REPORTED
        self.not_reported.value = entry is not None and not reported
        self.value.value = shown_value(entry.value) if reported else ""
        self.quote.value = "\n".join(e.quote for e in entry.evidence) if entry else ""
        if entry and entry.evidence:
            self.record.value = entry.evidence[0].record
        self.note.value = entry.note if entry else ""

    def fill_suggestion(self) -> None:
        """Put the suggestion for the chosen field in the inputs (value, quote and its record)."""
        record_id, suggestion = self.suggested[self.field.value]
        self.not_reported.value = False
        self.value.value = shown_value(suggestion.value)
        self.quote.value = suggestion.quote
        self.record.value = record_id
        self.show_text()

    def show_text(self) -> None:
        """The chosen record's text, with the field's saved quotes marked, or the suggestion's passage while it is pending."""
        record_id, key = self.record.value, self.field.value
        if record_id is None or self.form is None or key is None:
            return
        entry = self.form.entries.get(key)
        marks = [(*e.span, QUOTE_MARK, "saved quote") for e in (entry.evidence if entry else ()) if e.record == record_id]
        suggested = self.suggested.get(key)
        if suggested and suggested[0] == record_id and entry is None:
            marks.append((suggested[1].start, suggested[1].end, SUGGESTION_MARK, "suggestion"))
        self.text.html = marked_html(self.by_id[record_id], marks)

    def save_field(self) -> None:
        """Save the chosen field; the quote is checked against the record's text on the way."""
        key, study = self.field.value, self.current_study
        reviewer = self.team.reviewer_id() if self.team else None
        if key is None or self.form is None or (self.team and reviewer is None):
            return
        field = self.fields[key]
        try:
            value = NOT_REPORTED if self.not_reported.value else typed_value(field, self.value.value)
            quote = quotes_of(self.quote.value)
            entry = record_value(self.review_dir, study.id, key, value, quote, self.record.value if quote else None,
                                 self.note.value.strip() or None, protocol=self.protocol, records=self.records,
                                 reviewer=reviewer)
        except ValueError as exc:  # ReviewInputError(s) are ValueErrors
            say(self.status, "error", f"Not saved: {problem_text(exc)}")
            return
        self.form.entries[key] = entry
        self._list_fields()
        saved = f"Saved {key} of {study.id} in extraction/{study.id}{f'/{reviewer}' if reviewer else ''}.yml"
        if self.team:
            self.team.show_comparison(study, self.by_id)
        keys = list(self.fields)
        pending = [k for k in keys[keys.index(key) + 1:] + keys[:keys.index(key)] if self.form.status(k) == "pending"]
        if pending:
            self.field.value = pending[0]
            saved += f"; next pending field: {pending[0]}"
        else:
            self.show_text()
        say(self.status, "ok", saved)
