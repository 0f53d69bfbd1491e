"""The summary of findings: per outcome, the studies and participants, the estimate (for dichotomous outcomes
also the absolute effect per 1,000, as GRADEpro's tables give it), the certainty and the reasons.

The absolute effect takes the assumed risk from the control arms of the pooled studies (their events over their
participants) and applies the pooled effect with its CI (Cochrane Handbook 14.1.5.1): for a risk ratio the
corresponding risk is ACR × RR, for an odds ratio OR × ACR / (1 − ACR + OR × ACR), for a risk difference ACR + RD.
"""
from __future__ import annotations

import pandas as pd

from reviewkit.core.numbers import fmt_decimal, fmt_interval, interval
from reviewkit.core.protocol import Outcome, Protocol
from reviewkit.core.text import join_cell
from reviewkit.synthesis.grade import PENDING, Grade
from reviewkit.synthesis.outcomes import ALL

SOF_COLUMNS = ["outcome", "outcome_label", "studies", "participants", "estimate", "risk_control",
               "risk_intervention", "certainty", "comments"]
RATIOS = ("RR", "OR", "HR")


def corresponding_risk(measure: str, assumed: float, effect: float) -> float:
    """The risk with the intervention for an assumed control risk and an effect (RR, OR or RD)."""
    if measure == "RR":
        return assumed * effect
    if measure == "OR":
        return effect * assumed / (1 - assumed + effect * assumed)
    return assumed + effect


def _per_1000(risk: float) -> str:
    return f"{1000 * min(max(risk, 0.0), 1.0):.0f}"


def _absolute(outcome: Outcome, row: pd.Series, data: pd.DataFrame) -> tuple[str, str]:
    """``200 per 1,000`` and ``144 per 1,000 (110 to 188)`` for a pooled dichotomous outcome, else blanks."""
    if outcome.type != "dichotomous" or pd.isna(row.get("estimate")):
        return "", ""
    arms = data[(data["outcome"] == outcome.id) & data["poolable"]]
    assumed = arms["events_c"].sum() / arms["total_c"].sum()
    risks = [corresponding_risk(outcome.measure, assumed, row[k]) for k in ("estimate", "ci_low", "ci_high")]
    return (f"{_per_1000(assumed)} per 1,000",
            interval(f"{_per_1000(risks[0])} per 1,000", _per_1000(risks[1]), _per_1000(risks[2])))


def _estimate(row: pd.Series) -> str:
    """``3.9% (0.5% to 23.3%); 0 events in 26 participants``: the events stay beside the estimate, so a
    pooled proportion of studies with no events is not read as events seen."""
    if pd.isna(row["estimate"]):
        return "not estimable"
    text = (f"{fmt_interval(row['estimate'], row['ci_low'], row['ci_high'])}; "
            f"{row['events']} events in {row['participants']} participants")
    return text if row["method"] else text + ", one study"


def _effect(row: pd.Series) -> str:
    """``RR 0.72 (0.55 to 0.94); 12 studies``: a comparative outcome's pooled effect, or its one study's."""
    if pd.isna(row["estimate"]):
        return "not estimable"
    digits = 2 if row["measure"] in RATIOS or abs(row["estimate"]) < 10 else 1
    text = row["measure"] + " " + interval(*(fmt_decimal(row[k], digits) for k in ("estimate", "ci_low", "ci_high")))
    return text if row["method"] else text + ", one study"


def sof_table(protocol: Protocol, synthesis: pd.DataFrame, narrative: pd.DataFrame, grades: dict[str, Grade],
              effects: pd.DataFrame | None = None, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Summary of findings: per outcome, the studies and participants with counts, the estimate, the certainty,
    and comments (studies synthesised narratively, the reasons for rating down or up, the directions)."""
    rows = []
    for outcome in protocol.outcomes:
        source = effects if outcome.comparative else synthesis
        if source is None:
            continue
        overall = source[(source["outcome"] == outcome.id) & (source["group"] == ALL)]
        studies = narrative[narrative["outcome"] == outcome.id]
        if overall.empty:
            continue
        row = overall.iloc[0]
        grade = grades.get(outcome.id)
        directions = studies["direction"].value_counts()
        comments = [f"{grade.start.capitalize()} to start: {grade.start_reason}"] if grade and grade.start_reason else []
        comments += [f"{r.domain.replace('_', ' ')} ({r.change:+d}): {r.reason}" for r in (grade.ratings if grade else ())
                     if r.change]
        if any(str(d).strip() for d in directions.index):  # a direction field in the protocol, and recorded
            comments.append("Direction in all studies (SWiM): " + ", ".join(f"{n} {d}" for d, n in directions.items()))
        if grade and grade.comment:
            comments.append(grade.comment)
        participants = int(pd.to_numeric(studies["participants"], errors="coerce").sum())
        if len(studies) > row["k"]:
            comments.insert(0, f"{row['k']} of {len(studies)} studies ({row['participants']} of {participants} "
                               f"participants) give {'data' if outcome.comparative else 'counts'}; the others are "
                               "synthesised narratively")
        control, intervention = _absolute(outcome, row, outcomes) if outcomes is not None else ("", "")
        rows.append({
            "outcome": outcome.id, "outcome_label": outcome.label, "studies": int(row["k"]),
            "participants": int(row["participants"]),
            "estimate": _effect(row) if outcome.comparative else _estimate(row),
            "risk_control": control, "risk_intervention": intervention,
            "certainty": grade.certainty if grade else PENDING, "comments": join_cell(comments),
        })
    return pd.DataFrame(rows, columns=SOF_COLUMNS)


