"""What an extraction form holds once read and checked: each field's value with its quotes, and the study's
discrepancies between reports."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviewkit.core.evidence import FoundQuote
from reviewkit.records.studies import Study

NOT_REPORTED = "not reported"


@dataclass(frozen=True)
class Entry:
    """A reviewer's value for one form field, with the quotes that support it."""

    field: str
    value: Any  # int, str, list[str], or NOT_REPORTED
    evidence: tuple[FoundQuote, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Discrepancy:
    """Reports of one study that disagree, or a report that misstates the study."""

    records: tuple[str, ...]
    note: str
    evidence: tuple[FoundQuote, ...] = ()


@dataclass(frozen=True)
class Form:
    """A study's extraction form as read from its file (only the entries that passed every check)."""

    study: Study
    entries: dict[str, Entry]
    discrepancies: tuple[Discrepancy, ...] = ()

    def status(self, key: str) -> str:
        """``extracted``, ``not reported`` or ``pending``."""
        if key not in self.entries:
            return "pending"
        return NOT_REPORTED if self.entries[key].value == NOT_REPORTED else "extracted"
