"""The state of one stage of the review, as ``reviewkit status`` reports it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageStatus:
    stage: str
    state: str  # "done" or "pending"
    summary: str
