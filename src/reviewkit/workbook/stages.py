"""The one registry of the review's stages, in the order they run: name, notebook, validator, status and outputs.

The pipeline runs the notebooks in this order, ``reviewkit status`` asks each stage where it stands,
``reviewkit validate`` runs each validator, and the report's status table lists the same names. A stage's
validator and status are its own module's functions; this registry only puts them in order, which is why it
sits above the stages (``workbook``) rather than in ``core``.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from reviewkit.core.errors import ReviewInputError
    from reviewkit.core.protocol import Protocol
    from reviewkit.core.stage_state import StageState
    from reviewkit.records.model import Record

Validator = Callable[[Path, "Protocol", "list[Record]"], "list[ReviewInputError]"]
Status = Callable[[Path, "Protocol", "list[Record]"], "StageState"]


def _function(where: str | None) -> Callable | None:
    """The function a ``module:name`` reference names, imported when first asked for."""
    if where is None:
        return None
    module, name = where.split(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Stage:
    """One stage of the review: its notebook (run once, or once per included study), and its checks.

    The validator and status are ``module:function`` references, imported only when a command asks for them:
    ``reviewkit --help`` or ``reviewkit run --only screening`` loads no stage's code."""

    name: str
    label: str
    notebook: str
    outputs: tuple[str, ...] = ()  # the tables it writes under out_dir/tables
    validator: str | None = None  # the reviewer files it owns, checked by ``reviewkit validate``
    status_of: str | None = None  # where it stands, for ``reviewkit status`` (None: it follows from the others)
    per_study: bool = False

    @property
    def stem(self) -> str:
        return Path(self.notebook).stem

    @property
    def validate(self) -> Validator | None:
        return _function(self.validator)

    @property
    def status(self) -> Status | None:
        return _function(self.status_of)


STAGES: tuple[Stage, ...] = (
    Stage("records", "records", "01_records.ipynb", ("records", "duplicates", "sources"),
          "reviewkit.records.dedup.review:validate", "reviewkit.records.dedup.review:stage_status"),
    Stage("screening", "screening", "02_screening.ipynb",
          ("screening_criteria", "screening", "screening_agreement", "prisma_screening"),
          "reviewkit.screening.decisions:validate", "reviewkit.screening.decisions:stage_status"),
    Stage("extraction", "data extraction", "03_extraction.ipynb",
          ("included_studies", "study_links", "extraction", "extraction_suggestions", "characteristics",
           "extraction_discrepancies", "extraction_comparison", "extraction_conflicts", "extraction_agreement"),
          "reviewkit.extraction.forms:validate", "reviewkit.extraction.forms:stage_status"),
    Stage("risk_of_bias", "risk of bias", "04_risk_of_bias.ipynb",
          ("rob", "rob_comparison", "rob_conflicts", "rob_agreement"),
          "reviewkit.appraisal.judgments:validate", "reviewkit.appraisal.plan:stage_status"),
    Stage("studies", "study notebooks", "study.ipynb", per_study=True),
    Stage("synthesis", "synthesis and certainty", "05_synthesis.ipynb",
          ("synthesis", "synthesis_studies", "sensitivity", "effects", "effect_studies", "small_studies",
           "leave_one_out", "meta_regression", "effect_sensitivity", "cumulative", "narrative", "grade", "sof"),
          "reviewkit.synthesis.grade:validate", "reviewkit.synthesis.grade:stage_status"),
    Stage("report", "report", "06_report.ipynb", ("status", "prisma", "changes")),
)


def stage(name: str) -> Stage:
    """A stage by its name (``screening``), its notebook (``02_screening``) or its number (``2``)."""
    for candidate in STAGES:
        number = candidate.stem.split("_", 1)[0]
        if name in (candidate.name, candidate.stem, candidate.notebook) or (
                name.isdigit() and number.isdigit() and int(name) == int(number)):
            return candidate
    raise ValueError(f"unknown stage {name!r}; stages are: {', '.join(s.name for s in STAGES)}")
