"""``reviewkit import``: add a database export to a review as a source beside the seeds, or as a later
search round of the review (``round``).

The file is read first (a file that cannot be read changes nothing), copied into ``review/imports/``, and
a source entry is inserted into ``protocol.yml`` as text, so the reviewer's comments and layout stay; the
new protocol is validated before it replaces the old one, atomically. A file whose bytes were imported
before is refused. A round's records are de-duplicated against every record already in the review (the
earlier rounds' records are kept, so they are not screened again); a round that adds no new record is
refused. The first ``round`` given to a review without rounds lists its existing sources as round
``initial``.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError

from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.core.protocol import PROTOCOL_FILE, Protocol, load_protocol
from reviewkit.core.storage import atomic_write_bytes, locked, read_text, save_checked
from reviewkit.records.dedup.review import duplicate_of, record_duplicates
from reviewkit.records.readers import ImportResult, read_file
from reviewkit.records.sources import citation_record, load_records

IMPORTS_DIR = "imports"
FIRST_ROUND = "initial"


@dataclass(frozen=True)
class Imported:
    """What an import added: the file's records (``result``), the round they joined (None: no round named) and,
    for a round, each record that duplicates a record already in the review, with the record it duplicates."""

    result: ImportResult
    round: str | None = None
    earlier: dict[str, str] = field(default_factory=dict)

    @property
    def new(self) -> int:
        """Records of the file that are not duplicates of records already in the review."""
        return self.result.kept - len(self.earlier)


def source_id_for(path: Path) -> str:
    """A source id from a file name: ``PubMed export 2024.nbib`` → ``pubmed-export-2024``."""
    stem = path.name.split(".")[0]
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "import"


def _scalar(text: str) -> str:
    """A YAML scalar: plain where that reads back as the same string, else a (JSON-style) quoted string."""
    plain = re.fullmatch(r"[A-Za-z0-9_][\w./()-]*(?: [\w./()-]+)*", text)
    return text if plain and yaml.safe_load(text) == text else json.dumps(text)


def _entry(**values: str | datetime.date | None) -> str:
    """One item of a top-level YAML list, its keys in the order given (None values left out)."""
    lines = [f"{'  - ' if i == 0 else '    '}{key}: "
             + (value.isoformat() if isinstance(value, datetime.date) else _scalar(value))
             for i, (key, value) in enumerate((k, v) for k, v in values.items() if v is not None)]
    return "\n".join(lines) + "\n"


def _list_end(text: str, key: str) -> int | None:
    """The line after the last item of the top-level list ``key`` (None if the protocol has no such list)."""
    root = yaml.compose(text)
    node = next((v for k, v in root.value if k.value == key), None) if isinstance(root, yaml.MappingNode) else None
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        return None
    lines = text.splitlines(keepends=True)
    end = node.value[-1].end_mark.line + (1 if node.value[-1].end_mark.column else 0)
    while end > 0 and not lines[end - 1].strip():  # keep blank lines after the list where they were
        end -= 1
    return end


def _append(text: str, key: str, entry: str, protocol_path: Path, *, after: str = "sources") -> str:
    """The protocol text with ``entry`` appended to its top-level list ``key``; a ``key`` list that is not
    there yet is started after the list ``after``."""
    end, head = _list_end(text, key), ""
    if end is None:
        end, head = _list_end(text, after), f"{key}:\n"
        if end is None or key == after:
            raise ReviewInputError(protocol_path, f"the protocol has no list of {after} to add to", field=after)
    lines = text.splitlines(keepends=True)
    return "".join(lines[:end]) + head + entry + "".join(lines[end:])


def _with_round(text: str, protocol: Protocol, round_id: str, on: datetime.date, protocol_path: Path) -> str:
    """The protocol text with round ``round_id`` listed (and, in a review without rounds, its first round)."""
    if round_id in {r.id for r in protocol.rounds}:
        return text
    if not protocol.rounds:
        if round_id == FIRST_ROUND:
            raise ReviewInputError(protocol_path, f"round {FIRST_ROUND!r} names the review's first search, "
                                                  "which the sources already listed make up: name the new round", field="rounds")
        text = _append(text, "rounds", _entry(id=FIRST_ROUND, label="First search"), protocol_path)
    return _append(text, "rounds", _entry(id=round_id, date=on), protocol_path)


def _imported_before(review_dir: Path, protocol: Protocol, file: Path) -> str | None:
    """The source whose export file has the same bytes as ``file``, if one has."""
    digest = hashlib.sha256(file.read_bytes()).digest()
    for source in protocol.sources:
        path = review_dir / source.path
        if source.format == "export" and path.is_file() and hashlib.sha256(path.read_bytes()).digest() == digest:
            return source.id
    return None


def _earlier_duplicates(review_dir: Path, protocol: Protocol, result: ImportResult) -> dict[str, str]:
    """Each record of ``result`` that de-duplication removes as a copy of a record already in the review, and that record."""
    existing = load_records(review_dir, protocol)
    new = [citation_record(c, result.source, result.path) for c in result.citations]
    removed = duplicate_of(record_duplicates(review_dir, existing + new))
    return {r.id: removed[r.id] for r in new if r.id in removed and not removed[r.id].startswith(f"{result.source}:")}


def add_import(
    review_dir: str | Path, file: str | Path, *, source: str | None = None, name: str | None = None,
    kind: Literal["databases_registers", "other_methods"] = "databases_registers",
    on_error: Literal["skip", "stop"] = "skip", searched: str | None = None, round: str | None = None,
    round_date: datetime.date | None = None,
) -> Imported:
    """Import ``file`` into the review as source ``source`` (default: from the file name), in search round
    ``round`` if given (a round not listed yet is added, dated ``round_date``, default today)."""
    review_dir, file = Path(review_dir), Path(file)
    protocol_path = review_dir / PROTOCOL_FILE
    with locked(protocol_path):
        protocol = load_protocol(review_dir)
        source_id = source or source_id_for(file)
        if source_id in {s.id for s in protocol.sources}:
            raise ReviewInputError(protocol_path, f"a source {source_id!r} is already listed: choose another --source",
                                   field="sources")
        target = review_dir / IMPORTS_DIR / file.name
        if target.exists():
            raise ReviewInputError(target, "a file of this name was already imported; rename it or remove the old one")
        before = _imported_before(review_dir, protocol, file)
        if before:
            raise ReviewInputError(file, f"this file was already imported, as source {before!r} (the same bytes): "
                                         "nothing was imported")
        result = read_file(file, source=source_id, on_error=on_error)
        if not result.kept:
            why = f"all {result.read} records read were skipped, the first: {result.skipped[0]}" if result.read else \
                f"no {result.format} records found (is it the export file, in the format its name says?)"
            raise ReviewInputError(file, f"no record could be kept, so nothing was imported: {why}")
        earlier = _earlier_duplicates(review_dir, protocol, result) if round else {}
        if round and len(earlier) == result.kept:
            first = next(iter(earlier.items()))
            raise ReviewInputError(file, f"round {round!r} adds no new record: all {result.kept} records kept duplicate "
                                         f"records already in the review (the first, {first[0]}, duplicates {first[1]}); "
                                         "nothing was imported")
        entry = _entry(id=source_id, name=name or source_id, kind=kind, format="export",
                       path=f"{IMPORTS_DIR}/{file.name}", on_error=on_error, searched=searched, round=round)
        text = read_text(protocol_path)
        if round:
            text = _with_round(text, protocol, round, round_date or datetime.date.today(), protocol_path)
        updated = _append(text, "sources", entry, protocol_path)
        problems = _protocol_problems(updated, protocol_path, source_id)
        raise_collected(problems)  # before the copy: a protocol that would not validate changes nothing
        atomic_write_bytes(target, file.read_bytes())
        try:
            save_checked(protocol_path, updated, problems)
        except BaseException:  # the copy goes with a protocol that does not name it
            target.unlink(missing_ok=True)
            raise
    return Imported(result, round, earlier)


def _protocol_problems(text: str, path: Path, source_id: str) -> list[ReviewInputError]:
    """Why the protocol with the new source would not be valid (it must be, before it is written)."""
    try:
        problems = [problem for _, problem in Protocol.model_validate(yaml.safe_load(text)).reference_problems()]
    except (yaml.YAMLError, ValidationError) as exc:
        problems = [str(exc)]
    return [ReviewInputError(path, f"adding source {source_id!r} would make the protocol invalid: {excerpt(problem)}",
                             field="sources") for problem in problems]
