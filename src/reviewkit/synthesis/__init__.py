"""The synthesis stage: outcome data from the forms, meta-analysis of proportions (agreeing with R's metafor),
synthesis tables, forest plots, GRADE and the summary of findings.
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "meta": ["back_transform", "pool_proportions"],
    "outcomes": ["outcome_table", "overall_risk_of_bias"],
    "tables": ["direction_counts", "narrative_table", "sensitivity_table", "synthesis_tables"],
    "forest": ["forest_plot"],
    "grade": ["grade_table", "load_grades", "sof_table", "suggested_start"],
})
