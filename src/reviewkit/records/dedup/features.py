"""What two records share, for every pair judged at once: the comparisons of one field over all pairs with
numpy (years, numbers, markers, identifiers, volume, issue, pages, conference or not), the rest pair by
pair (authors, journal, shared identifiers, a title contained in the other)."""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from reviewkit.records.dedup.compared import Normalised, with_details
from reviewkit.records.dedup.normalise import journal_relation, name_words

TITLE_MATCH = 90  # least title similarity (rapidfuzz ratio) for a match without a shared identifier or place
SHORT_TITLE_WORDS = 5
BUNDLE = "multiple letters"  # how Embase marks one record of a letter and its replies (folded title)
LETTERS = "abcdefghijklmnopqrstuvwxyz"
_TRI = (False, True, None)  # a comparison coded 0, 1 or -1 (either value missing)


class Features(NamedTuple):
    """What two records share. None where one of them lacks the field."""

    title: float  # rapidfuzz ratio of the normalised titles, 0–1
    contained: bool  # the shorter title (4+ words) found almost verbatim in the longer (or the two TITLE_MATCH
    # alike, or the same once a bracket closing either is dropped)
    short_title: bool  # under SHORT_TITLE_WORDS words
    same_numbers: bool  # the titles name the same numbers
    same_markers: bool  # both or neither are an erratum, comment, retraction, protocol
    translated: bool  # one title is marked as translated ("[Title in English]", as MEDLINE writes it)
    identifier: str  # "doi", "embase" or "pmid" when they share one (own field or link), else ""
    same_record: bool  # they share an Embase accession number: two exports of one database record
    identifiers_differ: bool  # their own DOIs or PMIDs differ
    authors: float | None  # author_similarity
    first_author: bool | None
    years_apart: int | None
    bundle: bool  # one is a letters bundle (BUNDLE) whose pages hold the other's first page
    journal: bool | None  # journal_relation
    volume: bool | None
    issue: bool | None
    page: bool | None  # first page
    last_page: bool | None  # last page, where both give a range


def pair_features(norm: Normalised, pairs: np.ndarray, title_scores: np.ndarray) -> list[Features | None]:
    """What records ``i`` and ``j`` share, for each pair ``(i, j)`` of ``pairs`` with its title similarity;
    None when one is a conference paper and the other not: those are never one publication. The fields only
    judging needs are normalised here, for the records of the pairs (:func:`~reviewkit.records.dedup.compared.with_details`)."""
    if len(pairs) == 0:
        return []
    rows = np.unique(pairs)  # each record's values once, at its place in rows
    left, right = np.searchsorted(rows, pairs[:, 0]), np.searchsorted(rows, pairs[:, 1])
    rows = rows.tolist()
    norm = with_details(norm, rows)

    def of(values: Sequence | dict) -> list:
        return [values[r] for r in rows]

    def same(values: Sequence, empty: int = 1) -> list[bool]:
        found = value_codes(of(values), empty)
        return (found[left] == found[right]).tolist()

    def agree(values: Sequence | dict) -> list[int]:
        return _agree(of(values), left, right)

    conference = np.array([-1 if c is None else int(c) for c in of(norm.conference)], dtype=np.int8)
    mixed = ((conference[left] >= 0) & (conference[right] >= 0) & (conference[left] != conference[right])).tolist()
    words = np.array([len(norm.title[r].split()) for r in rows], dtype=np.int64)
    year = np.array([-1 if y is None else y for y in of(norm.year)], dtype=np.int64)
    apart = np.where((year[left] < 0) | (year[right] < 0), -1, np.abs(year[left] - year[right])).tolist()
    translated = np.array(of(norm.translated), dtype=bool)
    columns = zip(
        pairs.tolist(), title_scores.tolist(), mixed, np.minimum(words[left], words[right]).tolist(),
        same(norm.numbers), same(norm.markers), (translated[left] | translated[right]).tolist(),
        (_differ(of(norm.doi), left, right) | _differ(of(norm.pmid), left, right)).tolist(), apart,
        agree(norm.volume), agree(norm.issue), agree(norm.page), agree(norm.last_page))
    found: list[Features | None] = []
    titles, linked, authors, journals = norm.title, norm.linked, norm.authors, norm.journal
    for (i, j), score, conference_or_not, fewest_words, numbers, markers, either_translated, differ, \
            years, volume, issue, page, last in columns:
        if conference_or_not:
            found.append(None)
            continue
        a, b = titles[i], titles[j]
        linked_j = linked[j]
        shared = [x for x in linked[i] if x in linked_j] if linked_j else []
        authors_i, authors_j = authors[i], authors[j]
        found.append(Features(
            title=score / 100,
            contained=fewest_words >= 4 and (score >= TITLE_MATCH or fuzz.partial_ratio(a, b) >= 90
                                             or _bare_alike(norm, i, j)),
            short_title=fewest_words < SHORT_TITLE_WORDS,
            same_numbers=numbers,
            same_markers=markers,
            translated=either_translated,
            identifier=shared[0].split(":")[0] if shared else "",
            same_record=bool(shared) and any(x.startswith("embase:") for x in shared),
            identifiers_differ=differ,
            authors=_authors(norm, i, j),
            first_author=_same_name(authors_i[0], authors_j[0]) if authors_i and authors_j else None,
            years_apart=None if years < 0 else years,
            bundle=(BUNDLE in a or BUNDLE in b) and (_holds(norm, i, j) or _holds(norm, j, i)),
            journal=journal_relation(journals[i], journals[j]),
            volume=_TRI[volume], issue=_TRI[issue], page=_TRI[page], last_page=_TRI[last],
        ))
    return found


