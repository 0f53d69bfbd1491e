"""What every stage shares: one error type, the protocol, the one quote check, reviewer files read and written
safely (line numbers, locks, atomic writes), build tables and the conventions of table cells.

Nothing here knows a stage. Figures are drawn in the style of ``reviewkit.core.plot_style``, which the stages that
draw import themselves (it loads matplotlib).
"""
from reviewkit.core.csv_rows import read_csv_rows
from reviewkit.core.errors import ReviewInputError, ReviewInputErrors, excerpt, raise_collected
from reviewkit.core.evidence import QUOTE_JOIN, FoundQuote, closest_passage, context, find_quote, highlight, verify_quotes
from reviewkit.core.protocol import PROTOCOL_FILE, Protocol, load_protocol, source_dir
from reviewkit.core.stage_state import StageState
from reviewkit.core.storage import (
    YamlDoc,
    atomic_write_bytes,
    atomic_write_text,
    load_yaml,
    locked,
    read_text,
    read_yaml,
    save_checked,
)
from reviewkit.core.tables import read_table, table_path, write_csv, write_table
from reviewkit.core.text import find_dois, join_cell, split_cell

__all__ = [
    "PROTOCOL_FILE", "QUOTE_JOIN", "FoundQuote", "Protocol", "ReviewInputError", "ReviewInputErrors", "StageState",
    "YamlDoc", "atomic_write_bytes", "atomic_write_text", "closest_passage", "context", "excerpt", "find_dois",
    "find_quote", "highlight", "join_cell", "load_protocol", "load_yaml", "locked", "raise_collected", "read_csv_rows",
    "read_table", "read_text", "read_yaml", "save_checked", "source_dir", "split_cell", "table_path", "verify_quotes",
    "write_csv", "write_table",
]
