"""The inverse-variance (meta-regression) model shared by every pooling function, as metafor's ``rma.uni``.

Estimates ``yi`` with sampling variances ``vi`` and a design matrix ``X`` (a column of ones without
moderators) are fitted by weighted least squares with weights ``1/(vi + tau²)``:

- ``tau²``: 0 for FE (metafor's "EE"); DerSimonian–Laird ``(QE − (k − p)) / tr(P)``; REML by Fisher scoring
  from the Hedges estimate, steps halved while they would make it negative, stopping when it changes by
  at most 1e-5 (metafor's ``control`` defaults), truncated at 0; refused when it has not converged in
  100 iterations (metafor stops there too).
- ``test="z"``: Wald z tests and intervals; ``test="knha"``: Knapp–Hartung, the covariance multiplied by
  ``Σ w (y − Xb)² / (k − p)`` (not truncated at 1, as metafor), t (F for the moderators) with ``k − p`` df.
- Heterogeneity: Cochran's ``QE`` with ``k − p`` df; I² as metafor, ``100 τ² / (τ² + s²)`` with the typical
  within-study variance ``s² = (k − p) / tr(P)`` for random effects and ``100 (QE − (k − p)) / QE`` for FE.
- The prediction interval of ``predict.rma``: ``b ± crit √(se² + τ²)``, crit from z or t(k − p).

Every trace is computed from p × p matrices, so 100,000 studies need no k × k matrix.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from reviewkit.synthesis.checks import refuse

RMA_METHODS = ("FE", "DL", "REML")
TESTS = ("z", "knha")
REML_THRESHOLD = 1e-5  # metafor's rma.uni control defaults
REML_MAX_ITER = 100
LEVEL = 0.95


@dataclass(frozen=True)
class RmaFit:
    """A fitted model: coefficients ``beta`` with covariance ``vb``, tau², heterogeneity and weights."""

    beta: np.ndarray
    vb: np.ndarray
    tau2: float
    q: float
    q_df: int
    i2: float  # percent
    weights: np.ndarray  # percent of the total weight
    method: str
    test: str

    @property
    def k(self) -> int:
        return len(self.weights)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vb))

    @property
    def df(self) -> int | None:
        """Degrees of freedom of the t and F tests (knha), None for z tests."""
        return self.k - len(self.beta) if self.test == "knha" else None

    @property
    def crit(self) -> float:
        """The two-sided 95% critical value of the coefficients' test."""
        return float(stats.t.ppf(0.5 + LEVEL / 2, self.df) if self.df else stats.norm.ppf(0.5 + LEVEL / 2))

    @property
    def q_p(self) -> float:
        return float(stats.chi2.sf(self.q, self.q_df)) if self.q_df > 0 else 1.0  # metafor's QEp when k = p

    def p_values(self) -> np.ndarray:
        """Two-sided p of each coefficient."""
        stat = np.abs(self.beta / self.se)
        return 2 * (stats.t.sf(stat, self.df) if self.df else stats.norm.sf(stat))

    def ci(self) -> tuple[np.ndarray, np.ndarray]:
        """95% intervals of the coefficients."""
        return self.beta - self.crit * self.se, self.beta + self.crit * self.se

    def prediction_interval(self) -> tuple[float | None, float | None]:
        """The 95% prediction interval of an intercept-only random-effects model (None for FE)."""
        if self.method == "FE":
            return None, None
        half = self.crit * np.sqrt(self.se[0] ** 2 + self.tau2)
        return float(self.beta[0] - half), float(self.beta[0] + half)

    def qm(self) -> tuple[float, float]:
        """The omnibus test of the moderators (every coefficient but the intercept): QM and its p (χ² with
        p − 1 df for z, F(p − 1, k − p) for knha, where QM is divided by p − 1)."""
        m = len(self.beta) - 1
        b, vb = self.beta[1:], self.vb[1:, 1:]
        qm = float(b @ np.linalg.solve(vb, b))
        if self.df:
            return qm / m, float(stats.f.sf(qm / m, m, self.df))
        return qm, float(stats.chi2.sf(qm, m))


