"""Plain frozen records of an answer; the CLI prints json.dumps(asdict(answer))."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from: the exact sentence (quote == cleaned[start:end])."""

    doc: str
    institution: str
    year: str
    section: str
    start: int
    end: int
    page: int | None
    quote: str
    cell: tuple | None = None  # a table cell's number, [start, end) inside the cited row


@dataclass(frozen=True)
class Answer:
    """A short answer, its bare value and the citations that support it.

    ``value`` is digits for counts, the phone/email/period as written, 是/否,
    a phrase, a list of institutions, or None when abstaining.
    ``related`` holds nearby passages shown when abstaining; they are not evidence.
    """

    question: str
    answer: str
    value: str | list | None
    abstained: bool
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    intent: str = ""
    related: list[Citation] = field(default_factory=list)
    groups: dict = field(default_factory=dict)  # practice answers: institution -> citations
