"""Meta-analysis of single-arm proportions, following R's metafor (``escalc``, ``rma``, ``rma.glmm``).

Each study's events and total are transformed (logit, arcsine, Freeman–Tukey or none) with the sampling
variance ``escalc`` gives, 1/2 added to both cells of a study with no events or no non-events where the
transform needs it; the transformed values are pooled with fixed (equal) effects, DerSimonian–Laird or
REML random effects (``synthesis.rma``, with a z or Knapp–Hartung test), or a binomial-normal
random-effects logistic model (GLMM) is fitted to the counts; the estimate, its interval and the
prediction interval (``predict.rma``'s; None for FE) are transformed back to the proportion scale.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import optimize, special, stats
from statsmodels.stats.proportion import proportion_confint

from reviewkit.core.errors import ReviewInputError, raise_collected
from reviewkit.synthesis.checks import choice, columns, counts, refuse, require
from reviewkit.synthesis.rma import TESTS, fit_rma

TRANSFORMS = ("logit", "arcsine", "freeman-tukey", "raw")
METHODS = ("FE", "DL", "REML", "GLMM")
Z95 = float(stats.norm.ppf(0.975))
ADD = 0.5  # metafor's escalc default: add 1/2 to the cells of studies with a zero cell ("only0")
WHERE = "pool_proportions"
GLMM_NODES = 7  # adaptive Gauss–Hermite points per study, as glmer's nAGQ = 7


@dataclass(frozen=True)
class StudyEstimate:
    """One study: its proportion with an exact (Clopper–Pearson) 95% interval, transformed value and weight."""

    events: int
    total: int
    proportion: float
    ci_low: float
    ci_high: float
    yi: float
    vi: float
    weight: float  # percent of the total weight; NaN for the GLMM


@dataclass(frozen=True)
class PooledProportion:
    """A pooled proportion with its 95% interval on the proportion scale, heterogeneity and the studies."""

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None  # the 95% prediction interval; None for FE
    pi_high: float | None
    tau2: float
    i2: float  # percent
    q: float  # Cochran's Q (of the inverse-variance model, for the GLMM too)
    q_p: float
    k: int
    transform: str
    method: str
    test: str
    est_transformed: float
    se_transformed: float
    studies: tuple[StudyEstimate, ...]


def _counts(events: Sequence, totals: Sequence, labels: Sequence[str] | None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The studies' names and counts: whole numbers, 0 ≤ events ≤ totals, totals > 0; errors name the study."""
    names, data = columns(WHERE, {"events": events, "totals": totals}, labels, whole=("events", "totals"))
    errors: list[ReviewInputError] = []
    counts(WHERE, names, data["events"], data["totals"], "events", "totals", errors)
    raise_collected(errors)
    return names, data["events"], data["totals"]


def _escalc(x: np.ndarray, n: np.ndarray, transform: str) -> tuple[np.ndarray, np.ndarray]:
    """Transformed proportions and sampling variances, as metafor's ``escalc`` with its defaults."""
    if transform in ("logit", "raw"):
        zero = (x == 0) | (x == n)
        x = np.where(zero, x + ADD, x)
        n = np.where(zero, n + 2 * ADD, n)
    p = x / n
    if transform == "logit":
        return np.log(p / (1 - p)), 1 / x + 1 / (n - x)
    if transform == "arcsine":
        return np.arcsin(np.sqrt(p)), 1 / (4 * n)
    if transform == "freeman-tukey":
        return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1)))), 1 / (4 * n + 2)
    return p, p * (1 - p) / n


def _pft(p: float, n: float) -> float:
    return 0.5 * (np.arcsin(np.sqrt(p * n / (n + 1))) + np.arcsin(np.sqrt((p * n + 1) / (n + 1))))


def back_transform(value: float, transform: str, totals: np.ndarray) -> float:
    """A value on the transformed scale as a proportion (metafor's ``transf.ilogit``, ``transf.iarcsin``,
    ``transf.ipft.hm`` with the harmonic mean of the totals)."""
    if transform == "logit":
        return float(special.expit(value))
    if transform == "arcsine":
        return float(np.sin(np.clip(value, 0, np.pi / 2)) ** 2)
    if transform == "freeman-tukey":
        hm = 1 / np.mean(1 / totals)
        if value > _pft(1, hm):
            return 1.0
        if value < _pft(0, hm):
            return 0.0
        s = np.sin(2 * value)
        return float(0.5 * (1 - np.sign(np.cos(2 * value)) * np.sqrt(1 - (s + (s - 1 / s) / hm) ** 2)))
    return float(value)


def _glmm_loglik(x: np.ndarray, n: np.ndarray, mu: float, tau: float) -> float:
    """Marginal log-likelihood of the binomial-normal model, by adaptive Gauss–Hermite quadrature
    around each study's conditional mode (as glmer with nAGQ > 1)."""
    binom = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
    if tau < 1e-8:
        return float(np.sum(binom + x * mu - n * np.logaddexp(0, mu)))
    u = np.zeros_like(x)
    for _ in range(50):  # Newton steps to the conditional modes
        p = special.expit(mu + u)
        hess = -n * p * (1 - p) - 1 / tau**2
        u = u - (x - n * p - u / tau**2) / hess
    p = special.expit(mu + u)
    sigma = np.sqrt(1 / (n * p * (1 - p) + 1 / tau**2))
    nodes, weights = np.polynomial.hermite.hermgauss(GLMM_NODES)
    z = u[:, None] + np.sqrt(2) * sigma[:, None] * nodes[None, :]
    log_f = x[:, None] * (mu + z) - n[:, None] * np.logaddexp(0, mu + z) + stats.norm.logpdf(z, scale=tau)
    integral = special.logsumexp(log_f + nodes[None, :] ** 2, axis=1, b=weights[None, :])
    return float(np.sum(binom + integral + np.log(np.sqrt(2) * sigma)))


