"""``reviewkit import``: add a database export to a review as a source beside the seeds.

The file is read first (a file that cannot be read changes nothing), copied into ``review/imports/``, and
a source entry is inserted into ``protocol.yml`` as text, so the reviewer's comments and layout stay; the
new protocol is validated before it replaces the old one, atomically.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError

from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.core.protocol import PROTOCOL_FILE, Protocol, load_protocol
from reviewkit.core.storage import atomic_write_bytes, locked, read_text, save_checked
from reviewkit.records.readers import ImportResult, read_file

IMPORTS_DIR = "imports"


def source_id_for(path: Path) -> str:
    """A source id from a file name: ``PubMed export 2024.nbib`` → ``pubmed-export-2024``."""
    stem = path.name.split(".")[0]
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "import"


def _scalar(text: str) -> str:
    """A YAML scalar: plain where that reads back as the same string, else a (JSON-style) quoted string."""
    plain = re.fullmatch(r"[A-Za-z0-9_][\w./()-]*(?: [\w./()-]+)*", text)
    return text if plain and yaml.safe_load(text) == text else json.dumps(text)


def _source_entry(source_id: str, name: str, kind: str, path: str, on_error: str, searched: str | None) -> str:
    lines = [f"  - id: {_scalar(source_id)}", f"    name: {_scalar(name)}", f"    kind: {kind}",
             "    format: export", f"    path: {_scalar(path)}", f"    on_error: {on_error}"]
    if searched:
        lines.append(f"    searched: {_scalar(searched)}")
    return "\n".join(lines) + "\n"


def _insert_source(text: str, entry: str, protocol_path: Path) -> str:
    """The protocol text with ``entry`` appended to its ``sources`` list."""
    root = yaml.compose(text)
    node = next((v for k, v in root.value if k.value == "sources"), None) if isinstance(root, yaml.MappingNode) else None
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise ReviewInputError(protocol_path, "the protocol has no list of sources to add to", field="sources")
    lines = text.splitlines(keepends=True)
    end = node.value[-1].end_mark.line + (1 if node.value[-1].end_mark.column else 0)
    while end > 0 and not lines[end - 1].strip():  # keep blank lines after the list where they were
        end -= 1
    return "".join(lines[:end]) + entry + "".join(lines[end:])


def add_import(
    review_dir: str | Path, file: str | Path, *, source: str | None = None, name: str | None = None,
    kind: Literal["databases_registers", "other_methods"] = "databases_registers",
    on_error: Literal["skip", "stop"] = "skip", searched: str | None = None,
) -> ImportResult:
    """Import ``file`` into the review as source ``source`` (default: from the file name); returns what was read."""
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
        result = read_file(file, source=source_id, on_error=on_error)
        if not result.kept:
            why = f"all {result.read} records read were skipped, the first: {result.skipped[0]}" if result.read else \
                f"no {result.format} records found (is it the export file, in the format its name says?)"
            raise ReviewInputError(file, f"no record could be kept, so nothing was imported: {why}")
        entry = _source_entry(source_id, name or source_id, kind, f"{IMPORTS_DIR}/{file.name}", on_error, searched)
        updated = _insert_source(read_text(protocol_path), entry, protocol_path)
        problems = _protocol_problems(updated, protocol_path, source_id)
        raise_collected(problems)  # before the copy: a protocol that would not validate changes nothing
        atomic_write_bytes(target, file.read_bytes())
        try:
            save_checked(protocol_path, updated, problems)
        except BaseException:  # the copy goes with a protocol that does not name it
            target.unlink(missing_ok=True)
            raise
    return result


def _protocol_problems(text: str, path: Path, source_id: str) -> list[ReviewInputError]:
    """Why the protocol with the new source would not be valid (it must be, before it is written)."""
    try:
        problems = [problem for _, problem in Protocol.model_validate(yaml.safe_load(text)).reference_problems()]
    except (yaml.YAMLError, ValidationError) as exc:
        problems = [str(exc)]
    return [ReviewInputError(path, f"adding source {source_id!r} would make the protocol invalid: {excerpt(problem)}",
                             field="sources") for problem in problems]
