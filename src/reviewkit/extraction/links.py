"""Which reports may describe one study: pairs of records with the evidence that links them (a suggestion
beside the reviewer's own links in ``studies.yml``, which decide)."""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
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
_WORD = re.compile(r"\w+")
_HYPHENATED = re.compile(r"(?=\b(\w+-\w+)\b)")  # every pair of words joined by a hyphen, overlapping ones too
_LONG_NUMBER = re.compile(r"(?<![\d.])\d{4,}(?![\d])")
_LINK_WEIGHTS = {"doi": 3, "authors": 2, "journal": 1, "participants": 1, "numbers": 1}
MAX_BLOCK = 50  # records: a value shared by more is too common to pair them (see ``candidate_pairs``)


def _prefix_pattern(word: str) -> str:
    """A word or any abbreviation of it that keeps its start: Neurosurgery, Neurosurg, Neurosurg."""
    head, tail = re.escape(word[0]), word[1:]
    nested = ""
    for char in reversed(tail):
        nested = f"(?:{re.escape(char)}{nested})?"
    return head + nested + r"\.?"


@functools.lru_cache(maxsize=4096)
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


@dataclass(frozen=True)
class _Cues:
    """What one record offers to link it to another, read off its text once."""

    record: Record
    authors: frozenset[str]  # surnames it gives as authors
    words: frozenset[str]  # capitalised words in it (where another record's authors may be named)
    lowered: frozenset[str]  # words that also appear in lower case (a name that is a word too: Stem, Young)
    counts: frozenset[int]  # participant counts it reports
    numbers: frozenset[str]  # long numbers (not years): trial registration, ethics approval …

    @classmethod
    def of(cls, record: Record) -> _Cues:
        text = record.text
        words = frozenset(_NAME.findall(text))
        tokens = set(_WORD.findall(text)) | set(_HYPHENATED.findall(text))  # as written: lower case stays lower
        lowered = frozenset(w for w in words if w.lower() in tokens)
        return cls(record, frozenset(author_names(text)), words, lowered, frozenset(_counts(text)),
                   frozenset(_long_numbers(text)))


def _shared_names(a: _Cues, b: _Cues) -> list[str]:
    shared = {n for names, other in ((a.authors, b), (b.authors, a)) for n in names
              if n in other.words and n not in other.lowered}
    return sorted(shared)


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


def _evidence(a: _Cues, b: _Cues) -> dict[str, list[str]]:
    evidence = {
        "doi": [f"both give doi {d}" for d in sorted(set(a.record.dois) & set(b.record.dois))],
        "authors": [f"author names in both: {', '.join(names)}"] if (names := _shared_names(a, b)) else [],
        "journal": _journal_links(a.record, b.record),
        "participants": [f"both report {n} participants" for n in sorted(a.counts & b.counts)],
        "numbers": [f"both give the number {n}" for n in sorted(a.numbers & b.numbers)],
    }
    return {kind: found for kind, found in evidence.items() if found}


def link_evidence(a: Record, b: Record) -> dict[str, list[str]]:
    """What two records share that suggests they report one study, by kind of evidence."""
    return _evidence(_Cues.of(a), _Cues.of(b))


def _candidate_pairs(cues: list[_Cues]) -> set[tuple[int, int]]:
    """The pairs (indexes into ``cues``) that share a DOI, a participant count, a long number, or an author's name
    one gives and the other has, and a record with the records whose text has a journal it names, unless both are
    database records (many studies appear in one journal; it is weighed for the pairs found). A value more than
    ``MAX_BLOCK`` records share (a round count, a common word, a journal) pairs none of them. The pairs grow with
    the records, not with their square; the journals are looked for in the documents' texts (press releases,
    PDFs: few) and, for a document's journal, in every record's text."""
    blocks: dict[tuple[str, object], list[int]] = defaultdict(list)
    for i, c in enumerate(cues):
        for kind, values in (("doi", set(c.record.dois)), ("count", c.counts), ("number", c.numbers),
                             ("word", c.words - c.lowered)):
            for value in values:
                blocks[(kind, value)].append(i)
    pairs: set[tuple[int, int]] = set()
    for key, members in blocks.items():
        if key[0] != "word" and 1 < len(members) <= MAX_BLOCK:
            pairs.update(combinations(members, 2))
    for i, c in enumerate(cues):
        for name in c.authors:
            holders = blocks.get(("word", name), [])
            if len(holders) <= MAX_BLOCK:
                pairs.update((min(i, j), max(i, j)) for j in holders if j != i)
    documents = [j for j, c in enumerate(cues) if c.record.citation is None]
    for i, c in enumerate(cues):  # a journal one names and the other's text has, unless both are database records
        within = range(len(cues)) if c.record.citation is None else documents
        for journal in c.record.journals_mentioned:
            pattern = journal_pattern(journal)
            found = [j for j in within if j != i and pattern.search(cues[j].record.text)]
            if len(found) <= MAX_BLOCK:
                pairs.update((min(i, j), max(i, j)) for j in found)
    return pairs


def suggest_links(records: list[Record], studies: list[Study] | None = None) -> pd.DataFrame:
    """Pairs of records that may report one study, strongest first, with the evidence.

    ``score`` adds 3 for a shared DOI, 2 for shared author names, 1 each for a journal one
    record names and the other cites, a shared participant count, a shared long number.
    With ``studies``, ``same_study`` says whether ``studies.yml`` links the pair. Only the pairs
    ``_candidate_pairs`` finds are weighed: each record's text is read once.
    """
    study_of = {r: s.id for s in studies or [] for r in s.records}
    cues = [_Cues.of(r) for r in records]
    rows = []
    for i, j in sorted(_candidate_pairs(cues)):
        evidence = _evidence(cues[i], cues[j])
        a, b = records[i], records[j]
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
