"""Each outcome pooled over all studies and within each group, and the narrative (SWiM) table."""
from __future__ import annotations

import pandas as pd

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.protocol import MetaAnalysis
from reviewkit.core.text import join_cell
from reviewkit.synthesis.meta import METHODS, TRANSFORMS, PooledProportion, pool_proportions
from reviewkit.synthesis.outcomes import ALL

SYNTHESIS_COLUMNS = ["outcome", "outcome_label", "group", "k", "events", "participants", "estimate", "ci_low",
                     "ci_high", "tau2", "i2", "transform", "method", "studies", "note"]
STUDY_COLUMNS = ["outcome", "group", "study_id", "label", "events", "total", "proportion", "ci_low", "ci_high",
                 "weight", "pooled", "reason"]
NARRATIVE_COLUMNS = ["outcome", "outcome_label", "group", "study_id", "label", "design", "participants", "finding",
                     "direction", "risk_of_bias", "reason_not_pooled"]


def _why(exc: ValueError) -> str:
    """Why a model could not be fitted, for a note (without the function's name)."""
    return exc.message if isinstance(exc, ReviewInputError) else str(exc)


def _pool(rows: pd.DataFrame, settings: MetaAnalysis) -> PooledProportion:
    return pool_proportions(rows["events"].tolist(), rows["total"].tolist(), transform=settings.transform,
                            method=settings.method, labels=rows["study_id"].tolist())


def _studies(rows: pd.DataFrame, settings: MetaAnalysis) -> tuple:
    """Per-study proportions, exact CIs and weights; fitted as the protocol says where that model can be
    fitted, else with common effects (the per-study intervals do not depend on the model)."""
    try:
        return _pool(rows, settings).studies
    except ValueError:
        return _pool(rows, settings.model_copy(update={"method": "FE"})).studies


def _summary(outcome: pd.DataFrame, group: str, rows: pd.DataFrame, settings: MetaAnalysis) -> dict:
    """One row of ``synthesis.csv``: pooled when enough studies give counts, else the single study or why not."""
    counted = rows[rows["poolable"]]
    row = {"outcome": outcome["outcome"].iloc[0], "outcome_label": outcome["outcome_label"].iloc[0], "group": group,
           "k": len(counted), "events": int(counted["events"].sum()), "participants": int(counted["total"].sum()),
           "studies": join_cell(counted["study_id"]), "transform": "", "method": ""}
    left_out = len(rows) - len(counted)
    without = f"{left_out} stud{'y' if left_out == 1 else 'ies'} without counts: narrative" if left_out else ""
    if len(counted) >= settings.min_studies:
        try:
            result = _pool(counted, settings)
        except ValueError as exc:  # e.g. a GLMM on studies that all have no events: say why, pool nothing
            row.update(note="; ".join(filter(None, [f"not pooled: {_why(exc)}", without])))
            return row
        row.update(estimate=result.estimate, ci_low=result.ci_low, ci_high=result.ci_high, tau2=result.tau2,
                   i2=result.i2, transform=settings.transform, method=settings.method, note=without)
    elif len(counted) == 1:
        study = _studies(counted, settings)[0]
        row.update(estimate=study.proportion, ci_low=study.ci_low, ci_high=study.ci_high,
                   note="one study: its proportion with an exact 95% CI, not pooled")
    elif len(counted) > 1:
        row.update(note=f"{len(counted)} studies with counts, fewer than the {settings.min_studies} the protocol "
                        "needs to pool: narrative synthesis")
    else:
        row.update(note="no study reports counts: narrative synthesis only")
    return row


def synthesis_tables(outcomes: pd.DataFrame, settings: MetaAnalysis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For the single-arm (proportion) outcomes, ``synthesis.csv`` (per outcome: all studies, then each group when there are several) and
    ``synthesis_studies.csv`` (per outcome and study: proportion with exact CI, weight in the overall model)."""
    summaries, studies = [], []
    for _, outcome in outcomes[outcomes["type"] == "proportion"].groupby("outcome", sort=False):
        groups = list(dict.fromkeys(outcome["group"]))
        overall = _summary(outcome, ALL, outcome, settings)
        summaries.append(overall)
        if len(groups) > 1:
            summaries += [_summary(outcome, g, outcome[outcome["group"] == g], settings) for g in groups]
        counted = outcome[outcome["poolable"]]
        pooled = overall["method"] != ""
        fitted = dict(zip(counted["study_id"], _studies(counted, settings))) if len(counted) else {}
        for row in outcome.itertuples():
            study = fitted.get(row.study_id)
            studies.append({
                "outcome": row.outcome, "group": row.group, "study_id": row.study_id, "label": row.label,
                "events": row.events, "total": row.total,
                "proportion": study.proportion if study else None, "ci_low": study.ci_low if study else None,
                "ci_high": study.ci_high if study else None,
                "weight": study.weight if study and pooled else None,
                "pooled": bool(study and pooled),
                "reason": row.reason or ("" if pooled else overall["note"]),
            })
    return (pd.DataFrame(summaries, columns=SYNTHESIS_COLUMNS),
            pd.DataFrame(studies, columns=STUDY_COLUMNS).astype({"events": "Int64", "total": "Int64"}))


def narrative_table(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The structured summary (SWiM) of every study and outcome: group, finding and direction in the reports'
    terms, risk of bias, and why a study is not in the meta-analysis."""
    table = outcomes.rename(columns={"reason": "reason_not_pooled"})
    return table[NARRATIVE_COLUMNS].reset_index(drop=True)


def direction_counts(narrative: pd.DataFrame) -> pd.DataFrame:
    """Vote count of the direction of effect per outcome and group (SWiM): studies per direction."""
    counts = narrative.groupby(["outcome", "group", "direction"], sort=False).size().rename("studies")
    return counts.reset_index()


def sensitivity_table(outcomes: pd.DataFrame, settings: MetaAnalysis) -> pd.DataFrame:
    """Each pooled outcome (all studies) under every transform and model: does the choice matter?"""
    rows = []
    for outcome_id, outcome in outcomes[outcomes["type"] == "proportion"].groupby("outcome", sort=False):
        counted = outcome[outcome["poolable"]]
        if len(counted) < settings.min_studies:
            continue
        for transform in TRANSFORMS:
            for method in METHODS:
                if method == "GLMM" and transform != "logit":
                    continue
                try:
                    result = _pool(counted, settings.model_copy(update={"transform": transform, "method": method}))
                except ValueError as exc:
                    rows.append({"outcome": outcome_id, "transform": transform, "method": method, "note": _why(exc)})
                    continue
                rows.append({"outcome": outcome_id, "transform": transform, "method": method,
                             "estimate": result.estimate, "ci_low": result.ci_low, "ci_high": result.ci_high,
                             "tau2": result.tau2, "i2": result.i2, "note": ""})
    return pd.DataFrame(rows, columns=["outcome", "transform", "method", "estimate", "ci_low", "ci_high", "tau2",
                                       "i2", "note"])
