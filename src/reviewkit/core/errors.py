"""One error type for bad review input, always naming where the problem is."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

EXCERPT_CHARS = 160


def excerpt(value: object, chars: int = EXCERPT_CHARS) -> str:
    """``value`` as text for a message, cut to ``chars`` characters: a message never echoes a whole value."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= chars else text[: chars - 1] + "…"


class ReviewInputError(ValueError):
    """Bad input in a review file: says which file, line or record, and field."""

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        record: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.record = record
        self.message = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if record is not None:
            where += f", record {record!r}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


class ReviewInputErrors(ValueError):
    """Several input problems found in one pass, reported together."""

    def __init__(self, errors: list[ReviewInputError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def raise_collected(errors: Sequence[ReviewInputError]) -> None:
    """Raise the problems found in one pass: one as itself, several together; nothing if there are none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ReviewInputErrors(list(errors))
