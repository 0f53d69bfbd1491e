"""Which reports may describe one study: pairs of records with the evidence that links them (a suggestion
beside the reviewer's own links in ``studies.yml``, which decide)."""
from __future__ import annotations

import re
from itertools import combinations

import pandas as pd

from reviewkit.core.text import join_cell
from reviewkit.extraction.suggest import participant_counts
from reviewkit.records.model import Record
from reviewkit.records.studies import Study

_SKIP_WORDS = {"of", "the", "and", "&", "for", "in", "on"}
_NAME = re.compile(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b")
_ET_AL = re.compile(r"\b(?P<name>[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s+(?:[A-Z]{1,3}\.?\s+)?et al\b")
_BY_NAME = re.compile(r"\b(?P<first>[A-Z][a-z]+)\s+(?:[A-Z]\.\s+)?(?P<name>[A-Z][a-z]{2,}),\s+(?:coordinator|lead|senior|first|principal|author)")
_LONG_NUMBER = re.compile(r"(?<![\d.])\d{4,}(?![\d])")
_LINK_WEIGHTS = {"doi": 3, "authors": 2, "journal": 1, "participants": 1, "numbers": 1}


def _prefix_pattern(word: str) -> str:
    """A word or any abbreviation of it that keeps its start: Neurosurgery, Neurosurg, Neurosurg."""
    head, tail = re.escape(word[0]), word[1:]
    nested = ""
    for char in reversed(tail):
        nested = f"(?:{re.escape(char)}{nested})?"
    return head + nested + r"\.?"


def journal_pattern(name: str) -> re.Pattern[str]:
    """Matches a journal's full name and its standard abbreviations (Journal of Clinical Medicine ~ J Clin Med)."""
    words = [w for w in re.findall(r"[\w-]+", name) if w.lower() not in _SKIP_WORDS]
    return re.compile(r"\b" + r"\s+(?:(?:of|the|and|&)\s+)?".join(_prefix_pattern(w) for w in words) + r"(?!\w)", re.I)


def author_names(text: str) -> set[str]:
    """Surnames the text gives as authors: from author lists, 'Name X et al.' and 'First Surname, coordinator'."""
    names: set[str] = set()
    for raw in text.splitlines():
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        people = [p for p in parts if re.fullmatch(r"(?:[A-Z][\w'-]*\.?\s?){2,4}", p)]
        if len(parts) >= 4 and len(people) >= 0.6 * len(parts):
            names.update(w for p in people for w in p.split() if len(w) > 2 and not w.endswith("."))
    names.update(m.group("name") for m in _ET_AL.finditer(text))
    names.update(m.group("name") for m in _BY_NAME.finditer(text))
    return names


def _shared_names(a: Record, b: Record) -> list[str]:
    shared = []
    for names, other in ((author_names(a.text), b.text), (author_names(b.text), a.text)):
        words = set(_NAME.findall(other))
        shared.extend(n for n in names if n in words and not re.search(rf"\b{n.lower()}\b", other))
    return sorted(set(shared))


def _journal_links(a: Record, b: Record) -> list[str]:
    found = []
    for named_by, other in ((a, b), (b, a)):
        for journal in named_by.journals_mentioned:
            match = journal_pattern(journal).search(other.text)
            if match:
                found.append(f"{named_by.id} names the journal {journal!r}; {other.id} has {match.group()!r}")
    return found


def _counts(text: str) -> set[int]:
    return {count for count, score, _ in participant_counts(text) if score >= 2 and count > 1}


def _long_numbers(text: str) -> set[str]:
    return {n for n in _LONG_NUMBER.findall(text) if not 1900 <= int(n) <= 2099}


def link_evidence(a: Record, b: Record) -> dict[str, list[str]]:
    """What two records share that suggests they report one study, by kind of evidence."""
    evidence = {
        "doi": [f"both give doi {d}" for d in sorted(set(a.dois) & set(b.dois))],
        "authors": [f"author names in both: {', '.join(names)}"] if (names := _shared_names(a, b)) else [],
        "journal": _journal_links(a, b),
        "participants": [f"both report {n} participants" for n in sorted(_counts(a.text) & _counts(b.text))],
        "numbers": [f"both give the number {n}" for n in sorted(_long_numbers(a.text) & _long_numbers(b.text))],
    }
    return {kind: found for kind, found in evidence.items() if found}


def suggest_links(records: list[Record], studies: list[Study] | None = None) -> pd.DataFrame:
    """Pairs of records that may report one study, strongest first, with the evidence.

    ``score`` adds 3 for a shared DOI, 2 for shared author names, 1 each for a journal one
    record names and the other cites, a shared participant count, a shared long number.
    With ``studies``, ``same_study`` says whether ``studies.yml`` links the pair.
    """
    study_of = {r: s.id for s in studies or [] for r in s.records}
    rows = []
    for a, b in combinations(records, 2):
        evidence = link_evidence(a, b)
        if evidence:
            rows.append({
                "record_a": a.id,
                "record_b": b.id,
                "score": sum(_LINK_WEIGHTS[k] for k in evidence),
                "evidence": join_cell(e for found in evidence.values() for e in found),
                "same_study": study_of.get(a.id, a.id) == study_of.get(b.id, b.id) if studies is not None else None,
            })
    table = pd.DataFrame(rows, columns=["record_a", "record_b", "score", "evidence", "same_study"])
    if studies is None:
        table = table.drop(columns="same_study")
    return table.sort_values(["score", "record_a", "record_b"], ascending=[False, True, True], ignore_index=True)
