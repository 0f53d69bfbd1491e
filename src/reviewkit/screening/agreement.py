"""Agreement between screeners: cross-tables and Cohen's kappa with a 95% confidence interval.

With two or more reviewers at a stage every pair of reviewers is compared; with one, the
reviewer is compared with the automated suggestions (an ``unclear`` suggestion counts as
``unsure``). Only records both raters decided are compared.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from reviewkit.screening.criteria import ScreeningSuggestion
from reviewkit.screening.decisions import DECISIONS, PHASES

SUGGESTIONS = "suggestions"
Pair = tuple[str, str, str, pd.Series, pd.Series]  # stage, rater a, rater b, their decisions by record id


def rater_pairs(decisions: pd.DataFrame, found: dict[str, ScreeningSuggestion]) -> list[Pair]:
    """The pairs of raters to compare at each stage, with their decisions on the records both decided."""
    pairs: list[Pair] = []
    suggested = pd.Series({i: "unsure" if s.decision == "unclear" else s.decision for i, s in found.items()})
    for stage in PHASES:
        rows = decisions[(decisions["stage"] == stage) & ~decisions["consensus"]]
        by_reviewer = {r: g.set_index("record_id")["decision"] for r, g in rows.groupby("reviewer", sort=True)}
        if len(by_reviewer) == 1:
            by_reviewer[SUGGESTIONS] = suggested
        for a, b in combinations(by_reviewer, 2):
            common = by_reviewer[a].index.intersection(by_reviewer[b].index)
            pairs.append((stage, a, b, by_reviewer[a][common], by_reviewer[b][common]))
    return pairs


def crosstab(a: pd.Series, b: pd.Series, name_a: str = "a", name_b: str = "b") -> pd.DataFrame:
    """Counts of decision pairs: ``a`` in rows, ``b`` in columns, every decision value in both."""
    table = pd.crosstab(pd.Categorical(a, DECISIONS), pd.Categorical(b, DECISIONS), dropna=False)
    table.index.name, table.columns.name = name_a, name_b
    return table


def kappa(table: pd.DataFrame | np.ndarray) -> dict[str, float]:
    """Observed agreement, Cohen's kappa and its asymptotic 95% confidence interval from a square cross-table.

    Kappa is undefined (NaN) when chance agreement is 1 (both raters used one same value); the
    interval is NaN when its standard error is 0 (a rater used a single value), where the normal
    approximation says nothing. With few records the interval is too narrow to trust.
    """
    from statsmodels.stats.inter_rater import cohens_kappa  # imported here: it takes half a second, status needs none of it

    counts = np.asarray(table, dtype=float)
    n = counts.sum()
    empty = {"records": int(n), "agreement": float(np.trace(counts) / n) if n else np.nan, "kappa": np.nan, "kappa_low": np.nan, "kappa_high": np.nan}
    if n == 0 or np.isclose((counts.sum(0) * counts.sum(1)).sum() / n**2, 1.0):
        return empty
    with np.errstate(divide="ignore", invalid="ignore"):
        result = cohens_kappa(counts)
    interval = result.std_kappa > 0
    return {
        **empty,
        "kappa": float(result.kappa),
        "kappa_low": float(result.kappa_low) if interval else np.nan,
        "kappa_high": float(result.kappa_upp) if interval else np.nan,
    }


def agreement_summary(pairs: list[Pair]) -> pd.DataFrame:
    """One row per stage and pair of raters: records compared, agreement, kappa and its 95% CI."""
    rows = [{"stage": stage, "rater_a": a, "rater_b": b, **kappa(crosstab(x, y))} for stage, a, b, x, y in pairs]
    return pd.DataFrame(rows, columns=["stage", "rater_a", "rater_b", "records", "agreement", "kappa", "kappa_low", "kappa_high"])
