"""Answer many questions with one loaded model and index (``reportqa ask --batch``)."""
from __future__ import annotations

import time
from dataclasses import asdict
from typing import Iterable, Iterator

from index.errors import ReportQAError


def ask_batch(service, questions: Iterable[str], filters: dict | None = None, timed: bool = False) -> Iterator:
    """Yield ``asdict(answer)`` per question, in order; errors become {"question", "error"} rows.

    With ``timed`` each item is ``(answer_dict, milliseconds)``.
    """
    for q in questions:
        t = time.perf_counter()
        try:
            row = asdict(service.ask(q, filters=filters))
        except ReportQAError as exc:
            row = {"question": q, "error": str(exc), "abstained": True, "value": None, "answer": str(exc),
                   "citations": [], "confidence": 0.0, "intent": ""}
        ms = (time.perf_counter() - t) * 1000
        yield (row, ms) if timed else row
