"""Where one stage of the review stands, as its own module judges it from the review's files."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageState:
    state: str  # "done" or "pending"
    summary: str
