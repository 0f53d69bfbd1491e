"""What the exports read, read once from the review's files (not the build): the protocol, the records with their
screening decisions, the included studies' forms and their risk-of-bias appraisals. Each file is checked as it is
read: a bad one stops the export with every problem named, before anything is written."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from reviewkit.appraisal.judgments import Appraisal, load_appraisals
from reviewkit.core.protocol import Protocol, load_protocol
from reviewkit.extraction.forms import Form, load_forms
from reviewkit.extraction.tables import included_studies
from reviewkit.records.model import Record
from reviewkit.records.sources import load_sources
from reviewkit.report.exports.records import records_table
from reviewkit.report.exports.tables import domains_table, robvis_tables, studies_table


@dataclass(frozen=True)
class ExportData:
    """The review's data for every export format."""

    protocol: Protocol
    records: list[Record]
    records_table: pd.DataFrame
    forms: list[Form]  # of the studies included at full text, in studies.yml order
    appraisals: list[Appraisal]  # of those studies

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The tables of the ``csv`` and ``xlsx`` exports, by name: records, studies, ``rob_<tool>`` per tool
        (robvis's layout) and ``rob_domains``."""
        robvis = robvis_tables(self.appraisals, {f.study.id: f for f in self.forms})
        return {"records": self.records_table, "studies": studies_table(self.forms, self.protocol),
                **{f"rob_{tool}": table for tool, table in robvis.items()}, "rob_domains": domains_table(self.appraisals)}


def gather(review_dir: str | Path) -> ExportData:
    """The review's data, every file read and checked."""
    protocol = load_protocol(review_dir)
    records, _ = load_sources(review_dir, protocol)
    table = records_table(review_dir, protocol, records)
    studies, forms = load_forms(review_dir, protocol, records)
    included = included_studies(studies, set(table.loc[table["screening"] == "included", "record_id"]))
    _, appraisals, _ = load_appraisals(review_dir, protocol, records)
    return ExportData(protocol, records, table, [forms[s.id] for s in included],
                      [a for s in included for a in appraisals.get(s.id, [])])
