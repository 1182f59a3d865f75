"""Typed errors of the question-answering layer."""
from __future__ import annotations

from index.errors import ReportQAError


class InvalidQuestion(ReportQAError):
    """The question is empty, too long or otherwise unusable."""


class UnknownFilter(ReportQAError):
    """A filter names an institution or year that is not indexed."""


class ScorerError(ReportQAError):
    """The reader's weights file is missing, unreadable or fitted on other features."""
