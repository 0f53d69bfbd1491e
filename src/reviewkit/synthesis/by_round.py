"""The pooled outcomes of an updated review by search round: each outcome pooled as in the main analysis, over
the studies found up to each round (a cumulative meta-analysis by round, ``cumulative``). A study enters at the round
that first found one of its reports, with its data as extracted now."""
from __future__ import annotations

import pandas as pd

from reviewkit.core.outcome import MetaAnalysis
from reviewkit.core.protocol import Protocol
from reviewkit.synthesis.comparative import PooledEffect
from reviewkit.synthesis.cumul import COLUMNS, PROPORTION, cumulative
from reviewkit.synthesis.meta import pool_proportions
from reviewkit.synthesis.outcomes import ALL

ROUND_COLUMNS = ["outcome", "measure", "scale", *COLUMNS]


def _proportions(outcomes: pd.DataFrame, settings: MetaAnalysis) -> dict:
    """Each proportion outcome pooled over its studies with counts, where there are enough to pool."""
    pooled = {}
    for outcome_id, rows in outcomes[outcomes["type"] == "proportion"].groupby("outcome", sort=False):
        counted = rows[rows["poolable"]]
        if len(counted) >= settings.min_studies:
            try:
                pooled[outcome_id] = pool_proportions(counted["events"].tolist(), counted["total"].tolist(),
                                                      transform=settings.transform, method=settings.method,
                                                      labels=counted["study_id"].tolist())
            except ValueError:  # not pooled in the main analysis either (synthesis.csv says why)
                continue
    return pooled


def round_table(outcomes: pd.DataFrame, protocol: Protocol, results: dict, study_rounds: dict[str, str]) -> pd.DataFrame:
    """Per pooled outcome and search round, the estimate over the studies found by then (``study_rounds``: study
    id → the round that first found it); empty for a review of one round."""
    if protocol.latest_round < 2:
        return pd.DataFrame(columns=ROUND_COLUMNS)
    order = [r.id for r in protocol.rounds]
    by_id = {o.id: o for o in protocol.outcomes}
    pooled = {**_proportions(outcomes, protocol.meta_analysis),
              **{o: r[ALL] for o, r in results.items() if isinstance(r.get(ALL), PooledEffect)}}
    frames = []
    for outcome in (o for o in protocol.outcomes if o.id in pooled):
        result = pooled[outcome.id]
        labels = [s.label for s in result.studies] if isinstance(result, PooledEffect) else \
            outcomes[(outcomes["outcome"] == outcome.id) & outcomes["poolable"]]["study_id"].tolist()
        table = cumulative(result, [study_rounds[s] for s in labels], order, labels=labels)
        measure = result.measure if isinstance(result, PooledEffect) else PROPORTION
        scale = "log" if isinstance(result, PooledEffect) and result.scale == "log" else "linear"
        frames.append(table.assign(outcome=by_id[outcome.id].id, measure=measure, scale=scale))
    return pd.concat(frames)[ROUND_COLUMNS].reset_index(drop=True) if frames else pd.DataFrame(columns=ROUND_COLUMNS)
