"""The extraction stage's tables: values with their quotes, study characteristics, discrepancies, quote spans."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from reviewkit.core.evidence import QUOTE_JOIN
from reviewkit.core.protocol import Protocol
from reviewkit.core.tables import read_table, table_path
from reviewkit.core.text import join_cell
from reviewkit.extraction.forms import Form
from reviewkit.records.studies import Study


def included_record_ids(out_dir: str | Path) -> set[str] | None:
    """Records screening included in the review (``tables/screening.csv``); None if screening has not run."""
    if not table_path(out_dir, "screening").exists():
        return None
    table = read_table(out_dir, "screening")
    return set(table.loc[table["included"] == "True", "record_id"])


def included_studies(studies: list[Study], included: set[str] | None) -> list[Study]:
    """Studies with at least one included report."""
    return [s for s in studies if set(s.records) & (included or set())]


def display_value(value: Any) -> str:
    return join_cell(value) if isinstance(value, list) else str(value)


def extraction_table(forms: list[Form], protocol: Protocol) -> pd.DataFrame:
    """Long format, one row per study and form field: ``study_id, record_id, field, value, quote, page, note,
    status``; ``page`` is each quote's page in its PDF (``4``, ``4–5``), in the quotes' order, empty for text records."""
    rows = []
    for form in forms:
        for field in protocol.extraction_form:
            entry = form.entries.get(field.key)
            rows.append({
                "study_id": form.study.id,
                "record_id": join_cell(dict.fromkeys(e.record for e in entry.evidence)) if entry else "",
                "field": field.key,
                "value": display_value(entry.value) if entry else "",
                "quote": QUOTE_JOIN.join(e.quote for e in entry.evidence) if entry else "",
                "page": QUOTE_JOIN.join(e.pages for e in entry.evidence) if entry and any(
                    e.pages for e in entry.evidence) else "",
                "note": entry.note if entry else "",
                "status": form.status(field.key),
            })
    return pd.DataFrame(rows, columns=["study_id", "record_id", "field", "value", "quote", "page", "note", "status"])


def characteristics_table(forms: list[Form], protocol: Protocol) -> pd.DataFrame:
    """One row per study: its label, reports and the value of every form field ('pending' if not extracted)."""
    rows = []
    for form in forms:
        row = {"study_id": form.study.id, "label": form.study.label, "reports": join_cell(form.study.records)}
        for field in protocol.extraction_form:
            entry = form.entries.get(field.key)
            row[field.key] = display_value(entry.value) if entry else "pending"
        rows.append(row)
    return pd.DataFrame(rows, columns=["study_id", "label", "reports"] + [f.key for f in protocol.extraction_form])


def discrepancies_table(forms: list[Form]) -> pd.DataFrame:
    """One row per discrepancy note: ``study_id, records, record_id, note, quote``."""
    rows = [
        {
            "study_id": form.study.id,
            "records": join_cell(d.records),
            "record_id": join_cell(dict.fromkeys(e.record for e in d.evidence)),
            "note": d.note,
            "quote": QUOTE_JOIN.join(e.quote for e in d.evidence),
        }
        for form in forms
        for d in form.discrepancies
    ]
    return pd.DataFrame(rows, columns=["study_id", "records", "record_id", "note", "quote"])


def evidence_spans(form: Form) -> dict[str, list[tuple[int, int]]]:
    """Offsets of every quote of a form (values and discrepancies), per record, to highlight."""
    spans: dict[str, list[tuple[int, int]]] = {r: [] for r in form.study.records}
    for entry in form.entries.values():
        for e in entry.evidence:
            spans[e.record].append(e.span)
    for discrepancy in form.discrepancies:
        for e in discrepancy.evidence:
            spans[e.record].append(e.span)
    return spans
