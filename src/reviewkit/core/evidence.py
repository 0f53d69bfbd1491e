"""Quotes as evidence: find a reviewer's quote in a document's text despite typographic differences.

Matching is on a normalised form of both texts (Unicode NFKC, case-folded, whitespace collapsed,
dash and quotation-mark variants unified); offsets are always given in the original text.
"""
from __future__ import annotations

import bisect
import html
import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

from rapidfuzz import fuzz

from reviewkit.core.errors import excerpt

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4\uff07"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u300c\u300d\uff02"
_TRANSLATE = str.maketrans(
    {**{c: "-" for c in _DASHES}, **{c: "'" for c in _SINGLE_QUOTES}, **{c: '"' for c in _DOUBLE_QUOTES}}
)
_INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\ufeff"}
_CLOSING = set(".,;:!?)]")
_TOKEN = re.compile(r"\S+")
CONTEXT_CHARS = 40
QUOTE_JOIN = " […] "  # between the quotes of one value in a table cell


def _fold(char: str) -> str:
    return unicodedata.normalize("NFKC", char).casefold().translate(_TRANSLATE)


def _fold_token(token: str, start: int) -> tuple[str, list[int], str]:
    """A word with characters beyond ASCII, folded one character at a time: its text, the offset each of its
    characters comes from, and the fold of its first visible character (which decides a space before it)."""
    chars, offsets, head = [], [], None
    for index, raw in enumerate(token, start):
        if raw in _INVISIBLE:
            continue
        folded = _fold(raw)
        head = folded[:1] if head is None else head
        for char in folded:
            if not char.isspace():
                chars.append(char)
                offsets.append(index)
    return "".join(chars), offsets, head or ""


def _join_hyphens(word: str, offsets: Sequence[int]) -> tuple[str, list[int]]:
    """A word with the hyphens between its letters dropped, so that ``usual-care`` in a quote matches a PDF's
    ``usualcare``, where the text layer lost the hyphen of a compound broken at a line end."""
    keep = [i for i, c in enumerate(word) if not (c == "-" and 0 < i < len(word) - 1 and word[i - 1].isalpha()
                                                   and word[i + 1].isalpha())]
    return "".join(word[i] for i in keep), [offsets[i] for i in keep]


def normalise_with_offsets(text: str) -> tuple[str, Sequence[int]]:
    """The normalised text and, for each of its characters, the offset it comes from in ``text``.

    Runs of whitespace become one space; whitespace before closing punctuation (a line break
    before a full stop, as scraped web pages have) is dropped; soft hyphens, zero-width characters and
    hyphens between letters (``stem-cell`` reads as ``stemcell``: PDFs lose the hyphen of a compound broken at
    a line end) are dropped; leading and trailing whitespace is removed. Words in plain ASCII, most of
    any text, are folded whole, so a long document takes a second or so, not a minute.
    """
    chars: list[str] = []
    offsets = array("q")
    gap = 0  # where the whitespace after the last word written starts
    for match in _TOKEN.finditer(text):
        token, start = match.group(), match.start()
        if token.isascii():  # NFKC leaves ASCII as it is, and casefold is lower
            folded, where, head = token.lower().translate(_TRANSLATE), range(start, match.end()), token[:1].lower()
        else:
            folded, where, head = _fold_token(token, start)
        if "-" in folded:
            folded, where = _join_hyphens(folded, where)
        if not folded:
            continue
        if chars and head not in _CLOSING:
            chars.append(" ")
            offsets.append(gap)
        chars.append(folded)
        offsets.extend(where)
        gap = match.end()
    return "".join(chars), offsets


@lru_cache(maxsize=16)
def _document(text: str) -> tuple[str, Sequence[int]]:
    """``normalise_with_offsets`` of a record's text, kept for all the quotes checked against it."""
    return normalise_with_offsets(text)


def normalise(text: str) -> str:
    """``text`` as quotes are compared: NFKC, case-folded, whitespace collapsed, dashes and quotes unified."""
    return normalise_with_offsets(text)[0]


