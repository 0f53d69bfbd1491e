"""Which pairs of records are the same publication: candidate pairs, then rules that judge them.

Candidates come from sorted neighbourhoods, so time grows close to linearly with the number of records:
the records are sorted by several keys (title; title read backwards; first author, year and title;
year, volume and first page; DOI; PMID) and each is paired with the few records next to it in each
order, so a typo at either end of a title, a missing DOI or a reordered author list still leaves a pair
side by side in some order. What no rule could join (no shared identifier or place, and other numbers,
markers or years) is dropped with numpy first; title similarity for the rest is computed at once by
rapidfuzz, and only pairs some rule could then join are looked at in Python.

The rules put precision first (merging two studies loses one; a missed duplicate only costs a second
look): the same DOI or PMID with alike titles; the same journal, volume, first page and year; or a
near-identical title with agreeing authors and year and no conflicting journal, volume or pages.
Embase's one record of a letter and the replies printed with it (its title marked "(multiple letters)")
is the same publication as each record of its parts: the same journal, volume and year, a page within its
range, an alike title and authors among its own. Apart from that, different own DOIs or PMIDs, an erratum,
comment, reply, retraction or protocol against the paper it names, a conference abstract against an
article, or different numbers in the title (part 1 / part 2, 1-year / 5-year) keep two records apart.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from reviewkit.records.dedup.compared import Normalised, with_details
from reviewkit.records.dedup.normalise import journal_relation, last_page, name_words

WINDOW = 5  # each record is compared with the next WINDOW - 1 records in every sort order
TITLE_MATCH = 90  # least title similarity (rapidfuzz ratio) for a match without a shared identifier or place
SHORT_TITLE_WORDS = 5


@dataclass(frozen=True)
class Match:
    """Two records judged the same publication, and why."""

    left: int
    right: int
    strength: float  # orders the union: identifiers first, then by title similarity
    evidence: str
    despite_identifiers: bool = False  # joins records whose own DOIs or PMIDs differ


def _neighbours(keys: list[str], window: int, exact: bool) -> np.ndarray:
    """Pairs of records within ``window`` of each other when sorted by ``keys`` (records with an empty
    key left out); with ``exact`` only pairs whose keys are equal."""
    if exact:  # equal keys side by side is all that is needed: their codes sort faster than the keys
        codes = _codes(keys)
        present = np.flatnonzero(codes)
        order = present[np.argsort(codes[present], kind="stable")]
        sorted_keys = codes[order]
    else:
        order = np.array(sorted((i for i, key in enumerate(keys) if key), key=keys.__getitem__), dtype=np.int64)
        sorted_keys = None
    pairs = [np.empty((0, 2), dtype=np.int64)]
    for step in range(1, window):
        left, right = order[:-step], order[step:]
        if sorted_keys is not None:
            same = sorted_keys[:-step] == sorted_keys[step:]
            left, right = left[same], right[same]
        pairs.append(np.stack([left, right], axis=1))
    return np.concatenate(pairs)


def candidate_pairs(norm: Normalised, bundles: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Distinct candidate pairs ``(i, j)``, ``i < j``, from the sorted neighbourhoods of several keys, and
    the parts of each letters bundle (``bundles``: :func:`_bundles`)."""
    n = len(norm.title)
    first = norm.first_author
    year = ["" if y is None else str(y) for y in norm.year]
    by_title = [f"{t}\x00{f}{y}" if t else "" for t, f, y in zip(norm.title, first, year)]
    by_title_backwards = [" ".join(t.split()[::-1]) for t in norm.title]
    by_author = [f"{f}\x00{y}\x00{t}" if f else "" for f, y, t in zip(first, year, norm.title)]
    by_issue = [f"{y}\x00{v}\x00{p}" if y and v and p else "" for y, v, p in zip(year, norm.volume, norm.page)]
    by_doi = [ids[0] if ids and ids[0].startswith("doi:") else "" for ids in norm.linked]
    by_pmid = [next(x for x in ids if x.startswith("pmid:")) if ids and ids[-1].startswith("pmid:") else ""
               for ids in norm.linked]  # PMIDs sort last
    found = [
        _bundled_parts(norm, np.flatnonzero(bundles).tolist()),
        _neighbours(by_title, window, exact=False),
        _neighbours(by_title_backwards, window, exact=False),
        _neighbours(by_author, window, exact=False),
        _neighbours(by_issue, window, exact=True),
        _neighbours(by_doi, window, exact=True),
        _neighbours(by_pmid, window, exact=True),
    ]
    pairs = np.concatenate(found)
    pairs.sort(axis=1)
    codes = pairs[:, 0] * n + pairs[:, 1]
    codes.sort()
    codes = codes[np.concatenate([[True], codes[1:] != codes[:-1]])] if len(codes) else codes
    return np.stack([codes // n, codes % n], axis=1)


BUNDLE = "multiple letters"  # how Embase marks one record of a letter and its replies (folded title)


def _bundles(norm: Normalised) -> np.ndarray:
    """Which records are letters bundles (:data:`BUNDLE` in the title)."""
    return np.fromiter((BUNDLE in title for title in norm.title), dtype=bool, count=len(norm.title))


def _bundled_parts(norm: Normalised, bundles: list[int]) -> np.ndarray:
    """Pairs of each letters bundle of ``bundles`` and each record of the same year and volume whose first
    page lies in the bundle's pages: its letters and replies, whatever the title sort puts beside them."""
    if not bundles:
        return np.empty((0, 2), dtype=np.int64)
    wanted = {(norm.year[b], norm.volume[b]) for b in bundles}
    by_place: dict[tuple, list[int]] = {}
    for i, place in enumerate(zip(norm.year, norm.volume)):
        if place in wanted:
            by_place.setdefault(place, []).append(i)
    pairs = [(b, i) for b in bundles for i in by_place.get((norm.year[b], norm.volume[b]), ())
             if i != b and _within(norm.page[i], norm.page[b], last_page(norm.citations[b].pages))]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _within(page: str, first: str, last: str) -> bool:
    """Whether the page ``page`` lies from ``first`` to ``last`` (letter prefixes ignored)."""
    page, first, last = (p.lstrip(_LETTERS) for p in (page, first, last))
    return page.isdigit() and first.isdigit() and last.isdigit() and int(first) <= int(page) <= int(last)


def _holds(norm: Normalised, bundle: int, part: int) -> bool:
    """Whether record ``bundle`` is a letters bundle whose pages hold the first page of ``part``."""
    return BUNDLE in norm.title[bundle] and BUNDLE not in norm.title[part] and _within(
        norm.page[part], norm.page[bundle], norm.last_page[bundle])


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


def _agree(a: str, b: str) -> bool | None:
    """Whether two normalised values agree, ignoring a letter prefix ("e123" = "123", "s12" = "12");
    None if either is missing."""
    if not a or not b:
        return None
    return a == b or a.lstrip(_LETTERS) == b.lstrip(_LETTERS)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


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


def features(norm: Normalised, i: int, j: int, title_score: float) -> Features | None:
    """What records ``i`` and ``j`` share; None when one is a conference paper and the other not:
    those are never one publication."""
    if None not in (norm.conference[i], norm.conference[j]) and norm.conference[i] != norm.conference[j]:
        return None
    a, b = norm.title[i], norm.title[j]
    shared = [x for x in norm.linked[i] if x in norm.linked[j]]
    authors_i, authors_j = norm.authors[i], norm.authors[j]
    year_i, year_j = norm.year[i], norm.year[j]
    words = min(len(a.split()), len(b.split()))
    return Features(
        title=title_score / 100,
        contained=words >= 4 and (title_score >= TITLE_MATCH or fuzz.partial_ratio(a, b) >= 90 or _bare_alike(norm, i, j)),
        short_title=words < SHORT_TITLE_WORDS,
        same_numbers=norm.numbers[i] == norm.numbers[j],
        same_markers=norm.markers[i] == norm.markers[j],
        translated=norm.translated[i] or norm.translated[j],
        identifier=shared[0].split(":")[0] if shared else "",
        same_record=any(x.startswith("embase:") for x in shared),
        identifiers_differ=bool(norm.doi[i] and norm.doi[j] and norm.doi[i] != norm.doi[j]) or bool(
            norm.pmid[i] and norm.pmid[j] and norm.pmid[i] != norm.pmid[j]),
        authors=_authors(norm, i, j),
        first_author=_same_name(authors_i[0], authors_j[0]) if authors_i and authors_j else None,
        years_apart=None if year_i is None or year_j is None else abs(year_i - year_j),
        bundle=(BUNDLE in a or BUNDLE in b) and (_holds(norm, i, j) or _holds(norm, j, i)),
        journal=journal_relation(norm.journal[i], norm.journal[j]),
        volume=_agree(norm.volume[i], norm.volume[j]),
        issue=_agree(norm.issue[i], norm.issue[j]),
        page=_agree(norm.page[i], norm.page[j]),
        last_page=_agree(norm.last_page[i], norm.last_page[j]),
    )


def _bare_alike(norm: Normalised, i: int, j: int) -> bool:
    """Whether the titles are the same once a bracket closing either is dropped."""
    a, b = norm.bare_title[i], norm.bare_title[j]
    return bool(a or b) and (a or norm.title[i]) == (b or norm.title[j]) and len((a or b).split()) >= 4


def _same_name(a: str, b: str) -> bool:
    """Two surnames alike, or one part of the other ("gonzalez" in "sanchezdelriogonzalez")."""
    return a == b or fuzz.ratio(a, b) >= 80 or (min(len(a), len(b)) >= 4 and (a in b or b in a))


def is_duplicate(f: Features) -> bool:
    """The rules, precision first. "Same place" is the same volume, first page and year; "same item" is
    that in the same journal: two different papers cannot be there, so a title with a section heading
    added, a translated journal name or a garbled author list is still the same paper."""
    t, authors = f.title, f.authors if f.authors is not None else -1.0
    same_place = bool(f.volume and f.page and f.years_apart == 0)
    same_item = same_place and f.journal is True
    if f.bundle:  # a letter or reply and the one record of them all: markers and numbers ("[1]") may differ
        return (f.journal is True and bool(f.volume) and f.issue is not False and f.years_apart == 0
                and not f.identifiers_differ and authors >= 0.9 and f.contained)
    if not f.same_markers and not same_item:
        return False
    if f.identifiers_differ:  # one database gave a wrong DOI: only when every other field agrees, or one record
        if f.same_record and f.same_numbers and t >= 0.95 and authors >= 0.8 and f.years_apart == 0:
            return True  # exported twice from Embase, once with the DOI of a companion paper
        return same_item and bool(f.issue) and t >= 0.98 and authors >= 0.9 and f.same_numbers
    if f.identifier:
        if f.same_numbers and t >= 0.75 and False not in (f.page, f.volume, f.journal):
            return True
        if f.same_numbers and t >= 0.95 and authors >= 0.8 and (
                same_place or f.journal is not False and (f.volume is not False or f.page)):
            return True  # a volume or pages garbled by one source, or a book series named as the journal
        return same_item and authors >= 0.8 and (f.contained or t >= 0.9)
    if same_item and t >= 0.95 and (f.authors is None or authors >= 0.3 or f.first_author):
        return True
    if same_item and authors >= 0.8 and (t >= 0.75 or f.contained):
        return True
    if same_place and authors >= 0.9 and (f.translated or f.same_numbers and (t >= 0.75 or f.contained)):
        return True  # the journal's name translated or abbreviated beyond recognition, or the title translated
    if not f.same_numbers or f.years_apart is None or f.years_apart > 1:
        return False
    if f.journal is False and not same_place:
        return False
    if f.volume is False or f.page is False:  # one typo in a volume or page number, when all else agrees
        if f.short_title or authors < 0.9 or f.years_apart != 0 or f.journal is not True:
            return False
        if f.page is False and f.last_page and f.volume and f.issue:  # the same issue and last page
            return t >= 0.9 or f.contained
        return t >= 0.98 and bool((f.page is False and f.volume and f.issue) or (f.volume is False and f.page))
    corroborated = bool(f.volume or f.page)
    if f.authors is None:  # a short title ("Correction") needs its page, not only its issue
        return t >= 0.97 and f.years_apart == 0 and f.journal is True and bool(
            f.volume and (f.page or f.issue and not f.short_title))
    if f.short_title:
        return t >= 0.97 and authors >= 0.9 and (f.years_apart == 0 and corroborated or bool(f.volume and f.page))
    if f.years_apart == 1:  # online first and in print
        return t >= 0.95 and authors >= 0.75 and corroborated
    return t >= 0.95 and authors >= 0.75 or t >= TITLE_MATCH / 100 and authors >= 0.9 and corroborated


def describe(f: Features) -> str:
    """The evidence for a match, e.g. "doi + title 0.98 + authors 1.00 + year + journal + pages"."""
    parts = [f.identifier] if f.identifier else (["identifiers differ"] if f.identifiers_differ else [])
    parts.append(f"title {f.title:.2f}")
    if f.bundle:
        parts.append("pages within a letters bundle")
    if f.authors is not None:
        parts.append(f"authors {f.authors:.2f}")
    parts += [name for name, ok in (("year", f.years_apart == 0), ("journal", f.journal), ("volume", f.volume), ("pages", f.page)) if ok]
    return " + ".join(parts)


def judge(norm: Normalised, i: int, j: int, title_score: float) -> Match | None:
    """Whether records ``i`` and ``j`` are the same publication, with the evidence; None if not."""
    f = features(norm, i, j, title_score)
    if f is None or not is_duplicate(f):
        return None
    return Match(i, j, f.title + (2 if f.identifier else 0), describe(f), f.identifiers_differ)


def matches(norm: Normalised) -> list[Match]:
    """Every candidate pair judged a duplicate."""
    bundles = _bundles(norm)
    pairs = candidate_pairs(norm, bundles)
    if len(pairs) == 0:
        return []
    # a pair with a letters bundle in it is judged whatever its titles score
    placed = _placed_or_identified(norm, pairs) | bundles[pairs[:, 0]] | bundles[pairs[:, 1]]
    worth_scoring = placed | _alike_but_for_title(norm, pairs)
    pairs, placed = pairs[worth_scoring], placed[worth_scoring]
    titles = norm.title
    scores = process.cpdist(
        [titles[i] for i in pairs[:, 0]], [titles[j] for j in pairs[:, 1]], scorer=fuzz.ratio, workers=-1
    )
    keep = placed | (scores >= TITLE_MATCH)
    norm = with_details(norm, np.unique(pairs[keep]).tolist())
    found = []
    for (i, j), score in zip(pairs[keep].tolist(), scores[keep].tolist()):
        match = judge(norm, i, j, score)
        if match is not None:
            found.append(match)
    return found


def _placed_or_identified(norm: Normalised, pairs: np.ndarray) -> np.ndarray:
    """Which candidate pairs share an identifier (own field or link) or a place (year, volume, first
    page): some rule of :func:`is_duplicate` could join them whatever their titles. For all pairs at once."""
    left, right = pairs[:, 0], pairs[:, 1]

    def same(codes: np.ndarray) -> np.ndarray:
        return (codes[left] == codes[right]) & (codes[left] != 0)

    keep = same(_codes(norm.year)) & same(_codes([p.lstrip(_LETTERS) for p in norm.page])) & same(_codes(norm.volume))
    width = max(map(len, norm.linked), default=0)
    ids = [x + ("",) * (width - len(x)) for x in norm.linked]
    # one coding over every column, so an id in one record's first column and another's second compare equal
    flat = _codes([value for row in ids for value in row]).reshape(len(ids), width) if width else np.zeros((len(ids), 0))
    linked = [flat[:, k] for k in range(width)]
    for a in linked:
        for b in linked:
            keep |= (a[left] == b[right]) & (a[left] != 0)
    return keep


def _alike_but_for_title(norm: Normalised, pairs: np.ndarray) -> np.ndarray:
    """Which candidate pairs the title rules could join if their titles were alike (``TITLE_MATCH``):
    the same numbers and markers, at most a year apart. For all pairs at once, before any title is compared."""
    left, right = pairs[:, 0], pairs[:, 1]
    year = np.array([-1 if y is None else y for y in norm.year], dtype=np.int64)
    alike = (year[left] >= 0) & (year[right] >= 0) & (np.abs(year[left] - year[right]) <= 1)
    for codes in (_codes(norm.numbers, empty=1), _codes(norm.markers, empty=1)):
        alike &= codes[left] == codes[right]
    return alike


def _codes(values: Sequence, empty: int = 0) -> np.ndarray:
    """Each value as an integer, equal values as equal integers; ``empty`` for an empty value (0: unknown)."""
    codes = pd.factorize(np.fromiter(values, dtype=object, count=len(values)))[0] + 2
    codes[~np.fromiter(map(bool, values), dtype=bool, count=len(values))] = empty
    return codes
