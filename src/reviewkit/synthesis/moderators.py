"""Heterogeneity explored: subgroup differences, meta-regression and leave-one-out, as metafor.

- ``subgroup_test``: subgroups pooled separately (each with its own τ²), their estimates compared by
  ``Q = Σ w_g (θ_g − θ̄)²`` with ``w_g = 1/se_g²`` on the analysis (log) scale, χ² with G − 1 df (RevMan's
  and meta's test; metafor: ``rma(est, sei = se, method = "FE")$QE``).
- ``meta_regression``: ``rma(yi, vi, mods = ~ ...)``; numeric moderators as they are, other columns dummy
  coded with the first level as reference (R's treatment contrasts: a categorical's own order, else the
  sorted levels), terms named as R names them (column then level); QM tests every coefficient but the
  intercept (χ², or F for knha).
- ``leave_one_out``: the result refitted without each study in turn (``leave1out``), same measure,
  method and test.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected
from reviewkit.synthesis.checks import choice, columns, enough_studies, refuse, require
from reviewkit.synthesis.comparative import METHOD_NAMES, PooledEffect
from reviewkit.synthesis.rma import RMA_METHODS, TESTS, fit_rma

INTERCEPT = "intercept"
LEAVE_ONE_OUT_COLUMNS = ["study", "estimate", "ci_low", "ci_high", "tau2", "i2", "q", "q_p"]


@dataclass(frozen=True)
class SubgroupTest:
    """The test for subgroup differences: Q between subgroups, its df and p."""

    q: float
    df: int
    p: float


@dataclass(frozen=True)
class MetaRegression:
    """A meta-regression: coefficients, standard errors and p by term (``"intercept"`` first), residual τ²
    and the omnibus test of the moderators (QM and its p; F statistic for knha)."""

    coef: dict[str, float]
    se: dict[str, float]
    p: dict[str, float]
    tau2: float
    qm: float
    qm_p: float
    qe: float
    qe_p: float
    i2: float
    k: int
    method: str
    test: str


def subgroup_test(results: Mapping[str, PooledEffect]) -> SubgroupTest:
    """Compare the subgroups' pooled results (name → result, at least two, one measure)."""
    where = "subgroup_test"
    if len(results) < 2:
        raise refuse(where, f"the test for subgroup differences needs at least 2 subgroups, not {len(results)}")
    measures = {result.measure for result in results.values()}
    if len(measures) > 1:
        raise refuse(where, f"the subgroups pool different measures ({', '.join(sorted(measures))}): compare one")
    beta = np.array([result.beta for result in results.values()])
    se = np.array([result.se for result in results.values()])
    fit = fit_rma(beta, se**2, method="FE", where=where)
    return SubgroupTest(q=fit.q, df=fit.q_df, p=fit.q_p)


def _sorted(levels: Sequence) -> list:
    """A categorical moderator's levels in order (as R's factor), by their text where they do not compare."""
    try:
        return sorted(levels)
    except TypeError:
        return sorted(levels, key=str)


def _design(moderators: pd.DataFrame, names: Sequence[str], where: str) -> tuple[np.ndarray, list[str]]:
    """The design matrix (intercept, numeric columns, dummies) and its terms."""
    errors: list[ReviewInputError] = []
    for column in moderators.columns:
        require(errors, where, names, str(column), moderators[column].isna().to_numpy(),
                lambda i: "the moderator is missing: give a value or leave the study out")
    raise_collected(errors)
    terms, blocks = [INTERCEPT], [np.ones((len(moderators), 1))]
    for column in moderators.columns:
        values = moderators[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            terms.append(str(column))
            blocks.append(values.to_numpy(dtype=float)[:, None])
            continue
        levels = list(values.cat.categories) if isinstance(values.dtype, pd.CategoricalDtype) else _sorted(values.unique())
        if len(set(values)) < 2:
            raise refuse(where, f"the moderator takes one value only ({excerpt(repr(values.iloc[0]), 40)}): drop it",
                         str(column))
        for level in levels[1:]:
            terms.append(f"{column}{level}")
            blocks.append((values == level).to_numpy(dtype=float)[:, None])
    x = np.hstack(blocks)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise refuse(where, "the moderators are collinear (a term is a combination of others): drop one", "moderators")
    return x, terms


def meta_regression(estimates: Sequence, std_errors: Sequence, moderators: pd.DataFrame, *, method: str = "REML",
                    test: str = "z", labels: Sequence[str] | None = None) -> MetaRegression:
    """Mixed-effects (or, with FE, fixed-effects) meta-regression of estimates with standard errors on the
    moderators (one row per study)."""
    where = "meta_regression"
    choice(where, "method", method, RMA_METHODS)
    choice(where, "test", test, TESTS)
    names, data = columns(where, {"estimates": estimates, "std_errors": std_errors}, labels)
    if not isinstance(moderators, pd.DataFrame) or moderators.shape[1] == 0:
        raise refuse(where, "give the moderators as a DataFrame with at least one column", "moderators")
    if len(moderators) != len(names):
        raise refuse(where, f"{len(moderators)} rows of moderators for {len(names)} studies: give one row per study",
                     "moderators")
    se = data["std_errors"]
    errors: list[ReviewInputError] = []
    require(errors, where, names, "std_errors", se <= 0, lambda i: f"a standard error must be positive, not {se[i]:g}")
    raise_collected(errors)
    x, terms = _design(moderators.reset_index(drop=True), names, where)
    if len(names) <= x.shape[1]:
        raise refuse(where, f"a meta-regression with {x.shape[1]} coefficients needs more studies than that, not "
                     f"{len(names)}", "moderators")
    fit = fit_rma(data["estimates"], se**2, method=method, test=test, x=x, where=where)
    qm, qm_p = fit.qm()
    return MetaRegression(
        coef=dict(zip(terms, map(float, fit.beta))), se=dict(zip(terms, map(float, fit.se))),
        p=dict(zip(terms, map(float, fit.p_values()))), tau2=fit.tau2, qm=qm, qm_p=qm_p, qe=fit.q, qe_p=fit.q_p,
        i2=fit.i2, k=fit.k, method=method, test=test)


def leave_one_out(result: PooledEffect) -> pd.DataFrame:
    """The result refitted without each study: one row per omitted study (ratio scale for ratios)."""
    needed = 3 if result.method in ("DL", "REML") or result.test == "knha" else 2
    enough_studies("leave_one_out", result.k, needed, f"leave-one-out with {METHOD_NAMES[result.method]}"
                   + (" and the Knapp–Hartung test" if result.test == "knha" else ""))
    rows = []
    for i, study in enumerate(result.studies):
        keep = np.ones(result.k, dtype=bool)
        keep[i] = False
        fit = result.refit(keep)
        rows.append({"study": study.label, "estimate": fit.estimate, "ci_low": fit.ci_low, "ci_high": fit.ci_high,
                     "tau2": fit.tau2, "i2": fit.i2, "q": fit.q, "q_p": fit.q_p})
    return pd.DataFrame(rows, columns=LEAVE_ONE_OUT_COLUMNS)
