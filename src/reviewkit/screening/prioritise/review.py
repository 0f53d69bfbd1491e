"""Prioritised screening of a review in progress: its decisions as ranking labels, the order in which to screen
the records not yet decided and the model that ranks them, and the screening history that the stopping estimate
reads."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from reviewkit.records.model import Record
from reviewkit.screening.prioritise.embeddings import embed, not_cached
from reviewkit.screening.prioritise.models import DEFAULT_MODEL, describe
from reviewkit.screening.prioritise.ranker import SWITCH_AT, Ranker, ready_model, record_text, switch_count, uses_embeddings


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


def screening_order(table: pd.DataFrame, records: Sequence[Record], cache: str | Path | None = None,
                    model: str | None = None) -> tuple[list[str], pd.DataFrame | None]:
    """The ids of the records to screen in order (the form shows the others after them, in their own order), and
    the ranking shown beside the form (record_id, score, title of each record not yet decided, most likely relevant
    first).

    ``table`` is ``decisions.screening_table`` output. Ranking needs a relevant and an irrelevant title/abstract
    decision; until then the records keep their own order and the ranking is None. ``model``: a ``ranker.MODELS``
    name (none: ``models.DEFAULT_MODEL``). The ranking is a suggestion: it orders the form, it never decides.
    """
    labels = review_labels(table, records)
    if len(set(labels.values())) < 2:
        return [r.id for r in records], None
    ranker = Ranker([record_text(r) for r in records], model or DEFAULT_MODEL, cache=cache)
    ranker.update(labels)
    ranking = ranker.ranking()
    ranked = pd.DataFrame({"record_id": [records[i].id for i in ranking],
                           "score": [round(float(ranker.scores[i]), 3) for i in ranking],
                           "title": [records[i].title for i in ranking]})
    return list(ranked["record_id"]), ranked


def ranking_model(records: Sequence[Record], model: str | None, cache: str | Path | None) -> str:
    """The model that ranks ``records`` now: ``model`` (none: the default), without its sentence embeddings while
    too many of them are not in ``cache`` yet (``ranker.ready_model``)."""
    return ready_model(model or DEFAULT_MODEL, [record_text(r) for r in records], cache)


def ranking_statement(chosen: str | None, model: str, labels: Mapping[int, bool], n_records: int) -> str:
    """What ranked the records, for the notebook: ``model``, fitted on the decisions ``labels`` (``review_labels``)
    of ``n_records`` records, and for a switching model which of its two members ranked; ``chosen``: the
    protocol's ``ranking_model`` (none: the default), which ``model`` differs from while its embeddings are not
    computed."""
    wanted = chosen or DEFAULT_MODEL
    text = (f"Ranked by {describe(model)} (`{model}`{'' if chosen or model != wanted else ', the default'}), "
            f"fitted on the {len(labels)} title/abstract decisions so far.")
    if model in SWITCH_AT:
        needed, relevant = switch_count(model, n_records), sum(labels.values())
        text += (f" It switches at {needed:,} of the {n_records:,} records known relevant; {relevant:,} are, so "
                 f"{'logistic regression' if relevant >= needed else 'the linear SVM'} ranked them.")
    if model != wanted:
        whose = "The protocol's" if chosen else "The default"
        text += (f" {whose} model `{wanted}` also reads sentence embeddings, "
                 "which are not computed for these records yet: this notebook computes them at its end, and they join "
                 "the ranking on its next run.")
    return text


def keep_embeddings(records: Sequence[Record], model: str | None, cache: str | Path) -> int:
    """For a ``model`` (none: the default) that reads sentence embeddings, compute those of ``records`` not in
    ``cache`` yet and keep them there, for the next ranking; how many were computed."""
    if not uses_embeddings(model or DEFAULT_MODEL):
        return 0
    texts = [record_text(r) for r in records]
    if missing := not_cached(texts, cache):
        embed(texts, cache=cache)
    return missing
