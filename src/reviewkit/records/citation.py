"""A bibliographic record as imported from a database export (RIS, MEDLINE/nbib, BibTeX, CSV/TSV/XLSX)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Citation:
    """One imported record. ``id`` is the record's own id from its file (RIS ``ID``, MEDLINE ``PMID``,
    BibTeX key, a CSV ``ID`` / ``record_id`` column), else ``<source>:<position>``; ``position`` is its
    1-based index in the file and ``line`` the line where it starts, so errors and provenance point at it."""

    id: str
    source: str
    position: int
    line: int
    title: str = ""
    abstract: str = ""
    authors: tuple[str, ...] = ()
    year: str = ""
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    isbn: str = ""
    url: str = ""
    type: str = ""
    keywords: tuple[str, ...] = ()
