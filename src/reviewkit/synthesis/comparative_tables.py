"""Comparative outcomes pooled as the protocol says: per outcome over all studies and within each group, with
the test for subgroup differences, and each study's effect with its weight.

The model is the outcome's own ``method``, else ``meta_analysis.method`` (a GLMM, MH or Peto that does not apply
to an outcome's type gives REML); ``meta_analysis.test`` (z or Knapp–Hartung) applies to the inverse-variance
models. A generic outcome's estimate is read on its own scale (a hazard ratio as the ratio) with its SE on the
analysis scale (of the log ratio), or with a 95% CI from which the SE is derived: (upper − lower) / (2 × 1.96)
on the analysis scale.
"""
from __future__ import annotations

import math

import pandas as pd

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.outcome import MetaAnalysis, Outcome
from reviewkit.core.protocol import Protocol
from reviewkit.core.text import join_cell
from reviewkit.synthesis.comparative import Z95, PooledEffect, pool_binary, pool_continuous, pool_generic
from reviewkit.synthesis.moderators import subgroup_test
from reviewkit.synthesis.outcomes import ALL
from reviewkit.synthesis.rma import RMA_METHODS

EFFECT_COLUMNS = ["outcome", "outcome_label", "group", "k", "participants", "measure", "method", "test", "estimate",
                  "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "q", "q_p", "subgroup_q", "subgroup_df",
                  "subgroup_p", "studies", "note"]
EFFECT_STUDY_COLUMNS = ["outcome", "group", "study_id", "label", "arms", "estimate", "ci_low", "ci_high", "weight",
                        "pooled", "risk_of_bias", "reason"]


def _ints(rows: pd.DataFrame, column: str) -> list[int]:
    return [int(v) for v in rows[column]]


def pool_rows(rows: pd.DataFrame, outcome: Outcome, settings: MetaAnalysis, method: str | None = None) -> PooledEffect:
    """The outcome pooled over ``rows`` (poolable rows of the outcome table), labelled by study id."""
    method = method or settings.method_for(outcome)
    test = settings.test if method in RMA_METHODS else "z"
    labels = rows["study_id"].tolist()
    if outcome.type == "dichotomous":
        return pool_binary(*(_ints(rows, c) for c in ("events_t", "total_t", "events_c", "total_c")),
                           measure=outcome.measure, method=method, test=test, labels=labels)
    if outcome.type == "continuous":
        return pool_continuous(rows["mean_t"].astype(float).tolist(), rows["sd_t"].astype(float).tolist(),
                               _ints(rows, "n_t"), rows["mean_c"].astype(float).tolist(),
                               rows["sd_c"].astype(float).tolist(), _ints(rows, "n_c"),
                               measure=outcome.measure, method=method, test=test, labels=labels)
    estimates, errors = zip(*(_on_analysis_scale(row, outcome) for row in rows.itertuples())) if len(rows) else ((), ())
    return pool_generic(list(estimates), list(errors), method=method, test=test, scale=outcome.scale, labels=labels)


def _on_analysis_scale(row, outcome: Outcome) -> tuple[float, float]:
    """A generic outcome's estimate and SE on the analysis scale (log for ratios)."""
    to = math.log if outcome.scale == "log" else float
    if outcome.se_field:
        return to(row.estimate), float(row.se)
    return to(row.estimate), (to(row.ci_high) - to(row.ci_low)) / (2 * Z95)


def arms_text(row: pd.Series, outcome: Outcome) -> str:
    """What a study's arms give, for tables and forest plots: ``12/50 vs 20/48``; ``21.4 (6.2), 50 vs …``."""
    if not row["poolable"]:
        return ""
    if outcome.type == "dichotomous":
        t, n_t, c, n_c = (int(row[k]) for k in ("events_t", "total_t", "events_c", "total_c"))
        return f"{t}/{n_t} vs {c}/{n_c}"
    if outcome.type == "continuous":
        return (f"{row['mean_t']:g} ({row['sd_t']:g}), {int(row['n_t'])} vs "
                f"{row['mean_c']:g} ({row['sd_c']:g}), {int(row['n_c'])}")
    return ""


def _why(exc: ReviewInputError) -> str:
    return f"not pooled: {exc.message}"


