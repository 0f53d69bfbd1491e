"""Small-study effects: Egger's regression test and trim-and-fill, as metafor's ``regtest`` and ``trimfill``
with their defaults.

- ``egger_test``: the studies' estimates regressed on their standard errors by the pooled result's
  model (``rma(yi, vi, mods = ~ sei)``, same method and test; MH and Peto results as a common-effect
  model, as ``regtest`` does); the test of the slope: z, or t with k − 2 df for knha. Needs 3 studies.
- ``trim_and_fill``: estimator L0; the side where studies are missing is the left unless the slope of
  the same regression (with z test) is negative; the trimmed fits and the final fit on the filled data
  use the result's method (FE, DL or REML) with a z test, as ``trimfill`` (which does not pass the
  model's test on); when none is filled, the result is the original one. Studies with no estimate (double-zero studies under MH or Peto) are left out.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from reviewkit.synthesis.checks import enough_studies, refuse
from reviewkit.synthesis.comparative import PooledEffect, pool_generic
from reviewkit.synthesis.rma import RMA_METHODS, fit_rma

MAX_ITER = 100  # metafor's trimfill maxiter


@dataclass(frozen=True)
class EggerTest:
    """The test of funnel-plot asymmetry: the slope's z (t for knha) statistic, its p and df (t only); the
    regression's intercept (metafor's limit estimate, as the standard error goes to 0) and slope on the
    analysis scale."""

    z: float
    p: float
    df: int | None
    k: int
    intercept: float
    slope: float


@dataclass(frozen=True)
class TrimAndFill:
    """Trim-and-fill: ``k0`` studies filled on ``side``; the pooled estimate and interval with them (ratio
    scale for ratios); the filled studies' ``yi``, ``vi`` on the analysis scale; the refitted result."""

    k0: int
    side: str
    estimate: float
    ci_low: float
    ci_high: float
    filled_yi: tuple[float, ...]
    filled_vi: tuple[float, ...]
    result: PooledEffect


def _data(result: PooledEffect) -> tuple[np.ndarray, np.ndarray]:
    y = np.array([s.yi for s in result.studies])
    v = np.array([s.vi for s in result.studies])
    shown = np.isfinite(y)
    return y[shown], v[shown]


def egger_test(result: PooledEffect) -> EggerTest:
    """Egger's regression test on a pooled result (at least 3 studies with an estimate)."""
    y, v = _data(result)
    enough_studies("egger_test", len(y), 3, "Egger's test (a regression on the standard errors)")
    method = result.method if result.method in RMA_METHODS else "FE"
    fit = fit_rma(y, v, method=method, test=result.test, x=np.column_stack([np.ones(len(y)), np.sqrt(v)]),
                  where="egger_test")
    return EggerTest(z=float(fit.beta[1] / fit.se[1]), p=float(fit.p_values()[1]), df=fit.df, k=len(y),
                     intercept=float(fit.beta[0]), slope=float(fit.beta[1]))


def _k0(y: np.ndarray, v: np.ndarray, method: str) -> tuple[int, float]:
    """The L0 estimate of the number of missing studies (data sorted, missing ones on the left)."""
    k = len(y)
    k0, previous, beta = 0, -1, float("nan")
    for _ in range(MAX_ITER):
        if k0 == previous:
            return k0, beta
        previous = k0
        beta = float(fit_rma(y[: k - k0], v[: k - k0], method=method, where="trim_and_fill").beta[0])
        centred = y - beta
        ranks = stats.rankdata(np.abs(centred), method="ordinal")
        signed = np.sign(centred) * ranks
        sr = signed[signed > 0].sum()
        k0 = max(0, int(np.round((4 * sr - k * (k + 1)) / (2 * k - 1))))
    raise refuse("trim_and_fill", f"the trim-and-fill iterations did not converge in {MAX_ITER} steps")


def trim_and_fill(result: PooledEffect) -> TrimAndFill:
    """Trim-and-fill (L0) on an inverse-variance result (FE, DL or REML) of at least 3 studies."""
    if result.method not in RMA_METHODS:
        raise refuse("trim_and_fill", f"trim-and-fill refits by inverse variance (as metafor's trimfill, for rma "
                     f"models): pool with FE, DL or REML, not {result.method}", "method")
    y, v = _data(result)
    enough_studies("trim_and_fill", len(y), 3, "trim-and-fill")
    side_fit = fit_rma(y, v, method=result.method, x=np.column_stack([np.ones(len(y)), np.sqrt(v)]),
                       where="trim_and_fill")
    side = "right" if side_fit.beta[1] < 0 else "left"
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * y, kind="stable")
    flipped, v_sorted = sign * y[order], v[order]
    k0, beta = _k0(flipped, v_sorted, result.method)
    filled_y, filled_v = sign * (2 * beta - flipped[len(y) - k0:]), v_sorted[len(y) - k0:]
    if k0 == 0:  # nothing filled: the result itself (as trimfill)
        return TrimAndFill(k0=0, side=side, estimate=result.estimate, ci_low=result.ci_low, ci_high=result.ci_high,
                           filled_yi=(), filled_vi=(), result=result)
    labels = [s.label for s in result.studies if np.isfinite(s.yi)] + [f"filled {i + 1}" for i in range(k0)]
    refitted = replace(pool_generic(np.concatenate([y, filled_y]), np.sqrt(np.concatenate([v, filled_v])),
                                    method=result.method, scale=result.scale, labels=labels), measure=result.measure)
    return TrimAndFill(k0=k0, side=side, estimate=refitted.estimate, ci_low=refitted.ci_low, ci_high=refitted.ci_high,
                       filled_yi=tuple(map(float, filled_y)), filled_vi=tuple(map(float, filled_v)), result=refitted)
