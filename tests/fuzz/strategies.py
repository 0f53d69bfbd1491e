"""What the fuzzers share: mutations of real files, and the check that only the project's errors come out."""
from __future__ import annotations

import copy
import csv
import io
from pathlib import Path
from typing import Any, Callable

import yaml
from hypothesis import strategies as st

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors

MAX_MESSAGE = 2000
LONG = "x" * 5000
# Text that breaks one format or another: line ends, quotes, brackets, YAML syntax, LaTeX, NUL.
TRICKY = [
    "\x00", "\r", "\r\n", "\t", "\ufeff", "\u2028", '"', "'", ",", ";", ": ", "- ", "? ", "#", "{", "}", "[", "]",
    "&a ", "*a", "<<: *a", "!!binary", "!!python/object:os.system", "|", ">", "%", "\\", "\\\\", "$", "~", "--",
    "@", "@article{", "@string{", "@comment{", "\\'{", "{\\\"u}", "null", "yes", "no", "1e400", ".nan", "-0",
    "0x1F", "\ufffd", "é", "😀", LONG,
]
# Regular expressions that re.compile does not reject with re.error (RecursionError, OverflowError).
REGEX_BOMBS = ["(" * 1200 + ")" * 1200, "a{99999999999}"]
# Text the YAML library parses but cannot build, or nests past the recursion limit: an impossible date, an integer
# of more than 4300 digits, deep brackets.
YAML_BOMBS = ["2025-02-30", "9" * 5000, "[" * 1200 + "]" * 1200]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"]


def _line_text(tokens: list[str]) -> st.SearchStrategy[str]:
    """A line to put into a file: one of ``tokens`` (the format's, tricky text), a few of them, or anything."""
    return st.one_of(st.sampled_from(tokens), st.text(max_size=40), st.lists(st.sampled_from(tokens), max_size=4).map("".join))


@st.composite
def mutated_text(draw: st.DrawFn, base: str, tokens: list[str]) -> str:
    """``base`` with one to four line edits: delete, duplicate, swap, insert one of ``tokens`` or a random line,
    change a line's indentation, inject text into a line, or cut the file short."""
    lines = base.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        edit = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "indent", "inject", "truncate"]))
        if edit == "delete" and lines:
            del lines[at]
        elif edit == "duplicate" and lines:
            lines.insert(at, lines[at])
        elif edit == "swap" and lines:
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif edit == "insert":
            lines.insert(at, draw(_line_text(tokens)))
        elif edit == "indent" and lines:
            indent = draw(st.sampled_from(["", " ", "  ", "    ", "\t", "      ", " \t"]))
            lines[at] = indent + lines[at].lstrip()
        elif edit == "inject" and lines:
            cut = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:cut] + draw(_line_text(tokens)) + lines[at][cut:]
        elif edit == "truncate":
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].split("\n")
    return "\n".join(lines)


@st.composite
def mutated_bytes(draw: st.DrawFn, base: str, tokens: list[str]) -> bytes:
    """``mutated_text`` encoded in UTF-8 or another encoding, sometimes with random bytes put in or the
    bytes cut short."""
    text = draw(mutated_text(base, tokens))
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


def scalars() -> st.SearchStrategy[Any]:
    """Values YAML can hold: text (tricky or long too), numbers, booleans, null, dates."""
    return st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.dates(),
        st.text(max_size=30), st.sampled_from(TRICKY),
    )


def yaml_data(keys: list[str], leaves: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Any]:
    """Nested mappings and lists of ``leaves`` (default ``scalars``), keyed by ``keys`` (the names the file
    uses) or by any text or number."""
    key = st.one_of(st.sampled_from(keys), st.text(max_size=20), st.integers(-5, 5), st.booleans())
    return st.recursive(
        leaves if leaves is not None else scalars(),
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(key, inner, max_size=5)),
        max_leaves=25,
    )


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


@st.composite
def mutated_data(draw: st.DrawFn, data: Any, shapes: st.SearchStrategy[Any]) -> Any:
    """``data`` (as read from a real file) with one to three edits somewhere down it: a value replaced by one
    of ``shapes``, a key or item removed, one added."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        parent, key, node = None, None, data
        while isinstance(node, (dict, list)) and node and draw(st.integers(0, 3)):
            parent, key = node, draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
            node = node[key]
        edit = draw(st.sampled_from(["replace", "delete", "add"]))
        if edit == "replace" and parent is None:
            data = draw(shapes)
        elif edit == "replace":
            parent[key] = draw(shapes)
        elif edit == "delete" and parent is not None:
            del parent[key]
        elif edit == "add" and isinstance(node, dict):
            node[draw(st.one_of(st.text(max_size=12), st.integers(-3, 3)))] = draw(shapes)
        elif edit == "add" and isinstance(node, list):
            node.insert(draw(st.integers(0, len(node))), draw(shapes))
    return data


@st.composite
def csv_text(draw: st.DrawFn, columns: list[str], values: list[str]) -> str:
    """A CSV file: the right header, its columns shuffled, or random ones; rows of known ``values`` and other
    text, with more or fewer cells than the header; ``\\n`` or ``\\r\\n`` line ends."""
    header = draw(st.one_of(st.just(columns), st.permutations(columns),
                            st.lists(st.one_of(st.sampled_from(columns), st.text(max_size=12)), max_size=8)))
    cell = st.one_of(st.sampled_from(values), st.text(max_size=20), st.sampled_from(TRICKY))
    width = st.integers(0, len(header) + 2)
    rows = draw(st.lists(width.flatmap(lambda n: st.lists(cell, min_size=n, max_size=n)), max_size=6))
    out = io.StringIO()
    csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows([header, *rows])
    return out.getvalue()


def errors_of(call: Callable[[], Any]) -> tuple[Any, list[ReviewInputError]]:
    """``call()``'s result and the errors it raised: only ``ReviewInputError(s)`` may come out; anything else
    fails the test with its traceback."""
    try:
        return call(), []
    except ReviewInputErrors as exc:
        assert exc.errors and all(isinstance(e, ReviewInputError) for e in exc.errors), exc.errors
        return None, exc.errors
    except ReviewInputError as exc:
        return None, [exc]


def line_count(data: bytes) -> int:
    """An upper bound on the lines of a file however its line ends are read: ``\\n``, ``\\r``, and YAML's
    other line breaks (NEL, U+2028, U+2029)."""
    text = data.decode("utf-8", errors="replace")
    return data.count(b"\n") + data.count(b"\r") + sum(map(text.count, "\x85\u2028\u2029")) + 1


def check_error(error: object, path: Path, lines: int | None, *, needs_line: bool = False) -> None:
    """An error as a reviewer sees it: of the project's type, naming ``path``, short, and with a line within the
    file's ``lines`` where it gives one (``needs_line``: it must)."""
    assert isinstance(error, ReviewInputError), repr(error)
    assert error.path == str(path), (error.path, str(path))
    assert len(str(error)) < MAX_MESSAGE, str(error)[:300]
    if needs_line:
        assert error.line is not None, str(error)[:300]
    if error.line is not None and lines is not None:
        assert 1 <= error.line <= lines, (error.line, lines, str(error)[:300])
