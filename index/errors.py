"""Small typed errors raised by the core; the edges (CLI, HTTP, UI) translate them."""
from __future__ import annotations


class ReportQAError(Exception):
    """Base of every error ReportQA raises on purpose."""


class InputFileError(ReportQAError):
    """One input file could not be read; the rest of an ingest goes on."""


class UnsupportedFormat(InputFileError):
    pass


class EmptyFile(InputFileError):
    pass


class FileTooLarge(InputFileError):
    pass


class BinaryFile(InputFileError):
    pass


class EncryptedPDF(InputFileError):
    pass


class CorruptFile(InputFileError):
    pass


class NoTextLayer(InputFileError):
    pass


class IndexError_(ReportQAError):
    """The index on disk is missing, damaged or built with other settings."""


class IndexNotFound(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


class IndexMismatch(IndexError_):
    pass


class ModelNotFound(ReportQAError):
    """The embedding model could not be found locally (nothing is downloaded)."""


class UnknownDocument(ReportQAError):
    pass


class InvalidCorrection(ReportQAError):
    """A person's correction of a report's institution or year is empty or malformed."""


class MissingDependency(ReportQAError):
    """An optional dependency (an extra, e.g. ``reportqa[milvus]``) is not installed."""
