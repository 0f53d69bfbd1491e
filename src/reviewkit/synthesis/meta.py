"""Meta-analysis of single-arm proportions, following R's metafor (``escalc``, ``rma``, ``rma.glmm``).

Each study's events and total are transformed (logit, arcsine, Freeman–Tukey or none) with the sampling
variance ``escalc`` gives, 1/2 added to both cells of a study with no events or no non-events where the
transform needs it; the transformed values are pooled with fixed (equal) effects, DerSimonian–Laird or
REML random effects, or a binomial-normal random-effects logistic model (GLMM) is fitted to the counts;
the estimate and its Wald (z) interval are transformed back to the proportion scale.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import optimize, special, stats
from statsmodels.stats.proportion import proportion_confint

TRANSFORMS = ("logit", "arcsine", "freeman-tukey", "raw")
METHODS = ("FE", "DL", "REML", "GLMM")
Z95 = float(stats.norm.ppf(0.975))
ADD = 0.5  # metafor's escalc default: add 1/2 to the cells of studies with a zero cell ("only0")
REML_THRESHOLD = 1e-5  # metafor's rma.uni control defaults
REML_MAX_ITER = 100
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
    tau2: float
    i2: float  # percent
    q: float
    k: int
    transform: str
    method: str
    est_transformed: float
    se_transformed: float
    studies: tuple[StudyEstimate, ...]


def _counts(events: Sequence, totals: Sequence, labels: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """Check the counts: whole numbers, 0 ≤ events ≤ totals, totals > 0; errors name the study."""
    if len(events) != len(totals):
        raise ValueError(f"{len(events)} event counts but {len(totals)} totals: give one of each per study")
    if len(events) == 0:
        raise ValueError("no studies to pool")
    names = list(labels) if labels is not None else [f"study {i + 1}" for i in range(len(events))]
    x, n = [], []
    for name, e, t in zip(names, events, totals):
        for what, value in (("events", e), ("total", t)):
            if value is None or isinstance(value, bool) or not np.isfinite(_as_float(value, name, what)):
                raise ValueError(f"{name}: {what} is missing ({value!r}); give a count")
            if float(value) != int(float(value)):
                raise ValueError(f"{name}: {what} must be a whole number, not {value!r}")
        e, t = int(float(e)), int(float(t))
        if t <= 0:
            raise ValueError(f"{name}: total must be a positive count, not {t}")
        if e < 0:
            raise ValueError(f"{name}: events must not be negative, not {e}")
        if e > t:
            raise ValueError(f"{name}: {e} events is more than the total of {t}")
        x.append(e)
        n.append(t)
    return np.array(x, dtype=float), np.array(n, dtype=float)


def _as_float(value, name: str, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {what} must be a count, not {value!r}") from None


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


def _reml_tau2(y: np.ndarray, v: np.ndarray) -> float:
    """REML between-study variance by metafor's Fisher scoring: from the Hedges estimate, steps halved
    while they would make it negative, stopping when it changes by at most 1e-5; truncated at 0."""
    k = len(y)
    tau2 = max(0.0, float(np.sum((y - y.mean()) ** 2) / (k - 1) - v.mean()))
    for _ in range(REML_MAX_ITER):
        w = 1 / (v + tau2)
        p_matrix = np.diag(w) - np.outer(w, w) / w.sum()
        py = p_matrix @ y
        adj = (py @ py - np.trace(p_matrix)) / np.sum(p_matrix * p_matrix)
        while tau2 + adj < 0:
            adj /= 2
        tau2 += adj
        if abs(adj) <= REML_THRESHOLD:
            return max(0.0, tau2)
    raise ValueError(f"REML: Fisher scoring did not converge in {REML_MAX_ITER} iterations")


def _heterogeneity(y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """Cochran's Q and the typical within-study variance (metafor's s²)."""
    w = 1 / v
    fe = np.sum(w * y) / w.sum()
    q = float(np.sum(w * (y - fe) ** 2))
    k = len(y)
    s2 = (k - 1) * w.sum() / (w.sum() ** 2 - np.sum(w**2)) if k > 1 else np.nan
    return q, float(s2)


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
    if np.all(x == 0) or np.all(x == n):
        raise ValueError("the GLMM cannot be fitted when every study has " +
                         ("no events" if np.all(x == 0) else "only events") + " (the response is constant)")
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


def pool_proportions(
    events: Sequence, totals: Sequence, *, transform: str = "logit", method: str = "REML",
    labels: Sequence[str] | None = None,
) -> PooledProportion:
    """Pool single-arm proportions; ``labels`` name the studies in error messages."""
    if transform not in TRANSFORMS:
        raise ValueError(f"unknown transform {transform!r}; choose one of {', '.join(TRANSFORMS)}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "GLMM" and transform != "logit":
        raise ValueError("the GLMM is a logistic model: use transform='logit' with method='GLMM'")
    x, n = _counts(events, totals, labels)
    y, v = _escalc(x, n, transform)
    if np.any(v <= 0):
        zero = [i + 1 for i in np.flatnonzero(v <= 0)]
        raise ValueError(f"studies {zero} have a sampling variance of 0 on the {transform} scale "
                         "(all or no events): use another transform")
    k = len(y)
    q, s2 = _heterogeneity(y, v)
    if method == "GLMM":
        if k == 1:
            raise ValueError("the GLMM needs at least two studies (one study has more parameters than data)")
        est, se, tau2 = _glmm(x, n)
        weights = np.full(k, np.nan)
    else:
        tau2 = 0.0 if method == "FE" or k == 1 else (
            max(0.0, (q - (k - 1)) / (np.sum(1 / v) - np.sum(1 / v**2) / np.sum(1 / v))) if method == "DL"
            else _reml_tau2(y, v))
        w = 1 / (v + tau2)
        est, se = float(np.sum(w * y) / w.sum()), float(np.sqrt(1 / w.sum()))
        weights = 100 * w / w.sum()
    if method == "FE" or k == 1:
        i2 = max(0.0, 100 * (q - (k - 1)) / q) if q > 0 else 0.0
    else:
        i2 = 100 * tau2 / (tau2 + s2)
    lows, highs = proportion_confint(x.astype(int), n.astype(int), alpha=0.05, method="beta")
    studies = tuple(
        StudyEstimate(int(xi), int(ni), xi / ni, float(lo), float(hi), float(yi), float(vi), float(wi))
        for xi, ni, lo, hi, yi, vi, wi in zip(x, n, np.atleast_1d(lows), np.atleast_1d(highs), y, v, weights)
    )
    return PooledProportion(
        estimate=back_transform(est, transform, n), ci_low=back_transform(est - Z95 * se, transform, n),
        ci_high=back_transform(est + Z95 * se, transform, n), tau2=float(tau2), i2=float(i2), q=q, k=k,
        transform=transform, method=method, est_transformed=est, se_transformed=se, studies=studies,
    )
