"""Typed errors of the question-answering layer."""
from __future__ import annotations

from index.errors import ReportQAError


class InvalidQuestion(ReportQAError):
    """The question is empty, too long or otherwise unusable."""


class UnknownFilter(ReportQAError):
    """A filter names an institution or year that is not indexed."""


class ConflictingScope(ReportQAError):
    """A filter names another institution than the question does (东江理工大学 asked, 青岚师范学院 filtered)."""


class NotPlannable(ReportQAError):
    """A cross-report question whose per-report sub-question or condition cannot be worked out."""


class ScorerError(ReportQAError):
    """The reader's weights file is missing, unreadable or fitted on other features."""
