"""Which appraisals each study calls for (its design's tool, one per grey-literature report), and what is still to do."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewkit.appraisal.judgments import PENDING, Appraisal, read_appraisals, study_design
from reviewkit.core.protocol import Protocol
from reviewkit.core.stage_state import StageState
from reviewkit.extraction.forms import EXTRACTION_DIR, form_path
from reviewkit.records.model import Record
from reviewkit.records.studies import Study


def expected_appraisals(
    review_dir: str | Path, study: Study, protocol: Protocol, records: dict[str, Record]
) -> list[tuple[str | None, str]]:
    """(source type or None, record) of the appraisals a study calls for: its design's, and one per
    grey-literature report (by the source type the records stage suggests)."""
    wanted: list[tuple[str | None, str]] = []
    if study_design(review_dir, study.id) in protocol.risk_of_bias_tools:
        wanted.append((None, study.primary_record))
    designs = {c for f in protocol.extraction_form if f.key == "design" for c in f.choices or []}
    for record_id in study.records:
        kind = records[record_id].source_type
        if kind in protocol.risk_of_bias_tools and kind not in designs:
            wanted.append((kind, record_id))
    return wanted


def _match(appraisals: list[Appraisal], kind: str | None, record: str) -> Appraisal | None:
    """The study's own appraisal (``kind`` None) or that of report ``record``."""
    return next((a for a in appraisals if (a.source_type is None) == (kind is None)
                 and (kind is None or a.record == record)), None)


def missing_appraisals(
    review_dir: str | Path, studies: list[Study], appraisals: dict[str, list[Appraisal]], protocol: Protocol,
    records: list[Record],
) -> list[str]:
    """What the given studies still lack: an appraisal not started, or one with items not answered."""
    by_id = {r.id: r for r in records}
    missing = []
    for study in studies:
        done = appraisals.get(study.id, [])
        if study_design(review_dir, study.id) is None:
            missing.append(f"{study.id}: design not extracted, so its tool is not known")
        for kind, record in expected_appraisals(review_dir, study, protocol, by_id):
            if _match(done, kind, record) is None:
                missing.append(f"{study.id}: no {'study' if kind is None else kind + ' (' + record + ')'} appraisal")
        missing.extend(f"{study.id}: {a.tool.id} items {a.missing} not answered" for a in done if a.missing)
    return missing


def plan_table(
    review_dir: str | Path, studies: list[Study], appraisals: dict[str, list[Appraisal]], protocol: Protocol,
    records: list[Record],
) -> pd.DataFrame:
    """Per appraisal the studies call for or have: what decides the tool, the tool, and the overall judgment.

    ``basis`` is the study's design (extraction form) or the report's source type (as the records
    stage suggests it, or as the appraisal states it); ``tool`` is the one used, else the one called for.
    """
    by_id = {r.id: r for r in records}
    rows = []
    for study in studies:
        design = study_design(review_dir, study.id)
        done = appraisals.get(study.id, [])
        wanted = expected_appraisals(review_dir, study, protocol, by_id)
        wanted += [(a.source_type, a.record) for a in done if (a.source_type, a.record) not in wanted
                   and not (a.source_type is None and any(k is None for k, _ in wanted))]
        for kind, record in wanted:
            found = _match(done, kind, record)
            rows.append({
                "study_id": study.id,
                "record_id": record,
                "basis": f"design: {design or 'not extracted'}" if kind is None else f"source type: {kind}",
                "tool": found.tool.id if found else protocol.risk_of_bias_tools.get(design if kind is None else kind, ""),
                "overall": found.overall.judgment if found and found.overall else PENDING,
            })
    return pd.DataFrame(rows, columns=["study_id", "record_id", "basis", "tool", "overall"])


def stage_status(review_dir: Path, protocol: Protocol, records: list[Record]) -> StageState:
    """Risk of bias: problems in the files, else what the studies with extraction forms still lack."""

    studies, appraisals, _, errors = read_appraisals(review_dir, protocol, records)
    if errors:
        return StageState("pending", f"{len(errors)} problem(s) in tool or judgment files")
    extracted = [s for s in studies if form_path(review_dir, s.id).exists()
                 or (Path(review_dir) / EXTRACTION_DIR / s.id).is_dir()]
    count = sum(len(a) for a in appraisals.values())
    if not count:
        return StageState("pending", "no risk-of-bias judgments yet")
    missing = missing_appraisals(review_dir, extracted, appraisals, protocol, records)
    summary = f"{count} appraisal(s) of {sum(1 for a in appraisals.values() if a)} stud(ies)"
    if missing:
        return StageState("pending", f"{summary}; still to do: {len(missing)}")
    return StageState("done", summary)
