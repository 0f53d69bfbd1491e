"""The risk-of-bias stage: tools as data, judgments with verified quotes, which appraisal each study calls for,
the tables and robvis-style plots.
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "tools": ["Tool", "read_tools", "tools_table"],
    "judgments": ["Appraisal", "load_appraisals", "read_appraisals", "read_teams", "record_judgment"],
    "team": ["TeamAppraisals", "comparison_open", "finished"],
    "agreement": ["agreement_table", "comparison_table", "conflicts_table"],
    "plan": ["expected_appraisals", "missing_appraisals", "plan_table"],
    "tables": ["rob_table"],
    "plots": ["plot_tools"],
})
