"""The synthesis stage: outcome data from the forms, meta-analysis of proportions and of comparative studies
(agreeing with R's metafor), small-study effects, subgroups and meta-regression, synthesis tables, forest plots,
GRADE and the summary of findings.
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "meta": ["back_transform", "pool_proportions"],
    "comparative": ["PooledEffect", "StudyEffect", "pool_binary", "pool_continuous", "pool_generic"],
    "bias": ["egger_test", "trim_and_fill"],
    "moderators": ["leave_one_out", "meta_regression", "subgroup_test"],
    "cumul": ["cumulative", "cumulative_forest"],
    "by_round": ["round_table"],
    "outcomes": ["outcome_table", "overall_risk_of_bias", "rob_judgments"],
    "tables": ["direction_counts", "narrative_table", "sensitivity_table", "synthesis_tables"],
    "forest": ["forest_plot"],
    "forest_comparative": ["comparative_forest"],
    "funnel": ["funnel_plot"],
    "comparative_tables": ["effect_results", "effect_tables"],
    "effect_analyses": ["effect_sensitivity_table", "leave_one_out_table", "meta_regression_table", "small_study_table"],
    "grade": ["grade_table", "load_grades", "suggested_start"],
    "sof": ["corresponding_risk", "sof_table"],
})
