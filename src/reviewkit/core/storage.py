"""Reading and writing reviewer data: YAML with line numbers in errors, atomic writes."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from reviewkit.core.errors import ReviewInputError


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename; returns the path.

    A crash leaves either the old file or the new one, never a truncated file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, as ``atomic_write_bytes``."""
    atomic_write_bytes(path, text.encode("utf-8"))


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file (a BOM is dropped); a non-UTF-8 file is a clear error."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReviewInputError(
            path, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8", line=line
        ) from None


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file; a syntax error names the file and line."""
    path = Path(path)
    if not path.is_file():
        raise ReviewInputError(path, "file not found")
    try:
        return yaml.safe_load(read_text(path))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ReviewInputError(path, f"malformed YAML: {exc.problem or exc}", line=line) from None


def dump_yaml(data: Any) -> str:
    """YAML that diffs well: block style, keys in the given order, unicode kept."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def yaml_key_line(path: str | Path, keys: tuple[str | int, ...]) -> int | None:
    """The line (1-based) where the node at ``keys`` starts in a YAML file, if found."""
    try:
        node = yaml.compose(read_text(path))
    except (yaml.YAMLError, ReviewInputError, OSError):
        return None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if k.value == str(key)]
            if not match:
                return node.start_mark.line + 1
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return node.start_mark.line + 1 if node is not None else None
