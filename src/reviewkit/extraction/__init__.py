"""The extraction stage: one form per study with a verified quote behind every value (or one per reviewer, compared,
with a consensus form), its tables, rule-based suggestions (vocabularies as data) and their agreement with the
reviewer, and suggested links between reports of one study.
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "forms": ["Form", "NOT_REPORTED", "load_forms", "read_forms", "read_reviewer_form", "record_value"],
    "team": ["comparison_open", "finished"],
    "tables": ["characteristics_table", "discrepancies_table", "evidence_spans", "extraction_table", "included_record_ids", "included_studies"],
    "suggest": ["suggestions_table"],
    "vocabularies": ["load_vocabularies"],
    "agreement": ["agreement_rate", "agreement_table"],
    "links": ["suggest_links"],
    "comparison": ["read_team_forms", "team_agreement", "team_comparison", "team_conflicts"],
    "consensus": ["start_consensus"],
})