def effect_results(outcomes: pd.DataFrame, protocol: Protocol) -> dict[str, dict[str, PooledEffect | str]]:
    """Per comparative outcome, per group (``ALL`` first): the pooled result, or why there is none."""
    settings, results = protocol.meta_analysis, {}
    for outcome in (o for o in protocol.outcomes if o.comparative):
        rows = outcomes[(outcomes["outcome"] == outcome.id) & outcomes["poolable"]]
        groups = [ALL] + (sorted(set(rows["group"])) if rows["group"].nunique() > 1 else [])
        results[outcome.id] = {}
        for group in groups:
            members = rows if group == ALL else rows[rows["group"] == group]
            if len(members) < settings.min_studies:
                results[outcome.id][group] = (
                    f"{len(members)} stud{'y' if len(members) == 1 else 'ies'} with data, fewer than the "
                    f"{settings.min_studies} the protocol needs to pool")
                continue
            try:
                results[outcome.id][group] = pool_rows(members, outcome, settings)
            except ReviewInputError as exc:
                results[outcome.id][group] = _why(exc)
    return results


def effect_tables(outcomes: pd.DataFrame, protocol: Protocol, results: dict[str, dict[str, PooledEffect | str]]
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``effects.csv`` (per comparative outcome: all studies, then each group, the subgroup test on the first
    row) and ``effect_studies.csv`` (per outcome and study: its effect with a 95% CI, its weight overall)."""
    summaries, studies = [], []
    for outcome in (o for o in protocol.outcomes if o.comparative):
        rows = outcomes[outcomes["outcome"] == outcome.id]
        by_group = results[outcome.id]
        pooled_groups = {g: r for g, r in by_group.items() if g != ALL and isinstance(r, PooledEffect)}
        test = subgroup_test(pooled_groups) if len(pooled_groups) > 1 else None
        for group, result in by_group.items():
            members = rows[rows["poolable"] & ((rows["group"] == group) | (group == ALL))]
            row = {"outcome": outcome.id, "outcome_label": outcome.label, "group": group, "k": len(members),
                   "participants": int(pd.to_numeric(members["participants"], errors="coerce").fillna(0).sum()),
                   "measure": outcome.measure, "studies": join_cell(members["study_id"])}
            if isinstance(result, PooledEffect):
                row.update({name: getattr(result, name) for name in (
                    "method", "test", "estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "q", "q_p")})
                left_out = int((~rows["poolable"]).sum()) if group == ALL else 0
                row["note"] = f"{left_out} stud{'y' if left_out == 1 else 'ies'} without data: narrative" if left_out else ""
            else:
                row["note"] = result
            if group == ALL and test is not None:
                row.update(subgroup_q=test.q, subgroup_df=test.df, subgroup_p=test.p)
            summaries.append(row)
        overall = by_group.get(ALL)
        fitted = {s.label: s for s in overall.studies} if isinstance(overall, PooledEffect) else {}
        single = _single_study(rows, outcome, protocol.meta_analysis) if not fitted else {}
        for row in rows.itertuples():
            study = fitted.get(row.study_id) or single.get(row.study_id)
            studies.append({
                "outcome": outcome.id, "group": row.group, "study_id": row.study_id, "label": row.label,
                "arms": arms_text(rows.loc[row.Index], outcome),
                "estimate": study.estimate if study else None, "ci_low": study.ci_low if study else None,
                "ci_high": study.ci_high if study else None,
                "weight": study.weight if study and fitted else None, "pooled": bool(study and fitted),
                "risk_of_bias": row.risk_of_bias,
                "reason": row.reason or ("" if fitted else overall if isinstance(overall, str) else ""),
            })
    return pd.DataFrame(summaries, columns=EFFECT_COLUMNS), pd.DataFrame(studies, columns=EFFECT_STUDY_COLUMNS)


def _single_study(rows: pd.DataFrame, outcome: Outcome, settings: MetaAnalysis) -> dict:
    """Each study's own effect and CI where the outcome is not pooled (a common-effect fit gives them: a study's
    interval does not depend on the model)."""
    poolable = rows[rows["poolable"]]
    if poolable.empty:
        return {}
    try:
        return {s.label: s for s in pool_rows(poolable, outcome, settings, method="FE").studies}
    except ReviewInputError:
        return {}
