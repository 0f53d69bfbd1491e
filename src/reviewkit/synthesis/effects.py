"""Two-arm effect sizes and their sampling variances, as metafor's ``escalc`` with its defaults.

Binary outcomes (events and totals of the treatment and control arms):

- ``RR``: log risk ratio, ``v = 1/a − 1/n1 + 1/c − 1/n2``; ``OR``: log odds ratio, ``v = 1/a + 1/b + 1/c + 1/d``;
  ``RD``: risk difference, ``v = p1 (1 − p1)/n1 + p2 (1 − p2)/n2`` (vtype "LS").
- Zero cells: a study with a zero in any of its four cells has 1/2 added to all four (``add=1/2``,
  ``to="only0"``), for RD too. A double-zero study (no events, or only events, in both arms) is kept and
  corrected the same way (``drop00=FALSE``), except where ``drop00`` is asked for (``rma.mh`` and
  ``rma.peto`` show their studies so): then its estimate and variance are NaN.
- ``PETO``: the study's Peto log odds ratio ``(a − E)/V`` with ``v = 1/V`` (corrected cells as above).

Continuous outcomes (mean, SD and size of each arm):

- ``MD``: raw mean difference, ``v = sd1²/n1 + sd2²/n2``.
- ``SMD``: Hedges' g, Cohen's d on the pooled SD times the exact correction
  ``c(m) = Γ(m/2) / (√(m/2) Γ((m − 1)/2))`` with ``m = n1 + n2 − 2``; ``v = 1/n1 + 1/n2 + g²/(2 (n1 + n2))``
  (metafor's default vtype "LS").
"""
from __future__ import annotations

import numpy as np
from scipy import special

BINARY_MEASURES = ("RR", "OR", "RD")
CONTINUOUS_MEASURES = ("MD", "SMD")
RATIO_MEASURES = ("RR", "OR")
ADD = 0.5


def _cells(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray, drop00: bool) -> tuple[np.ndarray, ...]:
    """The four cells with 1/2 added to each cell of a study with a zero cell; NaN for double-zero studies
    when ``drop00``."""
    b, d = n1 - a, n2 - c
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    cells = [np.where(zero, cell + ADD, cell) for cell in (a, b, c, d)]
    if drop00:
        double = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
        cells = [np.where(double, np.nan, cell) for cell in cells]
    return tuple(cells)


def binary_effects(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray, measure: str,
                   drop00: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each study's ``measure`` (RR, OR on the log scale; RD; PETO) and sampling variance."""
    a, b, c, d = _cells(a, n1, c, n2, drop00)
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    if measure == "RR":
        return np.log(p1 / p2), 1 / a - 1 / n1 + 1 / c - 1 / n2
    if measure == "OR":
        return np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
    if measure == "RD":
        return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    n = n1 + n2
    expected = (a + c) * n1 / n
    variance = (a + c) * (b + d) * (n1 / n) * (n2 / n) / (n - 1)
    return (a - expected) / variance, 1 / variance


def hedges_correction(m: np.ndarray) -> np.ndarray:
    """The exact small-sample correction of Hedges' g for ``m`` degrees of freedom."""
    return np.exp(special.gammaln(m / 2) - np.log(np.sqrt(m / 2)) - special.gammaln((m - 1) / 2))


def continuous_effects(m1: np.ndarray, sd1: np.ndarray, n1: np.ndarray, m2: np.ndarray, sd2: np.ndarray,
                       n2: np.ndarray, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """Each study's mean difference (MD) or Hedges' g (SMD) and sampling variance."""
    if measure == "MD":
        return m1 - m2, sd1**2 / n1 + sd2**2 / n2
    m = n1 + n2 - 2
    pooled_sd = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / m)
    g = hedges_correction(m) * (m1 - m2) / pooled_sd
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))
