"""Meta-analysis of comparative (two-arm) studies, agreeing with R's metafor.

``pool_binary`` (RR, OR, RD), ``pool_continuous`` (MD, SMD as Hedges' g) and ``pool_generic`` (estimates
with standard errors) pool by inverse variance (FE, DL, REML: ``escalc`` then ``rma``, see
``synthesis.effects`` and ``synthesis.rma``); ``pool_binary`` also by Mantel–Haenszel (``rma.mh``) and,
for OR, Peto (``rma.peto``), see ``synthesis.mantel``. ``test="knha"`` is the Knapp–Hartung adjustment
(inverse-variance methods only). Ratio measures (and ``pool_generic(scale="log")``) are pooled on the log
scale and reported on the ratio scale; ``beta`` and ``se`` keep the log-scale estimate. The studies' own
intervals are Wald (z) intervals of their estimates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Sequence

import numpy as np
from scipy import stats

from reviewkit.core.errors import ReviewInputError, raise_collected
from reviewkit.synthesis.checks import choice, columns, counts, enough_studies, refuse, require
from reviewkit.synthesis.effects import BINARY_MEASURES, CONTINUOUS_MEASURES, RATIO_MEASURES, binary_effects, continuous_effects
from reviewkit.synthesis.mantel import mantel_haenszel, peto
from reviewkit.synthesis.rma import RMA_METHODS, TESTS, fit_rma

Z95 = float(stats.norm.ppf(0.975))
SCALES = ("identity", "log")
METHOD_NAMES = {"FE": "common effect (inverse variance)", "DL": "random effects (DerSimonian–Laird)",
                "REML": "random effects (REML)", "MH": "Mantel–Haenszel", "Peto": "Peto"}


@dataclass(frozen=True)
class StudyEffect:
    """One study: its estimate with a 95% Wald interval (ratio scale for ratios), weight in percent and
    ``yi``, ``vi`` on the analysis scale (NaN for a double-zero study under MH or Peto)."""

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    weight: float
    yi: float
    vi: float


@dataclass(frozen=True)
class PooledEffect:
    """A pooled comparative effect with its 95% confidence and prediction intervals (None for FE, MH and
    Peto), heterogeneity, and the studies. ``beta``, ``se`` are on the analysis (log) scale."""

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    tau2: float
    i2: float  # percent
    q: float
    q_p: float
    k: int
    measure: str
    method: str
    test: str
    scale: str  # "log" when the estimate is a ratio pooled on the log scale
    beta: float
    se: float
    p: float  # of the test that the effect is null
    df: int | None  # of the t test (knha)
    studies: tuple[StudyEffect, ...]
    refit: Callable[[np.ndarray], "PooledEffect"] = field(repr=False, compare=False)  # on the studies a mask keeps


def _back(value: np.ndarray | float, scale: str) -> np.ndarray | float:
    return np.exp(value) if scale == "log" else value


def _studies(names: Sequence[str], y: np.ndarray, v: np.ndarray, weights: np.ndarray, scale: str) -> tuple:
    half = Z95 * np.sqrt(v)
    low, high, est = _back(y - half, scale), _back(y + half, scale), _back(y, scale)
    columns = (np.asarray(c, dtype=float).tolist() for c in (est, low, high, weights, y, v))
    return tuple(StudyEffect(name, *values) for name, *values in zip(names, *columns))


def _options(where: str, method: str, test: str, methods: Sequence[str], k: int) -> None:
    choice(where, "method", method, methods)
    choice(where, "test", test, TESTS)
    if method in ("DL", "REML"):
        enough_studies(where, k, 2, METHOD_NAMES[method])
    if test == "knha":
        if method in ("MH", "Peto"):
            raise refuse(where, f"the {METHOD_NAMES[method]} method has z tests only (as metafor): use test='z'", "test")
        enough_studies(where, k, 2, "the Knapp–Hartung test")


def _inverse_variance(where: str, names: Sequence[str], y: np.ndarray, v: np.ndarray, measure: str, method: str,
                      test: str, scale: str, refit: Callable) -> PooledEffect:
    fit = fit_rma(y, v, method=method, test=test, where=where)
    beta, se = float(fit.beta[0]), float(fit.se[0])
    low, high = fit.ci()
    pi_low, pi_high = fit.prediction_interval()
    return PooledEffect(
        estimate=float(_back(beta, scale)), ci_low=float(_back(low[0], scale)), ci_high=float(_back(high[0], scale)),
        pi_low=None if pi_low is None else float(_back(pi_low, scale)),
        pi_high=None if pi_high is None else float(_back(pi_high, scale)), tau2=fit.tau2, i2=fit.i2, q=fit.q,
        q_p=fit.q_p, k=fit.k, measure=measure, method=method, test=test, scale=scale, beta=beta, se=se,
        p=float(fit.p_values()[0]), df=fit.df, studies=_studies(names, y, v, fit.weights, scale), refit=refit)


def _common(where: str, names: Sequence[str], data: dict[str, np.ndarray], measure: str, method: str,
            refit: Callable) -> PooledEffect:
    """Mantel–Haenszel or Peto."""
    a, n1, c, n2 = data["events_t"], data["total_t"], data["events_c"], data["total_c"]
    y, v = binary_effects(a, n1, c, n2, "PETO" if method == "Peto" else measure, drop00=True)
    if method == "MH":
        fitted = mantel_haenszel(a, n1, c, n2, measure)
        if isinstance(fitted, str):
            raise refuse(where, fitted, "method")
        beta, se, weights = fitted
        shown = np.isfinite(y)
        q = max(0.0, float(np.sum((y[shown] - beta) ** 2 / v[shown])))
    else:
        fitted = peto(a, n1, c, n2)
        if isinstance(fitted, str):
            raise refuse(where, fitted, "method")
        beta, se, q, weights = fitted
    df = int(np.isfinite(y).sum()) - 1
    i2 = max(0.0, 100 * (q - df) / q) if df > 0 and q > 0 else 0.0
    scale = "log" if measure in RATIO_MEASURES else "identity"
    low, high = beta - Z95 * se, beta + Z95 * se
    return PooledEffect(
        estimate=float(_back(beta, scale)), ci_low=float(_back(low, scale)), ci_high=float(_back(high, scale)),
        pi_low=None, pi_high=None, tau2=0.0, i2=i2, q=q if df > 0 else 0.0,
        q_p=float(stats.chi2.sf(q, df)) if df > 0 else 1.0, k=len(a), measure=measure, method=method, test="z",
        scale=scale, beta=beta, se=se, p=float(2 * stats.norm.sf(abs(beta / se))), df=None,
        studies=_studies(names, y, v, weights, scale), refit=refit)


def _subset(function: Callable, values: dict[str, Sequence], names: Sequence[str], options: dict,
            keep: np.ndarray) -> PooledEffect:
    """``function`` refitted on the studies that ``keep`` marks."""
    keep = np.asarray(keep, dtype=bool)
    kept = {key: np.asarray(value)[keep] for key, value in values.items()}
    return function(*kept.values(), labels=[n for n, k in zip(names, keep) if k], **options)


def pool_binary(events_t: Sequence, total_t: Sequence, events_c: Sequence, total_c: Sequence, *, measure: str = "RR",
                method: str = "REML", test: str = "z", labels: Sequence[str] | None = None) -> PooledEffect:
    """Pool 2×2 tables (events and totals of the treatment and control arms) as a risk ratio, odds ratio
    or risk difference; ``method`` FE, DL, REML, MH (Mantel–Haenszel) or Peto (OR only)."""
    where = "pool_binary"
    choice(where, "measure", measure, BINARY_MEASURES)
    fields = {"events_t": events_t, "total_t": total_t, "events_c": events_c, "total_c": total_c}
    names, data = columns(where, fields, labels, whole=tuple(fields))
    errors: list[ReviewInputError] = []
    counts(where, names, data["events_t"], data["total_t"], "events_t", "total_t", errors)
    counts(where, names, data["events_c"], data["total_c"], "events_c", "total_c", errors)
    raise_collected(errors)
    _options(where, method, test, (*RMA_METHODS, "MH", "Peto"), len(names))
    if method == "Peto" and measure != "OR":
        raise refuse(where, f"Peto's method pools odds ratios only: use measure='OR', not {measure!r}", "measure")
    refit = partial(_subset, pool_binary, data, names, {"measure": measure, "method": method, "test": test})
    if method in ("MH", "Peto"):
        return _common(where, names, data, measure, method, refit)
    y, v = binary_effects(data["events_t"], data["total_t"], data["events_c"], data["total_c"], measure)
    return _inverse_variance(where, names, y, v, measure, method, test,
                             "log" if measure in RATIO_MEASURES else "identity", refit)


def pool_continuous(mean_t: Sequence, sd_t: Sequence, n_t: Sequence, mean_c: Sequence, sd_c: Sequence, n_c: Sequence,
                    *, measure: str = "MD", method: str = "REML", test: str = "z",
                    labels: Sequence[str] | None = None) -> PooledEffect:
    """Pool means (with SDs and sizes) of two arms as a mean difference (MD) or Hedges' g (SMD)."""
    where = "pool_continuous"
    choice(where, "measure", measure, CONTINUOUS_MEASURES)
    if method in ("MH", "Peto"):
        raise refuse(where, f"the {METHOD_NAMES[method]} method pools 2×2 tables (pool_binary), not means: use "
                     "FE, DL or REML", "method")
    fields = {"mean_t": mean_t, "sd_t": sd_t, "n_t": n_t, "mean_c": mean_c, "sd_c": sd_c, "n_c": n_c}
    names, data = columns(where, fields, labels, whole=("n_t", "n_c"))
    errors: list[ReviewInputError] = []
    smallest = 2 if measure == "SMD" else 1
    for arm in ("t", "c"):
        sd, n = data[f"sd_{arm}"], data[f"n_{arm}"]
        require(errors, where, names, f"sd_{arm}", sd <= 0, lambda i, sd=sd: f"the SD must be positive, not {sd[i]:g}")
        require(errors, where, names, f"n_{arm}", n < smallest,
                lambda i, n=n: f"{measure} needs at least {smallest} participant{'s' * (smallest > 1)} per arm, "
                f"not {n[i]:g}")
    raise_collected(errors)
    _options(where, method, test, RMA_METHODS, len(names))
    y, v = continuous_effects(data["mean_t"], data["sd_t"], data["n_t"], data["mean_c"], data["sd_c"], data["n_c"],
                              measure)
    refit = partial(_subset, pool_continuous, data, names, {"measure": measure, "method": method, "test": test})
    return _inverse_variance(where, names, y, v, measure, method, test, "identity", refit)


def pool_generic(estimates: Sequence, std_errors: Sequence, *, method: str = "REML", test: str = "z",
                 scale: str = "identity", labels: Sequence[str] | None = None) -> PooledEffect:
    """Pool estimates with their standard errors by inverse variance; ``scale="log"`` for log ratios
    (reported back on the ratio scale)."""
    where = "pool_generic"
    choice(where, "scale", scale, SCALES)
    if method in ("MH", "Peto"):
        raise refuse(where, f"the {METHOD_NAMES[method]} method pools 2×2 tables (pool_binary): use FE, DL or REML",
                     "method")
    names, data = columns(where, {"estimates": estimates, "std_errors": std_errors}, labels)
    errors: list[ReviewInputError] = []
    se = data["std_errors"]
    require(errors, where, names, "std_errors", se <= 0, lambda i: f"a standard error must be positive, not {se[i]:g}")
    raise_collected(errors)
    _options(where, method, test, RMA_METHODS, len(names))
    refit = partial(_subset, pool_generic, data, names, {"method": method, "test": test, "scale": scale})
    return _inverse_variance(where, names, data["estimates"], se**2, "generic", method, test, scale, refit)
