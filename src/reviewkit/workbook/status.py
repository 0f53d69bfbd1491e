"""What is done and what is pending, stage by stage (the stage registry's order), derived from the review's files."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewkit.core.protocol import load_protocol
from reviewkit.core.stage_state import StageState
from reviewkit.core.text import join_cell
from reviewkit.records.sources import load_records
from reviewkit.workbook.stages import STAGES, Stage


def review_status(review_dir: str | Path) -> pd.DataFrame:
    """One row per stage that keeps reviewer data, then the report: its name and label, state, a one-line summary and
    the tables it writes (the report checks they are there)."""
    review_dir = Path(review_dir)
    protocol = load_protocol(review_dir)
    records = load_records(review_dir, protocol)
    rows = [(s, s.status(review_dir, protocol, records)) for s in STAGES if s.status is not None]
    report = next(s for s in STAGES if s.name == "report")
    rows.append((report, _report([s.name for s, state in rows if state.state != "done"])))
    return pd.DataFrame([(s.name, s.label, state.state, state.summary, join_cell(_tables(s))) for s, state in rows],
                        columns=["stage", "label", "state", "summary", "tables"])


def _tables(stage: Stage) -> tuple[str, ...]:
    """The tables that show the stage has run: its own, and for the report those of the notebooks that run
    without a status of their own (the study notebooks write none)."""
    if stage.name != "report":
        return stage.outputs
    return tuple(t for s in STAGES if s.status is None for t in s.outputs)


def _report(pending: list[str]) -> StageState:
    """The report is final when every stage is done, else a draft that marks what is pending."""
    if pending:
        return StageState("pending", f"draft: {', '.join(pending)} pending")
    return StageState("done", "every stage done: the review PDF is final")
