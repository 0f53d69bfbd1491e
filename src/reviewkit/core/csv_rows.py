"""Reviewer files in CSV: rows with the line each starts on, and every problem of the header and the rows."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Sequence

from reviewkit.core.errors import ReviewInputError, excerpt

Rows = list[tuple[int, dict[str, str]]]  # (line number, row) pairs


def _delimiter_hint(header: list[str]) -> str:
    """A hint when a one-column header looks as if another delimiter was used (a spreadsheet's ``;`` or tab)."""
    if len(header) == 1:
        for delimiter, name in ((";", "semicolon"), ("\t", "tab")):
            if delimiter in header[0]:
                return f" (the file looks {name}-separated: save it as CSV with commas)"
    return ""


def read_csv_rows(
    path: Path, text: str, columns: Sequence[str], required: Sequence[str] | None = None
) -> tuple[Rows, list[ReviewInputError]]:
    """The rows of a reviewer's CSV file, each with every one of ``columns`` (stripped; "" where the file has
    no such column), and every problem: an empty file, malformed CSV, a ``required`` column missing (all
    ``columns`` unless given), an unknown or repeated column, a row with more or fewer fields than the header.
    The line numbers are where each row starts in the file (a quoted note may span lines); blank rows are skipped."""
    required = columns if required is None else required
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    raw: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                raw.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        return [], [ReviewInputError(path, f"malformed CSV: {exc}", line=start)]
    if not raw:
        return [], [ReviewInputError(path, f"empty file: the first line must be the header {','.join(columns)}", line=1)]
    header = [h.strip() for h in raw[0][1]]
    hint = _delimiter_hint(header)
    errors = [ReviewInputError(path, f"required column is missing{hint}", line=1, field=c) for c in required if c not in header]
    if not hint:
        errors += [ReviewInputError(path, f"unknown column (expected {', '.join(columns)})", line=1,
                                    field=excerpt(c) or "(empty)") for c in header if c not in columns]
        errors += [ReviewInputError(path, "the column appears twice", line=1, field=excerpt(c))
                   for c in sorted(set(header)) if header.count(c) > 1]
        errors += [ReviewInputError(path, f"malformed CSV: {len(fields)} fields where the header has {len(header)}", line=line)
                   for line, fields in raw[1:] if len(fields) != len(header)]
    if errors:
        return [], errors
    rows = [(line, dict(zip(header, fields))) for line, fields in raw[1:]]
    return [(line, {c: row.get(c, "").strip() for c in columns}) for line, row in rows], []
