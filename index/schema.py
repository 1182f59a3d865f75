"""Plain frozen records shared by every layer: documents, chunks and search hits."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One ingested report, with the metadata detected (or overridden) at ingest."""

    doc: str  # file name, the document's id
    institution: str
    year: str  # "2023" or an academic year "2021-2022"; "" when unknown
    period: str = ""  # statistics period as stated in the report
    period_norm: str = ""  # "2021-09-01/2022-08-31" when safely inferable
    published: str = ""  # publication date when stated (ISO form)
    format: str = ""  # txt, md, html, pdf, docx
    sha256: str = ""
    chars: int = 0
    chunks: int = 0
    title: str = ""
    source: str = ""  # path it was read from


@dataclass(frozen=True)
class Chunk:
    """A piece of a document's cleaned text; text == cleaned[start:end]."""

    id: int
    doc: str
    institution: str
    year: str
    section: str  # heading path, e.g. "四、依申请公开情况 > （一）收到申请情况"
    start: int
    end: int
    text: str
    page: int | None = None  # 1-based page for PDFs


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its score and where the score came from."""

    chunk: Chunk
    score: float
    source: str = "hybrid"  # dense, keyword or hybrid
    ranks: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class TableCell:
    """One number of a report's table, with where it sits and where its row is in the cleaned text.

    ``row`` and ``col`` are label paths, e.g. ("三、本年度办理结果", "（三）不予公开",
    "1.属于国家秘密") and ("申请人情况", "总计"); ``start``/``end`` span the whole row (the
    citation), ``value_start``/``value_end`` the number itself."""

    table: str  # 表二, 表三, 表四 (the standard tables), or 表 for another table
    row: tuple
    col: tuple
    value: str
    start: int
    end: int
    value_start: int
    value_end: int
    page: int | None = None
