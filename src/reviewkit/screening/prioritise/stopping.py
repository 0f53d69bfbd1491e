"""When to stop screening: an estimate of the recall reached so far and a suggestion whether to stop.

The statistical rule is Callaghan & Müller-Hansen's (2020, Systematic Reviews 9:254), in the form of their
``buscar`` code. The last *n* records screened are taken as a sample from an urn made of those *n* and the
records not yet screened. Null hypothesis: recall is below the target, i.e. the urn holds at least
``floor(found / target) + 1 - (found - k)`` relevant records, where *k* of the *n* were relevant. Its p-value is
the hypergeometric probability of seeing *k* or fewer relevant records in *n* draws from such an urn; the
smallest p-value over all *n* is used, and stopping is suggested when it is below ``1 - confidence``.

Assumption, stated with every result: the records just screened were no less likely to be relevant than those
still unscreened. Prioritised screening makes this hold (it screens the likely ones first), which makes the
test conservative; screening a random sample of the remaining records at the end makes it exact. Taking the
smallest p-value over every *n* looks at the data several times, which is a little optimistic.

A heuristic is reported beside it: the number of irrelevant records screened in a row at the end. It can also
drive the suggestion (``stop_after_irrelevant``), but it carries no guarantee on recall.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.stats import hypergeom

RECALL_TARGET = 0.95
CONFIDENCE = 0.95
RECENT_SHARE, RECENT_MIN = 0.10, 50  # the window of recent records behind the point estimate


@dataclass(frozen=True)
class StoppingEstimate:
    """How far screening has come, how much recall it has probably reached, and whether to stop."""

    screened: int
    relevant_found: int
    remaining: int
    recall_target: float
    confidence: float
    p_value: float | None  # for "recall < target"; None before a relevant record is found
    recall_estimate: float | None  # point estimate; None before a relevant record is found
    recall_lower: float | None  # lower bound at ``confidence``
    irrelevant_run: int  # irrelevant records screened in a row at the end
    suggest_stop: bool
    statement: str


def estimate(
    history: Sequence[bool],
    remaining: int,
    *,
    recall_target: float = RECALL_TARGET,
    confidence: float = CONFIDENCE,
    stop_after_irrelevant: int | None = None,
) -> StoppingEstimate:
    """Estimate recall from ``history`` (True for a relevant record, in the order screened) and the number of
    records not yet screened; suggest stopping when the statistical rule says recall ≥ ``recall_target`` at
    ``confidence``, or, if ``stop_after_irrelevant`` is given, after that many irrelevant records in a row."""
    if not 0 < recall_target < 1 or not 0 < confidence < 1:
        raise ValueError(f"recall_target and confidence must lie between 0 and 1, not {recall_target} and {confidence}")
    if remaining < 0:
        raise ValueError(f"remaining must be 0 or more, not {remaining}")
    labels = np.asarray(history, dtype=bool)
    found, screened = int(labels.sum()), len(labels)
    run = screened - 1 - int(np.flatnonzero(labels)[-1]) if found else screened
    heuristic = stop_after_irrelevant is not None and run >= stop_after_irrelevant
    common = dict(screened=screened, relevant_found=found, remaining=remaining, recall_target=recall_target,
                  confidence=confidence, irrelevant_run=run)
    if remaining == 0:
        return StoppingEstimate(**common, p_value=0.0, recall_estimate=1.0 if found else None, recall_lower=1.0 if found else None,
                                suggest_stop=True, statement=f"All {screened:,} records are screened; {found:,} relevant found.")
    if not found:
        statement = (f"{screened:,} records screened, none relevant yet; {remaining:,} not screened. Recall cannot be "
                     "estimated before a relevant record is found.")
        return StoppingEstimate(**common, p_value=None, recall_estimate=None, recall_lower=None, suggest_stop=heuristic,
                                statement=statement + _heuristic_note(run, stop_after_irrelevant))
    p_value = h0_p_value(labels, remaining, recall_target)
    missed_upper = _missed_upper_bound(labels, remaining, 1 - confidence)
    window = min(screened, max(RECENT_MIN, math.ceil(RECENT_SHARE * screened)))
    in_window = int(labels[-window:].sum())
    missed = remaining * in_window / window
    recall_estimate, recall_lower = found / (found + missed), found / (found + missed_upper)
    stop = p_value < 1 - confidence or heuristic
    statement = (
        f"{screened:,} records screened, {found:,} relevant; {remaining:,} not screened. "
        f"Estimated recall {recall_estimate:.0%} ({in_window} relevant among the last {window} screened, the same rate "
        f"assumed for the {remaining:,} unscreened: about {missed:.0f} missed). "
        f"With {confidence:.0%} confidence recall is at least {recall_lower:.0%} "
        f"(p = {p_value:.3g} for recall below {recall_target:.0%}; Callaghan & Müller-Hansen 2020), assuming the records "
        "not yet screened are no more likely to be relevant than those just screened. "
    )
    if p_value < 1 - confidence:
        statement += f"You may stop: the target of {recall_target:.0%} recall is reached at this confidence."
    else:
        statement += f"Go on screening: {recall_target:.0%} recall is not yet shown at this confidence."
    return StoppingEstimate(**common, p_value=p_value, recall_estimate=recall_estimate, recall_lower=recall_lower,
                            suggest_stop=stop, statement=statement + _heuristic_note(run, stop_after_irrelevant))


def _heuristic_note(run: int, limit: int | None) -> str:
    note = f" The last {run:,} records screened were irrelevant"
    if limit is None:
        return note + " (a run of irrelevant records is a heuristic sign, with no guarantee on recall)."
    if run >= limit:
        return note + f", at least the {limit:,} set as the heuristic stopping point (no guarantee on recall)."
    return note + f"; the heuristic stopping point is {limit:,} in a row."


def h0_p_value(history: Sequence[bool], remaining: int, recall_target: float = RECALL_TARGET) -> float:
    """The smallest p-value, over the last n = 1 … all records screened, for the hypothesis that recall is below
    ``recall_target`` (see the module docstring); 0 when the hypothesis is impossible."""
    labels = np.asarray(history, dtype=int)
    found = int(labels.sum())
    k = np.cumsum(labels[::-1])  # relevant among the last n
    n = np.arange(1, len(labels) + 1)
    urn = n + remaining
    least = math.floor(found / recall_target) + 1 - (found - k)  # relevant in the urn under the hypothesis
    possible = least <= urn
    p = np.zeros(len(n))
    p[possible] = hypergeom.cdf(k[possible], urn[possible], least[possible], n[possible])
    return float(p.min()) if len(p) else 1.0


def _missed_upper_bound(labels: np.ndarray, remaining: int, alpha: float) -> int:
    """The most relevant records that can still be unscreened without being rejected at ``alpha`` by any window
    of recent records: the smallest, over windows, of the largest count each one allows."""
    k = np.cumsum(labels[::-1].astype(int))
    n = np.arange(1, len(labels) + 1)
    urn = n + remaining
    low, high = np.zeros(len(n), dtype=int), np.full(len(n), remaining)
    while (low < high).any():  # the largest m with P(X <= k | urn holds k + m relevant) >= alpha, per window
        mid = (low + high + 1) // 2
        keep = hypergeom.cdf(k, urn, k + mid, n) >= alpha
        low, high = np.where(keep, mid, low), np.where(keep, high, mid - 1)
    return int(low.min())
