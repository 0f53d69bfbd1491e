"""RIS exports (EndNote, Zotero, Scopus, Web of Science, Embase, Ovid, ...) read with rispy.

The records' bounds are found first, with regular expressions over the whole text: each ``TY`` line,
the ``ER`` line that closes it, and the tagged lines between records. That reports what ``rispy``
passes over in silence: a record with no ``ER`` (dropped at the end of the file, merged into the next
record elsewhere) and tagged lines with no ``TY`` before them (skipped), each with the line it starts
on. A record with a line that is no tag line has its wrapped lines folded into the tag line above:
rispy would make a wrapped ``KW`` or ``AU`` line a keyword or author of its own. rispy then parses the
well-formed records a batch (:data:`BATCH`) at a time, few calls for a large export. An export of at
least :data:`PARALLEL_FROM` characters is cut after an ``ER`` line every :data:`CHUNK` characters or so, and
each piece is read so (bounds, wrapped lines, rispy) in worker processes, one per core (at most
:data:`WORKERS`), while this process makes the citations of the pieces read before; the records, their order and
their lines are the same (``benchmarks/dedup.py`` prints the time), and a worker that dies (out of memory, killed)
leaves its pieces to be read here.
"""
from __future__ import annotations

import multiprocessing
import re
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import rispy

from reviewkit.core.cores import usable_cores
from reviewkit.records.readers.fields import Parsed

from . import fields as f

_TAG = re.compile(r"[A-Z][A-Z0-9]  -")
# Each pattern starts at a newline, which the regular expression engine finds fast.
_TAG_LINE = re.compile(r"\n[A-Z][A-Z0-9]  -")
_BOUND = re.compile(r"\n((?:TY|ER)  -[^\n]*)")  # a record's first or last line
_NOT_TAG = re.compile(r"\n(?![A-Z][A-Z0-9]  -)")  # a line after it that is blank or wrapped
_LIST_TAGS = ["AU", "A1", "KW", "UR"]
_TAGS = [
    "TY", "ID", "TI", "T1", "CT", "AB", "N2", "PY", "Y1", "DA", "JF", "T2", "JO", "JA", "J2",
    "J1", "VL", "IS", "SP", "EP", "DO", "AN", "DB", "DP", "SN", "L1", "L2", *_LIST_TAGS,
]


def parse(text: str, path: Path) -> Iterator[Parsed]:
    """Each record from ``TY`` to ``ER``, in file order, with the line where it starts."""
    workers = _workers(len(text))
    pool = _pool(workers) if workers else None
    if pool is None:
        yield from _parse(text)
        return
    with pool:
        pending: deque[tuple[str, int, Future | None]] = deque()
        for piece, first_line in _chunks(text):
            pending.append((piece, first_line, _submit(pool, piece, first_line)))
            if len(pending) > 2 * workers:  # a few pieces in flight: the text is not held twice
                yield from _result(*pending.popleft())
        for piece, first_line, future in pending:
            yield from _result(piece, first_line, future)


BATCH = 2000  # records rispy parses in one call: few calls, and the text is not held twice
PARALLEL_FROM = 32 << 20  # characters (about 25,000 records) from which pieces are read in worker processes
CHUNK = 2 << 20  # characters (about 2,000 records) of a piece read in a worker
WORKERS = 4
_Piece = tuple[int, str, "str | None"]  # a record's line, its text and what is wrong with it (``_pieces``)


def _workers(size: int) -> int:
    """Worker processes for an export of ``size`` characters: one per core, none for a small export."""
    cores = usable_cores()
    return min(cores, WORKERS) if size >= PARALLEL_FROM and cores > 1 else 0


