"""Fuzzing the reviewer's files, each through the function the workbook reads it with.

Each example writes one file of a copy of the seed review: the real file with its data edited (values replaced
by random structures, keys removed or added) and dumped as YAML or CSV, random data of the file's shape, or the
real text mutated (lines deleted, duplicated, swapped, re-indented; ``: ``, tabs, NUL, aliases, very long
values put in; re-encoded, cut short). Whatever the file holds, its reader gives results or
``ReviewInputError``s naming the file and a line in it, with a short message: never another exception.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from conftest import ROOT
from hypothesis import example, given
from hypothesis import strategies as st

from fuzz.strategies import (
    LONG,
    REGEX_BOMBS,
    TRICKY,
    YAML_BOMBS,
    check_error,
    csv_text,
    dump,
    errors_of,
    line_count,
    mutated_bytes,
    mutated_data,
    scalars,
    yaml_data,
)
from reviewkit.appraisal.judgments import read_appraisals
from reviewkit.core.protocol import Protocol, load_protocol
from reviewkit.extraction.forms import read_forms
from reviewkit.extraction.vocabularies import VOCABULARIES_FILE, load_vocabularies
from reviewkit.records.dedup.decisions import read_dedup_decisions
from reviewkit.records.model import Record
from reviewkit.records.sources import load_records
from reviewkit.records.studies import read_studies
from reviewkit.screening.decisions import COLUMNS, validate
from reviewkit.synthesis.grade import DOMAINS, LEVELS, read_grades

REVIEW = ROOT / "review"
PACKAGE = ROOT / "src" / "reviewkit"
RECORDS = ["000_ce438576644deecb", "001_196e19df0f4e6c1c", "002_57e1d13fb9b03d75", "003_50e99ab7af3fb43d",
           "004_9b513498cdacdf32"]
STUDIES = ["genchi-2023", "hirota-2024", "honmou-2021", "msc-cm-chronic-fatigue-2025"]
YAML_TOKENS = ["key: value", "- item", "  - x", "? a", "&a x", "*a", "a: &a [1]", "b: *a", "---", "...", "%YAML 1.1",
               "!!str", "!!int x", "!!map", "!!set {a}", "{a: 1, a: 2}", "a: b: c", "\t- x", "[a, b", "a:", "'a", "|-",
               "? [a, b]\n: c", "? {a: 1}\n: c"]
HEADER = ",".join(COLUMNS) + "\n"
STAMP = "2025-03-01T10:00:00Z"
Reader = Callable[[Path, Protocol, list[Record]], list[Any]]


@dataclass(frozen=True)
class Seed:
    """The seed review's protocol and records (left out of Hypothesis's report of a failing example)."""

    protocol: Protocol = field(repr=False)
    records: list[Record] = field(repr=False)


@dataclass(frozen=True)
class ReviewerFile:
    """A reviewer's file: where it is in the review, its text in the seed review, what the fuzzer writes there,
    and the workbook's reader of it, which returns the problems it lists (raising the others)."""

    path: str
    text: str
    inputs: st.SearchStrategy[bytes]
    read: Reader
    others: tuple[str, ...] = ()  # files whose problems a change of this one may bring up


def yaml_file(path: str, text: str, read: Reader, keys: list[str], values: list[Any],
              tokens: list[str] = TRICKY + REGEX_BOMBS + YAML_BOMBS) -> ReviewerFile:
    """A YAML file: its data edited, random data keyed by its ``keys`` (and others) holding its ``values`` (and
    others), or its text mutated with YAML syntax, its keys and ``tokens``."""
    shapes = yaml_data(keys, st.one_of(scalars(), st.sampled_from(values + keys)))
    lines = [f"{key}:" for key in keys] + [f"  {key}: {value}" for key in keys for value in values[:3]]
    inputs = st.one_of(mutated_data(yaml.safe_load(text), shapes).map(dump).map(str.encode),
                       shapes.map(dump).map(str.encode),
                       mutated_bytes(text, YAML_TOKENS + lines + tokens))
    return ReviewerFile(path, text, inputs, read)


