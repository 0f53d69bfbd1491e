"""The review protocol (``review/protocol.yml``): loaded and validated with pydantic."""
from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.core.outcome import COUNT_FIELDS, MetaAnalysis, Outcome
from reviewkit.core.storage import read_yaml

PROTOCOL_FILE = "protocol.yml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PICO(_Strict):
    population: str
    intervention: str
    comparator: str
    outcomes: str
    study_designs: str


class Source(_Strict):
    """Where records come from; ``kind`` is the PRISMA 2020 column it counts in. ``format: text`` reads a
    folder of documents; ``format: export`` reads a database export file (RIS, MEDLINE/nbib, BibTeX,
    CSV/TSV/XLSX), whose malformed records are skipped and counted (``on_error: skip``) or stop the run."""

    id: str
    name: str
    kind: Literal["databases_registers", "other_methods"]
    path: str
    format: Literal["text", "export"] = "text"
    on_error: Literal["skip", "stop"] = "skip"
    searched: str | None = None
    round: str | None = None  # the search round that found it (an id in ``rounds``); none: the first round


class Round(_Strict):
    """A search round of an updated (living) review: its id, the date it was run and an optional label. A
    source names its round; sources that name none belong to the first round."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    date: datetime.date | None = None
    label: str | None = None


class IndependentReviewers(_Strict):
    """How many reviewers judge each study independently at each stage; with two or more, each reviewer's answers
    are a file of their own and disagreements are settled in a consensus file (``core.team``)."""

    extraction: int = Field(1, ge=1)
    risk_of_bias: int = Field(1, ge=1)


class ExclusionReason(_Strict):
    id: str
    label: str


class Criterion(_Strict):
    """An eligibility criterion with the text rules that suggest whether a record meets it.

    ``met_if`` and ``not_met_if`` are regular expressions (case-insensitive) matched
    sentence by sentence; a criterion whose rules both fire, or neither, is unclear.
    """

    id: str
    label: str
    description: str
    met_if: list[str] = Field(default_factory=list)
    not_met_if: list[str] = Field(default_factory=list)
    exclusion_reason: str

    @field_validator("met_if", "not_met_if")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except (re.error, RecursionError, OverflowError) as exc:
                raise ValueError(f"invalid regular expression {excerpt(pattern)!r}: {excerpt(str(exc))}") from None
        return patterns


class FormField(_Strict):
    """One field of the data extraction form."""

    key: str
    type: Literal["integer", "number", "text", "choice", "list"]  # number: a decimal (a mean, an SD, an estimate)
    description: str
    choices: list[str] | None = None

    @model_validator(mode="after")
    def _choices_for_choice(self) -> "FormField":
        if self.type == "choice" and not self.choices:
            raise ValueError(f"field {self.key!r} is a choice field but lists no choices")
        return self


class Protocol(_Strict):
    title: str
    review_question: str
    authors: list[str]
    registration: str
    support: str | None = None  # sources of financial or non-financial support (PRISMA 2020 item 25)
    competing_interests: str | None = None  # of the review authors (item 26)
    availability: str | None = None  # where the review's data, code and materials are public (item 27)
    pico: PICO
    sources: list[Source]
    rounds: list[Round] = []
    exclusion_reasons: list[ExclusionReason]
    eligibility: list[Criterion]
    extraction_form: list[FormField]
    outcomes: list[Outcome]
    risk_of_bias_tools: dict[str, str]
    synthesis: str
    meta_analysis: MetaAnalysis = MetaAnalysis()
    independent_reviewers: IndependentReviewers = IndependentReviewers()
    # the screening ranking model (reviewkit.screening.prioritise.ranker.MODELS); none: the default chosen by
    # benchmarks/screening.py --select
    ranking_model: Literal["svm_then_lr", "svm", "nb", "lr", "lr_words", "svm_lr", "embed", "ensemble", "ngrams"] | None = None
    certainty: str

    def reference_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(where, problem) for each id named but not defined, and each id defined twice, at the place it stands."""
        problems: list[tuple[tuple[str | int, ...], str]] = []
        reasons = {r.id for r in self.exclusion_reasons}
        for i, criterion in enumerate(self.eligibility):
            if criterion.exclusion_reason not in reasons:
                problems.append((("eligibility", i, "exclusion_reason"),
                                 f"criterion {excerpt(criterion.id)!r} names exclusion reason "
                                 f"{excerpt(criterion.exclusion_reason)!r}, "
                                 f"which is not in exclusion_reasons ({', '.join(sorted(reasons))})"))
        fields = {f.key: f for f in self.extraction_form}
        for i, outcome in enumerate(self.outcomes):
            named = {**outcome.fields, "result_field": outcome.result_field, "direction_field": outcome.direction_field}
            for name, key in named.items():
                if key is not None and key not in fields:
                    problems.append((("outcomes", i, name),
                                     f"outcome {excerpt(outcome.id)!r} names form field {excerpt(key)!r}, "
                                     "not in extraction_form"))
                elif key is not None and name in outcome.fields:
                    allowed = ("integer",) if name in COUNT_FIELDS else ("integer", "number")
                    if fields[key].type not in allowed:
                        problems.append((("outcomes", i, name),
                                         f"outcome {excerpt(outcome.id)!r} reads {name} from {excerpt(key)!r}, a "
                                         f"{fields[key].type} field: it must be {' or '.join(allowed)}"))
        settings = self.meta_analysis
        for name, keys in (("group_by", [settings.group_by] if settings.group_by else []),
                           ("moderators", settings.moderators)):
            for j, key in enumerate(keys):
                if key not in fields:
                    where = ("meta_analysis", name) if name == "group_by" else ("meta_analysis", name, j)
                    problems.append((where, f"meta_analysis {name} names form field {excerpt(key)!r}, "
                                            "not in extraction_form"))
        problems += self._round_problems()
        for name, attribute, items in (
            ("sources", "id", self.sources), ("rounds", "id", self.rounds), ("exclusion_reasons", "id", self.exclusion_reasons),
            ("eligibility", "id", self.eligibility), ("extraction_form", "key", self.extraction_form),
            ("outcomes", "id", self.outcomes),
        ):
            first: dict[str, int] = {}
            for i, item in enumerate(items):
                value = getattr(item, attribute)
                if value in first:
                    problems.append(((name, i, attribute), f"{name} repeats the {attribute} {excerpt(value)!r} "
                                                           f"(first given as item {first[value] + 1})"))
                first.setdefault(value, i)
        return problems

    def _round_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Sources naming a round not in ``rounds``; round dates out of order."""
        ids = [r.id for r in self.rounds]
        problems: list[tuple[tuple[str | int, ...], str]] = [
            (("sources", i, "round"), f"source {excerpt(s.id)!r} names round {excerpt(s.round)!r}, which is not in "
                                      f"rounds ({', '.join(ids) or 'none listed'})")
            for i, s in enumerate(self.sources) if s.round is not None and s.round not in ids]
        dated = [(i, r) for i, r in enumerate(self.rounds) if r.date is not None]
        problems += [(("rounds", i, "date"), f"round {r.id!r} is dated {r.date}, before round {p.id!r} ({p.date}) "
                                             "listed above it: list the rounds in the order they were run")
                     for (_, p), (i, r) in zip(dated, dated[1:]) if r.date < p.date]
        return problems

    def round_number(self, source: Source) -> int:
        """The 1-based place of a source's round among the rounds: 1 for the first round, or a review without rounds."""
        ids = [r.id for r in self.rounds]
        return ids.index(source.round) + 1 if source.round in ids else 1

    def source_rounds(self) -> dict[str, int]:
        """Each source id and the number of its round (``round_number``), to look records' rounds up by source."""
        return {s.id: self.round_number(s) for s in self.sources}

    @property
    def latest_round(self) -> int:
        """The number of the review's latest search round (1 for a review of one round)."""
        return max(len(self.rounds), 1)

    def round_id(self, number: int) -> str:
        """The id of the round at a 1-based place ("" for a review without rounds)."""
        return self.rounds[number - 1].id if self.rounds else ""

    def sources_by_round(self) -> list[Source]:
        """The sources, earlier rounds first (in protocol order within a round): records of an earlier round come
        first, so de-duplication keeps them and a later round's copy of a record screened before is removed."""
        return sorted(self.sources, key=self.round_number)

    def reason_label(self, reason_id: str) -> str:
        return {r.id: r.label for r in self.exclusion_reasons}[reason_id]

    def field(self, key: str) -> FormField:
        return {f.key: f for f in self.extraction_form}[key]


def load_protocol(review_dir: str | Path) -> Protocol:
    """Load ``protocol.yml`` from a review folder; every problem names the file, line and key."""
    path = Path(review_dir) / PROTOCOL_FILE
    doc = read_yaml(path)
    data = doc.data
    if not isinstance(data, dict):
        raise ReviewInputError(path, "the protocol must be a mapping of keys to values", line=1)
    try:
        protocol = Protocol.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(part) for part in loc) or None
            message = excerpt(err["msg"])
            if err["type"] == "extra_forbidden":
                message = "unknown key"
            elif err["type"] == "missing":
                message = "required key is missing"
            errors.append(ReviewInputError(path, message, line=doc.line(loc), field=key))
    else:
        errors = [ReviewInputError(path, problem, line=doc.line(loc), field=".".join(map(str, loc)))
                  for loc, problem in protocol.reference_problems()]
        if not errors:
            return protocol
    raise_collected(errors)  # outside the except block: the pydantic traceback is not the reviewer's business
    raise AssertionError("unreachable: the errors are raised")


def source_dir(review_dir: str | Path, source: Source) -> Path:
    """A source's folder, resolved against the review folder."""
    return (Path(review_dir) / source.path).resolve()
