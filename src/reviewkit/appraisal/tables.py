"""The risk-of-bias table: one row per item of each appraisal, then its overall judgment."""
from __future__ import annotations

import pandas as pd

from reviewkit.appraisal.judgments import PENDING, Appraisal, ItemJudgment
from reviewkit.core.evidence import QUOTE_JOIN
from reviewkit.core.text import join_cell


def support(judged: ItemJudgment | None) -> str:
    """An item's quote(s), each with its page for a PDF record, and its note."""
    if judged is None:
        return ""
    quotes = QUOTE_JOIN.join(f"“{e.quote}”" + (f" (p. {e.pages})" if e.pages else "") for e in judged.evidence)
    return " — ".join(p for p in (quotes, judged.note) if p)


def rob_table(appraisals: list[Appraisal]) -> pd.DataFrame:
    """``study_id, record_id, source_type, tool, item, judgment, level, support``: one row per item, then the overall.

    ``support`` is the quote(s), each with its page for a PDF record, and the note; an item not yet answered is
    ``pending``.
    """
    rows = []
    for a in appraisals:
        base = {"study_id": a.study, "record_id": a.record, "source_type": a.source_type or "", "tool": a.tool.id}
        for item in a.tool.items:
            judged = a.items.get(item.id)
            rows.append({**base, "item": item.id, "judgment": judged.answer if judged else PENDING,
                         "level": judged.level if judged else PENDING, "support": support(judged)})
        overall = a.overall
        rows.append({**base, "item": "overall", "judgment": overall.judgment if overall else PENDING,
                     "level": overall.level if overall else PENDING,
                     "support": join_cell((a.overall_note, overall.note if overall else ""))})
    return pd.DataFrame(rows, columns=["study_id", "record_id", "source_type", "tool", "item", "judgment", "level", "support"])
