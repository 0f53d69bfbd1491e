"""What is done and what is pending, stage by stage, derived from the review's files."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Callable

import pandas as pd

from reviewkit.appraisal.plan import stage_status as _risk_of_bias
from reviewkit.core.protocol import Protocol, load_protocol
from reviewkit.core.stage_status import StageStatus
from reviewkit.extraction.forms import stage_status as _extraction
from reviewkit.records.dedup.review import unique_records
from reviewkit.records.sources import Record, load_records
from reviewkit.screening.decisions import stage_status as _screening
from reviewkit.synthesis.grade import stage_status as _synthesis


def _records(review_dir: Path, protocol: Protocol, records: list[Record]) -> StageStatus:
    removed = len(records) - len(unique_records(review_dir, records))
    return StageStatus("records", "done", f"{len(records)} records from {len(protocol.sources)} source(s); "
                                          f"{removed} duplicate(s) removed")


STAGES: dict[str, Callable[[Path, Protocol, list[Record]], StageStatus]] = {
    "01_records": _records,
    "02_screening": _screening,
    "03_extraction": _extraction,
    "04_risk_of_bias": _risk_of_bias,
    "05_synthesis": _synthesis,
}


def review_status(review_dir: str | Path) -> pd.DataFrame:
    """One row per stage: its state and a one-line summary."""
    review_dir = Path(review_dir)
    protocol = load_protocol(review_dir)
    records = load_records(review_dir, protocol)
    stages = [check(review_dir, protocol, records) for check in STAGES.values()]
    stages.append(_report(stages))
    return pd.DataFrame([asdict(s) for s in stages], columns=["stage", "state", "summary"])


def _report(stages: list[StageStatus]) -> StageStatus:
    """The report is final when every stage is done, else a draft that marks what is pending."""
    pending = [s.stage for s in stages if s.state != "done"]
    if pending:
        return StageStatus("report", "pending", f"draft: {', '.join(pending)} pending")
    return StageStatus("report", "done", "every stage done: the review PDF is final")
