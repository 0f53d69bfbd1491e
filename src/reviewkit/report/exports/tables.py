"""The included studies and their risk of bias as tables: for CSV files (pandas) and an XLSX workbook (openpyxl).

- ``studies``: one row per included study, one column per form field with its value (``pending`` if not extracted)
  and a ``<field>_quote`` column with the quotes that support it (``extraction.tables``).
- ``rob_<tool>``: per tool, the layout robvis reads (``rob_summary``, ``rob_traffic_light``; its data sets
  ``data_rob2`` and ``data_robins``): ``Study``, one column ``D1`` … ``Dn`` per domain in the tool's order,
  ``Overall`` and ``Weight``, a row per appraisal; judgments are the robvis levels (``Low``, ``Some concerns``,
  ``High``, ``Critical``, ``No information``, ``Not applicable``); the weight is the study's ``n_participants``
  (else ``n_randomised``) where extracted as a whole number, else 1 (robvis: "can all be set to 1"). An appraisal with an item still
  pending is left out: robvis has no level for it. ``rob_domains`` names each tool's domains.
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from reviewkit.appraisal.judgments import Appraisal
from reviewkit.core.protocol import Protocol
from reviewkit.core.storage import atomic_write_bytes
from reviewkit.core.tables import write_csv
from reviewkit.extraction.forms import Form
from reviewkit.extraction.tables import characteristics_table, extraction_table

ROBVIS_FIXED = ("Study", "Overall", "Weight")
WEIGHT_FIELDS = ("n_participants", "n_randomised")
DOMAIN_COLUMNS = ["tool", "domain", "item", "label"]
SHEET_CHARS = 31  # Excel's limit on a sheet name


def studies_table(forms: list[Form], protocol: Protocol) -> pd.DataFrame:
    """One row per study: id, label, reports, then per form field its value and ``<field>_quote``."""
    wide = characteristics_table(forms, protocol)
    long = extraction_table(forms, protocol)
    quotes = long.pivot(index="study_id", columns="field", values="quote") if len(long) else pd.DataFrame()
    columns = ["study_id", "label", "reports"]
    for field in protocol.extraction_form:
        wide[f"{field.key}_quote"] = wide["study_id"].map(quotes[field.key]) if len(quotes) else ""
        columns += [field.key, f"{field.key}_quote"]
    return wide[columns]


def _weight(form: Form | None) -> int:
    """The study's participants as robvis's weight: the first form field of ``WEIGHT_FIELDS`` with a count, else 1."""
    entries = [form.entries.get(key) for key in WEIGHT_FIELDS] if form else []
    return next((e.value for e in entries if e is not None and isinstance(e.value, int) and e.value > 0), 1)


def robvis_level(level: str) -> str:
    """A robvis level as robvis's example data write it (``Low``, ``Some concerns``)."""
    return level[:1].upper() + level[1:]


def robvis_tables(appraisals: list[Appraisal], forms: dict[str, Form]) -> dict[str, pd.DataFrame]:
    """Per tool id, its complete appraisals in robvis's layout: ``Study, D1 … Dn, Overall, Weight``."""
    tables: dict[str, pd.DataFrame] = {}
    for tool_id in dict.fromkeys(a.tool.id for a in appraisals):
        done = [a for a in appraisals if a.tool.id == tool_id and a.overall is not None and not a.missing]
        if not done:
            continue
        items = done[0].tool.items
        domains = [f"D{i}" for i in range(1, len(items) + 1)]
        rows = [[a.label, *(robvis_level(a.items[i.id].level) for i in items), robvis_level(a.overall.level),
                 _weight(forms.get(a.study))] for a in done]
        tables[tool_id] = pd.DataFrame(rows, columns=[ROBVIS_FIXED[0], *domains, *ROBVIS_FIXED[1:]])
    return tables


def domains_table(appraisals: list[Appraisal]) -> pd.DataFrame:
    """What ``D1`` … ``Dn`` stand for, per tool: its item id and label."""
    tools = {a.tool.id: a.tool for a in appraisals}
    rows = [(tool.id, f"D{n}", item.id, item.label) for tool in tools.values() for n, item in enumerate(tool.items, 1)]
    return pd.DataFrame(rows, columns=DOMAIN_COLUMNS)


def write_csv_folder(sheets: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Each table as ``folder/<name>.csv`` (atomically)."""
    return [write_csv(table, folder / f"{name}.csv") for name, table in sheets.items()]


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """The tables as the sheets of one workbook (openpyxl), written atomically."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name[:SHEET_CHARS], index=False)
    return atomic_write_bytes(path, buffer.getvalue())
