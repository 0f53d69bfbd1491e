"""The records stage: sources read into records, database exports imported, duplicates grouped, reports linked to
studies.
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "model": ["Record"],
    "citation": ["Citation"],
    "sources": ["imports_table", "load_records", "load_sources", "read_record", "read_sources", "records_table", "sources_table"],
    "imports": ["add_import"],
    "studies": ["Study", "load_studies", "read_studies", "studies_table"],
    "dedup.review": ["duplicate_of", "record_duplicates", "unique_records"],
})
