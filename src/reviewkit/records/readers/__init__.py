"""Import a database export: one reader per format, chosen by suffix or, for ``.txt`` and other
suffixes, by the file's first lines.

Formats: RIS (``.ris``), PubMed MEDLINE (``.nbib``, ``.medline``), BibTeX (``.bib``), CSV
(``.csv``), TSV (``.tsv``, ``.tab``) and Excel (``.xlsx``); any of them gzipped (``.ris.gz``).

A record's id is the one its file gives it (RIS ``ID``, MEDLINE ``PMID``, BibTeX key, a table's
``ID`` / ``record_id`` / ``Covidence #`` column), else ``<source>:<position>``; its position counts
every record of the file, skipped ones too, so fixing one record renumbers no other. An id the file
gives to more than one record (an EndNote record number reused across an export, one PMID exported
twice, two BibTeX entries with one key) is not a reason to drop any: the first record keeps it, the
next ones get ``<id>~2``, ``<id>~3`` in file order, and one warning names the field and counts them.
Ids made so are the same on every import of the same file; whether two such records are one
publication is for de-duplication to decide.

Every record read is either kept as a ``Citation`` or skipped with a ``ReviewInputError`` naming
the file, the line where the record starts, its position (and own id) and the field; nothing is
dropped silently. A record is malformed when its format's structure is broken (a RIS record with
no ``TY`` or ``ER``, an unparseable BibTeX entry, a table row with more cells than the header),
when it has nothing to find it by (no title, DOI, PMID or author: a record with no title but a
DOI, PMID or authors is kept, and a warning counts them).
"""
from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reviewkit.core.collector import collector_paused
from reviewkit.core.errors import ReviewInputError, excerpt
from reviewkit.records.citation import Citation
from reviewkit.records.readers import bibtex, medline, ris, table
from reviewkit.records.readers.encoding import decode
from reviewkit.records.readers.fields import Parsed

FORMATS = {
    ".ris": "RIS", ".nbib": "MEDLINE", ".medline": "MEDLINE", ".bib": "BibTeX", ".bibtex": "BibTeX",
    ".csv": "CSV", ".tsv": "TSV", ".tab": "TSV", ".xlsx": "XLSX",
}
ID_FIELDS = {"RIS": "ID", "MEDLINE": "PMID", "BibTeX": "entry key"}  # tables name their id column themselves
_PARSERS = {
    "RIS": ris.parse,
    "MEDLINE": medline.parse,
    "BibTeX": bibtex.parse,
    "CSV": table.parse_csv,
    "TSV": lambda text, path: table.parse_csv(text, path, delimiter="\t"),
}
_BIBTEX_ENTRY = re.compile(r"\s*@\s*\w+\s*[{(]")


