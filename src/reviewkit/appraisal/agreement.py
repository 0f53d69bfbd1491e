"""Agreement between the reviewers of risk of bias: their answers side by side, agreement and Cohen's kappa per tool
and item, and the conflicts still to settle.

Kappa is the screening stage's (``screening.agreement.kappa``), from the square cross-table of a pair of reviewers'
answers over the tool's answers (for the overall judgment, its overall judgments). Only appraisals both reviewers
answered are compared.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from reviewkit.appraisal.tables import support
from reviewkit.appraisal.team import OVERALL, AppraisalComparison, ItemComparison, TeamAppraisals
from reviewkit.appraisal.tools import Tool
from reviewkit.screening.agreement import kappa

ALL_ITEMS = "all items"
BASE = ["study_id", "record_id", "source_type", "tool", "item"]
AGREEMENT = ["tool", "item", "rater_a", "rater_b", "compared", "agreed", "agreement", "kappa", "kappa_low", "kappa_high"]


def _reviewers(teams: list[TeamAppraisals]) -> list[str]:
    return sorted({r for team in teams for r in team.reviewers})


def _rows(teams: list[TeamAppraisals]) -> list[tuple[AppraisalComparison, ItemComparison, dict[str, str]]]:
    """Each item (then the overall) of each appraisal, with the columns that say which it is."""
    rows = []
    for team in teams:
        for compared in team.appraisals:
            a = compared.standing
            base = {"study_id": team.study, "record_id": a.record, "source_type": a.source_type or "", "tool": a.tool.id}
            rows += [(compared, item, {**base, "item": item.item}) for item in compared.items]
    return rows


def comparison_table(teams: list[TeamAppraisals]) -> pd.DataFrame:
    """``study_id, record_id, source_type, tool, item, <each reviewer id>, status, same_passage, consensus``: one row
    per item of each appraisal, then its overall judgment.

    A reviewer's column holds their answer (empty if not given); ``status`` is agreed, conflict or waiting;
    ``same_passage`` whether the reviewers' quotes point to the same passages (None where a reviewer gave none);
    ``consensus`` the consensus answer, if any.
    """
    reviewers = _reviewers(teams)
    rows = [{**base, **{r: item.answers.get(r, "") for r in reviewers}, "status": item.status,
             "same_passage": item.same_passage, "consensus": item.consensus.answer if item.consensus else ""}
            for _, item, base in _rows(teams)]
    return pd.DataFrame(rows, columns=[*BASE, *reviewers, "status", "same_passage", "consensus"])


def conflicts_table(teams: list[TeamAppraisals]) -> pd.DataFrame:
    """The items (and overall judgments) in conflict and not settled yet (``AppraisalComparison.unsettled``):
    ``study_id, record_id, source_type, tool, item``, then per reviewer their answer (``<reviewer>``) and its quotes
    and note (``<reviewer> support``, as in ``rob_table``)."""
    reviewers = _reviewers(teams)
    rows = [{**base, **{k: v for r in reviewers for k, v in ((r, item.answers.get(r, "")),
                                                             (f"{r} support", support(item.entries.get(r))))}}
            for compared, item, base in _rows(teams) if item in compared.unsettled]
    return pd.DataFrame(rows, columns=[*BASE, *(c for r in reviewers for c in (r, f"{r} support"))])


def _options(tool: Tool, item: str, pairs: list[tuple[str, str]]) -> list[str]:
    """The answers a cross-table runs over: the tool's (for the overall, its overall judgments), then any other seen."""
    if item != OVERALL:
        allowed = [a.answer for a in tool.answers]
    else:
        allowed = [a.answer for a in tool.overall.answers] or tool.overall.order or [a.answer for a in tool.answers]
    seen = sorted({v for pair in pairs for v in pair} - set(allowed))
    return [*allowed, *seen]


def _row(tool: Tool, item: str, a: str, b: str, pairs: list[tuple[str, str]]) -> dict[str, object]:
    options = _options(tool, item, pairs)
    table = pd.crosstab(pd.Categorical([p[0] for p in pairs], options), pd.Categorical([p[1] for p in pairs], options),
                        dropna=False).reindex(index=options, columns=options, fill_value=0)
    found = kappa(table.to_numpy())
    return {"tool": tool.id, "item": item, "rater_a": a, "rater_b": b, "compared": found["records"],
            "agreed": int(np.trace(table.to_numpy())), **{k: found[k] for k in AGREEMENT[6:]}}


def agreement_table(teams: list[TeamAppraisals]) -> pd.DataFrame:
    """``tool, item, rater_a, rater_b, compared, agreed, agreement, kappa, kappa_low, kappa_high``: per tool, pair of
    reviewers and item (then ``overall``), the appraisals both answered, how many they agreed on, the proportion,
    and Cohen's kappa with its 95% CI; then an ``all items`` row with the item answers compared, agreed and the
    proportion of agreement over every item of the tool (no kappa). Pairs who compared nothing are left out."""
    answers: dict[tuple[str, str, str, str], list[tuple[str, str]]] = {}
    tools: dict[str, Tool] = {}
    for compared, item, _ in _rows(teams):
        tools[compared.tool.id] = compared.tool
        for a, b in combinations(sorted(item.entries), 2):
            answers.setdefault((compared.tool.id, a, b, item.item), []).append((item.answers[a], item.answers[b]))
    rows = []
    for tool_id, a, b in dict.fromkeys(k[:3] for k in sorted(answers)):
        tool = tools[tool_id]
        for item in [*(i.id for i in tool.items), OVERALL]:
            rows.append(_row(tool, item, a, b, answers.get((tool_id, a, b, item), [])))
        every = [p for i in tool.items for p in answers.get((tool_id, a, b, i.id), [])]
        agreed = sum(x == y for x, y in every)
        rows.append({"tool": tool_id, "item": ALL_ITEMS, "rater_a": a, "rater_b": b, "compared": len(every),
                     "agreed": agreed, "agreement": agreed / len(every) if every else np.nan,
                     "kappa": np.nan, "kappa_low": np.nan, "kappa_high": np.nan})
    return pd.DataFrame(rows, columns=AGREEMENT)