def csv_file(path: str, text: str, read: Reader, columns: list[str], values: list[str],
             others: tuple[str, ...] = ()) -> ReviewerFile:
    """A CSV file: rows of its columns (or others) and values, or its text mutated."""
    inputs = st.one_of(csv_text(columns, values).map(str.encode),
                       mutated_bytes(text, columns + values + [",".join(columns)] + TRICKY + REGEX_BOMBS))
    return ReviewerFile(path, text, inputs, read, others)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _protocol(review: Path, protocol: Protocol, records: list[Record]) -> list[Any]:
    load_protocol(review)
    return []


def _dedup(review: Path, protocol: Protocol, records: list[Record]) -> list[Any]:
    read_dedup_decisions(review / "dedup.csv")
    return []


def _vocabularies(review: Path, protocol: Protocol, records: list[Record]) -> list[Any]:
    load_vocabularies(review)
    return []


def _appraisals(review: Path, protocol: Protocol, records: list[Record]) -> list[Any]:
    return read_appraisals(review, protocol, records)[3]


PROTOCOL = yaml_file(
    "protocol.yml", _text(REVIEW / "protocol.yml"), _protocol,
    ["sources", "eligibility", "met_if", "not_met_if", "id", "kind", "path", "format", "on_error", "extraction_form",
     "key", "type", "choices", "outcomes", "events_field", "meta_analysis"],
    ["export", "text", "skip", "choice", "integer", "[", "wrong_population", "../seeds"],
    TRICKY + REGEX_BOMBS + YAML_BOMBS,
)
SCREENING = csv_file(
    "screening/title_abstract/R1.csv", _text(REVIEW / "screening" / "title_abstract" / "R1.csv"),
    lambda review, protocol, records: validate(review, protocol, records), COLUMNS,
    [*RECORDS, "include", "exclude", "unsure", "Include", "wrong_population", "non_human", "R1",
     "2025-03-01T10:00:00Z", "2025-03-01T10:00:00+01:00", "2025-02-30T10:00:00Z", "9999-12-31T23:59:59-00:00"],
    ("screening/full_text/R1.csv",),  # a record excluded here has a full-text decision there
)
STUDIES_FILE = yaml_file(
    "studies.yml", _text(REVIEW / "studies.yml"),
    lambda review, protocol, records: read_studies(review, [r.id for r in records])[1],
    ["records", "primary_record", "label", "primary_citation", *RECORDS, *STUDIES], [*RECORDS, *STUDIES],
)
FORM = yaml_file(
    "extraction/genchi-2023.yml", _text(REVIEW / "extraction" / "genchi-2023.yml"),
    lambda review, protocol, records: read_forms(review, protocol, records)[2],
    ["value", "quote", "record", "note", "records", "discrepancies", "design", "n_participants", "sae_events",
     "sae_total", "route", "outcome_measures"],
    [*RECORDS, "not reported", "Not Reported", 12, -1, 0, "single-arm trial", "an open-label, phase 1 study"],
)
ROB = yaml_file(
    "rob/genchi-2023.yml", _text(REVIEW / "rob" / "genchi-2023.yml"), _appraisals,
    ["appraisals", "override", "tool", "reason", "record", "source_type", "items", "overall", "answer", "quote",
     "note", "judgment", "M1", "M2", "Q1", "D1"],
    [*RECORDS, *STUDIES, "minors", "jbi_case_series", "rob2", "aacods", "press release", "yes", "no", "unclear",
     0, 1, 2, "low", "high", "some concerns", "16/16", "an open-label, phase 1 study"],
)
TOOL = yaml_file(
    "rob_tools/own.yml",
    (PACKAGE / "appraisal" / "tool_templates" / "minors.yml").read_text(encoding="utf-8").replace("id: minors", "id: own"),
    _appraisals,
    ["id", "name", "citation", "answers", "answer", "level", "score", "meaning", "items", "label", "text", "overall",
     "rule", "order", "no_information", "no_information_below", "stricter", "from", "to", "min_items", "bands",
     "min", "judgment"],
    ["own", "minors", "worst", "sum", "reviewer", "low", "high", "no information", "2", "1", 0, -1],
)
GRADE = yaml_file(
    "grade.yml", _text(REVIEW / "grade.yml"), lambda review, protocol, records: read_grades(review, protocol)[1],
    ["start", "start_reason", "domains", "comment", "change", "reason", "serious_adverse_events", "improvement",
     *DOMAINS],
    [*LEVELS, 0, 1, -1, -2, 2, 3, True, "+1"],
)
DEDUP = csv_file(
    "dedup.csv", "ids,decision,note\n004_9b513498cdacdf32;003_50e99ab7af3fb43d,split,two studies\nr1;r2;r3,confirm,\n",
    _dedup, ["ids", "decision", "note"],
    ["confirm", "split", "CONFIRM", "r1;r2", "r2;r1", "r1;r1", ";", "r1", ";".join(RECORDS[:3])],
)
_VOCABULARIES = _text(PACKAGE / "extraction" / VOCABULARIES_FILE)
VOCABULARIES = yaml_file(
    "extraction_vocabularies.yml", _VOCABULARIES, _vocabularies,
    [*yaml.safe_load(_VOCABULARIES), "terms", "combined", "several", "patterns", "preferred", "people"],
    ["route", "design", "{duration}", "\\bx\\b", "[", "(?P<x>", "[" + LONG, *REGEX_BOMBS, None],
)
FILES = [PROTOCOL, SCREENING, STUDIES_FILE, FORM, ROB, TOOL, GRADE, DEDUP, VOCABULARIES]


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    """The seed review's protocol and records, read once: the fuzzed files do not change them."""
    root = tmp_path_factory.mktemp("seed")
    shutil.copytree(ROOT / "seeds", root / "seeds")
    shutil.copytree(REVIEW, root / "review", ignore=shutil.ignore_patterns("build"))
    protocol = load_protocol(root / "review")
    return Seed(protocol, load_records(root / "review", protocol))


