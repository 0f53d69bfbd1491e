"""Ranking of unscreened records: the relevant ones rise to the top as decisions come in."""
from __future__ import annotations

import random
from typing import get_args

import numpy as np
import pandas as pd
import pytest

from reviewkit.core.protocol import Protocol
from reviewkit.records.model import Record
from reviewkit.screening.prioritise import ranker as ranker_module
from reviewkit.screening.prioritise.models import DEFAULT_MODEL, DESCRIPTIONS, describe
from reviewkit.screening.prioritise.ranker import MODELS, Ranker, corpus_features, rank, record_text, uses_embeddings
from reviewkit.screening.prioritise.review import keep_embeddings, ranking_model, ranking_statement, review_history, review_labels

TOPIC = ("mesenchymal stem cells were infused intravenously in patients with chronic spinal cord injury; "
         "motor scores and adverse events were followed after transplantation").split()
OTHER = ("survey of teachers on classroom songs and vocabulary; rainfall models for river basins; traffic "
         "of container ships in harbours; cost of software maintenance in banks; soil bacteria and crop yield").split()
FILLER = "the a of in and with for was were by on study results".split()


def corpus(n_relevant: int = 8, n_other: int = 52, seed: int = 3) -> tuple[list[str], np.ndarray]:
    """Short made-up abstracts: relevant ones draw words from one topic, the others from a mix of topics."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n_relevant + n_other):
        relevant = i % 7 == 3 and len([x for x in labels if x]) < n_relevant
        pool = TOPIC if relevant else OTHER
        words = [rng.choice(pool) for _ in range(14)] + [rng.choice(FILLER) for _ in range(6)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(relevant)
    return texts, np.array(labels)


@pytest.mark.parametrize("model", list(MODELS))
def test_relevant_records_rise_to_the_top_in_the_screening_loop(model):
    texts, labels = corpus()
    relevant = np.flatnonzero(labels)
    known = {int(relevant[0]): True, int(np.flatnonzero(~labels)[0]): False}
    ranker = Ranker(texts, model)
    screened = []
    while len(known) < len(texts) and sum(known.values()) < labels.sum():
        ranker.update(known)
        top = ranker.ranking()[0]
        assert top not in known
        known[top] = bool(labels[top])
        screened.append(top)
    # all 7 other relevant records within the first 10 picks (random order needs about 50)
    assert len(screened) <= 10, f"{model}: {len(screened)} records screened to find all relevant"


def test_rank_lists_every_undecided_record_once_best_first():
    texts, labels = corpus()
    decided = {0: False, 3: True, 10: True, 1: False}
    order = rank(texts, decided)
    assert sorted(order) == sorted(set(range(len(texts))) - set(decided))
    top = set(order[: labels.sum() - 2])
    assert top == set(np.flatnonzero(labels)) - {3, 10}


def test_a_decision_moves_similar_records_up():
    texts = ["alpha beta gamma", "delta epsilon zeta", "alpha beta theta", "iota kappa lambda", "delta epsilon mu",
             "alpha gamma nu"]
    ranker = Ranker(texts, "svm")
    ranker.update({0: True, 1: False})
    assert ranker.ranking()[:2] == [2, 5] or set(ranker.ranking()[:2]) == {2, 5}
    ranker.update({0: False, 1: True})  # the reviewer changed their mind
    assert ranker.ranking()[0] == 4


def test_features_are_computed_once_and_reused():
    texts, _ = corpus()
    features = corpus_features(texts, "ensemble")
    assert set(features) == {"embed", "words", "words_chars"}
    ranker = Ranker(texts, "ensemble", features=features)
    assert ranker.features["words"] is features["words"]
    with pytest.raises(ValueError, match="row count"):
        Ranker(texts[:10], "ensemble", features=features)


@pytest.mark.parametrize("labels, counts", [({0: True, 3: True}, "2 relevant and 0 irrelevant"),
                                            ({0: False}, "0 relevant and 1 irrelevant"), ({}, "0 relevant")])
def test_one_class_only_is_refused_with_the_counts(labels, counts):
    texts, _ = corpus()
    with pytest.raises(ValueError, match=f"at least one relevant and one irrelevant.*{counts}"):
        rank(texts, labels)


def test_empty_texts_and_unknown_models_are_refused():
    with pytest.raises(ValueError, match="no words to rank on"):
        rank(["", "  ", ""], {0: True, 1: False})
    with pytest.raises(ValueError, match="unknown model 'bert'"):
        rank(["ab cd", "ef gh"], {0: True, 1: False}, model="bert")
    with pytest.raises(ValueError, match="outside 0…2"):
        rank(["ab cd", "ef gh", "ij kl"], {0: True, 7: False}, model="svm")


def test_review_decisions_become_labels():
    records = [Record(id=f"r{i}", source="s", path="p", text=f"Title {i}\n\nbody {i}", title=f"Title {i}") for i in range(5)]
    table = pd.DataFrame({
        "record_id": ["r0", "r1", "r2", "r3", "r4", "r0"],
        "stage": ["title_abstract"] * 5 + ["full_text"],
        "decision": ["include", "exclude", "unsure", "pending", "conflict", "exclude"],
    })
    assert review_labels(table, records) == {0: True, 1: False, 2: True}
    assert review_labels(table, records, stage="full_text") == {0: False}
    assert record_text(records[0]) == "Title 0\n\nbody 0"
    assert record_text(Record(id="x", source="s", path="p", text="body", title="Head")) == "Head\nbody"


def test_review_history_follows_the_time_of_the_first_decision():
    records = [Record(id=f"r{i}", source="s", path="p", text=f"text {i}", title=f"T{i}") for i in range(4)]
    decisions = pd.DataFrame({
        "stage": ["title_abstract"] * 4 + ["full_text"],
        "record_id": ["r2", "r0", "r1", "r2", "r3"],
        "timestamp": ["2025-01-02T10:00:00Z", "2025-01-03T09:00:00Z", "2025-01-01T08:00:00Z",
                      "2025-01-04T00:00:00Z", "2025-01-01T00:00:00Z"],
    })
    labels = {0: False, 1: True, 2: True}
    assert review_history(decisions, labels, records) == [True, True, False]  # r1, r2 (its first row), r0


def test_the_protocol_offers_every_ranking_model_and_each_is_described():
    offered = {a for a in get_args(get_args(Protocol.model_fields["ranking_model"].annotation)[0])}
    assert offered == set(MODELS) == set(DESCRIPTIONS)
    assert uses_embeddings("ensemble") and uses_embeddings("embed") and not uses_embeddings(DEFAULT_MODEL)
    with pytest.raises(ValueError, match="unknown model 'bert'"):
        describe("bert")


def test_a_model_with_embeddings_ranks_at_once_without_them_and_they_join_once_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(ranker_module, "EMBED_AT_ONCE", 2)  # a review of thousands of records, in small
    records = [Record(id=f"r{i}", source="s", path="p", text=f"stem cell trial number {i}", title=f"T{i}") for i in range(5)]
    assert ranking_model(records, "ensemble", tmp_path) == "ngrams"
    assert ranking_model(records, "embed", None) == "lr"
    assert ranking_model(records, "svm", tmp_path) == "svm" and ranking_model(records, None, tmp_path) == DEFAULT_MODEL
    statement = ranking_statement("ensemble", "ngrams", {0: True, 1: False, 2: False, 3: False}, 5)
    assert statement.startswith(f"Ranked by {describe('ngrams')} (`ngrams`), fitted on the 4 title/abstract decisions")
    assert "The protocol's model `ensemble` also reads sentence embeddings" in statement
    assert "join the ranking on its next run" in statement
    assert keep_embeddings(records, "ensemble", tmp_path) == 5
    assert ranking_model(records, "ensemble", tmp_path) == "ensemble"
    assert keep_embeddings(records, "ensemble", tmp_path) == 0  # kept: nothing computed again
    assert keep_embeddings(records, "svm", tmp_path / "other") == 0 and not (tmp_path / "other").exists()
    assert ranking_statement("ensemble", "ensemble", {0: True, 1: False, 2: False, 3: False}, 5) == (f"Ranked by {describe('ensemble')} (`ensemble`), fitted on "
                                                            "the 4 title/abstract decisions so far.")
    assert ranking_statement(None, DEFAULT_MODEL, {0: True, 1: False}, 5).startswith(f"Ranked by {describe(DEFAULT_MODEL)} (`{DEFAULT_MODEL}`, "
                                                                "the default), fitted on the 2")


def test_the_switching_model_ranks_with_the_svm_until_five_per_cent_are_known_relevant(monkeypatch):
    """Below the share, only the SVM is fitted and ranks, as ``svm`` would; from it on, only logistic regression."""
    texts, labels = corpus(n_relevant=8, n_other=52)  # 60 records: the switch at 3 known relevant
    relevant, irrelevant = np.flatnonzero(labels), np.flatnonzero(~labels)
    fitted = []
    monkeypatch.setattr(ranker_module, "_scores", lambda classifier, *rest, made=ranker_module._scores:
                        fitted.append(classifier) or made(classifier, *rest))
    switching, svm, lr = (Ranker(texts, m, seed=1) for m in ("svm_then_lr", "svm", "lr"))
    two = {int(relevant[0]): True, int(relevant[1]): True, int(irrelevant[0]): False}
    assert set(switching.features) == {"words"}  # the character n-grams only once they rank
    switching.update(two)
    assert fitted == ["svm"] and list(switching.weights) == [1, 0] and set(switching.features) == {"words"}
    svm.update(two)
    assert switching.ranking() == svm.ranking()
    three = two | {int(relevant[2]): True}
    fitted.clear()
    switching.update(three)
    assert fitted == ["lr"] and list(switching.weights) == [0, 1] and set(switching.features) == {"words", "words_chars"}
    lr.update(three)
    assert switching.ranking() == lr.ranking()
    assert ranking_statement(None, "svm_then_lr", two, 60).endswith(
        "It switches at 3 of the 60 records known relevant; 2 are, so the linear SVM ranked them.")
    assert ranking_statement(None, "svm_then_lr", three, 60).endswith("3 are, so logistic regression ranked them.")
