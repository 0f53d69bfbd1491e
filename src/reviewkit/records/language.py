"""Languages present in a document, and which passages translate which."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lingua import LanguageDetectorBuilder

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"\w+", re.UNICODE)
_ANCHOR = re.compile(r"\d+(?:[.,]\d+)?|\b[A-Z][A-Z0-9-]{1,}\b")
MIN_PROSE_WORDS = 25
MIN_CJK_CHARS = 40
MIN_CONFIDENCE = 0.9
MIN_SHARED_ANCHORS = 3
MIN_ANCHOR_OVERLAP = 0.5


@dataclass(frozen=True)
class Passage:
    """A paragraph of a document with its detected language (ISO 639-1) and offsets."""

    start: int
    end: int
    language: str
    translation_of: int | None = None  # index of the passage it translates


@lru_cache(maxsize=1)
def _detector():
    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def _is_prose(text: str) -> bool:
    """Long enough to say which language it is in: name lists and links are not."""
    if len(_CJK.findall(text)) >= MIN_CJK_CHARS:
        return True
    return len(_WORD.findall(text)) >= MIN_PROSE_WORDS and bool(re.search(r"[.!?。]\s|[.!?。]$", text))


def _language(text: str) -> str | None:
    best = _detector().compute_language_confidence_values(text)
    if not best or best[0].value < MIN_CONFIDENCE:
        return None
    return best[0].language.iso_code_639_1.name.lower()


def anchors(text: str) -> set[str]:
    """Tokens that survive translation unchanged: numbers and Latin-script acronyms."""
    return set(_ANCHOR.findall(text))


def passages(text: str) -> list[Passage]:
    """The prose paragraphs of ``text`` with their language; translations point at their source.

    A paragraph is a translation of an earlier paragraph in another language (itself not a
    translation) when the two share most of their numbers and acronyms.
    """
    result: list[Passage] = []
    for match in re.finditer(r"[^\n]+", text):
        chunk = match.group().strip()
        language = _language(chunk) if _is_prose(chunk) else None
        if not language:
            continue
        own = anchors(chunk)
        source, best = None, 0.0
        for index, other in enumerate(result):
            if other.language == language or other.translation_of is not None:
                continue
            theirs = anchors(text[other.start : other.end])
            shared = own & theirs
            overlap = len(shared) / max(1, min(len(own), len(theirs)))
            if len(shared) >= MIN_SHARED_ANCHORS and overlap >= MIN_ANCHOR_OVERLAP and overlap > best:
                source, best = index, overlap
        result.append(Passage(match.start(), match.end(), language, source))
    return result


def main_language(found: list[Passage]) -> str | None:
    """The language with the most original (untranslated) text."""
    weight: dict[str, int] = {}
    for p in (p for p in found if p.translation_of is None):
        weight[p.language] = weight.get(p.language, 0) + p.end - p.start
    return max(weight, key=weight.get) if weight else None
