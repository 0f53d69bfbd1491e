"""A record of the review: one document, or one entry of a database export, with what is read off it."""
from __future__ import annotations

from dataclasses import dataclass, field

from reviewkit.records.citation import Citation


@dataclass(frozen=True)
class Record:
    """A document under review and what the workbook reads off it."""

    id: str
    source: str
    path: str
    text: str
    title: str
    dates: tuple[str, ...] = ()
    dois: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()
    journals_mentioned: tuple[str, ...] = ()
    language: str | None = None
    languages: tuple[str, ...] = ()
    translations: tuple[str, ...] = ()  # e.g. "zh→en: chars 2384-2832"
    source_type: str = "unclear"
    source_type_cues: dict[str, tuple[str, ...]] = field(default_factory=dict)
    citation: Citation | None = None  # the bibliographic record, for records imported from an export
