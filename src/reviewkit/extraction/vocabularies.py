"""The extraction suggestions' vocabularies: what each kind of extractor looks for, and which form field it serves.

The package's are ``vocabularies.yml`` beside this module; a review changes them, without code, in its own
``extraction_vocabularies.yml`` (same shape, merged over the package's; see the head of ``vocabularies.yml``).
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.core.storage import YamlDoc, read_yaml
from reviewkit.extraction.grammar import DURATION, DURATION_SLOT

VOCABULARIES_FILE = "vocabularies.yml"  # in this package


REVIEW_VOCABULARIES_FILE = "extraction_vocabularies.yml"  # in a review folder, merged over the package's


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern.replace(DURATION_SLOT, DURATION), re.I)
    except (re.error, RecursionError, OverflowError) as exc:  # nested too deeply, a repeat count too large
        raise ValueError(f"{excerpt(pattern)!r} is not a valid regular expression: {exc}") from None
    return pattern


def _has_duration(pattern: str) -> str:
    if DURATION_SLOT not in pattern:
        raise ValueError(f"{excerpt(pattern)!r} has no {DURATION_SLOT}")
    return pattern


KIND_NAMES = ("participants", "route", "donor", "cell_source", "schedule", "follow_up", "serious_adverse_events", "design")


def _known_kind(kind: str) -> str:
    if kind not in KIND_NAMES:
        raise ValueError(f"unknown kind {excerpt(kind)!r}: one of {', '.join(KIND_NAMES)}")
    return kind


Pattern = Annotated[str, AfterValidator(_compiles)]


Patterns = Annotated[list[Pattern], Field(min_length=1)]


Terms = Annotated[dict[str, Patterns], Field(min_length=1)]


class _Vocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Participants(_Vocabulary):
    """Words that make "<number> ... <people>" a count of people treated (each section: see vocabularies.yml)."""

    people: Patterns
    not_treated: Patterns
    treated_before: Patterns
    treated_after: Patterns
    described_after: Patterns


class NamedTerms(_Vocabulary):
    """A choice read off the terms named: one term, the combination several form, else ``several``."""

    terms: Terms
    combined: dict[str, list[str]] = {}
    several: str


class CellSource(_Vocabulary):
    """Tissues (``terms``) named in a sentence about the product, best after an origin word."""

    product: Patterns
    origin: Patterns
    terms: Terms


class Schedule(_Vocabulary):
    """What is counted as an administration, and the intervals stated after one."""

    administrations: Patterns
    qualifiers: Patterns
    single: Patterns
    intervals: Patterns


class FollowUp(_Vocabulary):
    """Patterns of a time after treatment, each with a ``{duration}``."""

    patterns: Annotated[list[Annotated[Pattern, AfterValidator(_has_duration)]], Field(min_length=1)]


class SeriousAdverseEvents(_Vocabulary):
    """Harms, and the words that count them or say there were none."""

    serious: Patterns
    other_harms: Patterns
    negations: Patterns
    related_to: Patterns
    people: Patterns
    experienced: Patterns


class Design(_Vocabulary):
    """Designs in rank order, the one preferred wherever named, and words of other studies' sentences."""

    terms: Terms
    preferred: str | None = None
    elsewhere: Patterns


class Vocabularies(_Vocabulary):
    """What the extractors look for, and the kind that suggests each form field (``fields``, in suggestion order)."""

    fields: dict[str, Annotated[str, AfterValidator(_known_kind)]]
    participants: Participants
    route: NamedTerms
    donor: NamedTerms
    cell_source: CellSource
    schedule: Schedule
    follow_up: FollowUp
    serious_adverse_events: SeriousAdverseEvents
    design: Design


@lru_cache(maxsize=1)
def _package_data() -> dict[str, Any]:
    return yaml.safe_load(resources.files("reviewkit.extraction").joinpath(VOCABULARIES_FILE).read_text("utf-8"))


@lru_cache(maxsize=1)
def package_vocabularies() -> Vocabularies:
    """The vocabularies shipped with reviewkit."""
    return Vocabularies.model_validate(_package_data())


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: mappings merged key by key (a null value removes the key), other values replaced."""
    result = dict(base)
    for key, value in override.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


def load_vocabularies(review_dir: str | Path | None = None) -> Vocabularies:
    """The package's vocabularies, with the review's ``extraction_vocabularies.yml`` merged over them if it has one.

    Every problem in the review's file names the file, line and key.
    """
    if review_dir is None or not (path := Path(review_dir) / REVIEW_VOCABULARIES_FILE).is_file():
        return package_vocabularies()
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise ReviewInputError(path, "the vocabularies must be a mapping of keys to values", line=1)
    raise_collected([ReviewInputError(path, "key given twice", line=line, field=key) for key, line in doc.duplicate_keys()])
    try:
        return Vocabularies.model_validate(_merged(_package_data(), doc.data))
    except ValidationError as exc:
        errors = [_input_error(doc, err) for err in exc.errors()]
    raise_collected(errors)  # outside the except block: the pydantic traceback is not the reviewer's business
    raise AssertionError("unreachable: a ValidationError has at least one error")


def _input_error(doc: YamlDoc, err: Any) -> ReviewInputError:
    loc = tuple(err["loc"])
    messages = {"extra_forbidden": "unknown key", "missing": "required key is missing"}
    message = messages.get(err["type"], err["msg"].removeprefix("Value error, "))
    return ReviewInputError(doc.path, message, line=doc.line(loc), field=".".join(map(str, loc)) or None)
