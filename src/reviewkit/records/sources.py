"""Records: one per document in a source folder, with what can be read off its text."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import Protocol, Source, source_dir
from reviewkit.core.storage import read_text
from reviewkit.records.citation import Citation
from reviewkit.records.language import main_language, passages
from reviewkit.records.readers import ImportResult, read_file

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(rf"\b(?P<mon>(?:{_MONTHS})[a-z]*)\.? (?P<d>\d{{1,2}}),? (?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}}) (?P<mon>(?:{_MONTHS})[a-z]*)\.? (?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"\b(?P<y>(?:19|20)\d\d) (?P<mon>(?:{_MONTHS})[a-z]*)\.? (?P<d>\d{{1,2}})\b"),
]
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
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
        if _is_author_list(line) or _DOI.search(line) or _URL.search(line):
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


def find_dois(text: str) -> tuple[str, ...]:
    """DOIs in the text, lower-cased, without trailing punctuation."""
    return tuple(dict.fromkeys(m.group().rstrip(".,;)]").lower() for m in _DOI.finditer(text)))


def find_citations(text: str) -> tuple[str, ...]:
    """Lines that cite another work: a DOI, a URL, or an entry of a numbered reference list."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip(" \t•*-").strip()
        if _DOI.search(line) or _URL.search(line) or re.match(r"^\[\d+\]\s+\S", line):
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


def read_record(path: Path, source: str) -> Record:
    """Read one plain-text or Markdown document into a record; its id is the file stem."""
    text = read_text(path)
    if not text.strip():
        raise ReviewInputError(path, "the document is empty", record=path.stem)
    found = passages(text)
    language = main_language(found)
    translations = tuple(
        f"{p.language}→{found[p.translation_of].language}: characters {p.start}-{p.end}"
        for p in found
        if p.translation_of is not None
    )
    kind, cues = suggest_source_type(text)
    return Record(
        id=path.stem,
        source=source,
        path=str(path),
        text=text,
        title=suggest_title(text),
        dates=find_dates(text),
        dois=find_dois(text),
        citations=find_citations(text),
        journals_mentioned=find_journal_mentions(text),
        language=language,
        languages=tuple(dict.fromkeys(p.language for p in found)),
        translations=translations,
        source_type=kind,
        source_type_cues=cues,
    )


def read_folder(folder: Path, source: str) -> list[Record]:
    """Every text or Markdown document in a folder, in file-name order."""
    if not folder.is_dir():
        raise ReviewInputError(folder, f"the folder of source {source!r} does not exist", field="sources.path")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    if not files:
        raise ReviewInputError(folder, f"source {source!r} holds no .txt or .md documents", field="sources.path")
    return [read_record(p, source) for p in files]


def citation_record(citation: Citation, source: str, path: str | Path = "") -> Record:
    """An imported bibliographic record as a record of the review: its text is the title, authors, journal
    and abstract; its id is ``<source>:<own id>`` (the own id already carries the source where the file gave none)."""
    record_id = citation.id if citation.id.startswith(f"{source}:") else f"{source}:{citation.id}"
    byline = "; ".join(citation.authors)
    where = ", ".join(p for p in (citation.journal, citation.year, citation.volume, citation.pages) if p)
    text = "\n\n".join(p for p in (citation.title, byline, where, citation.abstract) if p)
    return Record(
        id=record_id, source=source, path=f"{path or citation.source}, line {citation.line}", text=text, title=citation.title,
        dates=(citation.year,) if citation.year else (), dois=(citation.doi,) if citation.doi else (),
        journals_mentioned=(citation.journal,) if citation.journal else (),
        source_type="journal article" if citation.journal else "unclear", citation=citation,
    )


def import_source(review_dir: str | Path, source: Source) -> ImportResult:
    """Read a source's export file (``format: export``); malformed records as its ``on_error`` says."""
    path = source_dir(review_dir, source)
    if not path.is_file():
        raise ReviewInputError(path, f"the export file of source {source.id!r} does not exist", field="sources.path")
    return read_file(path, source=source.id, on_error=source.on_error)


def load_sources(review_dir: str | Path, protocol: Protocol) -> tuple[list[Record], list[ImportResult]]:
    """All records of the review's sources, and what each export file's import read, skipped and kept;
    record ids must be unique across sources."""
    records: list[Record] = []
    imports: list[ImportResult] = []
    seen: dict[str, str] = {}
    for source in protocol.sources:
        if source.format == "export":
            result = import_source(review_dir, source)
            imports.append(result)
            found = [citation_record(c, source.id, result.path) for c in result.citations]
        else:
            found = read_folder(source_dir(review_dir, source), source.id)
        for record in found:
            if record.id in seen:
                raise ReviewInputError(record.path, f"record id also used by {seen[record.id]}", record=record.id)
            seen[record.id] = record.path
            records.append(record)
    return records, imports


def load_records(review_dir: str | Path, protocol: Protocol) -> list[Record]:
    """All records of the review's sources (documents and imported exports)."""
    return load_sources(review_dir, protocol)[0]


def records_table(records: list[Record]) -> pd.DataFrame:
    """One row per record, list-valued fields joined with ' | ' for CSV."""
    rows = []
    for r in records:
        rows.append(
            {
                "record_id": r.id,
                "source": r.source,
                "title": r.title,
                "source_type_suggested": r.source_type,
                "source_type_cues": " | ".join(f"{k}: {', '.join(v)}" for k, v in r.source_type_cues.items()),
                "language": r.language,
                "languages": " | ".join(r.languages),
                "translations": " | ".join(r.translations),
                "dates": " | ".join(r.dates),
                "dois": " | ".join(r.dois),
                "journals_mentioned": " | ".join(r.journals_mentioned),
                "citations": " | ".join(r.citations),
                "characters": len(r.text),
            }
        )
    return pd.DataFrame(rows)
