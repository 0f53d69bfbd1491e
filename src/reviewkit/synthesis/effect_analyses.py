"""What is asked of a pooled comparative outcome beyond its estimate: does one study drive it (leave-one-out),
are small studies different (Egger's test and trim-and-fill, from 10 studies), do moderators explain the
heterogeneity (meta-regression), and does it hold in the protocol's sensitivity analyses."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.outcome import SENSITIVITY
from reviewkit.core.protocol import Protocol
from reviewkit.extraction.forms import NOT_REPORTED, Form
from reviewkit.synthesis.bias import egger_test, trim_and_fill
from reviewkit.synthesis.comparative import PooledEffect
from reviewkit.synthesis.comparative_tables import pool_rows
from reviewkit.synthesis.moderators import leave_one_out, meta_regression
from reviewkit.synthesis.outcomes import ALL
from reviewkit.synthesis.rma import RMA_METHODS

FUNNEL_MIN_STUDIES = 10  # Cochrane Handbook 13.3.5.4: tests for funnel-plot asymmetry need at least 10 studies
LEAVE_ONE_OUT_COLUMNS = ["outcome", "omitted", "estimate", "ci_low", "ci_high", "tau2", "i2"]
SMALL_STUDY_COLUMNS = ["outcome", "k", "egger_z", "egger_df", "egger_p", "k0", "side", "adjusted_estimate", "adjusted_ci_low",
                       "adjusted_ci_high", "note"]
REGRESSION_COLUMNS = ["outcome", "term", "coef", "se", "p", "tau2", "qm", "qm_p", "k", "note"]
SENSITIVITY_COLUMNS = ["outcome", "analysis", "label", "k", "method", "estimate", "ci_low", "ci_high", "tau2", "i2",
                       "note"]


def _pooled(results: dict) -> Iterator[tuple[str, PooledEffect]]:
    """Each comparative outcome pooled over all its studies, with its id (outcomes not pooled left out)."""
    for outcome_id, by_group in results.items():
        if isinstance(by_group.get(ALL), PooledEffect):
            yield outcome_id, by_group[ALL]


def leave_one_out_table(results: dict) -> pd.DataFrame:
    """Each pooled outcome refitted without each study in turn."""
    frames = []
    for outcome_id, result in _pooled(results):
        try:
            table = leave_one_out(result)
        except ReviewInputError:  # too few studies to refit without one
            continue
        frames.append(table.rename(columns={"study": "omitted"}).assign(outcome=outcome_id))
    return pd.concat(frames)[LEAVE_ONE_OUT_COLUMNS].reset_index(drop=True) if frames else \
        pd.DataFrame(columns=LEAVE_ONE_OUT_COLUMNS)


def small_study_table(results: dict) -> pd.DataFrame:
    """Egger's regression test and trim-and-fill per pooled outcome with at least 10 studies; below that, why not."""
    rows = []
    for outcome_id, result in _pooled(results):
        row = {"outcome": outcome_id, "k": result.k}
        if result.k < FUNNEL_MIN_STUDIES:
            row["note"] = (f"{result.k} studies: fewer than {FUNNEL_MIN_STUDIES}, too few to tell asymmetry from chance "
                           "(Cochrane Handbook 13.3.5.4); no funnel-plot test")
        else:
            egger, filled = egger_test(result), trim_and_fill(result)
            row.update(egger_z=egger.z, egger_df=egger.df, egger_p=egger.p, k0=filled.k0, side=filled.side,
                       adjusted_estimate=filled.estimate, adjusted_ci_low=filled.ci_low,
                       adjusted_ci_high=filled.ci_high, note="")
        rows.append(row)
    return pd.DataFrame(rows, columns=SMALL_STUDY_COLUMNS)