def value_codes(values: Sequence, empty: int = 0) -> np.ndarray:
    """Each value as an integer, equal values as equal integers; ``empty`` for an empty value (0: unknown)."""
    found = pd.factorize(np.fromiter(values, dtype=object, count=len(values)))[0] + 2
    found[~np.fromiter(map(bool, values), dtype=bool, count=len(values))] = empty
    return found


def _differ(values: Sequence[str], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Which pairs both have a value, and different ones."""
    found = value_codes(values)
    return (found[left] != 0) & (found[right] != 0) & (found[left] != found[right])


def _agree(values: Sequence[str], left: np.ndarray, right: np.ndarray) -> list[int]:
    """Whether the pairs' normalised values agree, ignoring a letter prefix ("e123" = "123", "s12" = "12"):
    1 or 0, and -1 where either is missing (an index into :data:`_TRI`)."""
    present = np.fromiter(map(bool, values), dtype=bool, count=len(values))
    found = value_codes([v.lstrip(LETTERS) for v in values], empty=1)
    return np.where(present[left] & present[right], found[left] == found[right], -1).tolist()


def within(page: str, first: str, last: str) -> bool:
    """Whether the page ``page`` lies from ``first`` to ``last`` (letter prefixes ignored)."""
    page, first, last = (p.lstrip(LETTERS) for p in (page, first, last))
    return page.isdigit() and first.isdigit() and last.isdigit() and int(first) <= int(page) <= int(last)


def _holds(norm: Normalised, bundle: int, part: int) -> bool:
    """Whether record ``bundle`` is a letters bundle whose pages hold the first page of ``part``."""
    return BUNDLE in norm.title[bundle] and BUNDLE not in norm.title[part] and within(
        norm.page[part], norm.page[bundle], norm.last_page[bundle])


def _bare_alike(norm: Normalised, i: int, j: int) -> bool:
    """Whether the titles are the same once a bracket closing either is dropped."""
    a, b = norm.bare_title[i], norm.bare_title[j]
    return bool(a or b) and (a or norm.title[i]) == (b or norm.title[j]) and len((a or b).split()) >= 4


def _authors(norm: Normalised, i: int, j: int) -> float | None:
    """author_similarity of the surnames; when that is low, the share of name words in common instead,
    for lists where one source swapped given names and surnames."""
    similarity = author_similarity(norm.authors[i], norm.authors[j])
    if similarity is not None and similarity < 0.75:
        a, b = name_words(norm.author_names[i]), name_words(norm.author_names[j])
        if a and b:
            similarity = max(similarity, len(a & b) / min(len(a), len(b)))
    return similarity


def author_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float | None:
    """Share of the shorter author list found in the longer (surnames, allowing a typo); None if either
    list is empty. Order does not matter, so a reordered or truncated list still agrees."""
    if not a or not b:
        return None
    if a == b:
        return 1.0
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    pool = list(long)
    found = 0
    for name in short:
        if name in pool:
            pool.remove(name)
            found += 1
            continue
        best = process.extractOne(name, pool, scorer=fuzz.ratio, score_cutoff=80) if pool else None
        if best is not None:
            pool.pop(best[2])
            found += 1
    return found / len(short)


def _same_name(a: str, b: str) -> bool:
    """Two surnames alike, or one part of the other ("gonzalez" in "sanchezdelriogonzalez")."""
    return a == b or fuzz.ratio(a, b) >= 80 or (min(len(a), len(b)) >= 4 and (a in b or b in a))
