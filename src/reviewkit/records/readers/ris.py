"""RIS exports (EndNote, Zotero, Scopus, Web of Science, Embase, Ovid, ...) read with rispy.

rispy parses each record. A light first pass over the lines (rispy's tag grammar) knows the line
where each record starts and reports what ``rispy.loads`` passes over in silence: a record with
no ``ER`` (dropped at the end of the file, merged into the next record elsewhere) and tagged lines
with no ``TY`` before them (skipped). It also folds a wrapped line into the tag line above: rispy
would make a wrapped ``KW`` or ``AU`` line a keyword or author of its own.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import rispy

from reviewkit.records.readers.fields import Parsed

from . import fields as f

_TAG = re.compile(r"[A-Z][A-Z0-9]  -")
_LIST_TAGS = ["AU", "A1", "KW", "UR"]
_TAGS = [
    "TY", "ID", "TI", "T1", "CT", "AB", "N2", "PY", "Y1", "DA", "JF", "T2", "JO", "JA", "J2",
    "J1", "VL", "IS", "SP", "EP", "DO", "AN", "DB", "DP", "SN", "L1", "L2", *_LIST_TAGS,
]


def parse(text: str, path: Path) -> Iterator[Parsed]:
    """Each record from ``TY`` to ``ER``, in file order, with the line where it starts."""
    parser = rispy.RisParser(mapping={t: t for t in _TAGS}, list_tags=_LIST_TAGS, skip_unknown_tags=True)
    start, lines = 0, []  # the open record: its first line number and its tag lines
    for number, raw in enumerate(f.lines(text), 1):
        if _TAG.match(raw) is None:
            if lines and (more := raw.strip()):
                lines[-1] += " " + more
            continue  # text outside records: an export's header or blank lines
        tag = raw[:2]
        if tag == "TY":
            if lines:
                yield _broken(start, lines, f"no ER line before the next TY on line {number}")
            start, lines = number, [raw]
        elif tag == "ER":
            if not lines:
                continue  # a second ER: nothing is open, nothing to lose
            if lines[0].startswith("TY"):
                yield Parsed(start, _fields(parser.parse("\n".join(lines) + "\nER  - ")[0]))
            else:
                yield _broken(start, lines, "")
            lines = []
        else:
            if not lines:
                start = number
            lines.append(raw)
    if lines:
        yield _broken(start, lines, "no ER line before the end of the file")


def _broken(start: int, lines: list[str], no_end: str) -> Parsed:
    """A malformed record: tag lines with no ``TY`` before them, else ``no_end`` (no ``ER``)."""
    own = next((line[5:].strip() for line in lines if line.startswith("ID  -")), "")
    if lines[0].startswith("TY"):
        problem, field = no_end, "ER"
    else:
        problem, field = "tagged lines outside a record: no TY line starts it", "TY"
    return Parsed(start, {"id": own} if own else {}, problem, field)


def _first(record: dict, *tags: str) -> str:
    for tag in tags:
        value = record.get(tag)
        if isinstance(value, list):
            value = next((v for v in value if v), "")
        if value:
            return value
    return ""


def _fields(record: dict) -> dict[str, str | tuple[str, ...]]:
    """Citation fields from one rispy record keyed by tag; the first tag present wins."""
    urls = record.get("UR", [])
    database = f"{record.get('DB', '')} {record.get('DP', '')}".lower()
    accession = record.get("AN", "")
    if accession[:5].upper() == "PMID:":
        pmid = accession[5:].strip()
    else:
        pmid = accession if accession.isdigit() and ("medline" in database or "pubmed" in database) else ""
    return {
        "id": record.get("ID", ""),
        "type": record.get("TY", ""),
        "title": f.clean(_first(record, "TI", "T1", "CT")),
        "abstract": _first(record, "AB", "N2"),
        "authors": tuple(f.clean(a) for a in record.get("AU") or record.get("A1") or () if a.strip()),
        "year": f.year(_first(record, "PY", "Y1", "DA")),
        "journal": f.clean(_first(record, "JF", "T2", "JO", "JA", "J2", "J1")),
        "volume": record.get("VL", ""),
        "issue": record.get("IS", ""),
        "pages": f.pages(record.get("SP", ""), record.get("EP", "")),
        "doi": f.doi(record.get("DO", "")) or f.doi(" ".join(u for u in urls if "doi.org/" in u)),
        "pmid": pmid,
        "isbn": record.get("SN", ""),
        "url": _first(record, "UR", "L2", "L1"),
        "keywords": f.keywords(record.get("KW", ())),
    }
