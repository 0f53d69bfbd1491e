"""Sentence embeddings: computed offline from the packaged model, kept in a cache that only grows."""
from __future__ import annotations

import numpy as np
import pytest

from reviewkit import embeddings
from reviewkit.embeddings import DIMENSIONS, cache_path, embed

TEXTS = ["Mesenchymal stem cells infused in patients with chronic spinal cord injury",
         "Intrathecal stromal cell transplantation after spinal injury: motor recovery",
         "Container ship traffic in European harbours"]


def test_similar_texts_get_close_unit_vectors():
    vectors = embed(TEXTS)
    assert vectors.shape == (3, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.3  # two spinal cord abstracts, against shipping


def test_the_cache_is_read_back_and_only_new_texts_are_embedded(tmp_path, monkeypatch):
    first = embed(TEXTS[:2], cache=tmp_path)
    assert cache_path(tmp_path).is_file()
    seen: list[list[str]] = []
    model = embeddings._model()

    class Counting:
        def encode(self, texts, **options):
            seen.append(list(texts))
            return model.encode(texts, **options)

    monkeypatch.setattr(embeddings, "_model", lambda: Counting())
    again = embed(TEXTS[:2], cache=tmp_path)
    assert seen == [] and np.array_equal(again, first)
    grown = embed([TEXTS[2], TEXTS[0], TEXTS[0]], cache=tmp_path)  # repeated texts are embedded once
    assert seen == [[TEXTS[2]]]
    assert np.array_equal(grown[1], first[0]) and np.array_equal(grown[2], first[0])
    assert np.allclose(grown[0], embed([TEXTS[2]])[0], atol=1e-6)


def test_a_cache_file_of_another_shape_is_replaced(tmp_path):
    path = cache_path(tmp_path)
    np.savez(path, keys=np.array(["x"]), vectors=np.zeros((1, 5)))
    vectors = embed(TEXTS[:1], cache=tmp_path)
    with np.load(path) as stored:
        assert stored["vectors"].shape == (1, DIMENSIONS)
        assert np.array_equal(stored["vectors"][0], vectors[0])


def test_no_texts_give_an_empty_matrix():
    assert embed([]).shape == (0, DIMENSIONS)


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_texts_are_embedded_too(text):
    assert embed([text, TEXTS[0]]).shape == (2, DIMENSIONS)
