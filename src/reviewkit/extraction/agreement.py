"""How far the reviewer's extracted values agree with the rule-based suggestions, field by field."""
from __future__ import annotations

import re
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, utils

from reviewkit.core.evidence import normalise
from reviewkit.core.protocol import FormField, Protocol
from reviewkit.extraction.forms import NOT_REPORTED, Form
from reviewkit.extraction.grammar import NUMBER, parse_number
from reviewkit.extraction.tables import display_value
from reviewkit.extraction.vocabularies import Vocabularies, package_vocabularies

AGREEMENT_THRESHOLD = 90  # rapidfuzz token-set ratio for text values


def values_agree(field: FormField, reviewer: Any, suggested: Any) -> bool:
    """Whether a suggestion matches the reviewer's value: equal for numbers and choices, same words for text."""
    if field.type in ("integer", "choice"):
        return normalise(str(reviewer)) == normalise(str(suggested))
    if field.type == "number":
        try:
            return float(reviewer) == float(suggested)
        except (TypeError, ValueError):
            return normalise(str(reviewer)) == normalise(str(suggested))
    score = fuzz.token_set_ratio(_digits(display_value(reviewer)), _digits(display_value(suggested)), processor=utils.default_process)
    return score >= AGREEMENT_THRESHOLD


def agreement_table(
    forms: list[Form], suggestions: pd.DataFrame, protocol: Protocol, vocabularies: Vocabularies | None = None
) -> pd.DataFrame:
    """Reviewer value beside suggestion per study and suggested field, with ``agreement``.

    The suggestion compared is the one from the record the reviewer quoted, else from the study's
    primary record, else from any report. ``agreement`` is ``agree``, ``disagree``, ``missed``
    (reviewer found a value, the rules none), or ``pending`` (reviewer has not extracted it).
    A reviewer's 'not reported' agrees with no suggestion. The fields compared are those the vocabularies
    (the review's, else the package's) give an extractor.
    """
    served = (vocabularies or package_vocabularies()).fields
    rows = []
    for form in forms:
        for key in served:
            entry = form.entries.get(key)
            quoted = [e.record for e in entry.evidence] if entry else []
            candidates = suggestions[(suggestions["field"] == key) & suggestions["record_id"].isin(form.study.records)]
            suggestion = None
            for record_id in [*quoted, form.study.primary_record, *form.study.records]:
                match = candidates[candidates["record_id"] == record_id]
                if not match.empty:
                    suggestion = match.iloc[0]
                    break
            if entry is None:
                agreement = "pending"
            elif suggestion is None:
                agreement = "agree" if entry.value == NOT_REPORTED else "missed"
            elif entry.value == NOT_REPORTED:
                agreement = "disagree"
            else:
                agreement = "agree" if values_agree(protocol.field(key), entry.value, suggestion["value"]) else "disagree"
            rows.append({
                "study_id": form.study.id,
                "field": key,
                "reviewer_value": display_value(entry.value) if entry else "",
                "suggested_value": "" if suggestion is None else display_value(suggestion["value"]),
                "suggested_from": "" if suggestion is None else suggestion["record_id"],
                "suggested_quote": "" if suggestion is None else suggestion["quote"],
                "agreement": agreement,
            })
    columns = ["study_id", "field", "reviewer_value", "suggested_value", "suggested_from", "suggested_quote", "agreement"]
    return pd.DataFrame(rows, columns=columns)


def agreement_rate(agreement: pd.DataFrame) -> float | None:
    """Share of compared fields (not pending) where suggestion and reviewer agree; None if none compared."""
    compared = agreement[agreement["agreement"] != "pending"]
    return None if compared.empty else float((compared["agreement"] == "agree").mean())


def _digits(text: str) -> str:
    """Numbers written in words as digits ("two years" -> "2 years"), so that both spellings compare equal."""
    return re.sub(rf"\b{NUMBER}\b", lambda m: str(parse_number(m.group())) if parse_number(m.group()) is not None else m.group(), text, flags=re.I)
