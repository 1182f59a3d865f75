"""A BM25 keyword index over Chinese tokens (bm25s); it knows nothing of vectors."""
from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np

from .errors import IndexCorrupt


class KeywordIndex:
    """BM25 over pre-tokenised chunks, keyed by chunk id."""

    def __init__(self, ids: np.ndarray, model: bm25s.BM25 | None):
        self._ids = np.asarray(ids, dtype=np.int64)
        self._model = model
        # The scores of the last query's tokens over every chunk: a cross-report question asks
        # the same sub-question of every report, one search per report, and the scores over the
        # whole index are the same each time (only the allowed subset differs).
        self._last: tuple[tuple[str, ...], np.ndarray] | None = None
        order = np.argsort(self._ids, kind="stable")
        self._sorted_ids, self._sorted_pos = self._ids[order], order

    @classmethod
    def build(cls, ids: list[int], tokens: list[list[str]]) -> "KeywordIndex":
        if not ids:
            return cls(np.zeros(0, dtype=np.int64), None)
        model = bm25s.BM25(k1=1.2, b=0.75)
        # An empty token list breaks bm25s's vocabulary; a placeholder keeps positions aligned.
        model.index([t or ["\u0000"] for t in tokens], show_progress=False)
        return cls(np.asarray(ids, dtype=np.int64), model)

    def __len__(self) -> int:
        return len(self._ids)

    def ids(self) -> np.ndarray:
        return self._ids

    def search(self, tokens: list[str], k: int, allowed: np.ndarray | None = None,
               docs: list[str] | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score > 0) for query tokens, optionally within ``allowed``
        (``docs``, the same scope by report, is for engines that filter by field)."""
        if self._model is None or not tokens or k <= 0:
            return []
        vocab = self._model.vocab_dict
        known = [t for t in tokens if t in vocab]
        if not known:
            return []
        last = self._last
        if last is not None and last[0] == tuple(known):
            scores = last[1]
        else:
            scores = self._model.get_scores(known)
            scores.setflags(write=False)  # shared by the searches that reuse it
            self._last = (tuple(known), scores)
        if allowed is not None:
            # the allowed chunks' positions in index order: a stable sort of their scores ranks
            # them exactly as a stable sort of all scores with the others set to 0 does
            allowed = np.asarray(allowed, dtype=np.int64)
            at = np.searchsorted(self._sorted_ids, allowed)
            at = at[(at < len(self._sorted_ids))]
            pos = np.sort(self._sorted_pos[at[np.isin(self._sorted_ids[at], allowed)]])
            sub = scores[pos]
            top = pos[np.argsort(-sub, kind="stable")[:k]]
        else:
            top = np.argsort(-scores, kind="stable")[:k]
        return [(int(self._ids[i]), float(scores[i])) for i in top if scores[i] > 0]

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "ids.npy", self._ids)
        if self._model is not None:
            self._model.save(str(path / "bm25"))
        (path / "meta.json").write_text(json.dumps({"n": len(self._ids), "empty": self._model is None}))

    @classmethod
    def load(cls, path: Path) -> "KeywordIndex":
        try:
            meta = json.loads((path / "meta.json").read_text())
            ids = np.load(path / "ids.npy")
            model = None if meta["empty"] else bm25s.BM25.load(str(path / "bm25"))
        except Exception as exc:
            raise IndexCorrupt(f"keyword index at {path.name} is unreadable ({exc})") from exc
        if len(ids) != meta["n"]:
            raise IndexCorrupt("keyword index ids do not match its metadata")
        return cls(ids, model)
