"""Blind risk of bias in the risk-of-bias form: the reviewer's id before any judgment is shown, and the comparison of
the reviewers' appraisals of a study, opened only once every reviewer has finished (``appraisal.team.comparison_open``).

Until then the form reads nothing of the other reviewers' files into what it shows but how many have finished.
"""
from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path

from reviewkit.appraisal.judgments import ROB_DIR, read_team_appraisals
from reviewkit.appraisal.plan import expected_appraisals
from reviewkit.appraisal.tables import support
from reviewkit.appraisal.team import TeamAppraisals, comparison_open, finished
from reviewkit.appraisal.tools import Tool
from reviewkit.core.protocol import Protocol
from reviewkit.core.team import AGREED, CONFLICT, WAITING
from reviewkit.forms.team import TeamView, cell, status_cell, table_html
from reviewkit.records.model import Record
from reviewkit.records.studies import Study


def comparison_html(team: TeamAppraisals, problems: int = 0) -> str:
    """A study's reviewers' appraisals side by side: per item of each appraisal, then its overall judgment, each
    reviewer's answer with its support (quotes, note), the status (agreed, conflict, waiting) and the consensus."""
    reviewers = list(team.reviewers)
    rows, counts = [], Counter()
    for compared in team.appraisals:
        a = compared.standing
        what = a.tool.id if a.source_type is None else f"{a.tool.id} — {a.record} ({a.source_type})"
        for item in compared.items:
            counts[item.status] += 1
            rows.append(cell(what) + cell(item.item)
                        + "".join(cell(item.answers.get(r, ""), support(item.entries.get(r))) for r in reviewers)
                        + status_cell(item.status) + cell(item.consensus.answer if item.consensus else ""))
    summary = (f"<b>Comparison of {escape(team.study)}</b>: {len(reviewers)} reviewers finished "
               f"({escape(', '.join(reviewers))}); {counts[AGREED]} judgments agreed, {counts[CONFLICT]} in conflict, "
               f"{counts[WAITING]} waiting.")
    if any(c.unsettled for c in team.appraisals) and team.consensus is None:
        summary += (f" Settle them in rob/{escape(team.study)}/consensus.yml (<code>reviewkit consensus "
                    f"{escape(team.study)} --stage risk_of_bias</code> starts it).")
    if problems:
        summary += f" {problems} problem(s) in the reviewers' files: <code>reviewkit validate</code> lists them."
    return table_html(summary, ["Appraisal", "Item", *reviewers, "Status", "Consensus"], rows)


class RobTeamView(TeamView):
    """The widgets of independent risk of bias: the reviewer's id with its message, and the comparison of a study
    (or how many reviewers have finished it)."""

    def __init__(self, review_dir: Path, protocol: Protocol, reviewer: str = "") -> None:
        super().__init__(review_dir, ROB_DIR, "risk of bias", protocol.independent_reviewers.risk_of_bias, reviewer)
        self.protocol = protocol

    def show_comparison(self, study: Study, records: dict[str, Record], tools: dict[str, Tool]) -> None:
        """The reviewers' appraisals of ``study`` compared once every reviewer has finished; until then how many have."""
        team, problems = read_team_appraisals(self.review_dir, study, self.protocol, records, tools)
        wanted = expected_appraisals(self.review_dir, study, self.protocol, records)
        if comparison_open(team, wanted, self.expected):
            self.comparison.value = comparison_html(team, len(problems))
            return
        self.show_waiting(study.id, len(finished(team, wanted)), len(team.reviewers) if team else 0)
