"""How the sections word what they count: lists, plurals and counts by kind, form fields and PRISMA columns by name."""
from __future__ import annotations

import re
from collections import Counter

from reviewkit.core.numbers import fmt_count
from reviewkit.core.text import split_cell
from reviewkit.report.typst import display

PRISMA_COLUMNS = {"databases_registers": "Databases and registers", "other_methods": "Other methods",
                  "previous": "Previous studies"}


def _words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _counted(counter: Counter) -> str:
    """``2 case series, 1 single-arm trial``, most common first."""
    return ", ".join(f"{n} {what}" for what, n in counter.most_common())


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{fmt_count(n)} {one if n == 1 else (many or one + 's')}"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def _label(key: str) -> str:
    """A column name for a form field key: ``n_participants`` → ``No. of participants``."""
    text = key.replace("_", " ")
    text = re.sub(r"^n ", "No. of ", text)
    return text[:1].upper() + text[1:]


def listed(cell: object) -> str:
    """A table cell as the review reads it: its list values (``join_cell``) separated by semicolons."""
    return "; ".join(split_cell(cell)) if isinstance(cell, str) and cell else display(cell)
