"""A study's risk of bias judged by two or more reviewers independently: each appraisal compared item by item and
overall, and the appraisal that stands (the consensus's answers, else those every reviewer gave; an item in conflict
or waiting leaves the appraisal pending, its overall judgment None).

Answers are choices, compared exactly; quotes by the passage they point to (the same record, overlapping text). A
consensus answer must be one that a reviewer gave, or carry a note saying why it is neither. Once every item stands,
the overall judgment is the consensus's, else the one the reviewers agree on, else the tool's rule, unless a
reviewer made a judgment of their own (a stricter one, or with a tool that has no rule): that waits for the consensus.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviewkit.appraisal.model import Appraisal, ItemJudgment
from reviewkit.appraisal.tools import Overall, Tool, roll_up, stated_overall
from reviewkit.core.errors import ReviewInputError
from reviewkit.core.storage import YamlDoc
from reviewkit.core.team import AGREED, CONFLICT, CONSENSUS, Compared, compare

OVERALL = "overall"
AppraisalKey = tuple[str, "str | None"]  # the tool, and the report for a report's appraisal (Appraisal.key)


class ItemComparison(Compared):
    """One item (``overall``: the overall judgment) of an appraisal as each reviewer (reviewer → judgment; those
    who answered) and the consensus gave it."""

    @property
    def item(self) -> str:
        return self.key

    @property
    def answers(self) -> dict[str, str]:
        return {r: e.answer for r, e in self.entries.items()}


@dataclass(frozen=True)
class AppraisalComparison:
    """One appraisal of a study as the reviewers and the consensus made it: its items, then the overall judgment,
    compared, and the appraisal that stands."""

    key: AppraisalKey
    items: tuple[ItemComparison, ...]
    standing: Appraisal

    @property
    def tool(self) -> Tool:
        return self.standing.tool

    @property
    def unsettled(self) -> list[ItemComparison]:
        """The items in conflict with no consensus answer, and the overall judgment if it is in conflict and does
        not stand (an overall that only followed the items' answers is settled with them)."""
        return [c for c in self.items if c.status == CONFLICT and c.consensus is None
                and (c.item != OVERALL or self.standing.overall is None)]


@dataclass(frozen=True)
class TeamAppraisals:
    """A study's reviewers' appraisals, the consensus's (if any) and the appraisals that stand."""

    study: str
    reviewers: dict[str, list[Appraisal]]
    consensus: list[Appraisal] | None
    appraisals: tuple[AppraisalComparison, ...]

    @property
    def standing(self) -> list[Appraisal]:
        return [a.standing for a in self.appraisals]


def overall_entry(appraisal: Appraisal) -> ItemJudgment | None:
    """An appraisal's overall judgment as an item (``overall``), None while pending."""
    overall: Overall | None = appraisal.overall
    return None if overall is None else ItemJudgment(OVERALL, overall.judgment, overall.level, (), appraisal.overall_note)


def _stated_entry(appraisal: Appraisal) -> ItemJudgment | None:
    """The overall judgment an appraisal's file states, as an item (a consensus may state it with few items or none)."""
    if appraisal.stated is None:
        return None
    level = next((a.level for a in [*appraisal.tool.answers, *appraisal.tool.overall.answers]
                  if a.answer == appraisal.stated), "not applicable")
    return ItemJudgment(OVERALL, appraisal.stated, level, (), appraisal.overall_note)


def _own_judgment(appraisal: Appraisal) -> bool:
    """Whether a reviewer's overall is a judgment of their own, not the tool's rule (stricter, or no rule)."""
    if appraisal.overall is None:
        return False
    rule = roll_up(appraisal.tool, {k: v.answer for k, v in appraisal.items.items()})
    return rule is None or rule.judgment != appraisal.overall.judgment


class _Where:
    """Where an appraisal of the consensus file is, for its problems' file, line and field."""

    def __init__(self, doc: YamlDoc | None, appraisal: Appraisal) -> None:
        self.doc, self.study, self.index = doc, appraisal.study, 0
        raw = doc.data.get("appraisals") if doc is not None and isinstance(doc.data, dict) else None
        for index, entry in enumerate(raw if isinstance(raw, list) else []):
            if isinstance(entry, dict) and _matches(entry, appraisal):
                self.index = index
                break

    def error(self, keys: tuple[str, ...], message: str) -> ReviewInputError:
        path = ("appraisals", self.index, *keys)
        return ReviewInputError(self.doc.path if self.doc else CONSENSUS, f"study {self.study!r}: {message}",
                                line=self.doc.line(path) if self.doc else None,
                                field=f"appraisals[{self.index}]." + ".".join(keys))


def _matches(raw: dict[str, Any], appraisal: Appraisal) -> bool:
    if raw.get("tool") != appraisal.tool.id or (raw.get("source_type") is None) != (appraisal.source_type is None):
        return False
    return appraisal.source_type is None or str(raw.get("record", appraisal.record)) == appraisal.record


def _unsupported(kind: str, agreed: ItemJudgment, given: dict[str, ItemJudgment], where: _Where,
                 keys: tuple[str, ...], also: tuple[str, ...] = ()) -> list[ReviewInputError]:
    """A consensus answer no reviewer gave (nor the tool's rule, ``also``) without a note saying why."""
    if agreed.note or agreed.answer in {e.answer for e in given.values()} | set(also):
        return []
    answers = "; ".join(f"{r}: {e.answer!r}" for r, e in given.items()) or "no reviewer has answered"
    return [where.error(keys, f"the consensus {kind} {agreed.answer!r} is not one a "
                              f"reviewer gave ({answers}): say why in its note")]


def _standing_overall(
    tool: Tool, items: dict[str, ItemJudgment], compared: ItemComparison, given: dict[str, Appraisal], where: _Where,
) -> tuple[Overall | None, str | None, list[ReviewInputError]]:
    """The overall judgment that stands once every item does (else None), the judgment stated, and any problem."""
    if len(items) < len(tool.items):
        return None, None, []
    answers = {k: v.answer for k, v in items.items()}
    if compared.consensus is not None:
        overall, problem = stated_overall(tool, answers, compared.consensus.answer)
        if problem:
            return None, None, [where.error((OVERALL,), f"tool {tool.id}, overall: {problem}")]
        return overall, compared.consensus.answer, []
    if compared.status == AGREED:
        stated = compared.standing.answer if compared.standing else None
        overall, problem = stated_overall(tool, answers, stated)
        if not problem:
            return overall, stated, []
    if any(_own_judgment(a) for a in given.values()):
        return None, None, []
    overall, problem = stated_overall(tool, answers, None)
    return (None if problem else overall), None, []


def _compare_appraisal(
    key: AppraisalKey, given: dict[str, Appraisal], agreed: Appraisal | None, doc: YamlDoc | None, expected: int,
) -> tuple[AppraisalComparison, list[ReviewInputError]]:
    first = agreed or next(iter(given.values()))
    tool, where, errors = first.tool, _Where(doc, agreed or first), []
    comparisons = []
    for item in tool.items:
        entries = {r: a.items[item.id] for r, a in given.items() if item.id in a.items}
        settled = agreed.items.get(item.id) if agreed else None
        if settled is not None:
            errors += _unsupported(f"answer to {item.id}", settled, entries, where, ("items", item.id))
        status = compare({r: e.answer for r, e in entries.items()}, expected)
        comparisons.append(ItemComparison(item.id, status, entries, settled))
    items = {c.item: c.standing for c in comparisons if c.standing is not None}
    overalls = {r: e for r, a in given.items() if (e := overall_entry(a)) is not None}
    stated = _stated_entry(agreed) if agreed else None
    compared = ItemComparison(OVERALL, compare({r: e.answer for r, e in overalls.items()}, expected), overalls, stated)
    overall, judgment, found = _standing_overall(tool, items, compared, given, where)
    errors += found
    if stated is not None and not found:
        rule = roll_up(tool, {k: v.answer for k, v in items.items()}) if len(items) == len(tool.items) else None
        errors += _unsupported("overall judgment", stated, overalls, where, (OVERALL,), (rule.judgment,) if rule else ())
    note = (agreed.overall_note if stated is not None and agreed else
            first.overall_note if compared.status == AGREED and judgment is not None else "")
    standing = Appraisal(first.study, tool, first.record, first.source_type,
                         {i.id: items[i.id] for i in tool.items if i.id in items}, overall, note, judgment)
    return AppraisalComparison(key, (*comparisons, compared), standing), errors


def merge(
    study: str, reviewers: dict[str, list[Appraisal]], consensus: list[Appraisal] | None,
    consensus_doc: YamlDoc | None, expected: int,
) -> tuple[TeamAppraisals, list[ReviewInputError]]:
    """Compare the reviewers' appraisals of ``study`` (``expected`` reviewers at least) appraisal by appraisal and
    item by item, and check the consensus's against them."""
    reviewers = dict(sorted(reviewers.items()))
    keys = list(dict.fromkeys(a.key for found in [*reviewers.values(), consensus or []] for a in found))
    compared, errors = [], []
    for key in keys:
        given = {r: a for r, found in reviewers.items() for a in found if a.key == key}
        agreed = next((a for a in consensus or [] if a.key == key), None)
        comparison, found = _compare_appraisal(key, given, agreed, consensus_doc, expected)
        compared.append(comparison)
        errors += found
    return TeamAppraisals(study, reviewers, consensus, tuple(compared)), errors


def complete(appraisal: Appraisal) -> bool:
    """Whether a reviewer's appraisal is finished: every item answered, and the overall judgment made (the tool's
    rule makes it from the items; a tool with no rule needs the reviewer's)."""
    return not appraisal.missing and appraisal.overall is not None


def _done(found: list[Appraisal], kind: str | None, record: str) -> bool:
    """Whether ``found`` has the study's own appraisal (``kind`` None), or that of report ``record``, complete."""
    return any(complete(a) for a in found if (a.source_type is None) == (kind is None)
               and (kind is None or a.record == record))


def finished(team: TeamAppraisals | None, wanted: list[tuple[str | None, str]]) -> list[str]:
    """The reviewers of a study who finished, in their own file, every appraisal the study calls for (``wanted``:
    ``(source type or None, record)`` as ``appraisal.plan.expected_appraisals`` gives them); none while it calls for
    none (its design, which decides the tool, not extracted yet)."""
    if team is None or not wanted:
        return []
    return [r for r, found in team.reviewers.items() if all(_done(found, k, record) for k, record in wanted)]


def comparison_open(team: TeamAppraisals | None, wanted: list[tuple[str | None, str]], expected: int) -> bool:
    """Whether a study's reviewers may see one another's appraisals: ``expected`` reviewers (the protocol's
    ``independent_reviewers.risk_of_bias``) at least have a file of it, and every one of them has finished
    (``finished``)."""
    done = finished(team, wanted)
    return team is not None and len(done) == len(team.reviewers) >= expected
