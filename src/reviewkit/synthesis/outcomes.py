"""Study-level outcome data for the synthesis, read off the extraction forms as the protocol names them."""
from __future__ import annotations

import pandas as pd

from reviewkit.core.protocol import Outcome, Protocol
from reviewkit.extraction.forms import NOT_REPORTED, Form
from reviewkit.extraction.tables import display_value

COLUMNS = ["outcome", "outcome_label", "group", "study_id", "label", "design", "participants", "events", "total",
           "poolable", "reason", "finding", "direction", "risk_of_bias"]
UNGROUPED = "not grouped"
ALL = "all studies"  # the group of a result pooled over every study of an outcome


def _value(form: Form, key: str | None) -> str:
    if key is None:
        return ""
    entry = form.entries.get(key)
    return display_value(entry.value) if entry else "pending"


def _counts(form: Form, outcome: Outcome) -> tuple[int | None, int | None, str]:
    """Events and total if both are extracted counts (``extraction`` has checked they can be pooled), else why
    the study cannot be pooled."""
    entries = [form.entries.get(outcome.events_field), form.entries.get(outcome.total_field)]
    if any(e is None for e in entries):
        return None, None, "counts not yet extracted (pending)"
    events, total = (e.value for e in entries)
    if NOT_REPORTED in (events, total):
        note = next((e.note for e in entries if e.value == NOT_REPORTED and e.note), "")
        return None, None, "counts not reported" + (f": {note}" if note else "")
    return events, total, ""


def outcome_table(forms: list[Form], protocol: Protocol, risk_of_bias: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per outcome and study: counts where poolable, else the reason; the finding and its direction
    in the reports' terms; the group (``meta_analysis.group_by``) and the study's overall risk of bias."""
    group_by = protocol.meta_analysis.group_by
    rows = []
    for outcome in protocol.outcomes:
        for form in forms:
            events, total, reason = _counts(form, outcome)
            group = _value(form, group_by) if group_by else ""
            rows.append({
                "outcome": outcome.id, "outcome_label": outcome.label,
                "group": UNGROUPED if group in ("pending", NOT_REPORTED) else group,
                "study_id": form.study.id, "label": form.study.label,
                "design": _value(form, "design") if "design" in form.entries else "pending",
                "participants": _value(form, "n_participants") if "n_participants" in form.entries else "pending",
                "events": events, "total": total, "poolable": events is not None, "reason": reason,
                "finding": _value(form, outcome.result_field), "direction": _value(form, outcome.direction_field),
                "risk_of_bias": (risk_of_bias or {}).get(form.study.id, "pending"),
            })
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.astype({"events": "Int64", "total": "Int64"})


def overall_risk_of_bias(rob: pd.DataFrame) -> dict[str, str]:
    """Each study's overall judgment with the tool for its design (not the reports' credibility) from ``rob.csv``."""
    overall = rob[(rob["item"] == "overall") & (rob["source_type"].fillna("") == "")]
    return {
        row.study_id: row.level if row.judgment == row.level else f"{row.level} ({row.judgment})"
        for row in overall.itertuples()
    }
