"""What can be read off a document's text: a title, dates, DOIs, citations, journals named, the source type.

Each is a suggestion the records table shows beside the reviewer's own reading; nothing here decides.
The source-type cues are data (``source_types.yml``), as the screening rules are.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

from reviewkit.core.text import DOI

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"


_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(rf"\b(?P<mon>(?:{_MONTHS})[a-z]*)\.? (?P<d>\d{{1,2}}),? (?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}}) (?P<mon>(?:{_MONTHS})[a-z]*)\.? (?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"\b(?P<y>(?:19|20)\d\d) (?P<mon>(?:{_MONTHS})[a-z]*)\.? (?P<d>\d{{1,2}})\b"),
]




_URL = re.compile(r"https?://[^\s\"<>]+")


_JOURNAL_MENTION = re.compile(
    r"\b(?i:published|appeared|appears)(?: [\w-]+){0,3}? in (?:the )?(?:[\w-]+ )*?(?:journal,? )?[“\"]?"
    r"(?P<name>(?:[A-Z][\w-]*|of|and|&)(?: (?:[A-Z][\w-]*|of|and|&))*)"
)


_BOILERPLATE = re.compile(
    r"^(skip to|share on|home\b|menu\b|search\b|product\b|log ?in|sign ?up)|\blogo\b| > ", re.I
)


_AFFILIATION = re.compile(r"^(department|division|institute|school|faculty|university) ", re.I)


_TITLE_MAX = 200


def _is_author_list(line: str) -> bool:
    parts = [p.strip() for p in line.split(",") if p.strip()]
    names = [p for p in parts if re.fullmatch(r"(?:[A-Z][\w'-]*\.? ?){2,4}", p)]
    return len(parts) >= 4 and len(names) >= 0.6 * len(parts)


def suggest_title(text: str) -> str:
    """The first line that reads like a title: not navigation, an author list, an affiliation or a citation."""
    for raw in text.splitlines():
        line = raw.strip()
        words = line.split()
        if len(words) < 4 or _BOILERPLATE.search(line) or _AFFILIATION.match(line):
            continue
        if _is_author_list(line) or DOI.search(line) or _URL.search(line):
            continue
        if len(line) > _TITLE_MAX:
            line = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0]
        return line if len(line) <= _TITLE_MAX else line[: _TITLE_MAX - 1] + "…"
    return ""


def find_dates(text: str) -> tuple[str, ...]:
    """Calendar dates written in the text, as ISO strings, in order of appearance."""
    months = {m.lower(): i for i, m in enumerate(_MONTHS.split("|"), start=1)}
    found: list[tuple[int, str]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            month = int(parts["m"]) if parts.get("m") else months[parts["mon"][:3].lower()]
            day = int(parts["d"])
            if 1 <= month <= 12 and 1 <= day <= 31:
                found.append((match.start(), f"{parts['y']}-{month:02d}-{day:02d}"))
    return tuple(dict.fromkeys(date for _, date in sorted(found)))


def find_citations(text: str) -> tuple[str, ...]:
    """Lines that cite another work: a DOI, a URL, or an entry of a numbered reference list."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip(" \t•*-").strip()
        if DOI.search(line) or _URL.search(line) or re.match(r"^\[\d+\]\s+\S", line):
            lines.append(line)
    return tuple(dict.fromkeys(lines))


def find_journal_mentions(text: str) -> tuple[str, ...]:
    """Journals named as where something was published ("published in Nature Medicine")."""
    names = [m.group("name").strip() for m in _JOURNAL_MENTION.finditer(text)]
    return tuple(dict.fromkeys(n for n in names if len(n.split()) >= 2 or n.isupper()))


@lru_cache(maxsize=1)
def _source_type_cues() -> dict[str, list[re.Pattern[str]]]:
    raw = yaml.safe_load(resources.files("reviewkit.records").joinpath("source_types.yml").read_text("utf-8"))
    return {kind: [re.compile(p, re.I | re.M) for p in patterns] for kind, patterns in raw.items()}


def suggest_source_type(text: str) -> tuple[str, dict[str, tuple[str, ...]]]:
    """The source type whose cues match most often, with the words that matched per type."""
    cues: dict[str, tuple[str, ...]] = {}
    for kind, patterns in _source_type_cues().items():
        hits = [m.group().strip()[:40] for p in patterns for m in [p.search(text)] if m]
        if hits:
            cues[kind] = tuple(hits)
    if not cues:
        return "unclear", cues
    ranked = sorted(cues, key=lambda k: len(cues[k]), reverse=True)
    if len(ranked) > 1 and len(cues[ranked[0]]) == len(cues[ranked[1]]):
        return "unclear", cues
    return ranked[0], cues