def _wls(y: np.ndarray, w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares: coefficients and (X'WX)⁻¹."""
    inverse = np.linalg.inv(x.T @ (w[:, None] * x))
    return inverse @ (x.T @ (w * y)), inverse


def _trace_p(w: np.ndarray, x: np.ndarray, inverse: np.ndarray) -> float:
    """tr(P) for P = W − W X (X'WX)⁻¹ X'W."""
    return float(w.sum() - np.trace(inverse @ (x.T @ ((w**2)[:, None] * x))))


def _trace_pp(w: np.ndarray, x: np.ndarray, inverse: np.ndarray) -> float:
    """tr(PP), from p × p products only."""
    b2 = inverse @ (x.T @ ((w**2)[:, None] * x))
    b3 = inverse @ (x.T @ ((w**3)[:, None] * x))
    return float(np.sum(w**2) - 2 * np.trace(b3) + np.trace(b2 @ b2))


def _q(y: np.ndarray, v: np.ndarray, x: np.ndarray) -> float:
    w = 1 / v
    b, _ = _wls(y, w, x)
    return float(np.sum(w * (y - x @ b) ** 2))


def _tau2_dl(y: np.ndarray, v: np.ndarray, x: np.ndarray) -> float:
    w = 1 / v
    _, inverse = _wls(y, w, x)
    return max(0.0, (_q(y, v, x) - (len(y) - x.shape[1])) / _trace_p(w, x, inverse))


def _tau2_reml(y: np.ndarray, v: np.ndarray, x: np.ndarray, where: str) -> float:
    k, p = x.shape
    inverse = np.linalg.inv(x.T @ x)  # the Hedges (HE) estimator starts the scoring
    residual = y - x @ (inverse @ (x.T @ y))
    leverage = np.sum((x @ inverse) * x, axis=1)  # the diagonal of the hat matrix
    tau2 = max(0.0, float((residual @ residual - (np.sum(v) - np.sum(leverage * v))) / (k - p)))
    for _ in range(REML_MAX_ITER):
        w = 1 / (v + tau2)
        b, inverse = _wls(y, w, x)
        py = w * (y - x @ b)
        adj = (py @ py - _trace_p(w, x, inverse)) / _trace_pp(w, x, inverse)
        while tau2 + adj < 0:
            adj /= 2
        tau2 += adj
        if abs(adj) <= REML_THRESHOLD:
            return max(0.0, tau2)
    raise refuse(where, f"REML: Fisher scoring did not converge in {REML_MAX_ITER} iterations (as in metafor); "
                 "try method='DL'", "method")


def fit_rma(y: np.ndarray, v: np.ndarray, *, method: str = "REML", test: str = "z", x: np.ndarray | None = None,
            where: str = "rma") -> RmaFit:
    """Fit the model to estimates ``y`` with sampling variances ``v`` (and design ``x``, default intercept only)."""
    x = np.ones((len(y), 1)) if x is None else x
    k, p = x.shape
    if test == "knha" and k - p < 1:
        raise refuse(where, f"the Knapp–Hartung test needs more studies than coefficients ({k} studies, {p} "
                     f"coefficient{'s' if p > 1 else ''})", "test")
    if method == "FE" or k <= p:
        tau2 = 0.0
    elif method == "DL":
        tau2 = _tau2_dl(y, v, x)
    else:
        tau2 = _tau2_reml(y, v, x, where)
    w = 1 / (v + tau2)
    beta, vb = _wls(y, w, x)
    if test == "knha":
        rss = float(np.sum(w * (y - x @ beta) ** 2))
        vb = vb * (rss / (k - p) if rss > np.finfo(float).eps else 0.0)  # as metafor: 0 for a perfect fit
    q = _q(y, v, x) if k > p else 0.0
    if method == "FE" or k <= p:
        i2 = max(0.0, 100 * (q - (k - p)) / q) if q > 0 else 0.0
    else:
        w_fe = 1 / v
        s2 = (k - p) / _trace_p(w_fe, x, _wls(y, w_fe, x)[1])
        i2 = 100 * tau2 / (tau2 + s2)
    return RmaFit(beta=beta, vb=vb, tau2=float(tau2), q=q, q_df=k - p, i2=float(i2), weights=100 * w / w.sum(),
                  method=method, test=test)
