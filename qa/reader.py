"""The reader's last stages on a set of sentences: candidates -> features -> fitted score.

Used by the engine (per question) and by the facts table (per report at ingest), so that both
pick answers the same way with the same fitted weights and thresholds.
"""
from __future__ import annotations

import numpy as np

from index import lexicon

from .candidates import Candidate, Sent, candidates
from .extract import Found
from .features import FEATURES, featurize
from .parse import Parsed
from .scorer import Scorer


def found_of(c: Candidate, prob: float) -> Found:
    """A chosen candidate as the answer span with its fitted probability as score."""
    return Found(c.value, c.display.strip(), c.sent, c.span, prob)


def rank(p: Parsed, sents: list[Sent], years: dict[str, str] | None = None
         ) -> tuple[list[Candidate], np.ndarray]:
    """The candidates of ``p.intent`` in ``sents`` and their feature matrix."""
    cands = candidates(p.intent, sents)
    X = featurize(p, cands, sents, years)
    if p.intent == "count" and len(cands):
        # a figure counts the thing its sentence names (收到申请7项，其中不予公开2项): a sentence that
        # never names the asked thing states no count of it, however well the rest matches; the one
        # exception is the genre's 未收到信息公开申请, a zero for every kind of application
        keep = (X[:, FEATURES.index("head_absent")] == 0) | (X[:, FEATURES.index("no_applications")] > 0)
        if not lexicon.PARTS_ASKED.search(p.question):
            # the report's outline (本报告包括概述、主动公开…等七个部分) counts its parts and
            # nothing else: its figure answers no other count
            keep &= X[:, FEATURES.index("outline")] == 0
        cands, X = [c for c, k in zip(cands, keep) if k], X[keep]
    return cands, X


def pick(scorer: Scorer, p: Parsed, cands: list[Candidate], X: np.ndarray) -> tuple[Found | None, bool]:
    """(the best candidate, whether its probability clears the intent's fitted threshold)."""
    i, prob, ok = scorer.best(p.intent, X)
    return (found_of(cands[i], prob) if i >= 0 else None), ok


__all__ = ["found_of", "pick", "rank"]