def _glmm(x: np.ndarray, n: np.ndarray) -> tuple[float, float, float]:
    """Binomial-normal random-effects logistic model ``logit(p_i) = mu + u_i, u_i ~ N(0, tau²)`` by
    maximum likelihood, as metafor's ``rma.glmm`` (lme4's ``glmer``, nAGQ = 7); returns mu, its
    standard error (from the Hessian of the log-likelihood, as glmer's ``vcov``) and tau²."""
    start = np.array([special.logit(x.sum() / n.sum()), 0.5])
    fit = optimize.minimize(lambda t: -_glmm_loglik(x, n, t[0], t[1]), start, method="L-BFGS-B",
                            bounds=[(None, None), (0, 20)], options={"ftol": 1e-15, "gtol": 1e-10})
    mu, tau = (float(t) for t in fit.x)
    if tau < 1e-4:  # at the boundary: the fixed-effect (binomial) information
        p = special.expit(mu)
        return mu, float(np.sqrt(1 / np.sum(n * p * (1 - p)))), 0.0
    h = 1e-4
    f = lambda a, b: _glmm_loglik(x, n, a, b)  # noqa: E731
    d_mm = (f(mu + h, tau) - 2 * f(mu, tau) + f(mu - h, tau)) / h**2
    d_tt = (f(mu, tau + h) - 2 * f(mu, tau) + f(mu, tau - h)) / h**2
    d_mt = (f(mu + h, tau + h) - f(mu + h, tau - h) - f(mu - h, tau + h) + f(mu - h, tau - h)) / (4 * h**2)
    information = -np.array([[d_mm, d_mt], [d_mt, d_tt]])
    return mu, float(np.sqrt(np.linalg.inv(information)[0, 0])), tau**2


def _glmm_fit(x: np.ndarray, n: np.ndarray, k: int) -> tuple[float, float, float]:
    if k == 1:
        raise refuse(WHERE, "the GLMM needs at least two studies (one study has more parameters than data)", "method")
    if np.all(x == 0) or np.all(x == n):
        raise refuse(WHERE, "the GLMM cannot be fitted when every study has " +
                     ("no events" if np.all(x == 0) else "only events") + " (the response is constant)", "method")
    return _glmm(x, n)


def pool_proportions(
    events: Sequence, totals: Sequence, *, transform: str = "logit", method: str = "REML", test: str = "z",
    labels: Sequence[str] | None = None,
) -> PooledProportion:
    """Pool single-arm proportions; ``labels`` name the studies in error messages."""
    choice(WHERE, "transform", transform, TRANSFORMS)
    choice(WHERE, "method", method, METHODS)
    choice(WHERE, "test", test, TESTS)
    if method == "GLMM" and transform != "logit":
        raise refuse(WHERE, "the GLMM is a logistic model: use transform='logit' with method='GLMM'", "transform")
    if method == "GLMM" and test != "z":
        raise refuse(WHERE, "the GLMM is fitted with a z test here: use test='z' with method='GLMM'", "test")
    names, x, n = _counts(events, totals, labels)
    y, v = _escalc(x, n, transform)
    errors: list[ReviewInputError] = []
    require(errors, WHERE, names, "events", v <= 0, lambda i: f"the sampling variance is 0 on the {transform} scale "
            "(all or no events): use another transform")
    raise_collected(errors)
    k = len(y)
    fit = fit_rma(y, v, method="FE" if method == "GLMM" else method, test=test, where=WHERE)
    q, i2 = fit.q, fit.i2
    if method == "GLMM":
        est, se, tau2 = _glmm_fit(x, n, k)
        weights = np.full(k, np.nan)
        crit = Z95
        pi = est - Z95 * np.sqrt(se**2 + tau2), est + Z95 * np.sqrt(se**2 + tau2)
        i2 = 100 * tau2 / (tau2 + _typical_variance(v))
    else:
        est, se, tau2, weights, crit = float(fit.beta[0]), float(fit.se[0]), fit.tau2, fit.weights, fit.crit
        pi = fit.prediction_interval()
    lows, highs = proportion_confint(x.astype(int), n.astype(int), alpha=0.05, method="beta")
    studies = tuple(
        StudyEstimate(int(xi), int(ni), xi / ni, float(lo), float(hi), float(yi), float(vi), float(wi))
        for xi, ni, lo, hi, yi, vi, wi in zip(x, n, np.atleast_1d(lows), np.atleast_1d(highs), y, v, weights)
    )
    return PooledProportion(
        estimate=back_transform(est, transform, n), ci_low=back_transform(est - crit * se, transform, n),
        ci_high=back_transform(est + crit * se, transform, n),
        pi_low=None if pi[0] is None else back_transform(pi[0], transform, n),
        pi_high=None if pi[1] is None else back_transform(pi[1], transform, n), tau2=float(tau2), i2=float(i2),
        q=q, q_p=fit.q_p, k=k, transform=transform, method=method, test=test, est_transformed=est,
        se_transformed=se, studies=studies,
    )


def _typical_variance(v: np.ndarray) -> float:
    """metafor's typical within-study variance s² = (k − 1) Σw / ((Σw)² − Σw²), w = 1/v."""
    w = 1 / v
    return float((len(v) - 1) * w.sum() / (w.sum() ** 2 - np.sum(w**2)))
