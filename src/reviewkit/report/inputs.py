"""What the report reads: the protocol and the build's tables and figures, and which stages they wait for."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from reviewkit.appraisal.tools import Tool, read_tools
from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import Protocol
from reviewkit.core.tables import read_table, table_path
from reviewkit.core.text import split_cell

# What each stage leaves in the build folder, and so what the report waits for while it is pending.
# The columns the report reads from each table; a table without them is an error that names them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "records": ("record_id", "title", "source_type_suggested", "dates", "dois", "citations"),
    "sources": ("source", "records"),
    "screening": ("record_id", "stage", "decision", "exclusion_reason", "reviewers", "note", "title"),
    "prisma_screening": ("stage", "measure", "reason", "count"),
    "screening_agreement": ("stage", "rater_a", "rater_b", "records", "agreement", "kappa", "kappa_low", "kappa_high"),
    "included_studies": ("study_id", "label", "records", "primary_citation"),
    "characteristics": ("study_id", "label"),
    "extraction": ("study_id", "record_id", "field", "value", "quote", "note", "status"),
    "extraction_discrepancies": ("study_id", "note", "quote"),
    "rob": ("study_id", "source_type", "tool", "item", "judgment", "level", "support"),
    "synthesis": ("outcome", "outcome_label", "group", "k", "events", "participants", "estimate", "ci_low", "ci_high",
                  "tau2", "i2", "transform", "method", "note"),
    "synthesis_studies": ("outcome", "group", "study_id", "label", "events", "total", "proportion", "ci_low", "ci_high",
                          "weight", "pooled", "reason"),
    "sensitivity": ("outcome", "transform", "method", "estimate", "ci_low", "ci_high", "tau2", "i2", "note"),
    "narrative": ("outcome", "outcome_label", "group", "study_id", "label", "design", "participants", "finding",
                  "direction", "risk_of_bias", "reason_not_pooled"),
    "sof": ("outcome", "outcome_label", "studies", "participants", "estimate", "certainty", "comments"),
    "grade": ("outcome", "domain", "change", "reason"),
    "prisma": ("column", "box", "source", "reason", "label", "count"),
    "status": ("stage", "state", "summary"),
}


@dataclass
class Build:
    """The review folder and its build: the protocol, tables and figures the report reads."""

    review_dir: Path
    out_dir: Path
    protocol: Protocol
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame | None:
        """``tables/<name>.csv``, or None if that stage has not written it."""
        if name not in self._tables:
            try:
                table = read_table(self.out_dir, name)
            except FileNotFoundError:
                table = None
            absent = [c for c in COLUMNS.get(name, ()) if table is not None and c not in table.columns]
            if absent:
                raise ReviewInputError(table_path(self.out_dir, name), f"missing column(s) {', '.join(absent)}: "
                                       "rerun the stage that writes this table")
            self._tables[name] = table
        return self._tables[name]

    def figure(self, name: str) -> str | None:
        """The Typst path of ``figures/<name>`` (SVG, else PNG), or None."""
        for ext in ("svg", "png"):
            if (self.out_dir / "figures" / f"{name}.{ext}").is_file():
                return f"/figures/{name}.{ext}"
        return None

    def missing(self, *paths: str) -> list[str]:
        """The build files among ``paths`` that do not exist (a figure's SVG may be a PNG)."""
        def found(path: Path) -> bool:
            return path.is_file() or (path.suffix == ".svg" and path.with_suffix(".png").is_file())

        return [p for p in paths if not found(self.out_dir / p)]

    @cached_property
    def tools(self) -> dict[str, Tool]:
        return read_tools(self.review_dir)[0]

    def tool_name(self, tool_id: str) -> str:
        """A risk-of-bias tool's name (its id if the review no longer has the tool)."""
        return self.tools[tool_id].name if tool_id in self.tools else tool_id

    @cached_property
    def status(self) -> pd.DataFrame:
        """``tables/status.csv``: the stages in the order of the stage registry, each with its state and the tables
        it writes, as the report stage (or ``reviewkit export pdf``) wrote it before typesetting."""
        table = self.table("status")
        if table is None:
            raise ReviewInputError(table_path(self.out_dir, "status"), "missing: the report stage writes it (reviewkit run "
                                   "--only report), and so does reviewkit export pdf")
        return table

    @cached_property
    def pending_stages(self) -> dict[str, str]:
        """Stage (its label) → why it is pending: its status is not done, or tables it writes are missing."""
        pending: dict[str, str] = {}
        for row in self.status.to_dict("records"):
            name = row.get("label") or row["stage"]
            if row["stage"] != "report" and row["state"] != "done":
                pending[name] = f"{row['state']}: {row['summary']}"
            absent = self.missing(*(f"tables/{t}.csv" for t in split_cell(row.get("tables", ""))))
            if row["stage"] == "report":
                absent += self.missing("figures/prisma.svg")
            if absent:
                pending.setdefault(name, f"missing {', '.join(absent)}")
        return pending

    @cached_property
    def studies(self) -> pd.DataFrame:
        """Included studies (``included_studies.csv``), empty if extraction has not run."""
        table = self.table("included_studies")
        columns = ["study_id", "label", "records", "primary_record", "primary_citation"]
        return table if table is not None else pd.DataFrame(columns=columns)

    @cached_property
    def records(self) -> pd.DataFrame:
        table = self.table("records")
        columns = ["record_id", "title", "source_type_suggested", "dates", "citations", "dois"]
        return table if table is not None else pd.DataFrame(columns=columns)

    def record(self, record_id: str) -> pd.Series | None:
        match = self.records[self.records["record_id"] == record_id]
        return match.iloc[0] if not match.empty else None

    def study_records(self, study_id: str) -> list[str]:
        row = self.studies[self.studies["study_id"] == study_id]
        return split_cell(row.iloc[0]["records"]) if not row.empty else []
