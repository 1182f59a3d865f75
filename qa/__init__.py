"""Question answering over an index: ``qa.ask(question, *, history=None, filters=None)``."""
from __future__ import annotations

from index.settings import Settings

from .schema import Answer, Citation

_service = None


def configure(settings: Settings, embedder=None) -> None:
    """Choose the index and model that ``ask`` uses (loads lazily)."""
    global _service
    from .service import Service

    _service = Service(settings, embedder)


def ask(question: str, *, history=None, filters=None) -> Answer:
    """Answer a question with cited evidence, or abstain. Uses default Settings unless configured."""
    if _service is None:
        configure(Settings())
    return _service.ask(question, history=history, filters=filters)


__all__ = ["ask", "configure", "Answer", "Citation"]
