"""A record of the review: one document, or one entry of a database export, with what is read off it.

What is cheap to read off a text (title, dates, DOIs, citations, journals) is read when the record is made. The
languages and translations a document holds and its suggested source type are read when first asked for: they
are suggestions the records notebook shows, and checking a review (``reviewkit validate``) needs none of them, so a
large document costs about what reading it costs.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from reviewkit.records.citation import Citation
from reviewkit.records.cues import suggest_source_type
from reviewkit.records.language import Passage, main_language, passages


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
    citation: Citation | None = None  # the bibliographic record, for records imported from an export
    page_starts: tuple[int, ...] = ()  # for a record read from a PDF: where each page starts in ``text``
    note: str = ""  # what the reader could not do (a PDF without a text layer on some pages)

    @cached_property
    def _passages(self) -> list[Passage]:
        """The passages of a document by language (none for an imported record, whose language is not read)."""
        return [] if self.citation is not None else passages(self.text)

    @property
    def language(self) -> str | None:
        return main_language(self._passages)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.language for p in self._passages))

    @property
    def translations(self) -> tuple[str, ...]:
        """Passages that translate another, e.g. ``zh→en: characters 2384-2832``."""
        found = self._passages
        return tuple(f"{p.language}→{found[p.translation_of].language}: characters {p.start}-{p.end}"
                     for p in found if p.translation_of is not None)

    @cached_property
    def _source_type(self) -> tuple[str, dict[str, tuple[str, ...]]]:
        if self.citation is not None:
            return ("journal article" if self.citation.journal else "unclear"), {}
        return suggest_source_type(self.text)

    @property
    def source_type(self) -> str:
        """The suggested source type: the one whose cues match most often (``unclear`` on a tie or none)."""
        return self._source_type[0]

    @property
    def source_type_cues(self) -> dict[str, tuple[str, ...]]:
        """The words that matched, per source type."""
        return self._source_type[1]
