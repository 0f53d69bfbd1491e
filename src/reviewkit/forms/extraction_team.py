"""Blind extraction in the extraction form: the reviewer's id before any value is shown, and the comparison of the
reviewers' forms of a study, opened only once every reviewer has finished (``extraction.team.comparison_open``).

Until then the form reads nothing of the other reviewers' forms into what it shows but how many have finished.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

import ipywidgets as w
import pandas as pd

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import Protocol
from reviewkit.core.team import AGREED, CONFLICT, TEXT_DIFFERS, check_reviewer
from reviewkit.extraction.comparison import team_comparison
from reviewkit.extraction.forms import EXTRACTION_DIR, form_path, read_team_form
from reviewkit.extraction.team import TeamForm, comparison_open, finished
from reviewkit.forms.common import labelled, say
from reviewkit.records.model import Record
from reviewkit.records.studies import Study

_STATUS_COLOUR = {AGREED: "#1b5e20", CONFLICT: "#b71c1c", TEXT_DIFFERS: "#e65100"}
_CELL = "border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left"


def _cell(value: str, quote: str = "", tag: str = "td", style: str = "") -> str:
    quote_html = f'<div style="color:#666;font-size:85%"><i>{escape(quote)}</i></div>' if quote else ""
    return f'<{tag} style="{_CELL};{style}">{escape(value)}{quote_html}</{tag}>'


def comparison_html(team: TeamForm, protocol: Protocol, problems: int = 0) -> str:
    """A study's reviewers' forms side by side: per field each reviewer's value with its quotes, the status
    (agreed, conflict, text differs) and the consensus value, from ``team_comparison``."""
    table: pd.DataFrame = team_comparison({team.study.id: team}, protocol)
    reviewers = list(team.reviewers)
    counts = table["status"].value_counts()
    summary = (f"<b>Comparison of {escape(team.study.id)}</b>: {len(reviewers)} reviewers finished "
               f"({escape(', '.join(reviewers))}); {counts.get(AGREED, 0)} fields agreed, "
               f"{counts.get(CONFLICT, 0)} in conflict, {counts.get(TEXT_DIFFERS, 0)} whose text differs.")
    if counts.get(CONFLICT, 0) + counts.get(TEXT_DIFFERS, 0) and team.consensus is None:
        summary += (f" Settle them in extraction/{escape(team.study.id)}/consensus.yml "
                    f"(<code>reviewkit consensus {escape(team.study.id)}</code> starts it).")
    if problems:
        summary += f" {problems} problem(s) in the reviewers' files: <code>reviewkit validate</code> lists them."
    head = "".join(_cell(h, tag="th") for h in ["Field", *reviewers, "Status", "Consensus"])
    rows = []
    for row in table.to_dict("records"):
        colour = _STATUS_COLOUR.get(row["status"], "#37474f")
        rows.append("<tr>" + _cell(row["field"]) + "".join(_cell(row[r], row[f"{r}_quote"]) for r in reviewers)
                    + _cell(row["status"], style=f"color:{colour};font-weight:bold") + _cell(row["consensus"]) + "</tr>")
    return (f'<div style="white-space:normal">{summary}</div>'
            '<div style="max-height:30em;overflow:auto;margin:4px 0 8px 0">'
            f'<table style="border-collapse:collapse;font-size:90%"><tr>{head}</tr>{"".join(rows)}</table></div>')


class TeamView:
    """The widgets of independent extraction: the reviewer's id with its message, and the comparison of a study
    (or how many reviewers have finished it)."""

    def __init__(self, review_dir: Path, protocol: Protocol, reviewer: str = "") -> None:
        self.review_dir, self.protocol = review_dir, protocol
        self.expected = protocol.independent_reviewers.extraction
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
                                      "for extraction, each filling their own form, blind to the others'.")
            return None
        try:
            check_reviewer(reviewer, self.review_dir / EXTRACTION_DIR)
        except ReviewInputError as exc:
            say(self.message, "error", exc.message)
            return None
        say(self.message, "ok", f"Your own forms: extraction/<study>/{reviewer}.yml")
        return reviewer

    def show_comparison(self, study: Study, records: dict[str, Record]) -> None:
        """The reviewers' forms of ``study`` compared once every reviewer has finished; until then how many have."""
        team, problems = read_team_form(self.review_dir, study, self.protocol, records)
        if comparison_open(team, self.protocol):
            self.comparison.value = comparison_html(team, self.protocol, len(problems))
            return
        done, total = len(finished(team, self.protocol)), max(self.expected, len(team.reviewers) if team else 0)
        text = f"{done} of {total} reviewers finished: the comparison opens when all have."
        if form_path(self.review_dir, study.id).exists():
            text += (f"\nextraction/{study.id}.yml is a form of one reviewer: with independent reviewers, move it to "
                     f"extraction/{study.id}/<reviewer>.yml of the reviewer who filled it.")
        say(self.comparison, "info", text)
