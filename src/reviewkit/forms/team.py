"""What the blind forms of independent reviewers share (extraction, risk of bias): the reviewer's id before anything
of a study is shown, and the comparison of the reviewers' files, or how many of them have finished.

A stage's view (``forms.extraction_team``, ``forms.rob_team``) reads its files and builds the comparison's table;
this module only asks for the id and shows what it is given.
"""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Callable

import ipywidgets as w

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.team import AGREED, CONFLICT, TEXT_DIFFERS, check_reviewer
from reviewkit.forms.common import form_box, labelled, say

STATUS_COLOUR = {AGREED: "#1b5e20", CONFLICT: "#b71c1c", TEXT_DIFFERS: "#e65100"}
_CELL = "border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left"


def cell(value: str, quote: str = "", tag: str = "td", style: str = "") -> str:
    """A table cell: the value, with its support (quotes, note) below it in small grey italics."""
    quote_html = f'<div style="color:#666;font-size:85%"><i>{escape(quote)}</i></div>' if quote else ""
    return f'<{tag} style="{_CELL};{style}">{escape(value)}{quote_html}</{tag}>'


def status_cell(status: str) -> str:
    """A comparison's status (agreed, conflict, text differs, waiting), coloured."""
    return cell(status, style=f"color:{STATUS_COLOUR.get(status, '#37474f')};font-weight:bold")


def table_html(summary: str, head: list[str], rows: list[str]) -> str:
    """A comparison: its summary (HTML) above a scrolling table of ``head`` and ``rows`` (each a row's cells)."""
    header = "".join(cell(h, tag="th") for h in head)
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    return (f'<div style="white-space:normal">{summary}</div>'
            '<div style="max-height:30em;overflow:auto;margin:4px 0 8px 0">'
            f'<table style="border-collapse:collapse;font-size:90%"><tr>{header}</tr>{body}</table></div>')


class TeamView:
    """The widgets of a blind stage: the reviewer's id with its message, and the comparison of a study (or how
    many reviewers have finished it). ``stage`` names the stage in messages, ``folder`` its folder in the review."""

    def __init__(self, review_dir: Path, folder: str, stage: str, expected: int, reviewer: str = "") -> None:
        self.review_dir, self.folder, self.stage, self.expected = review_dir, folder, stage, expected
        self.reviewer = w.Text(value=reviewer, placeholder="your id: letters, digits, _ . -", continuous_update=False)
        self.reviewer.add_class("rk-reviewer")
        self.message = w.HTML()
        self.comparison = w.HTML()
        self.comparison.add_class("rk-comparison")
        self.reviewer_row = labelled("Reviewer", w.HBox([self.reviewer, self.message]))

    def reviewer_id(self) -> str | None:
        """The reviewer's id, or None (the reason shown beside it) while there is none or it cannot be one."""
        reviewer = self.reviewer.value.strip()
        if not reviewer:
            say(self.message, "info", f"Type your reviewer id: the protocol has {self.expected} independent reviewers "
                                      f"for {self.stage}, each filling their own form, blind to the others'.")
            return None
        try:
            check_reviewer(reviewer, self.review_dir / self.folder)
        except ReviewInputError as exc:
            say(self.message, "error", exc.message)
            return None
        say(self.message, "ok", f"Your own forms: {self.folder}/<study>/{reviewer}.yml")
        return reviewer

    def layout(self, study: w.Widget, body: list[w.Widget], load: Callable[[], None]) -> w.Widget:
        """The form with the reviewer's id and the comparison above its ``body``, which reloads (``load``) when the
        id changes."""
        self.body = w.VBox(body, layout=w.Layout(width="100%"))
        self.reviewer.observe(lambda _: load(), "value")
        return form_box([labelled("Study", study), self.reviewer_row, self.comparison, self.body])

    def show_waiting(self, study_id: str, done: int, reviewers: int) -> None:
        """How many reviewers have finished ``study_id`` (of the protocol's number, or more if more have files),
        and a word on a file of one reviewer left where the reviewers' folder should be."""
        total = max(self.expected, reviewers)
        text = f"{done} of {total} reviewers finished: the comparison opens when all have."
        if (self.review_dir / self.folder / f"{study_id}.yml").exists():
            text += (f"\n{self.folder}/{study_id}.yml is a form of one reviewer: with independent reviewers, move it "
                     f"to {self.folder}/{study_id}/<reviewer>.yml of the reviewer who filled it.")
        say(self.comparison, "info", text)
