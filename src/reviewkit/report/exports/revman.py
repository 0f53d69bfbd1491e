"""The included studies' data as CSV files for RevMan Web's study data import (study-centric data management).

RevMan's knowledge base ("Data extraction templates", "Populate study data") documents three study data files:
study information (one row per study: general information and study characteristics), study arms (one row per arm
of each study, with the intervention it maps to) and study results (one row per arm of each study, with the arm's
result data). Covidence's export to RevMan Web writes characteristics as ``Char: <name>`` columns. The exact
column headers of RevMan's templates could not be checked here (the templates are downloads, not documented
text): the headers below follow that documented layout and may need renaming to the review's RevMan template.

- ``study_information.csv``: ``Study``, ``Char: <field>`` for each form field that is no outcome data.
- ``study_arms.csv``: ``Study``, ``Arm``, ``Intervention`` (the protocol's ``meta_analysis`` arm names).
- ``study_results.csv``: ``Study``, ``Outcome``, ``Outcome type`` (Dichotomous, Continuous), ``Arm``, ``Events``,
  ``Mean``, ``SD``, ``Total``: per arm, for the two-arm outcomes (dichotomous, continuous) a study has data for.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from reviewkit.core.protocol import Protocol
from reviewkit.extraction.forms import Form
from reviewkit.extraction.tables import display_value
from reviewkit.report.exports.tables import write_csv_folder
from reviewkit.synthesis.outcomes import outcome_table

INFORMATION_FILE, ARMS_FILE, RESULTS_FILE = "study_information", "study_arms", "study_results"
ARM_COLUMNS = ["Study", "Arm", "Intervention"]
RESULT_COLUMNS = ["Study", "Outcome", "Outcome type", "Arm", "Events", "Mean", "SD", "Total"]
ARM_TYPES = {"dichotomous": "Dichotomous", "continuous": "Continuous"}
_ARM_VALUES = {"dichotomous": {"Events": "events_{}", "Total": "total_{}"},
               "continuous": {"Mean": "mean_{}", "SD": "sd_{}", "Total": "n_{}"}}


def _outcome_keys(protocol: Protocol) -> set[str]:
    """The form fields the outcomes read: their data, findings and directions (results, not characteristics)."""
    keys = {key for o in protocol.outcomes for key in o.fields.values()}
    return keys | {k for o in protocol.outcomes for k in (o.result_field, o.direction_field) if k}


def information_table(forms: list[Form], protocol: Protocol) -> pd.DataFrame:
    """One row per study: its id and, per characteristic, the extracted value (empty if not extracted)."""
    skip = _outcome_keys(protocol)
    fields = [f.key for f in protocol.extraction_form if f.key not in skip]
    rows = [[form.study.id, *(display_value(form.entries[k].value) if k in form.entries else "" for k in fields)]
            for form in forms]
    return pd.DataFrame(rows, columns=["Study", *(f"Char: {k}" for k in fields)])


def results_table(forms: list[Form], protocol: Protocol) -> pd.DataFrame:
    """One row per arm of each study and two-arm outcome with data: events and total, or mean, SD and total."""
    outcomes = outcome_table(forms, protocol)
    arms = {"t": protocol.meta_analysis.intervention, "c": protocol.meta_analysis.control}
    labels = {o.id: o.label for o in protocol.outcomes}
    rows = []
    for row in outcomes[outcomes["type"].isin(list(ARM_TYPES)) & outcomes["poolable"]].itertuples():
        for arm, name in arms.items():
            values = {column: getattr(row, role.format(arm)) for column, role in _ARM_VALUES[row.type].items()}
            rows.append({"Study": row.study_id, "Outcome": labels[row.outcome], "Outcome type": ARM_TYPES[row.type],
                         "Arm": name, **values})
    return pd.DataFrame(rows, columns=RESULT_COLUMNS).astype({"Events": "Int64", "Total": "Int64"})


def arms_table(results: pd.DataFrame) -> pd.DataFrame:
    """One row per arm of each study with results: the arm and the intervention it maps to."""
    arms = results[["Study", "Arm"]].drop_duplicates()
    return pd.DataFrame({"Study": arms["Study"], "Arm": arms["Arm"], "Intervention": arms["Arm"]}, columns=ARM_COLUMNS)


def write_revman(forms: list[Form], protocol: Protocol, folder: Path) -> list[Path]:
    """The three study data files in ``folder``."""
    results = results_table(forms, protocol)
    return write_csv_folder({INFORMATION_FILE: information_table(forms, protocol),
                             ARMS_FILE: arms_table(results), RESULTS_FILE: results}, folder)
