"""PubMed's MEDLINE format (``.nbib``, "Save as PubMed" ``.txt``), which rispy does not read.

A record is a block of lines separated by blank lines. A tag is padded to four characters and
followed by ``- `` (``PMID- ``, ``TI  - ``, ``FAU - ``); a longer value wraps onto lines indented
by six spaces.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from reviewkit.records.readers.fields import Parsed

from . import fields as f

_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3}) {0,2}-(?: (.*)|$)")


def parse(text: str, path: Path) -> Iterator[Parsed]:
    """Each record (a block of tag lines), in file order, with the line where it starts."""
    start, tags, problem = 0, [], None  # the open record: first line, (tag, [value, wrapped...]), what is wrong
    for number, line in enumerate(f.lines(text), 1):
        if not line or line.isspace():
            if tags or problem:
                yield _record(start, tags, problem)
            tags, problem = [], None
            continue
        if not (tags or problem):
            start = number
        if line[0] in " \t":
            if tags:
                tags[-1][1].append(line.strip())
            else:
                problem = problem or f"line {number} is indented (a continuation) with no tag line above it"
            continue
        match = _TAG.match(line)
        if match is None:
            problem = problem or f"line {number} is neither a tag line ('TI  - ...') nor an indented continuation"
            continue
        tag = match.group(1)
        if tag == "PMID" and any(t == "PMID" for t, _ in tags):  # no blank line between two records
            yield _record(start, tags, problem)
            start, tags, problem = number, [], None
        tags.append((tag, [(match.group(2) or "").strip()]))
    if tags or problem:
        yield _record(start, tags, problem)


def _record(start: int, tags: list[tuple[str, list[str]]], problem: str | None) -> Parsed:
    values: dict[str, list[str]] = {}
    for tag, parts in tags:
        values.setdefault(tag, []).append(" ".join(parts) if len(parts) > 1 else parts[0])

    def first(*names: str) -> str:
        return next((v for name in names for v in values.get(name, ()) if v), "")

    names = ("FAU" if "FAU" in values else "AU", "CN")  # persons and groups, in the record's order
    dois = [v for v in values.get("LID", []) + values.get("AID", []) if v.endswith("[doi]")]
    issn = first("IS").split("(")[0].strip()
    pmid = first("PMID")
    fields = {
        "id": pmid,
        "pmid": pmid,
        "type": first("PT"),
        "title": f.clean(first("TI", "BTI", "TT")),
        "abstract": first("AB"),
        "authors": tuple(f.clean(" ".join(parts)) for t, parts in tags if t in names and parts[0]),
        "year": f.year(first("DP", "DEP")),
        "journal": f.clean(first("JT", "TA")),
        "volume": first("VI"),
        "issue": first("IP"),
        "pages": f.pages(first("PG")),
        "doi": f.doi(dois[0]) if dois else "",
        "isbn": first("ISBN") or issn,
        "keywords": f.keywords(values.get("OT", []) + [m.lstrip("*") for m in values.get("MH", [])]),
    }
    return Parsed(start, fields, problem)