def _moderator_values(forms: dict[str, Form], study_ids: list[str], keys: list[str]) -> tuple[pd.DataFrame, str]:
    """The moderators' values per study from the forms, or which study lacks which."""
    values, missing = {}, []
    for key in keys:
        column = []
        for study_id in study_ids:
            entry = forms[study_id].entries.get(key) if study_id in forms else None
            if entry is None or entry.value == NOT_REPORTED:
                missing.append(f"{study_id} ({key})")
            column.append(None if entry is None else entry.value)
        values[key] = column
    return pd.DataFrame(values), ", ".join(missing)


def meta_regression_table(forms: dict[str, Form], protocol: Protocol, results: dict) -> pd.DataFrame:
    """A meta-regression of each pooled outcome on the protocol's moderators (``meta_analysis.moderators``)."""
    settings, rows = protocol.meta_analysis, []
    if not settings.moderators:
        return pd.DataFrame(columns=REGRESSION_COLUMNS)
    for outcome_id, result in _pooled(results):
        ids = [s.label for s in result.studies]
        moderators, missing = _moderator_values(forms, ids, settings.moderators)
        base = {"outcome": outcome_id, "k": result.k}
        if missing:
            rows.append({**base, "note": f"not fitted: no value of the moderator for {missing}"})
            continue
        y = [s.yi for s in result.studies]
        se = [float(np.sqrt(s.vi)) for s in result.studies]
        method = result.method if result.method in RMA_METHODS else "REML"
        try:
            fit = meta_regression(y, se, moderators, method=method, test=result.test, labels=ids)
        except ReviewInputError as exc:
            rows.append({**base, "note": f"not fitted: {exc.message}"})
            continue
        rows += [{**base, "term": term, "coef": fit.coef[term], "se": fit.se[term], "p": fit.p[term], "tau2": fit.tau2,
                  "qm": fit.qm, "qm_p": fit.qm_p, "note": ""} for term in fit.coef]
    return pd.DataFrame(rows, columns=REGRESSION_COLUMNS)


def _level(judgment: str) -> str:
    """``low``, ``some concerns``, ``high`` … from an overall risk-of-bias cell such as ``high (serious)``."""
    return str(judgment).split(" (")[0]


def effect_sensitivity_table(outcomes: pd.DataFrame, protocol: Protocol, results: dict) -> pd.DataFrame:
    """Each pooled outcome in the main analysis and in each sensitivity analysis the protocol plans."""
    settings, rows = protocol.meta_analysis, []
    by_id = {o.id: o for o in protocol.outcomes}
    for outcome_id, main in _pooled(results):
        outcome = by_id[outcome_id]
        rows.append(_sensitivity_row(outcome.id, "main", "the main analysis", main))
        poolable = outcomes[(outcomes["outcome"] == outcome.id) & outcomes["poolable"]]
        levels = poolable["risk_of_bias"].map(_level)
        for analysis in settings.sensitivity:
            members, method = poolable, None
            if analysis == "low_risk_of_bias":
                members = poolable[levels == "low"]
            elif analysis == "exclude_high_risk_of_bias":
                members = poolable[levels != "high"]
            else:
                method = "FE"
            if len(members) < settings.min_studies:
                rows.append({"outcome": outcome.id, "analysis": analysis, "label": SENSITIVITY[analysis],
                             "k": len(members), "note": f"{len(members)} studies: too few to pool"})
                continue
            try:
                result = pool_rows(members, outcome, settings, method=method)
            except ReviewInputError as exc:
                rows.append({"outcome": outcome.id, "analysis": analysis, "label": SENSITIVITY[analysis],
                             "k": len(members), "note": f"not pooled: {exc.message}"})
                continue
            rows.append(_sensitivity_row(outcome.id, analysis, SENSITIVITY[analysis], result))
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


def _sensitivity_row(outcome_id: str, analysis: str, label: str, result: PooledEffect) -> dict:
    return {"outcome": outcome_id, "analysis": analysis, "label": label, "k": result.k, "method": result.method,
            "estimate": result.estimate, "ci_low": result.ci_low, "ci_high": result.ci_high, "tau2": result.tau2,
            "i2": result.i2, "note": ""}