def _original_span(offsets: Sequence[int], start: int, end: int) -> tuple[int, int]:
    return offsets[start], offsets[end - 1] + 1


def find_quote(quote: str, text: str) -> tuple[int, int] | None:
    """Where ``quote`` occurs in ``text`` (first occurrence, offsets into ``text``), or None."""
    needle = normalise(quote)
    if not needle:
        return None
    haystack, offsets = _document(text)
    at = haystack.find(needle)
    if at < 0:
        return None
    return _original_span(offsets, at, at + len(needle))


def closest_span(quote: str, text: str) -> tuple[int, int] | None:
    """Where the passage of ``text`` most like ``quote`` stands (whole words), or None for an empty quote or text."""
    needle = normalise(quote)
    haystack, offsets = _document(text)
    if not needle or not haystack:
        return None
    found = fuzz.partial_ratio_alignment(needle, haystack)
    start, end = _original_span(offsets, found.dest_start, max(found.dest_end, found.dest_start + 1))
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def closest_passage(quote: str, text: str) -> str:
    """The passage of ``text`` most like ``quote`` (whitespace collapsed), to show beside a failed quote."""
    span = closest_span(quote, text)
    return " ".join(text[span[0]:span[1]].split()) if span else ""


def context(text: str, span: tuple[int, int], chars: int = CONTEXT_CHARS) -> str:
    """The quoted passage with some text either side, whitespace collapsed, ellipses where cut."""
    start, end = span
    before = max(0, start - chars)
    after = min(len(text), end + chars)
    snippet = " ".join(text[before:after].split())
    return ("…" if before else "") + snippet + ("…" if after < len(text) else "")


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, spans: list[tuple[int, int]]) -> str:
    """HTML of ``text`` with the given spans marked (overlapping spans merged), line breaks kept."""
    parts: list[str] = []
    position = 0
    for start, end in _merge([s for s in spans if s[0] < s[1]]):
        parts.append(html.escape(text[position:start]))
        parts.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    parts.append(html.escape(text[position:]))
    return '<div style="white-space: pre-wrap">' + "".join(parts) + "</div>"


@dataclass(frozen=True)
class FoundQuote:
    """A reviewer's quote and where it was found: the record, the offsets in its text and, for a record read
    from a PDF, its page or pages (``4``, ``4–5``; empty otherwise)."""

    record: str
    quote: str
    span: tuple[int, int]
    pages: str = ""


def pages_of(span: tuple[int, int], page_starts: Sequence[int]) -> str:
    """The 1-based page or pages (``4``, ``4–5``) of a span of a text whose pages start at ``page_starts``."""
    if not page_starts:
        return ""
    first, last = (bisect.bisect_right(page_starts, offset) for offset in (span[0], max(span[0], span[1] - 1)))
    return str(first) if first == last else f"{first}–{last}"


def verify_quotes(raw: Any, record: str, text: str, page_starts: Sequence[int] = ()
                  ) -> tuple[tuple[FoundQuote, ...], list[str]]:
    """The one quote check: each quote of ``raw`` (a text or a list of texts) found in ``text``, the text of
    ``record`` (whose pages start at ``page_starts`` when it was read from a PDF); a problem (what the caller's
    error says) for a malformed quote and for each quote not found, naming the closest passage and its page."""
    quotes = [raw] if isinstance(raw, str) else raw
    if not isinstance(quotes, list) or not quotes or not all(isinstance(q, str) and q.strip() for q in quotes):
        return (), ["'quote' must be a text or a list of texts (in YAML, put a quote holding ': ' in quotation marks)"]
    found, problems = [], []
    for quote in quotes:
        span = find_quote(quote, text)
        if span is None:
            near = closest_span(quote, text)
            page = f" (p. {pages_of(near, page_starts)})" if near and page_starts else ""
            closest = " ".join(text[near[0]:near[1]].split()) if near else ""
            problems.append(f"quote not found in the text of record {record!r}: {excerpt(quote)!r}; "
                            f"closest passage{page}: {excerpt(closest)!r}")
        else:
            found.append(FoundQuote(record, quote, span, pages_of(span, page_starts)))
    return tuple(found), problems
