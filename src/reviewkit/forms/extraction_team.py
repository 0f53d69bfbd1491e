"""Blind extraction in the extraction form: the reviewer's id before any value is shown, and the comparison of the
reviewers' forms of a study, opened only once every reviewer has finished (``extraction.team.comparison_open``).

Until then the form reads nothing of the other reviewers' forms into what it shows but how many have finished.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from reviewkit.core.protocol import Protocol
from reviewkit.core.team import AGREED, CONFLICT, TEXT_DIFFERS
from reviewkit.extraction.comparison import team_comparison
from reviewkit.extraction.forms import EXTRACTION_DIR, read_team_form
from reviewkit.extraction.team import TeamForm, comparison_open, finished
from reviewkit.forms.team import TeamView, cell, status_cell, table_html
from reviewkit.records.model import Record
from reviewkit.records.studies import Study


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
    rows = [cell(row["field"]) + "".join(cell(row[r], row[f"{r}_quote"]) for r in reviewers)
            + status_cell(row["status"]) + cell(row["consensus"]) for row in table.to_dict("records")]
    return table_html(summary, ["Field", *reviewers, "Status", "Consensus"], rows)


class ExtractionTeamView(TeamView):
    """The widgets of independent extraction: the reviewer's id with its message, and the comparison of a study
    (or how many reviewers have finished it)."""

    def __init__(self, review_dir: Path, protocol: Protocol, reviewer: str = "") -> None:
        super().__init__(review_dir, EXTRACTION_DIR, "extraction", protocol.independent_reviewers.extraction, reviewer)
        self.protocol = protocol

    def show_comparison(self, study: Study, records: dict[str, Record]) -> None:
        """The reviewers' forms of ``study`` compared once every reviewer has finished; until then how many have."""
        team, problems = read_team_form(self.review_dir, study, self.protocol, records)
        if comparison_open(team, self.protocol):
            self.comparison.value = comparison_html(team, self.protocol, len(problems))
            return
        self.show_waiting(study.id, len(finished(team, self.protocol)), len(team.reviewers) if team else 0)
