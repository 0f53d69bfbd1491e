"""Risk-of-bias tools held as data, and the rules that roll item answers up into an overall judgment.

One YAML file per tool: the package's own in ``reviewkit/appraisal/tool_templates/`` and a review's in
``review/rob_tools/`` (adding a tool is adding a file). A tool lists its items, the answers it
allows (each drawn at a robvis level), and its overall rule: ``worst`` (the most severe item,
with an optional no-information clause and judgments the reviewer may make stricter), ``sum``
(item scores added up, optional bands to colour the total) or ``reviewer`` (no rule: the reviewer
states the overall from the listed answers).
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reviewkit.core.errors import ReviewInputError, excerpt
from reviewkit.core.storage import YamlDoc, read_yaml

USER_TOOLS_DIR = "rob_tools"
Level = Literal["low", "some concerns", "high", "critical", "no information", "not applicable"]
LEVELS: tuple[str, ...] = Level.__args__  # type: ignore[attr-defined]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answer(_Strict):
    """An answer the tool allows, the robvis level it is drawn as, and its score for ``sum`` tools."""

    answer: str
    level: Level
    score: int | None = None
    meaning: str = ""


class Item(_Strict):
    """An item or domain: ``label`` is short, for plots; ``text`` is our own wording of it."""

    id: str
    label: str
    text: str


class Stricter(_Strict):
    """The reviewer may state ``to`` where the rule gives ``from`` and ``min_items`` items are at ``from``."""

    from_: str = Field(alias="from")
    to: str
    min_items: int = 1


class Band(_Strict):
    """For ``sum`` tools: totals of at least ``min`` are called ``judgment`` and drawn at ``level``."""

    min: int
    judgment: str
    level: Level


class OverallRule(_Strict):
    rule: Literal["worst", "sum", "reviewer"]
    order: list[str] = []  # worst: answers from least to most severe
    no_information: str | None = None  # worst: the answer that means a lack of information
    no_information_below: str | None = None  # worst: ... which decides the overall if the worst is below this
    stricter: list[Stricter] = []  # worst: stricter overall judgments the reviewer may state
    bands: list[Band] = []  # sum: from the highest minimum down
    answers: list[Answer] = []  # reviewer: the overall judgments to choose from


class Tool(_Strict):
    id: str
    name: str
    citation: str
    answers: list[Answer]
    items: list[Item]
    overall: OverallRule

    @model_validator(mode="after")
    def _consistent(self) -> "Tool":
        names = [a.answer for a in self.answers]
        for kind, ids in (("item", [i.id for i in self.items]), ("answer", names)):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{kind} id(s) repeated: {', '.join(dupes)}")
        rule = self.overall
        named = rule.order + [n for n in (rule.no_information, rule.no_information_below) if n]
        named += [n for s in rule.stricter for n in (s.from_, s.to)]
        unknown = [n for n in named if n not in names]
        if unknown:
            raise ValueError(f"overall names answer(s) the tool does not allow: {unknown}")
        if rule.rule == "worst" and not rule.order:
            raise ValueError("rule 'worst' needs 'order', the answers from least to most severe")
        if rule.rule == "sum" and any(a.score is None for a in self.answers):
            raise ValueError("rule 'sum' needs a 'score' for every answer")
        if rule.rule == "reviewer" and not rule.answers:
            raise ValueError("rule 'reviewer' needs 'answers', the overall judgments to choose from")
        return self

    def answer(self, name: str) -> Answer | None:
        return next((a for a in self.answers if a.answer == name), None)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def max_score(self) -> int:
        return len(self.items) * max(a.score or 0 for a in self.answers)


@dataclass(frozen=True)
class Overall:
    """An overall judgment and the robvis level it is drawn as; ``note`` says how it was reached."""

    judgment: str
    level: str
    note: str = ""


def parse_tool(doc: YamlDoc) -> Tool:
    """A tool definition from its YAML file; every problem names the file, line and key."""
    data, path = doc.data, doc.path
    if not isinstance(data, dict):
        raise ReviewInputError(path, "a tool definition must be a mapping", line=1)
    try:
        tool = Tool.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        if len(exc.errors()) > 1:
            message += f" (and {len(exc.errors()) - 1} more problem(s))"
        raise ReviewInputError(
            path, message, line=doc.line(loc), field=".".join(map(str, loc)) or None
        ) from None
    if tool.id != path.stem:
        raise ReviewInputError(path, f"the file of tool {excerpt(tool.id)!r} must be named {excerpt(tool.id)}.yml",
                               line=doc.line(("id",)), field="id")
    return tool


def _tool_files(review_dir: str | Path | None) -> list[tuple[Path, bool]]:
    """(file, built in) for every tool file: the package's, then the review's."""
    package = resources.files("reviewkit.appraisal").joinpath("tool_templates")
    files = [(Path(str(p)), True) for p in package.iterdir() if p.name.endswith(".yml")]
    if review_dir is not None and (Path(review_dir) / USER_TOOLS_DIR).is_dir():
        files += [(p, False) for p in (Path(review_dir) / USER_TOOLS_DIR).glob("*.yml")]
    return sorted(files, key=lambda f: (not f[1], f[0].name))


def read_tools(review_dir: str | Path | None = None) -> tuple[dict[str, Tool], list[ReviewInputError]]:
    """Every tool (built in, and the review's ``rob_tools/*.yml``) and every problem in their files."""
    tools: dict[str, Tool] = {}
    errors: list[ReviewInputError] = []
    for path, built_in in _tool_files(review_dir):
        try:
            tool = parse_tool(read_yaml(path))
        except ReviewInputError as exc:
            errors.append(exc)
            continue
        if tool.id in tools:
            errors.append(ReviewInputError(path, f"tool id {tool.id!r} is built in; give your tool another id", field="id"))
            continue
        tools[tool.id] = tool
    return tools, errors


def worst(tool: Tool, answers: dict[str, str]) -> Overall:
    """The most severe answer in ``order``; no information instead where the tool's clause says so."""
    rule = tool.overall
    ranked = [a for a in answers.values() if a in rule.order]
    top = max(ranked, key=rule.order.index) if ranked else None
    lacking = rule.no_information is not None and rule.no_information in answers.values()
    below = rule.order.index(rule.no_information_below) if rule.no_information_below else len(rule.order)
    if lacking and (top is None or rule.order.index(top) < below):
        judgment, note = rule.no_information, f"some item is {rule.no_information!r} and none is as severe as {rule.no_information_below!r}"
    elif top is None:
        judgment, note = "not applicable", "no item has an answer the rule ranks"
    else:
        judgment, note = top, "the most severe item judgment"
    answer = tool.answer(judgment)
    return Overall(judgment, answer.level if answer else "not applicable", note)


def total(tool: Tool, answers: dict[str, str]) -> Overall:
    """The sum of the item scores out of the maximum; its band, if the tool sets bands, gives the level."""
    score = sum(tool.answer(a).score or 0 for a in answers.values())  # type: ignore[union-attr]
    band = next((b for b in sorted(tool.overall.bands, key=lambda b: -b.min) if score >= b.min), None)
    note = f"{band.judgment} (band from {band.min})" if band else "sum of item scores"
    return Overall(f"{score}/{tool.max_score}", band.level if band else "not applicable", note)


RULES = {"worst": worst, "sum": total}


def roll_up(tool: Tool, answers: dict[str, str]) -> Overall | None:
    """The overall judgment the tool's rule gives for a full set of item answers; None for ``reviewer`` tools."""
    rule = RULES.get(tool.overall.rule)
    return rule(tool, answers) if rule else None


def stated_overall(tool: Tool, answers: dict[str, str], stated: str | None) -> tuple[Overall | None, str | None]:
    """The overall judgment of an appraisal and, if the reviewer's statement is not allowed, why.

    ``reviewer`` tools take the stated judgment (required, one of the listed answers); the other
    tools compute it, and a stated one must agree or be a stricter judgment the tool allows.
    """
    computed = roll_up(tool, answers)
    if computed is None:
        choices = {a.answer: a for a in tool.overall.answers}
        if stated is None:
            return None, f"{tool.id} has no overall rule: state the overall judgment, one of {list(choices)}"
        if stated not in choices:
            return None, f"overall judgment {stated!r} is not one of {list(choices)}"
        return Overall(stated, choices[stated].level, "the reviewer's judgment"), None
    if stated is None or _same(stated, computed.judgment, tool):
        return computed, None
    for step in tool.overall.stricter:
        at = sum(1 for a in answers.values() if a == step.from_)
        if computed.judgment == step.from_ and stated == step.to and at >= step.min_items:
            answer = tool.answer(step.to)
            return Overall(stated, answer.level if answer else computed.level, f"the reviewer's stricter judgment ({at} items {step.from_!r})"), None
    return computed, f"stated overall {stated!r} contradicts the rule of {tool.id}: {computed.judgment!r} ({computed.note})"


def _same(stated: str, computed: str, tool: Tool) -> bool:
    """Whether a stated overall is the computed one (a ``sum`` total may be stated without its maximum)."""
    return stated == computed or (tool.overall.rule == "sum" and f"{stated}/{tool.max_score}" == computed)


def tools_table(tools: dict[str, Tool]) -> pd.DataFrame:
    """One row per tool: its id, name, number of items, the answers it allows, its overall rule and citation."""
    return pd.DataFrame([{"tool": t.id, "name": t.name, "items": len(t.items), "answers": ", ".join(a.answer for a in t.answers),
                          "overall rule": t.overall.rule, "citation": t.citation} for t in tools.values()])
