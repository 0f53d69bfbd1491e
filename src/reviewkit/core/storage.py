"""Reading and writing reviewer data: YAML with line numbers in errors, atomic writes."""
from __future__ import annotations

import copy
import os
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence

import yaml
from filelock import FileLock, Timeout

from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected


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


LOCK_SECONDS = 30


@contextmanager
def locked(path: str | Path) -> Iterator[Path]:
    """Hold the lock of a reviewer file across a read-modify-write of it: two writers at once (a form and a
    script, two notebook tabs) take turns, so that neither loses the other's change. The lock is a hidden
    ``.<name>.lock`` file beside it (git-ignored)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(path.with_name(f".{path.name}.lock"), timeout=LOCK_SECONDS):
            yield path
    except Timeout:
        raise ReviewInputError(path, f"another program has been writing this file for {LOCK_SECONDS} s; "
                                     "try again when it is done") from None


def save_checked(path: str | Path, text: str, problems: Sequence[ReviewInputError]) -> None:
    """The one way a reviewer file is written: ``text``, checked as the file would become, only if the check found
    no ``problems`` (else all of them are raised and the file stays as it was), atomically. Call it holding
    ``locked(path)``."""
    raise_collected(problems)
    atomic_write_text(path, text)


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file (a BOM is dropped); a file in another encoding, or with NUL bytes, is a clear error."""
    path = Path(path)
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        at = raw.find(b"\x00")
        line = raw[: max(at, 0)].count(b"\n") + 1
        raise ReviewInputError(path, "holds NUL bytes or a UTF-16 byte-order mark: the file is UTF-16 or binary, not "
                                     "UTF-8 text; save it as UTF-8", line=line)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReviewInputError(
            path, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8", line=line
        ) from None


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where PyYAML was built with it


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases: reviewer files need none, and nested ones expand without limit.
    Used only to name the alias of a file the fast parse found one in."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"an alias (*{event.anchor}) is not allowed here: write the value out", event.start_mark)
        return super().compose_node(parent, index)


def _has_alias(root: yaml.Node | None) -> bool:
    """Whether a composed document reuses a node: what an alias composes to."""
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


@lru_cache(maxsize=256)
def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """One composition of ``text`` (libyaml's), giving the nodes with their lines and, built from them, the data.
    Cached by content: a file read by several stages of one command, or saved unchanged, is parsed once."""
    loader = _FAST_LOADER(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    if _has_alias(root):
        yaml.compose(text, Loader=_NoAliasLoader)  # raises, naming the alias and its line
    data = yaml.constructor.SafeConstructor().construct_document(root) if root is not None else None
    return root, data


def _unbuildable_line(text: str) -> int | None:
    """The line of the first value that YAML parses but cannot build (``!!int x``, ``2025-02-30``)."""
    stack = [_FAST_LOADER(text).get_single_node()]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                yaml.constructor.SafeConstructor().construct_object(node)
            except (ValueError, OverflowError):
                return node.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return None


def _yaml_error(path: Path, text: str, exc: yaml.YAMLError) -> ReviewInputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:  # libyaml can mark the end of a file's last line as the line after it
        line = min(mark.line + 1, text.count("\n") + 1)
    elif isinstance(getattr(exc, "position", None), int):  # a character YAML does not accept: only its position
        line = text.count("\n", 0, exc.position) + 1
    else:
        line = None
    return ReviewInputError(path, f"malformed YAML: {excerpt(problem)}", line=line)


class YamlDoc:
    """A reviewer's YAML file as read: its path, text and data, and the line where each key stands."""

    def __init__(self, path: str | Path, text: str) -> None:
        self.path, self.text = Path(path), text
        try:
            self.root, data = _parse(text)
            self.data = copy.deepcopy(data)  # the cached data stays as parsed, whatever the caller does with its copy
        except yaml.YAMLError as exc:
            raise _yaml_error(self.path, text, exc) from None
        except (ValueError, OverflowError) as exc:  # a value YAML parses but cannot build: 2025-02-30, 5000 digits
            raise ReviewInputError(self.path, f"a value YAML cannot read: {excerpt(str(exc))} (quote it to keep it as "
                                   "text)", line=_unbuildable_line(text)) from None
        except RecursionError:
            raise ReviewInputError(self.path, "brackets or indentation nested too deeply to read") from None

    def line(self, keys: tuple[str | int, ...]) -> int | None:
        """The line (1-based) where the node at ``keys`` starts (its nearest parent's if it is not there)."""
        node = self.root
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

    def duplicate_keys(self) -> list[tuple[str, int]]:
        """Keys repeated within one mapping (YAML keeps only the last), with their lines, in file order."""
        found, stack = [], [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for key, value in node.value:
                    if key.value in seen:
                        found.append((key.value, key.start_mark.line + 1))
                    seen.add(key.value)
                    stack.append(value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        return sorted(found, key=lambda f: f[1])


def read_yaml(path: str | Path) -> YamlDoc:
    """A YAML file as a ``YamlDoc``; a missing file, bad UTF-8 or a syntax error names the file and line."""
    path = Path(path)
    if not path.is_file():
        raise ReviewInputError(path, "file not found")
    return YamlDoc(path, read_text(path))


def load_yaml(path: str | Path) -> Any:
    """The data of a YAML file (as ``read_yaml``)."""
    return read_yaml(path).data
