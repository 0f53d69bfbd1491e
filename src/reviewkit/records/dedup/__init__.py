"""Duplicate records across and within sources: normalised fields, candidate pairs and their rules, groups, and
the reviewer's confirm / split decisions (``review/dedup.csv``).
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "groups": ["duplicate_groups", "find_duplicates", "merge_group"],
    "decisions": ["DedupDecision", "read_dedup_decisions"],
    "review": ["duplicate_of", "record_duplicates", "unique_records"],
})