def _pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of ``workers`` processes, or None where processes cannot be started (some sandboxes have no
    semaphores): the export is then parsed here, to the same records.

    The workers are forked where this process runs one thread (a script, the ``reviewkit`` command): forkserver
    and spawn would run a script again in every worker, and one without ``if __name__ == "__main__":`` would
    do its work twice over. Where other threads run (a Jupyter kernel), forking is unsafe, and forkserver
    starts the workers from the kernel's launcher module, which runs nothing on import."""
    methods = multiprocessing.get_all_start_methods()
    method = ("fork" if "fork" in methods and threading.active_count() == 1
              else "forkserver" if "forkserver" in methods else "spawn")
    try:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
    except (OSError, NotImplementedError):
        return None


def _submit(pool: ProcessPoolExecutor, piece: str, first_line: int) -> Future | None:
    """The piece's records, to come from a worker; None once the pool has broken (see :func:`_result`)."""
    try:
        return pool.submit(_parse_chunk, piece, first_line)
    except BrokenProcessPool:
        return None


def _result(piece: str, first_line: int, future: Future | None) -> Iterator[Parsed]:
    """The records a worker read, or, if the pool broke (a worker died), the piece read here."""
    try:
        if future is not None:
            return (Parsed(line, dict(zip(_FIELD_NAMES, values)), problem, field)
                    for line, problem, field, *values in future.result())
    except BrokenProcessPool:
        pass
    return _parse(piece, first_line)


def _chunks(text: str) -> Iterator[tuple[str, int]]:
    """``text`` in pieces of about :data:`CHUNK` characters, each but the last ending with an ``ER`` line, and the
    line each starts on. A piece after the first starts with the newline that ends that ``ER`` line, as
    :func:`_pieces` finds a bound: read alone, each gives what it gives as part of the whole."""
    start, line = 0, 1
    while start < len(text):
        end = text.find("\nER  -", start + CHUNK)
        end = text.find("\n", end + 1) if end >= 0 else -1
        end = len(text) if end < 0 else end
        yield text[start:end], line
        line += text.count("\n", start, end)
        start = end


def _parse(text: str, first_line: int = 1) -> Iterator[Parsed]:
    """The records of ``text`` (all of an export, or a piece from :func:`_chunks` starting on ``first_line``)."""
    for pieces in _batches(text, first_line):
        yield from _parsed(pieces, _records(_joined(pieces)))


def _parse_chunk(text: str, first_line: int) -> list[tuple]:
    """:func:`_parse` in a worker process, each record as a tuple of its line, problem, field and the values of
    its fields in :data:`_FIELD_NAMES`' order (a malformed record's ``id`` alone, if any): they travel back
    four times as fast as dicts."""
    return [(p.line, p.problem, p.field, *p.fields.values()) for p in _parse(text, first_line)]


def _batches(text: str, first_line: int) -> Iterator[list[_Piece]]:
    batch: list[_Piece] = []
    for piece in _pieces(text, first_line):
        batch.append(piece)
        if len(batch) == BATCH:
            yield batch
            batch = []
    yield batch


def _joined(pieces: list[_Piece]) -> str:
    """The well-formed records of a batch, as one text for rispy."""
    return "\n".join(text for _, text, problem in pieces if problem is None)


_PARSER = rispy.RisParser(mapping={t: t for t in _TAGS}, list_tags=_LIST_TAGS, skip_unknown_tags=True)


def _records(text: str) -> list[dict[str, str | tuple[str, ...]]]:
    """The citation fields of each record in ``text``."""
    return [_fields(record) for record in _PARSER.parse(text)]


def _parsed(pieces: list[_Piece], records: list[dict]) -> Iterator[Parsed]:
    fields = iter(records)
    for line, text, problem in pieces:
        yield Parsed(line, next(fields)) if problem is None else _broken(line, text, problem)


