"""The screening stage: suggestions from the protocol's criteria, the reviewers' decisions per phase
(title/abstract, full text), agreement and conflicts, the recall plot.

Prioritised screening (the ranker, embeddings, stopping, simulation) is ``reviewkit.screening.prioritise``,
kept apart so that importing this package loads no model.
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "criteria": ["criteria_overview", "criteria_table", "evidence_html", "suggest", "suggestions"],
    "decisions": ["PHASES", "conflicts", "load_decisions", "prisma_screening_counts", "record_decision", "screening_table"],
    "agreement": ["agreement_summary", "crosstab", "rater_pairs"],
    "plots": ["plot_recall"],
})
