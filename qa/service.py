"""Open an engine for a Settings object: load the model and the index once."""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from index import repository as repo
from index.embed import Embedder, embedder_kind, load_embedder, resolve_kind
from index.readers import ReadLimits
from index.repository import Index
from index.settings import Settings

from .engine import Engine
from .errors import InvalidQuestion
from .facts import extract_facts

if TYPE_CHECKING:  # index.ingest (text splitters, readers) is imported only by ingesting commands
    from index.ingest import Ingester, IngestOptions


def ingest_options(settings: Settings, overrides: dict | None = None) -> "IngestOptions":
    """Ingest options from settings (``overrides``: doc name -> institution/year/period)."""
    from index.ingest import IngestOptions

    return IngestOptions(model=settings.model, chunk_size=settings.chunk_size,
                         chunk_overlap=settings.chunk_overlap, max_file_bytes=settings.max_file_bytes,
                         max_text_chars=settings.max_text_chars, commit_every=settings.commit_every,
                         batch_size=settings.batch_size or 16, overrides=overrides,
                         backend=settings.backend, milvus_uri=settings.milvus_uri,
                         workers=settings.workers,
                         limits=ReadLimits(max_xml_bytes=settings.max_xml_bytes,
                                           max_xml_elements=settings.max_xml_elements,
                                           max_html_depth=settings.max_html_depth,
                                           max_pdf_pages=settings.max_pdf_pages))


def check_history(history, settings: Settings) -> None:
    """Refuse a chat history over ``max_history_items`` questions or ``max_history_chars`` characters:
    it is parsed with every question, so without a bound it bypasses the question-length limit."""
    if not history:
        return
    items = list(history)
    if len(items) > settings.max_history_items:
        raise InvalidQuestion(f"history has {len(items)} questions; the limit is {settings.max_history_items}")
    chars = sum(len(str(h)) for h in items)
    if chars > settings.max_history_chars:
        raise InvalidQuestion(f"history has {chars:,} characters; the limit is {settings.max_history_chars:,}")


def make_ingester(settings: Settings, embedder: Embedder, overrides: dict | None = None, progress=None) -> "Ingester":
    """An ingester that also extracts the facts table."""
    from index.ingest import Ingester

    return Ingester(settings.index_dir, embedder, ingest_options(settings, overrides),
                    enrich=extract_facts, progress=progress)


class Service:
    """A model and the live index version; ``refresh`` picks up a newer version after ingest."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._version: str | None = None

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (so a mismatched index fails fast)."""
        if self._embedder is None:
            s = self.settings
            # "auto" follows the embedder recorded by the live index, so an existing index keeps answering
            self._embedder = load_embedder(s.model, s.batch_size, s.embedder,
                                           built_with=repo.built_with(s.index_dir),
                                           fallback_dir=s.index_dir / "models")
        return self._embedder

    def engine(self) -> Engine:
        """The engine over the live version, reloaded when CURRENT changed."""
        live = repo.current_version(self.settings.index_dir)
        with self._lock:
            if self._engine is None or live != self._version:
                # the manifest's model is checked before the model itself is loaded
                want = self.settings.embedder
                index: Index = repo.load(self.settings.index_dir, self.settings.model,
                                         backend=self.settings.backend, milvus_uri=self.settings.milvus_uri,
                                         embedder=None if want == "auto" else resolve_kind(want, self.settings.model))
                if index.manifest.dim != self.embedder.dim:
                    index.close()
                    raise repo.IndexMismatch(f"index vectors have dimension {index.manifest.dim}, the model "
                                             f"gives {self.embedder.dim}; {repo.FIX}")
                if index.manifest.embedder != embedder_kind(self.embedder):  # e.g. rebuilt by another process
                    kind = embedder_kind(self.embedder)
                    index.close()
                    raise repo.IndexMismatch(f"index was built with the {index.manifest.embedder} embedder but "
                                             f"{kind} is loaded; {repo.FIX} or restart")
                self._engine = Engine(index, self.embedder, self.settings)
                self._version = index.version
            return self._engine

    def status(self) -> dict:
        """Never waits for the model: documents in the live index (from its manifest, 0 without an
        index) and whether the model is loaded (``ready``)."""
        docs = 0
        live = repo.current_version(self.settings.index_dir)
        if live is not None:
            try:
                docs = repo.read_manifest(self.settings.index_dir / "versions" / live).docs
            except repo.IndexCorrupt:
                docs = 0  # loading reports the damage with its fix
        return {"documents": docs, "ready": self._engine is not None and self._embedder is not None}

    def notices(self) -> list[str]:
        """What the live index lacks that answers would otherwise use, said plainly (the edges print
        it): an index written before sentence vectors answers without dense similarity."""
        eng = self.engine()
        if getattr(eng.index, "sentences", None) is None:
            return ["the index has no sentence vectors (it was written before them), so answers use no "
                    "dense similarity; `reportqa ingest` adds them"]
        return []

    def ask(self, question: str, history=None, filters=None):
        """Answer ``question``; ``history`` (earlier questions) is bounded by the Settings limits."""
        check_history(history, self.settings)
        for text in [question, *(history or []), *(filters or {}).values()]:
            if isinstance(text, str) and any("\ud800" <= c <= "\udfff" for c in text):
                # JSON "\ud800" escapes and undecodable argv bytes both give lone surrogates,
                # which no encoder accepts: refused here rather than failing deep in a response
                raise InvalidQuestion("the question, history or a filter holds a lone surrogate "
                                      "(invalid Unicode); send UTF-8 text")
        return self.engine().ask(question, history=history, filters=filters)

    def correct(self, doc: str, institution: str | None = None, year: str | None = None):
        """Set a report's institution/year by hand (kept across re-ingests); the new Document."""
        return make_ingester(self.settings, self.embedder).correct(doc, institution, year)

    def ingest(self, paths, overrides=None, progress=None, rebuild=False, remove=()):
        """Ingest files or folders; every file's result, once all are committed."""
        return [r for batch in self.ingest_batches(paths, overrides, progress, rebuild, remove) for r in batch]

    def ingest_batches(self, paths, overrides=None, progress=None, rebuild=False, remove=()):
        """Ingest like ``ingest``, yielding each committed batch's results as it lands."""
        ing = make_ingester(self.settings, self.embedder, overrides, progress)
        return ing.run_batches(paths, remove=remove, rebuild=rebuild)
