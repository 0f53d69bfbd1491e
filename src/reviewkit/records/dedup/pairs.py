"""Which pairs of records are the same publication: candidate pairs, then rules that judge them.

Candidates come from sorted neighbourhoods, so time grows close to linearly with the number of records:
the records are sorted by several keys (title; title read backwards; first author, year and title;
year, volume and first page; DOI; PMID) and each is paired with the few records next to it in each
order, so a typo at either end of a title, a missing DOI or a reordered author list still leaves a pair
side by side in some order. What no rule could join (no shared identifier or place, and other numbers,
markers or years) is dropped with numpy first; title similarity for the rest is computed at once by
rapidfuzz, and only pairs some rule could then join are compared further (:mod:`~reviewkit.records.dedup.features`).

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

import numpy as np
from rapidfuzz import fuzz, process

from reviewkit.records.dedup.compared import Normalised
from reviewkit.records.dedup.features import BUNDLE, LETTERS, TITLE_MATCH, Features, pair_features, value_codes, within
from reviewkit.records.dedup.normalise import last_page

WINDOW = 5  # each record is compared with the next WINDOW - 1 records in every sort order


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
    key left out), each as its :func:`_pair_codes`; with ``exact`` only pairs whose keys are equal."""
    if exact:  # equal keys side by side is all that is needed: their codes sort faster than the keys
        codes = value_codes(keys)
        present = np.flatnonzero(codes)
        order = present[np.argsort(codes[present], kind="stable")]
        sorted_keys = codes[order]
    else:
        order = np.array(sorted((i for i, key in enumerate(keys) if key), key=keys.__getitem__), dtype=np.int64)
        sorted_keys = None
    found = [np.empty(0, dtype=np.int64)]
    for step in range(1, window):
        left, right = order[:-step], order[step:]
        if sorted_keys is not None:
            same = sorted_keys[:-step] == sorted_keys[step:]
            left, right = left[same], right[same]
        found.append(_pair_codes(left, right, len(keys)))
    return np.concatenate(found)


def _pair_codes(left: np.ndarray, right: np.ndarray, n: int) -> np.ndarray:
    """Each pair of records as one integer, the same whichever record is named first: ``i * n + j``, ``i < j``."""
    return np.minimum(left, right) * n + np.maximum(left, right)


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
    parts = _bundled_parts(norm, np.flatnonzero(bundles).tolist())
    codes = np.concatenate([
        _pair_codes(parts[:, 0], parts[:, 1], n),
        _neighbours(by_title, window, exact=False),
        _neighbours(by_title_backwards, window, exact=False),
        _neighbours(by_author, window, exact=False),
        _neighbours(by_issue, window, exact=True),
        _neighbours(by_doi, window, exact=True),
        _neighbours(by_pmid, window, exact=True),
    ])
    codes.sort()  # faster than np.unique
    codes = codes[np.concatenate([[True], codes[1:] != codes[:-1]])] if len(codes) else codes
    return np.stack([codes // n, codes % n], axis=1)


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
             if i != b and within(norm.page[i], norm.page[b], last_page(norm.citations[b].pages))]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


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


def judge(f: Features | None, i: int, j: int) -> Match | None:
    """Whether records ``i`` and ``j``, which share ``f`` (:func:`pair_features`), are the same publication,
    with the evidence; None if not."""
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
    pairs = pairs[keep]
    shared = pair_features(norm, pairs, scores[keep])
    return [match for f, (i, j) in zip(shared, pairs.tolist()) if (match := judge(f, i, j)) is not None]


def _placed_or_identified(norm: Normalised, pairs: np.ndarray) -> np.ndarray:
    """Which candidate pairs share an identifier (own field or link) or a place (year, volume, first
    page): some rule of :func:`is_duplicate` could join them whatever their titles. For all pairs at once."""
    left, right = pairs[:, 0], pairs[:, 1]

    def same(codes: np.ndarray) -> np.ndarray:
        return (codes[left] == codes[right]) & (codes[left] != 0)

    pages = [p.lstrip(LETTERS) for p in norm.page]
    keep = same(value_codes(norm.year)) & same(value_codes(pages)) & same(value_codes(norm.volume))
    width = max(map(len, norm.linked), default=0)
    ids = [x + ("",) * (width - len(x)) for x in norm.linked]
    # one coding over every column, so an id in one record's first column and another's second compare equal
    flat = (value_codes([value for row in ids for value in row]).reshape(len(ids), width) if width
            else np.zeros((len(ids), 0)))
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
    for codes in (value_codes(norm.numbers, empty=1), value_codes(norm.markers, empty=1)):
        alike &= codes[left] == codes[right]
    return alike