def check(review: Path, seed: Seed, file: ReviewerFile, raw: bytes) -> None:
    """Write ``raw`` to the file and read it: only ``ReviewInputError``s come out, raised or returned, each naming
    the file (or another the change concerns), a line in it, in a short message."""
    path = review / file.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    returned, raised = errors_of(lambda: file.read(review, seed.protocol, seed.records))
    lines = {path: line_count(raw), **{review / p: line_count((review / p).read_bytes()) for p in file.others}}
    for error in (returned or []) + raised:
        named = Path(getattr(error, "path", ""))
        check_error(error, named if named in lines else path, lines.get(named), needs_line=True)


@pytest.mark.parametrize("file", FILES, ids=lambda f: f.path)
def test_the_files_the_fuzzers_start_from_have_no_problems(seed_review, seed, file):
    check(seed_review, seed, file, file.text.encode("utf-8"))
    assert file.read(seed_review, seed.protocol, seed.records) == []


@given(raw=PROTOCOL.inputs)
def test_protocol(seed_review, seed, raw):
    """``protocol.yml`` through ``load_protocol``."""
    check(seed_review, seed, PROTOCOL, raw)


@given(raw=SCREENING.inputs)
@example(raw=f"{HEADER}{LONG},include,,,R1,{STAMP}\n".encode())  # a record id echoed whole
@example(raw=f"{HEADER}{RECORDS[0]},{LONG},,,R1,{STAMP}\n".encode())  # a decision echoed whole
@example(raw=f"{HEADER}{RECORDS[0]},exclude,{LONG},,R1,{STAMP}\n".encode())  # a reason echoed whole
def test_screening_decisions(seed_review, seed, raw):
    """A reviewer's title/abstract decisions through ``screening.decisions.validate``."""
    check(seed_review, seed, SCREENING, raw)


@given(raw=STUDIES_FILE.inputs)
@example(raw=f"s:\n  records: [{RECORDS[0]}]\n  1: a\n  b: c\n".encode())  # TypeError sorting the unknown keys
@example(raw=f"s:\n  records: [{LONG}]\n".encode())  # a record id echoed whole
@example(raw=f"{RECORDS[0]}:\n  records: [{RECORDS[1]}]\n".encode())  # no line
def test_studies(seed_review, seed, raw):
    """``studies.yml`` through ``read_studies``."""
    check(seed_review, seed, STUDIES_FILE, raw)


