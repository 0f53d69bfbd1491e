"""Prioritised screening of a review in progress: its decisions as ranking labels, the order in which to screen
the records not yet decided, and the screening history that the stopping estimate reads."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from reviewkit.records.model import Record
from reviewkit.screening.prioritise.ranker import Ranker, record_text


def review_labels(table, records: Sequence[Record], stage: str = "title_abstract") -> dict[int, bool]:
    """Decisions of a review as ranking labels: index in ``records`` → relevant.

    ``table`` is ``decisions.screening_table`` (or ``resolve``) output. At ``stage``, ``include`` and ``unsure``
    count as relevant (both go on to full text), ``exclude`` as irrelevant; ``pending`` and ``conflict`` records
    are left out, so they stay in the ranking.
    """
    at_stage = table[table["stage"] == stage]
    decision = dict(zip(at_stage["record_id"], at_stage["decision"]))
    relevant = {"include": True, "unsure": True, "exclude": False}
    return {i: relevant[decision[r.id]] for i, r in enumerate(records) if decision.get(r.id) in relevant}


def review_history(decisions, labels: Mapping[int, bool], records: Sequence[Record],
                   stage: str = "title_abstract") -> list[bool]:
    """The labels of the decided records in the order they were first decided (earliest timestamp at ``stage``
    in ``decisions.load_decisions`` output; ties in record order): the screening history for ``stopping``."""
    at_stage = decisions[decisions["stage"] == stage]
    first = at_stage.groupby("record_id")["timestamp"].min().to_dict()
    decided = sorted((first[r.id], i) for i, r in enumerate(records) if i in labels and r.id in first)
    return [labels[i] for _, i in decided]


def screening_order(table: pd.DataFrame, records: Sequence[Record], cache: str | Path | None = None
                    ) -> tuple[list[str], pd.DataFrame | None]:
    """The ids of the records to screen in order (the form shows the others after them, in their own order), and
    the ranking shown beside the form (record_id, score, title of each record not yet decided, most likely relevant
    first).

    ``table`` is ``decisions.screening_table`` output. Ranking needs a relevant and an irrelevant title/abstract
    decision; until then the records keep their own order and the ranking is None. The ranking is a
    suggestion: it orders the form, it never decides.
    """
    labels = review_labels(table, records)
    if len(set(labels.values())) < 2:
        return [r.id for r in records], None
    ranker = Ranker([record_text(r) for r in records], cache=cache)
    ranker.update(labels)
    ranking = ranker.ranking()
    ranked = pd.DataFrame({"record_id": [records[i].id for i in ranking],
                           "score": [round(float(ranker.scores[i]), 3) for i in ranking],
                           "title": [records[i].title for i in ranking]})
    return list(ranked["record_id"]), ranked
