"""Tables the report uses, also written as CSV under ``out_dir/tables`` for reuse."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewkit.core.storage import atomic_write_text


def table_path(out_dir: str | Path, name: str) -> Path:
    return Path(out_dir) / "tables" / f"{name}.csv"


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` as CSV to ``path``, atomically, and return the path."""
    atomic_write_text(path, table.to_csv(index=False, lineterminator="\n"))
    return Path(path)


def write_table(table: pd.DataFrame, out_dir: str | Path, name: str) -> Path:
    """Write ``table`` as ``out_dir/tables/<name>.csv`` (atomically) and return the path."""
    return write_csv(table, table_path(out_dir, name))


def read_table(out_dir: str | Path, name: str) -> pd.DataFrame:
    """A table an earlier stage wrote; a missing one names the stage's file."""
    path = table_path(out_dir, name)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run the stage that writes it first")
    return pd.read_csv(path, dtype=str, keep_default_na=False)
