"""Sentence vectors: one row per sentence the reader reads, embedded once per index version.

The reader scores a candidate by, among other things, how close its sentence is in meaning to the
question (qa/features.py, ``dense_sim``). The question's vector is the one retrieval computes; the
sentences' vectors are computed here at ingest with the index's own embedder, so the query path
pays a dot product, not an embedding (docs/benchmarks.md, "Dense clause similarity").

Rows are the sentences of each report's cleaned text as ``index.textutil.sentences`` cuts them
(the cut the engine reads by), keyed by (doc, start, end), sorted by doc then start, and saved as
one uncompressed ``sentences.npz`` in the version directory.
"""
from __future__ import annotations

import bisect
import os
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .errors import IndexCorrupt
from .textutil import sentences

FILE = "sentences.npz"


class SentenceVectors:
    """The sentence rows of one index version: keys (doc, start, end) and unit vectors."""

    def __init__(self, docs: list[str], doc_of: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                 vectors: np.ndarray):
        self.docs = list(docs)
        self.doc_of = np.asarray(doc_of, dtype=np.int32)
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if not (len(self.doc_of) == len(self.starts) == len(self.ends) == len(self.vectors)):
            raise IndexCorrupt(f"{FILE} has rows of unequal length")
        # doc -> (first row, end row): rows of one doc are contiguous and sorted by start
        self._rows: dict[str, tuple[int, int]] = {}
        self._starts: dict[str, list[int]] = {}
        bounds = np.flatnonzero(np.diff(self.doc_of)) + 1 if len(self.doc_of) else np.zeros(0, dtype=np.int64)
        for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(self.doc_of)]):
            if hi > lo:
                name = self.docs[int(self.doc_of[lo])]
                if name in self._rows:
                    raise IndexCorrupt(f"{FILE} holds the rows of {name!r} in two places")
                self._rows[name] = (lo, hi)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    def __len__(self) -> int:
        return len(self.vectors)

    def doc_names(self) -> set[str]:
        """The reports that have rows."""
        return set(self._rows)

    def rows_of(self, doc: str) -> tuple[int, int]:
        """The row range [lo, hi) of ``doc`` (empty when it has none)."""
        return self._rows.get(doc, (0, 0))

    def row(self, doc: str, start: int) -> int:
        """The row of the sentence of ``doc`` that holds character ``start``, or -1.

        The engine also reads sentences cut from a chunk's text; one that a chunk boundary cuts
        short starts inside a sentence of the whole text, and gets that sentence's row."""
        lo, hi = self.rows_of(doc)
        if hi <= lo:
            return -1
        starts = self._starts.get(doc)
        if starts is None:
            starts = self._starts[doc] = self.starts[lo:hi].tolist()
        k = bisect.bisect_right(starts, start) - 1
        if k < 0 or start >= int(self.ends[lo + k]):
            return -1
        return lo + k

    def similarity(self, query: np.ndarray, keys: Iterable[tuple[str, int]]) -> list[float]:
        """Cosine of the unit vector ``query`` with the sentence holding each (doc, start); 0.0 for
        a position no row holds (text between sentences)."""
        rows = [self.row(d, s) for d, s in keys]
        have = [r for r in rows if r >= 0]
        sims = self.vectors[have] @ np.asarray(query, dtype=np.float32) if have else np.zeros(0, dtype=np.float32)
        it = iter(sims.tolist())
        return [next(it) if r >= 0 else 0.0 for r in rows]

    def without(self, docs: set[str]) -> "SentenceVectors":
        """These rows less those of ``docs``."""
        keep = np.array([self.docs[i] not in docs for i in self.doc_of], dtype=bool)
        return _compact(self.docs, self.doc_of[keep], self.starts[keep], self.ends[keep], self.vectors[keep],
                        self.dim)

    def save(self, path: Path) -> None:
        """Write the rows to ``path`` and fsync it (the version directory is not live yet)."""
        with open(path, "wb") as fh:
            np.savez(fh, docs=np.asarray(self.docs, dtype=str), doc_of=self.doc_of, starts=self.starts,
                     ends=self.ends, vectors=self.vectors)
            fh.flush()
            os.fsync(fh.fileno())

    @classmethod
    def load(cls, path: Path) -> "SentenceVectors":
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls([str(d) for d in z["docs"]], z["doc_of"], z["starts"], z["ends"], z["vectors"])
        except FileNotFoundError as exc:
            raise IndexCorrupt(f"sentence vector file {path.name} is missing") from exc
        except IndexCorrupt:
            raise
        except Exception as exc:  # a truncated or foreign file: zipfile, KeyError or ValueError
            raise IndexCorrupt(f"sentence vector file {path.name} is unreadable ({exc})") from exc

    @classmethod
    def empty(cls, dim: int) -> "SentenceVectors":
        return cls([], np.zeros(0), np.zeros(0), np.zeros(0), np.zeros((0, dim), dtype=np.float32))


def _compact(names: list[str], doc_of, starts, ends, vectors, dim: int) -> SentenceVectors:
    """Rows with their doc names renumbered to the docs they use, sorted by (doc, start)."""
    used = sorted({names[int(i)] for i in doc_of})
    new = {n: k for k, n in enumerate(used)}
    idx = np.array([new[names[int(i)]] for i in doc_of], dtype=np.int32)
    order = np.lexsort((np.asarray(starts, dtype=np.int64), idx)) if len(idx) else np.zeros(0, dtype=np.int64)
    vecs = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    return SentenceVectors(used, idx[order], np.asarray(starts)[order], np.asarray(ends)[order], vecs[order])


def merge(base: SentenceVectors | None, added: SentenceVectors, dim: int) -> SentenceVectors:
    """``base``'s rows and ``added``'s (whose docs ``base`` must no longer hold)."""
    if base is None or not len(base):
        return added if len(added) else SentenceVectors.empty(dim)
    names = base.docs + added.docs
    doc_of = np.concatenate([base.doc_of, added.doc_of + len(base.docs)])
    return _compact(names, doc_of, np.concatenate([base.starts, added.starts]),
                    np.concatenate([base.ends, added.ends]), np.concatenate([base.vectors, added.vectors]), dim)


def embed_documents(texts: dict[str, str], embed: Callable[[list[str]], np.ndarray], dim: int,
                    batch: int = 1024, progress: Callable | None = None) -> SentenceVectors:
    """Cut each report's text into sentences and embed them (``embed``: list of texts -> unit
    vectors, the index's embedder)."""
    names, doc_of, starts, ends, spans_text = [], [], [], [], []
    for k, (name, text) in enumerate(sorted(texts.items())):
        names.append(name)
        for s, e in sentences(text):
            doc_of.append(k)
            starts.append(s)
            ends.append(e)
            spans_text.append(text[s:e])
    progress = progress or (lambda it, **kw: it)
    parts = [np.asarray(embed(spans_text[i:i + batch]), dtype=np.float32).reshape(-1, dim)
             for i in progress(range(0, len(spans_text), batch), desc="sentences", unit="batch")]
    vecs = np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)
    return _compact(names, np.asarray(doc_of, dtype=np.int32), np.asarray(starts, dtype=np.int64),
                    np.asarray(ends, dtype=np.int64), vecs, dim)


__all__ = ["FILE", "SentenceVectors", "embed_documents", "merge"]
