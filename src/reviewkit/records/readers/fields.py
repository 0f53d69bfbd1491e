"""What every reader yields, and the small value clean-ups the formats share."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewkit.core.text import DOI

_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_DASHES = re.compile(r"\s*(?:--|[-‐-―−])\s*")
_SURNAME_INITIALS = re.compile(r"\S+(?: \S+)* [A-Z][A-Z.\- ]*")


@dataclass(frozen=True, slots=True)
class Parsed:
    """One record as a reader found it: the line it starts on, its fields under ``Citation``'s
    names (``id`` only when the file gives the record one), the file's own name for the id's
    field where it has one (a table's column header) and, when it is malformed, what is wrong and
    in which field."""

    line: int
    fields: dict[str, str | tuple[str, ...]]
    problem: str | None = None
    field: str | None = None
    id_name: str = ""


def clean(value: str) -> str:
    """Runs of whitespace (newlines, tabs, no-break spaces) as one space, ends stripped."""
    return " ".join(value.split())


def lines(text: str, block: int = 1 << 20) -> Iterator[str]:
    """The lines of ``text`` as ``text.split("\\n")`` gives them, a block at a time, so that a large
    export is not held twice in memory."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + block)
        end = len(text) if end < 0 else end
        yield from text[start:end].split("\n")
        start = end + 1


def doi(value: str) -> str:
    """The DOI in ``value`` without ``doi:`` or ``https://doi.org/`` around it, else ``""``."""
    found = DOI.search(value)
    return found.group(0).rstrip(".,;") if found else ""


def year(value: str) -> str:
    """The first four-digit year in a date such as ``2018//``, ``2019 Mar 4`` or ``20/04/2012``."""
    if len(value) == 4 and value.isascii() and value.isdigit():  # most dates: the year alone
        return value if "1500" <= value <= "2099" else ""
    found = _YEAR.search(value)
    return found.group(1) if found else ""


def pages(first: str, last: str = "") -> str:
    """``first-last`` with any dash as a hyphen; a range already in ``first`` is kept."""
    first, last = first.strip(), last.strip()
    first = first if first.isdigit() else _DASHES.sub("-", first)
    return f"{first}-{last}" if first and last and "-" not in first else first or last


def authors(value: str) -> tuple[str, ...]:
    """Split an author list written in one cell: on ``;``, else on BibTeX's `` and ``, else on
    commas when every part reads as ``Surname Initials`` (``Smith J, Doe AB``). ``Smith, John``
    stays one author."""
    value = value.strip()
    if not value:
        return ()
    if ";" in value:
        parts = value.split(";")
    elif " and " in value:
        parts = value.split(" and ")
    else:
        parts = value.split(",")
        if len(parts) < 2 or not all(_SURNAME_INITIALS.fullmatch(p.strip()) for p in parts):
            parts = [value]
    return tuple(name for p in parts if (name := clean(p)))


def names(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Each value :func:`clean`, empty ones dropped. Most lists need no cleaning, which one look at them
    all joined tells (a large export has hundreds of thousands of names)."""
    joined = "|".join(values)
    if joined == clean(joined) and "" not in values and " |" not in joined and "| " not in joined:
        return tuple(values)
    return tuple(name for v in values if (name := clean(v)))


def keywords(values: list[str] | tuple[str, ...] | str) -> tuple[str, ...]:
    """Keywords from one cell or several tag lines, each split on ``;``."""
    values = [values] if isinstance(values, str) else values
    if not any(";" in v for v in values):
        return names(values)
    return tuple(word for v in values for part in v.split(";") if (word := clean(part)))
