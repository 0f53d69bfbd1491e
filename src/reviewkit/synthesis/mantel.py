"""Mantel–Haenszel and Peto pooling of 2×2 tables, as metafor's ``rma.mh`` and ``rma.peto``.

The pooled estimate uses the raw counts of every study, double-zero studies included (they add nothing
to an OR or RR, but weigh in a risk difference); no continuity correction is needed or made. Variances:
Robins–Breslow–Greenland (OR), Greenland–Robins (RR), Sato–Greenland–Robins (RD); Peto's
``Σ(O − E) / ΣV`` with variance ``1/ΣV``. Cochran's Q compares the studies' own estimates (1/2 added to
the cells of a study with a zero cell, double-zero studies left out) with the pooled one; Peto's Q is
``Σ(O − E)²/V − (Σ(O − E))²/ΣV``. I² is ``100 (Q − df)/Q``; τ² is 0 (common-effect models).
"""
from __future__ import annotations

import numpy as np

NO_ESTIMATE = "the {name} {measure} cannot be estimated: {why}"


def mantel_haenszel(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray,
                    measure: str) -> tuple[float, float, np.ndarray] | str:
    """The MH estimate (log scale for OR and RR), its standard error and the studies' weights in percent;
    or why it cannot be estimated."""
    b, d = n1 - a, n2 - c
    n = n1 + n2
    if measure == "OR":
        r, s = a * d / n, b * c / n
        if r.sum() == 0 or s.sum() == 0:
            return NO_ESTIMATE.format(name="Mantel–Haenszel", measure="odds ratio",
                                      why="no study has events in one arm and non-events in the other")
        p, q = (a + d) / n, (b + c) / n
        big_r, big_s = r.sum(), s.sum()
        var = 0.5 * (np.sum(p * r) / big_r**2 + np.sum(p * s + q * r) / (big_r * big_s) + np.sum(q * s) / big_s**2)
        return float(np.log(big_r / big_s)), float(np.sqrt(var)), 100 * s / big_s
    if measure == "RR":
        if a.sum() == 0 or c.sum() == 0:
            return NO_ESTIMATE.format(name="Mantel–Haenszel", measure="risk ratio",
                                      why=f"no events in the {'treatment' if a.sum() == 0 else 'control'} arms")
        big_r, big_s = np.sum(a * n2 / n), np.sum(c * n1 / n)
        var = np.sum((n1 / n) * (n2 / n) * (a + c) - (a / n) * c) / (big_r * big_s)
        weights = c * n1 / n
        return float(np.log(big_r / big_s)), float(np.sqrt(var)), 100 * weights / weights.sum()
    if a.sum() == 0 and c.sum() == 0 or a.sum() == n1.sum() and c.sum() == n2.sum():
        return NO_ESTIMATE.format(name="Mantel–Haenszel", measure="risk difference",
                                  why="no participant in any study had an event" if a.sum() == 0 else
                                  "every participant in every study had an event")
    weights = n1 * n2 / n
    w = weights.sum()
    beta = float(np.sum(a * (n2 / n) - c * (n1 / n)) / w)
    p_term = np.sum(c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + (n1 / n) * (n2 / n) * (n2 - n1) / 2)
    q_term = np.sum(a * (n2 - c) / n + c * (n1 - a) / n) / 2
    return beta, float(np.sqrt((beta * p_term + q_term) / w**2)), 100 * weights / w


def peto(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray) -> tuple[float, float, float, np.ndarray] | str:
    """Peto's log odds ratio, its standard error, Q and the weights in percent; or why it cannot be estimated."""
    n = n1 + n2
    events = a + c
    expected = events * n1 / n
    variance = events * (n - events) * (n1 / n) * (n2 / n) / (n - 1)
    total = variance.sum()
    if total == 0:
        return NO_ESTIMATE.format(name="Peto", measure="odds ratio",
                                  why="one of the two outcomes never occurred in any study")
    informative = variance > 0
    q = max(0.0, float(np.sum((a - expected)[informative] ** 2 / variance[informative])
                       - np.sum(a - expected) ** 2 / total))
    return float(np.sum(a - expected) / total), float(np.sqrt(1 / total)), q, 100 * variance / total
