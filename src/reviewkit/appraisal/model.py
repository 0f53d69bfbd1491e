"""What a risk-of-bias appraisal holds: each item's answer with its support, and the overall judgment."""
from __future__ import annotations

from dataclasses import dataclass

from reviewkit.appraisal.tools import Overall, Tool
from reviewkit.core.evidence import FoundQuote

PENDING = "pending"


@dataclass(frozen=True)
class ItemJudgment:
    """One item's answer, the level it is drawn at, and the quotes or note that support it."""

    item: str
    answer: str
    level: str
    evidence: tuple[FoundQuote, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Appraisal:
    """One appraisal of a study (``source_type`` None) or of one of its reports, with one tool."""

    study: str
    tool: Tool
    record: str
    source_type: str | None
    items: dict[str, ItemJudgment]
    overall: Overall | None  # None while pending
    overall_note: str = ""
    stated: str | None = None  # the overall judgment as the file states it (None: left to the tool's rule)

    @property
    def missing(self) -> list[str]:
        return [i.id for i in self.tool.items if i.id not in self.items]

    @property
    def label(self) -> str:
        """How the appraisal is named in plots: the study, and the report for a report's appraisal."""
        return self.study if self.source_type is None else f"{self.study} ({self.source_type})"

    @property
    def key(self) -> tuple[str, str | None]:
        """What tells a study's appraisals apart: the tool, and the report for a report's appraisal."""
        return self.tool.id, self.record if self.source_type else None