@dataclass(frozen=True)
class ImportResult:
    """What one file gave: the records kept, those skipped (each with its error) and warnings."""

    path: Path
    source: str
    format: str
    encoding: str
    citations: list[Citation]
    skipped: list[ReviewInputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def read(self) -> int:
        """Records found in the file, kept or skipped."""
        return len(self.citations) + len(self.skipped)

    @property
    def kept(self) -> int:
        return len(self.citations)

    @property
    def skipped_count(self) -> int:
        return len(self.skipped)

    def summary(self) -> str:
        """``file.ris (RIS, utf-8): 120 records read, 2 skipped, 118 kept``."""
        how = f"{self.format}, {self.encoding}" if self.encoding else self.format
        return f"{self.path.name} ({how}): {self.read} records read, {self.skipped_count} skipped, {self.kept} kept"


def read_file(
    path: str | Path, *, source: str | None = None, on_error: Literal["skip", "stop"] = "skip"
) -> ImportResult:
    """Read one export file into citations.

    ``source`` (the database or other source the file came from) defaults to the file's stem; a
    record without an id of its own in the file gets ``<source>:<position>``. With
    ``on_error="stop"`` the first malformed record raises its ``ReviewInputError``; with ``"skip"``
    it is listed in ``skipped`` and reading goes on. A file that cannot be read at all (unknown
    format, no title column, broken gzip or workbook) always raises.
    """
    if on_error not in ("skip", "stop"):
        raise ValueError(f"on_error must be 'skip' or 'stop', not {on_error!r}")
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReviewInputError(path, f"cannot read the file ({exc.strerror or exc})") from None
    name = Path(path.name)
    if name.suffix.lower() == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ReviewInputError(path, f"not a readable gzip file ({exc})") from None
        name = Path(name.stem)
    source = source or name.stem
    fmt = FORMATS.get(name.suffix.lower())
    warnings: list[str] = []
    if fmt == "XLSX":
        encoding, records = "", table.parse_xlsx(data, path)
    else:
        text, encoding, warning = decode(data, path)
        del data
        warnings += [warning] if warning else []
        fmt = fmt or sniff(text, path)
        records = _PARSERS[fmt](text, path)
    with collector_paused():
        citations, skipped, repeated = _collect(records, path, source, on_error)
    if repeated:
        warnings.append(_repeated_warning(path, fmt, repeated))
    untitled = sum(1 for c in citations if not c.title)
    if untitled:
        warnings.append(f"{path}: {untitled} record(s) have no title (kept: each has a DOI, PMID or authors)")
    if not citations and not skipped:
        warnings.append(f"{path}: no {fmt} records found")
    return ImportResult(path, source, fmt, encoding, citations, skipped, warnings)


def sniff(text: str, path: str | Path) -> str:
    """The format of a file whose suffix does not tell (``.txt``), from its first lines."""
    lines = [line for line in text[:20_000].split("\n") if line.strip()][:50]
    if not lines:
        raise ReviewInputError(path, "the file is empty")
    for line in lines:
        if line.startswith("TY  -"):
            return "RIS"
        if line.startswith("PMID-"):
            return "MEDLINE"
    if any(_BIBTEX_ENTRY.match(line) for line in lines):
        return "BibTeX"
    if lines[0].startswith(("FN ", "PT ")):
        raise ReviewInputError(path, "Web of Science plain text is not read; export the records as RIS", line=1)
    if table_format := table.header_format(lines[0]):
        return table_format
    raise ReviewInputError(
        path, "cannot tell the format: expected RIS ('TY  - ' lines), MEDLINE ('PMID- '), BibTeX "
        "('@article{'), or a CSV/TSV table with a title column; or give the file a .ris, .nbib, .bib, "
        ".csv, .tsv or .xlsx suffix", line=1)


def _collect(
    records: Iterable[Parsed], path: Path, source: str, on_error: str
) -> tuple[list[Citation], list[ReviewInputError], Counter[str]]:
    """Citations from parsed records, numbering them by position, with the ids the file gave to more
    than one record (by the field that holds them: how many records got a ``~N`` id); malformed
    records raised or listed."""
    citations: list[Citation] = []
    skipped: list[ReviewInputError] = []
    taken: set[str] = set()  # ids as the review will know them, ``<source>:<id>``
    repeated: Counter[str] = Counter()
    for position, record in enumerate(records, 1):
        values = record.fields
        own = str(values.get("id", "")).strip()
        problem, where = record.problem, record.field
        if problem is None and not (values.get("title") or values.get("doi") or values.get("pmid")
                                    or values.get("authors")):
            problem, where = "no title, DOI, PMID or author to identify the record by", "title"
        if problem is not None:
            error = ReviewInputError(path, problem, line=record.line, field=where,
                                     record=f"#{position} {excerpt(own)}" if own else f"#{position}")
            if on_error == "stop":
                raise error
            skipped.append(error)
            continue
        wanted = own or f"{source}:{position}"
        key = _unique(wanted, source, taken)
        if key != wanted:
            repeated[record.id_name] += 1
        values["id"] = key  # the reader's own dict, read by no one else
        citations.append(Citation(**values, source=source, position=position, line=record.line))
    return citations, skipped, repeated


def _unique(key: str, source: str, taken: set[str]) -> str:
    """``key``, or ``key~2``, ``key~3`` … whichever is first not taken by an earlier record of the
    file (compared as the review's ``<source>:<id>``); the one returned is marked taken."""
    prefix = f"{source}:"
    candidate, n = key, 1
    while (full := candidate if candidate.startswith(prefix) else prefix + candidate) in taken:
        n += 1
        candidate = f"{key}~{n}"
    taken.add(full)
    return candidate


def _repeated_warning(path: Path, fmt: str, repeated: Counter[str]) -> str:
    """One warning for the ids a file gave to more than one record, naming the field."""
    fields = ", ".join(f"{ID_FIELDS.get(fmt) or name or 'id'} ({n})" for name, n in repeated.items())
    total = sum(repeated.values())
    return (f"{path}: {total} record(s) reuse an id an earlier record of the file has, in {fields}; "
            f"kept, with ids ending ~2, ~3 … in file order (de-duplication decides whether they are the same record)")
