"""Vector -> ids seam: exact inner-product search in FAISS (cosine on normalised vectors)."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from .errors import IndexCorrupt


class VectorIndex:
    """FAISS IndexFlatIP keyed by chunk id."""

    def __init__(self, dim: int, index=None):
        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, dim: int) -> "VectorIndex":
        """A new index holding ``vectors`` under ``ids``."""
        vi = cls(dim)
        vi.add(ids, vectors)
        return vi

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors of shape {vectors.shape} do not fit dimension {self.dim}")
        self._index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def vectors(self) -> np.ndarray:
        n = len(self)
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._index.index.reconstruct_n(0, n)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               docs: list[str] | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, cosine) for one query vector, optionally within ``allowed`` ids.

        ``docs`` names the same scope by report; FAISS filters by ids, so it is not needed here."""
        if len(self) == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        # One query is searched on one OpenMP thread: starting the team cost ~25-45 ms a call against
        # ~0.2 ms of arithmetic on an id subset (docs/benchmarks.md, "Questions across reports"), and
        # the setting is per calling thread, so it is made here, in the thread that searches.
        faiss.omp_set_num_threads(1)
        scores, ids = self._index.search(q, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        try:
            index = faiss.read_index(str(path))
        except Exception as exc:  # faiss raises RuntimeError with C++ text on damaged files
            raise IndexCorrupt(f"vector file {path.name} is unreadable ({str(exc).splitlines()[0][:120]})") from exc
        return cls(index.d, index)
