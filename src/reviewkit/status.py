"""What is done and what is pending, stage by stage, derived from the review's files."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Callable

import pandas as pd

from .decisions import stage_status as _screening
from .extraction import stage_status as _extraction
from .grade import stage_status as _synthesis
from .protocol import Protocol, load_protocol
from .records import Record, load_records
from .rob import stage_status as _risk_of_bias
from .stage import StageStatus


def _records(review_dir: Path, protocol: Protocol, records: list[Record]) -> StageStatus:
    return StageStatus("records", "done", f"{len(records)} records from {len(protocol.sources)} source(s)")


def _not_built(stage: str) -> Callable[[Path, Protocol, list[Record]], StageStatus]:
    return lambda review_dir, protocol, records: StageStatus(
        stage, "not built", "this stage is not yet part of this version of reviewkit"
    )


STAGES: dict[str, Callable[[Path, Protocol, list[Record]], StageStatus]] = {
    "01_records": _records,
    "02_screening": _screening,
    "03_extraction": _extraction,
    "04_risk_of_bias": _risk_of_bias,
    "05_synthesis": _synthesis,
    "06_report": _not_built("report"),
}


def review_status(review_dir: str | Path) -> pd.DataFrame:
    """One row per stage: its state and a one-line summary."""
    review_dir = Path(review_dir)
    protocol = load_protocol(review_dir)
    records = load_records(review_dir, protocol)
    rows = [asdict(check(review_dir, protocol, records)) for check in STAGES.values()]
    return pd.DataFrame(rows, columns=["stage", "state", "summary"])
