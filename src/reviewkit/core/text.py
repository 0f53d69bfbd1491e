"""Small text conventions every stage shares: list values in table cells, and DOIs found in text."""
from __future__ import annotations

import re
from typing import Iterable

CELL_SEPARATOR = " | "  # list values in one cell of a build table
# A DOI runs to white space or a quotation mark; "<" ends it before a tag ("</a>") but not in an old SICI DOI
# ("10.1002/(SICI)1097-4636(199705)35:2<211::AID-JBM9>3.0.CO;2-L").
DOI = re.compile(r"\b10\.\d{4,9}/(?:[^\s\"<]+|<(?![/A-Za-z]))+")  # runs of plain characters: twice as fast
DOI_TRAILING = ".,;:)]}>'\""


def join_cell(values: Iterable[object]) -> str:
    """List values as one table cell, in order, empty ones left out."""
    return CELL_SEPARATOR.join(str(v) for v in values if str(v))


def split_cell(cell: object) -> list[str]:
    """The list values of a cell that ``join_cell`` wrote."""
    return [part.strip() for part in str(cell or "").split(CELL_SEPARATOR) if part.strip()]


def find_dois(text: str) -> tuple[str, ...]:
    """DOIs in ``text``, lower-cased, without trailing punctuation, each once, in order of appearance."""
    return tuple(dict.fromkeys(m.group().rstrip(DOI_TRAILING).lower() for m in DOI.finditer(text)))