@given(raw=FORM.inputs)
@example(raw=b"design:\n  ? ''\n  : null\n  0: null\n")  # TypeError sorting the unknown keys
@example(raw=b"discrepancies:\n- note: x\n  1: a\n  b: c\n")  # TypeError sorting the unknown keys
@example(raw=f"n_participants:\n  value: {LONG}\n  quote: x\n".encode())  # a value echoed whole
@example(raw=f"design:\n  value: single-arm trial\n  quote: x\n  record: {LONG}\n".encode())  # a record id echoed whole
@example(raw=f"discrepancies:\n- note: x\n  records: [{LONG}]\n".encode())  # record ids echoed whole
def test_extraction_form(seed_review, seed, raw):
    """A study's extraction form through ``read_forms``."""
    check(seed_review, seed, FORM, raw)


@given(raw=ROB.inputs)
@example(raw=b"appraisals:\n- appraisals: null\n  false: null\n")  # TypeError sorting the unknown keys
@example(raw=b"appraisals: []\n1: a\nb: c\n")  # TypeError sorting the unknown keys
@example(raw=f"appraisals:\n- tool: {LONG}\n".encode())  # a tool echoed whole
@example(raw=f"appraisals:\n- tool: minors\n  record: {LONG}\n".encode())  # a record id echoed whole
@example(raw=f"appraisals:\n- tool: minors\n  items:\n    M1:\n      answer: {LONG}\n      note: x\n".encode())  # answer echoed
@example(raw=f"appraisals:\n- tool: aacods\n  source_type: {LONG}\n".encode())  # a source type echoed whole
@example(raw=f"override:\n  tool: {LONG}\n  reason: x\nappraisals: []\n".encode())  # a tool echoed whole
def test_risk_of_bias_judgments(seed_review, seed, raw):
    """A study's risk-of-bias judgments through ``read_appraisals``."""
    check(seed_review, seed, ROB, raw)


@given(raw=TOOL.inputs)
@example(raw=TOOL.text.replace("id: own", "id: ''").encode())  # no line
@example(raw=TOOL.text.replace("id: own", f"id: {LONG}").encode())  # a tool id echoed whole
def test_risk_of_bias_tool(seed_review, seed, raw):
    """A review's own risk-of-bias tool (``rob_tools/own.yml``, MINORS renamed) through ``read_appraisals``."""
    check(seed_review, seed, TOOL, raw)


@given(raw=GRADE.inputs)
@example(raw=b"serious_adverse_events:\n  start: low\n  1: a\n")  # TypeError joining the unknown keys
@example(raw=f"serious_adverse_events:\n  start: {LONG}\n".encode())  # a level echoed whole
@example(raw=f"serious_adverse_events:\n  start: low\n  domains:\n    risk_of_bias: {{change: {LONG}}}\n".encode())  # echoed
def test_grade(seed_review, seed, raw):
    """``grade.yml`` through ``read_grades``."""
    check(seed_review, seed, GRADE, raw)


@given(raw=DEDUP.inputs)
@example(raw=f"ids,decision,note\na;b,{LONG},\n".encode())  # a decision echoed whole
@example(raw=f"ids,decision,note\n{LONG};{LONG},confirm,\n".encode())  # ids echoed whole
@example(raw=f"ids,decision,note\n{LONG};b,confirm,\n{LONG};b,split,\n".encode())  # ids echoed whole
def test_dedup_decisions(seed_review, seed, raw):
    """``dedup.csv`` through ``read_dedup_decisions``."""
    check(seed_review, seed, DEDUP, raw)


@given(raw=VOCABULARIES.inputs)
@example(raw=f"route:\n  terms:\n    x: ['{REGEX_BOMBS[0]}']\n".encode())  # RecursionError
@example(raw=f"route:\n  terms:\n    x: ['{REGEX_BOMBS[1]}']\n".encode())  # OverflowError
@example(raw=f"route:\n  terms:\n    x: ['[{LONG}']\n".encode())  # a pattern echoed whole
@example(raw=f"follow_up:\n  patterns: [{LONG}]\n".encode())  # a pattern echoed whole
@example(raw=f"fields:\n  x: {LONG}\n".encode())  # a kind echoed whole
def test_extraction_vocabularies(seed_review, seed, raw):
    """The review's ``extraction_vocabularies.yml`` (the package's, as a start) through ``load_vocabularies``."""
    check(seed_review, seed, VOCABULARIES, raw)
