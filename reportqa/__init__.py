"""ReportQA: question answering over Chinese information-disclosure reports."""

__version__ = "0.1.0"
