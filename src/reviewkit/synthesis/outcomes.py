"""Study-level outcome data for the synthesis, read off the extraction forms as the protocol names them."""
from __future__ import annotations

import pandas as pd

from reviewkit.core.outcome import ARM_FIELDS
from reviewkit.core.protocol import Outcome, Protocol
from reviewkit.extraction.forms import NOT_REPORTED, Form
from reviewkit.extraction.tables import display_value

# the values an outcome reads, by role: ``events_t_field`` gives the column ``events_t``
VALUES = list(dict.fromkeys(n.removesuffix("_field") for names in ARM_FIELDS.values() for n in names))
COUNTS = ["events", "total", "events_t", "total_t", "events_c", "total_c", "n_t", "n_c"]
COLUMNS = ["outcome", "outcome_label", "type", "measure", "group", "study_id", "label", "design", "participants",
           *VALUES, "poolable", "reason", "finding", "direction", "risk_of_bias"]
UNGROUPED = "not grouped"
ALL = "all studies"  # the group of a result pooled over every study of an outcome


def _value(form: Form, key: str | None) -> str:
    if key is None:
        return ""
    entry = form.entries.get(key)
    return display_value(entry.value) if entry else "pending"


def _data(form: Form, outcome: Outcome) -> tuple[dict[str, float | int], str]:
    """The outcome's values (by role) if every one it needs is extracted (``extraction`` has checked they can be
    pooled), else why the study cannot be pooled, naming what is missing."""
    needed = dict(outcome.fields)
    if "se_field" in needed:  # a generic outcome: its SE when the protocol names one, else its CI
        needed = {role: key for role, key in needed.items() if role in ("estimate_field", "se_field")}
    entries = {role: form.entries.get(key) for role, key in needed.items()}
    pending = [needed[r] for r, e in entries.items() if e is None]
    if pending:
        return {}, f"{'counts' if outcome.type == 'proportion' else 'data'} not yet extracted (pending: {', '.join(pending)})"
    silent = [r for r, e in entries.items() if e.value == NOT_REPORTED]
    if silent:
        note = next((entries[r].note for r in silent if entries[r].note), "")
        what = "counts" if outcome.type == "proportion" else ", ".join(needed[r] for r in silent)
        return {}, f"{what} not reported" + (f": {note}" if note else "")
    return {role.removesuffix("_field"): e.value for role, e in entries.items()}, ""


def _participants(form: Form, values: dict) -> str:
    if "n_participants" in form.entries:
        return _value(form, "n_participants")
    arms = [values.get(k) for k in ("total_t", "total_c")] if "total_t" in values else \
        [values.get(k) for k in ("n_t", "n_c")]
    return str(sum(arms)) if all(isinstance(a, int) for a in arms) else "pending"


def outcome_table(forms: list[Form], protocol: Protocol, risk_of_bias: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per outcome and study: its values where poolable (counts, or per arm events and totals, means,
    SDs and sizes, or an estimate with its SE or CI), else the reason; the finding and its direction in the
    reports' terms; the group (``meta_analysis.group_by``) and the study's overall risk of bias."""
    group_by = protocol.meta_analysis.group_by
    rows = []
    for outcome in protocol.outcomes:
        for form in forms:
            values, reason = _data(form, outcome)
            group = _value(form, group_by) if group_by else ""
            rows.append({
                "outcome": outcome.id, "outcome_label": outcome.label, "type": outcome.type, "measure": outcome.measure,
                "group": UNGROUPED if group in ("pending", NOT_REPORTED) else group,
                "study_id": form.study.id, "label": form.study.label,
                "design": _value(form, "design") if "design" in form.entries else "pending",
                "participants": _participants(form, values), **values, "poolable": not reason, "reason": reason,
                "finding": _value(form, outcome.result_field), "direction": _value(form, outcome.direction_field),
                "risk_of_bias": (risk_of_bias or {}).get(form.study.id, "pending"),
            })
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.astype({c: "Int64" for c in COUNTS})


def overall_risk_of_bias(rob: pd.DataFrame) -> dict[str, str]:
    """Each study's overall judgment with the tool for its design (not the reports' credibility) from ``rob.csv``."""
    overall = rob[(rob["item"] == "overall") & (rob["source_type"].fillna("") == "")]
    return {
        row.study_id: row.level if row.judgment == row.level else f"{row.level} ({row.judgment})"
        for row in overall.itertuples()
    }


def rob_judgments(rob: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Each study's judgment per domain and overall (``{study: {"D1": "low", …, "overall": "some concerns"}}``),
    with the tool for its design, from ``rob.csv``: what a forest plot shows beside the study."""
    rows = rob[rob["source_type"].fillna("") == ""]
    judged: dict[str, dict[str, str]] = {}
    for row in rows.itertuples():
        judged.setdefault(row.study_id, {})[row.item] = row.level
    return judged