def _pieces(text: str, first_line: int) -> Iterator[_Piece]:
    """``(line, text, problem)`` of each record and of each run of tagged lines outside a record, in file
    order: ``problem`` None for a well-formed record (its wrapped lines folded), else what is wrong (""
    when no ``TY`` line starts it)."""
    lines = _LineNumbers(text, first_line)
    opened, after = -1, 0  # where the open record's TY line starts; where the last record ended
    for bound in _bounds(text):
        at = bound.start(1)
        if opened < 0 and (stray := _tag_line(text, after, at)) >= 0:
            yield lines.at(stray), text[stray:at], ""
        if text.startswith("TY", at):
            if opened >= 0:
                yield lines.at(opened), text[opened:at], f"no ER line before the next TY on line {lines.at(at)}"
            opened = at
        elif opened >= 0:
            record = text[opened:bound.end()]
            if _NOT_TAG.search(text, opened, at - 1):
                record = "\n".join(_folded(text[opened:at])) + "\n" + bound.group(1)
            yield lines.at(opened), record, None
            opened, after = -1, bound.end()
        else:
            after = bound.end()  # a second ER: nothing is open, nothing to lose
    if opened >= 0:
        yield lines.at(opened), text[opened:], "no ER line before the end of the file"
    elif (stray := _tag_line(text, after, len(text))) >= 0:
        yield lines.at(stray), text[stray:], ""


def _bounds(text: str) -> Iterator[re.Match]:
    """The ``TY`` and ``ER`` lines, each as group 1 of its match."""
    if first := _FIRST_BOUND.match(text):
        yield first
    yield from _BOUND.finditer(text)


_FIRST_BOUND = re.compile(r"((?:TY|ER)  -[^\n]*)")


def _tag_line(text: str, start: int, end: int) -> int:
    """Where the first tag line starting in ``text[start:end]`` starts (``start`` is 0 or a line's end), else -1."""
    if start == 0 < end and _TAG.match(text):
        return 0
    found = _TAG_LINE.search(text, start, end)
    return found.start() + 1 if found else -1


class _LineNumbers:
    """The line number of a position in ``text``, for positions asked in increasing order."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text, self.position, self.line = text, 0, first_line

    def at(self, position: int) -> int:
        self.line += self.text.count("\n", self.position, position)
        self.position = position
        return self.line


def _folded(text: str) -> list[str]:
    """The tag lines of ``text``, each with the wrapped lines below it joined on; blank lines and text
    before the first tag line dropped."""
    lines: list[str] = []
    for raw in text.split("\n"):
        if _TAG.match(raw):
            lines.append(raw)
        elif lines and (more := raw.strip()):
            lines[-1] += " " + more
    return lines


def _broken(line: int, text: str, no_end: str) -> Parsed:
    """A malformed record: tag lines with no ``TY`` before them, else ``no_end`` (no ``ER``)."""
    lines = _folded(text)
    own = next((tag_line[5:].strip() for tag_line in lines if tag_line.startswith("ID  -")), "")
    if lines[0].startswith("TY"):
        problem, field = no_end, "ER"
    else:
        problem, field = "tagged lines outside a record: no TY line starts it", "TY"
    return Parsed(line, {"id": own} if own else {}, problem, field)


def _first(record: dict, *tags: str) -> str:
    for tag in tags:
        if value := record.get(tag):
            if type(value) is list:
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
        "authors": f.names(record.get("AU") or record.get("A1") or ()),
        "year": f.year(_first(record, "PY", "Y1", "DA")),
        "journal": f.clean(_first(record, "JF", "T2", "JO", "JA", "J2", "J1")),
        "volume": record.get("VL", ""),
        "issue": record.get("IS", ""),
        "pages": f.pages(record.get("SP", ""), record.get("EP", "")),
        "doi": f.doi(record.get("DO", "")) or f.doi(" ".join(u for u in urls if "doi.org/" in u)),
        "pmid": pmid,
        "isbn": record.get("SN", ""),
        "url": _first(record, "UR", "L2", "L1"),
        "keywords": f.keywords(keywords) if (keywords := record.get("KW")) else (),
    }


_FIELD_NAMES = tuple(_fields({}))  # in their order: "id" first, as a malformed record gives it alone
