"""What every stage shares: one error type, the protocol, the one quote check, reviewer files read and written
safely (line numbers, locks, atomic writes), build tables and the conventions of table cells.

Nothing here knows a stage. Figures are drawn in the style of ``reviewkit.core.plot_style``, which the stages that
draw import themselves (it loads matplotlib).
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "csv_rows": ["read_csv_rows"],
    "errors": ["ReviewInputError", "ReviewInputErrors", "excerpt", "raise_collected"],
    "evidence": ["QUOTE_JOIN", "FoundQuote", "closest_passage", "context", "find_quote", "highlight", "verify_quotes"],
    "protocol": ["PROTOCOL_FILE", "Protocol", "load_protocol", "source_dir"],
    "stage_state": ["StageState"],
    "storage": ["YamlDoc", "atomic_write_bytes", "atomic_write_text", "load_yaml", "locked", "read_text", "read_yaml",
                "save_checked"],
    "tables": ["read_table", "table_path", "write_csv", "write_table"],
    "text": ["find_dois", "join_cell", "split_cell"],
})
