"""Stage 6 of the reader: a logistic regression over the candidate features, one per intent.

Its weights and the abstention threshold of each intent are fitted on the dev sets by
``python -m eval.fit`` and saved in ``qa/reader_weights.json``; nothing here is set by hand.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ScorerError

WEIGHTS = Path(__file__).with_name("reader_weights.json")


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass(frozen=True)
class Model:
    """One intent's fitted candidate model, its confidence calibration and abstention threshold.

    The candidate model ranks; the confidence that the top candidate is right is a logistic
    function of its score and of its lead over the runner-up (``calib`` = (a_score, a_lead, b)),
    so that a clear winner among many candidates is not abstained on for its absolute score."""

    coef: np.ndarray
    intercept: float
    threshold: float
    calib: tuple[float, ...] = (1.0, 0.0, 0.0)
    # A ranker's scores compare candidates of one question only; how likely its winner is right at
    # all is also read from a pointwise model (P(candidate right) over all candidates) when fitted:
    # its logit for the winner enters the calibration with weight ``a_point``.
    point: np.ndarray | None = None
    point_intercept: float = 0.0
    a_point: float = 0.0

    def scores(self, X: np.ndarray) -> np.ndarray:
        """The candidate scores (log-odds) for each row of ``X``."""
        return X @ self.coef + self.intercept

    def proba(self, X: np.ndarray) -> np.ndarray:
        """P(candidate answers the question) for each row of ``X``."""
        return _sigmoid(self.scores(X))

    def confidence(self, X: np.ndarray) -> tuple[int, float]:
        """(index of the top candidate, calibrated confidence that it is right): a logistic function
        of its score, its lead over the runner-up and, when fitted so, its own features."""
        z = self.scores(X)
        i = int(np.argmax(z))
        lead = float(z[i] - np.partition(z, -2)[-2]) if len(z) > 1 else LONE_LEAD
        a, g, b = self.calib[:3]
        t = a * float(z[i]) + g * min(lead, LONE_LEAD) + b
        if len(self.calib) > 3:
            t += float(np.asarray(self.calib[3:], dtype=np.float32) @ X[i])
        if self.point is not None:
            t += self.a_point * (float(X[i] @ self.point) + self.point_intercept)
        return i, float(_sigmoid(t))


# The lead of a lone candidate (no runner-up), and the cap on any lead: a logit gap of 6 is
# already a near-certain win, so larger ones add nothing.
LONE_LEAD = 6.0


@dataclass(frozen=True)
class Scorer:
    """The fitted models by intent (with a shared fallback ``"*"``) over a named feature list."""

    features: tuple[str, ...]
    models: dict
    yesno: dict = field(default_factory=dict)  # the yes/no answerer's fitted thresholds (extract.YesNoParams)
    ordinal: dict = field(default_factory=dict)  # the k-th item answerer's fitted weights (extract.OrdinalParams)

    def model(self, intent: str) -> Model:
        """The model for ``intent``, else the shared one."""
        m = self.models.get(intent) or self.models.get("*")
        if m is None:
            raise ScorerError(f"no fitted model for intent {intent!r}")
        return m

    def best(self, intent: str, X: np.ndarray) -> tuple[int, float, bool]:
        """(row of the best candidate, its probability, whether it clears the threshold)."""
        if len(X) == 0:
            return -1, 0.0, False
        m = self.model(intent)
        i, conf = m.confidence(X)
        return i, conf, bool(conf >= m.threshold)

    def to_json(self) -> dict:
        return {"features": list(self.features),
                "models": {k: _model_json(m) for k, m in self.models.items()},
                "yesno": {k: round(float(v), 6) for k, v in self.yesno.items()},
                "ordinal": {k: round(float(v), 6) for k, v in self.ordinal.items()}}

    @classmethod
    def from_json(cls, data: dict, features: list[str] | None = None) -> "Scorer":
        """A scorer from the saved form; ``features`` (the code's list) must match the saved one."""
        names = tuple(data.get("features") or ())
        if features is not None and tuple(features) != names:
            raise ScorerError("the weights file was fitted on other features; rerun python -m eval.fit")
        models = {}
        for k, m in (data.get("models") or {}).items():
            coef = np.asarray(m["coef"], dtype=np.float32)
            if len(coef) != len(names):
                raise ScorerError(f"model {k!r} has {len(coef)} weights for {len(names)} features")
            calib = tuple(float(c) for c in m.get("calib", (1.0, 0.0, 0.0)))
            if len(calib) not in (3, 3 + len(names)):
                raise ScorerError(f"model {k!r} has a calibration of {len(calib)} numbers")
            point = m.get("point")
            if point is not None and len(point) != len(names):
                raise ScorerError(f"model {k!r} has {len(point)} pointwise weights for {len(names)} features")
            models[k] = Model(coef, float(m["intercept"]), float(m["threshold"]), calib,
                              None if point is None else np.asarray(point, dtype=np.float32),
                              float(m.get("point_intercept", 0.0)), float(m.get("a_point", 0.0)))
        yesno = data.get("yesno") or {}
        ordinal = data.get("ordinal") or {}
        from .extract import OrdinalParams, YesNoParams

        for what, params, kind in (("yes/no thresholds", yesno, YesNoParams), ("ordinal weights", ordinal, OrdinalParams)):
            try:
                kind.of(params)
            except (TypeError, ValueError) as e:
                raise ScorerError(f"bad {what} {params!r}: {e}") from e
        return cls(names, models, dict(yesno), dict(ordinal))


def _model_json(m: Model) -> dict:
    out = {"coef": [round(float(c), 6) for c in m.coef], "intercept": round(m.intercept, 6),
           "threshold": round(m.threshold, 6), "calib": [round(float(c), 6) for c in m.calib]}
    if m.point is not None:
        out.update({"point": [round(float(c), 6) for c in m.point], "point_intercept": round(m.point_intercept, 6),
                    "a_point": round(m.a_point, 6)})
    return out


def load(path: Path | None = None) -> Scorer:
    """The scorer saved at ``path`` (default: the shipped qa/reader_weights.json)."""
    from .features import FEATURES

    path = Path(path or WEIGHTS)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ScorerError(f"cannot read reader weights {path}: {e}") from e
    return Scorer.from_json(data, FEATURES)


__all__ = ["Model", "Scorer", "ScorerError", "WEIGHTS", "load"]
