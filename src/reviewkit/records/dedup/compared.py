"""The fields de-duplication compares, for every record and, where only judging a pair needs them, for the
records of the pairs judged.

Finding and filtering candidate pairs needs a few fields of every record (title, identifiers, year, first
author, volume, first page, the title's numbers and markers); judging a pair needs more (every surname, the
journal, issue, last page …), but fewer than half the records of a large export are ever judged, so those
are normalised for them only (:func:`with_details`). A value many records share (a year, a journal, a
volume) is normalised once.
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Sequence, TypeVar

from reviewkit.records.citation import Citation
from reviewkit.records.dedup.normalise import (
    accession_from_url,
    doi_from_url,
    first_page,
    first_surname,
    is_conference,
    is_translated_title,
    journal_words,
    last_page,
    normalise_doi,
    normalise_pmid,
    normalise_title,
    normalise_volume,
    normalise_year,
    pmid_from_url,
    surnames,
    title_markers,
    title_numbers,
    title_without_closing_bracket,
)

_T = TypeVar("_T")


class Normalised(NamedTuple):
    """Comparable fields, indexed like the citations: lists over every record, and dicts over the records
    of the pairs judged (empty until :func:`with_details`). ``doi`` and ``pmid`` are the records' own
    fields; ``linked`` adds the DOIs, PMIDs and Embase accession numbers (``embase:…``) found in their
    links, which count for a match but never against one."""

    citations: Sequence[Citation]
    title: list[str]
    doi: list[str]
    pmid: list[str]
    linked: list[tuple[str, ...]]  # sorted: DOIs ("doi:…") before accession numbers before PMIDs
    year: list[int | None]
    first_author: list[str]  # surname, "" if none
    volume: list[str]
    page: list[str]  # first page
    markers: list[frozenset[str]]
    numbers: list[frozenset[str]]
    # the records of the pairs judged only
    bare_title: dict[int, str]  # without a bracket closing it, "" if none does
    authors: dict[int, tuple[str, ...]]  # surnames
    author_names: dict[int, tuple[str, ...]]  # as written, for name_words when the surnames disagree
    journal: dict[int, tuple[str, ...]]
    issue: dict[int, str]
    last_page: dict[int, str]
    translated: dict[int, bool]
    conference: dict[int, bool | None]


def normalise_citations(citations: Sequence[Citation]) -> Normalised:
    """Every record's fields for finding candidate pairs; the others still to come (:func:`with_details`)."""
    titles = [normalise_title(c.title) for c in citations]
    dois = [normalise_doi(c.doi) for c in citations]
    pmids = [normalise_pmid(c.pmid) for c in citations]  # mostly distinct: no gain in _each
    urls = [c.url for c in citations]
    url_dois, url_pmids, accessions = _each(doi_from_url, urls), _each(pmid_from_url, urls), _each(accession_from_url, urls)
    return Normalised(
        citations=citations,
        title=titles,
        doi=dois,
        pmid=pmids,
        linked=list(map(_linked, dois, pmids, url_dois, url_pmids, accessions)),
        year=_each(normalise_year, [c.year for c in citations]),
        first_author=[first_surname(c.authors) for c in citations],
        volume=_each(normalise_volume, [c.volume for c in citations]),
        page=_each(first_page, [c.pages for c in citations]),
        markers=[title_markers(t, c.title) for t, c in zip(titles, citations)],
        numbers=[title_numbers(t) for t in titles],
        bare_title={}, authors={}, author_names={}, journal={}, issue={}, last_page={}, translated={}, conference={},
    )


def with_details(norm: Normalised, rows: Sequence[int]) -> Normalised:
    """``norm`` with the fields that judging a pair needs, for the records ``rows``."""
    chosen = [norm.citations[i] for i in rows]

    def by_row(values: list) -> dict[int, object]:
        return dict(zip(rows, values))

    return norm._replace(
        bare_title=by_row([title_without_closing_bracket(c.title) for c in chosen]),
        authors=by_row(surnames([c.authors for c in chosen])),
        author_names=by_row([c.authors for c in chosen]),
        journal=by_row(_each(journal_words, [c.journal for c in chosen])),
        issue=by_row(_each(normalise_volume, [c.issue for c in chosen])),
        last_page=by_row(_each(last_page, [c.pages for c in chosen])),
        translated=by_row([is_translated_title(c.title) for c in chosen]),
        conference=by_row(_each(lambda kind: is_conference(kind) if kind else None, [c.type for c in chosen])),
    )


def _linked(doi: str, pmid: str, url_doi: str, url_pmid: str, accession: str) -> tuple[str, ...]:
    """A record's DOIs, accession number and PMIDs from its fields and links, sorted, each once."""
    if not (url_doi or url_pmid or accession):  # most records: their own DOI, PMID, both or neither
        return (f"doi:{doi}", f"pmid:{pmid}") if doi and pmid else (f"doi:{doi}",) if doi else (f"pmid:{pmid}",) if pmid else ()
    found = {f"doi:{x}" for x in (doi, url_doi) if x} | {f"pmid:{x}" for x in (pmid, url_pmid) if x} | {accession}
    return tuple(sorted(found - {""}))


def _each(function: Callable[[str], _T], values: list[str]) -> list[_T]:
    """``function`` of every value, computed once per distinct value."""
    distinct = set(values)
    done = dict(zip(distinct, map(function, distinct)))
    return list(map(done.__getitem__, values))
