"""Prioritised screening: rank the records not yet screened, estimate the recall reached and when to stop, replay
labelled data sets.
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "models": ["DEFAULT_MODEL", "describe"],
    "ranker": ["Ranker", "rank"],
    "review": ["keep_embeddings", "ranking_model", "ranking_statement", "review_history", "review_labels", "screening_order"],
    "stopping": ["estimate"],
    "simulate": ["read_labelled", "replays"],
})
