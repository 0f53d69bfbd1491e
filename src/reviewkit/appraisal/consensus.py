"""The consensus file of a study appraised by two or more reviewers, started for them: every item they answered
alike filled in with its support, every conflict marked in a comment with each reviewer's answer and quote, left for
them to settle. It is written only where there is none: nothing a reviewer wrote is replaced."""
from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from reviewkit.appraisal.judgments import ROB_DIR, read_team_appraisals, study_design
from reviewkit.appraisal.model import ItemJudgment
from reviewkit.appraisal.parse import parse_rob_file
from reviewkit.appraisal.team import OVERALL, AppraisalComparison
from reviewkit.appraisal.tools import read_tools
from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import Protocol
from reviewkit.core.storage import YamlDoc, locked, save_checked
from reviewkit.core.team import AGREED
from reviewkit.extraction.consensus import consensus_target, refuse_existing
from reviewkit.records.model import Record


def _item(judgment: ItemJudgment, names: str) -> dict:
    quotes = [q.quote for q in judgment.evidence]
    body = {"answer": judgment.answer, "quote": quotes[0] if len(quotes) == 1 else quotes or None,
            "note": f"{judgment.note} (agreed by {names})" if judgment.note else f"agreed by {names}"}
    return {k: v for k, v in body.items() if v is not None}


def _said(entries: dict[str, ItemJudgment]) -> str:
    return "; ".join(f"{r}: {e.answer}" + (f" — \"{e.evidence[0].quote}\"" if e.evidence else f" ({e.note})" if e.note
                                           else "") for r, e in entries.items())


def _appraisal_text(comparison: AppraisalComparison, names: str) -> str:
    """One appraisal of the consensus file: its tool and report, the agreed items, the conflicts as comments."""
    head = {"tool": comparison.tool.id, "record": comparison.standing.record}
    if comparison.standing.source_type:
        head["source_type"] = comparison.standing.source_type
    agreed = {c.item: _item(c.standing, names) for c in comparison.items if c.item != OVERALL and c.status == AGREED}
    lines = textwrap.indent(yaml.safe_dump(head, allow_unicode=True, sort_keys=False, width=4096), "    ")
    lines = "  - " + lines[4:]
    items = yaml.safe_dump({"items": agreed}, allow_unicode=True, sort_keys=False, width=4096)
    lines += textwrap.indent(items, "    ")
    open_ = [c for c in comparison.items if c.status != AGREED and c.entries]
    lines += "".join(f"    # {c.status.upper()} {c.item}: {_said(c.entries)}\n" for c in open_)
    return lines


def start_rob_consensus(review_dir: str | Path, study_id: str, *, protocol: Protocol | None = None,
                        records: list[Record] | None = None) -> Path:
    """Write ``rob/<study>/consensus.yml`` from the reviewers' files; returns its path."""
    protocol, by_id, study, path = consensus_target(Path(review_dir), ROB_DIR, study_id, protocol, records)
    tools, problems = read_tools(review_dir)
    with locked(path):
        refuse_existing(path)
        team, found = read_team_appraisals(review_dir, study, protocol, by_id, tools)
        if team is None or len(team.reviewers) < 2:
            raise ReviewInputError(path, f"study {study_id!r} has fewer than two reviewers' files: a consensus file "
                                         "settles the disagreements of two or more")
        if problems or found:
            raise ReviewInputError(path, f"the reviewers' files have problems to mend first, e.g. {(problems + found)[0]}")
        names = " and ".join(team.reviewers)
        text = (f"# Risk-of-bias consensus of study {study_id}, started from the files of {names}. Reviewer-owned data.\n"
                "# The answers they agreed on are filled in. Each CONFLICT below waits for the answer you agree on, with\n"
                "# its quote or note; an answer neither reviewer gave needs a note saying why.\n"
                "appraisals:\n" + "".join(_appraisal_text(c, names) for c in team.appraisals))
        _, problems = parse_rob_file(YamlDoc(path, text), study, protocol, by_id, tools, study_design(review_dir, study_id))
        save_checked(path, text, problems)
    return path
