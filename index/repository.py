"""An index is a directory of immutable versions; CURRENT names the live one.

Layout::

    INDEX_DIR/
      CURRENT                 name of the live version (replaced atomically)
      versions/<name>/
        manifest.json         model, dimension, chunking settings, counts, format version
        vectors.faiss         FAISS IndexIDMap2(IndexFlatIP) keyed by chunk id
        keyword/              BM25 (bm25s) over jieba tokens, plus its chunk ids
        store.sqlite          documents (with cleaned text), chunks, facts
        sentences.npz         a vector per sentence of each report (index/sentvecs.py), for the
                              reader's dense similarity; ``manifest.sentences`` rows

With the Milvus backend (``manifest.backend == "milvus"``) a commit writes only what changed:
vectors.faiss and keyword/ are replaced by one long-lived collection at ``manifest.milvus_uri``,
and the store by a versioned SQLite file ``INDEX_DIR/stores/<first version>.sqlite``, both shared
by successive versions; version ``manifest.seq`` sees the rows born at or before it and not yet
removed (see index/milvus.py and index/store.py). versions/<name>/milvus.json names the
collection and store, so that garbage collection drops them once no version uses them, and the
rows the version removed, so that a crash mid-way can be finished.

A writer builds a new version aside and then swaps CURRENT with os.replace, so a
reader always sees one whole version and a crash mid-write leaves the old one live.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .errors import IndexCorrupt, IndexMismatch, IndexNotFound
from .keyword import KeywordIndex
from .sentvecs import FILE as SENTENCES_FILE, SentenceVectors
from .store import ChunkStore
from .vectors import VectorIndex

FORMAT_VERSION = 1
FIX = "rebuild it with `reportqa ingest --rebuild`"


@dataclass(frozen=True)
class Manifest:
    model: str
    dim: int
    chunk_size: int
    chunk_overlap: int
    docs: int
    chunks: int
    format_version: int = FORMAT_VERSION
    tokenizer: str = "jieba-search"
    created: float = 0.0
    backend: str = "faiss"  # "faiss" (files in the version dir) or "milvus"
    milvus_uri: str = ""  # milvus-lite file (relative to the index dir) or http://host:19530
    collection: str = ""
    seq: int = 0  # Milvus: this version sees the collection's rows with born <= seq
    next_id: int = 0  # Milvus: the next free chunk id (ids are never reused within a collection)
    store: str = ""  # Milvus: the shared versioned store, relative to the index dir
    # What computed the vectors: "st" (sentence-transformers), "onnx-fp32", "onnx-int8" or "hash".
    # Manifests written before this field were all sentence-transformers (or hash, by model).
    embedder: str = "st"
    # Rows of sentences.npz; -1: a version written before sentence vectors, which loads without
    # them (the reader's dense features are then 0; the next `reportqa ingest` adds them).
    sentences: int = -1

    def to_json(self) -> str:
        data = dict(self.__dict__)
        if self.backend == "faiss":  # FAISS manifests stay exactly as before the Milvus backend
            for k in ("backend", "milvus_uri", "collection", "seq", "next_id", "store"):
                data.pop(k)
        return json.dumps(data, ensure_ascii=False, indent=1)


class Index:
    """One loaded, consistent index version: manifest, store, vectors, keywords and sentence vectors."""

    def __init__(self, root: Path, version: str, manifest: Manifest, store: ChunkStore,
                 vectors: VectorIndex, keyword: KeywordIndex, sentences: SentenceVectors | None = None):
        self.root, self.version, self.manifest = root, version, manifest
        self.store, self.vectors, self.keyword = store, vectors, keyword
        self.sentences = sentences  # None: a version written before sentence vectors

    def close(self) -> None:
        self.store.close()


def _version_dir(root: Path, name: str) -> Path:
    return root / "versions" / name


def current_version(root: Path) -> str | None:
    """The live version's name, or None when the directory holds no index yet."""
    try:
        name = (root / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


def exists(root: Path) -> bool:
    return current_version(root) is not None


def read_manifest(vdir: Path) -> Manifest:
    try:
        data = json.loads((vdir / "manifest.json").read_text())
        if "embedder" not in data and data.get("model") == "hash":
            data["embedder"] = "hash"
        return Manifest(**data)
    except FileNotFoundError as exc:
        raise IndexCorrupt(f"index manifest is missing in {vdir}; {FIX}") from exc
    except (ValueError, TypeError) as exc:
        raise IndexCorrupt(f"index manifest is unreadable ({exc}); {FIX}") from exc


def _open_parts(root: Path, vdir: Path, manifest: Manifest):
    if manifest.backend == "milvus":
        from . import milvus

        coll = milvus.MilvusCollection.open(milvus.resolve_uri(root, manifest.milvus_uri),
                                            manifest.collection, manifest.seq)
        return milvus.MilvusVectorIndex(coll), milvus.MilvusKeywordIndex(coll)
    if manifest.backend != "faiss":
        raise IndexMismatch(f"index backend {manifest.backend!r} is not supported; {FIX}")
    return VectorIndex.load(vdir / "vectors.faiss"), KeywordIndex.load(vdir / "keyword")


def built_with(root: Path) -> str | None:
    """The embedder kind recorded by the live version's manifest; None when there is no readable index."""
    name = current_version(root)
    if name is None:
        return None
    try:
        return read_manifest(_version_dir(root, name)).embedder
    except IndexCorrupt:
        return None  # load() reports the damage with its fix


def load(root: Path, model: str | None = None, dim: int | None = None, backend: str | None = None,
         count_rows: bool = True, milvus_uri: str = "", embedder: str | None = None) -> Index:
    """Open the live version and check that its parts agree (and match ``model``/``dim``/``backend``
    and the ``embedder`` kind, e.g. "onnx-int8": vectors from another embedder are not comparable).

    ``milvus_uri``, when given, must name the server or file the index lives in.
    ``count_rows=False`` skips counting a Milvus index's visible rows, a scan of the whole
    collection (3.4 s at 70,000 rows on milvus-lite) and of the store (0.8 s per 2×10^6 rows):
    the writer, which only looks up the batch's documents and adds rows, does without it once per
    batch; readers keep it."""
    name = current_version(root)
    if name is None:
        raise IndexNotFound(f"no index at {root}; create one with `reportqa ingest PATH --index {root}`")
    vdir = _version_dir(root, name)
    if not vdir.is_dir():
        raise IndexCorrupt(f"index version {name} named by CURRENT is missing; {FIX}")
    manifest = read_manifest(vdir)
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatch(f"index format {manifest.format_version} is not supported "
                            f"(expected {FORMAT_VERSION}); {FIX}")
    if model is not None and manifest.model != model:
        raise IndexMismatch(f"index was built with model {manifest.model!r} but {model!r} is configured; "
                            f"{FIX} or choose --model {manifest.model}")
    if embedder is not None and manifest.embedder != embedder:
        raise IndexMismatch(f"index was built with the {manifest.embedder} embedder but {embedder} is configured; "
                            f"rebuild it with `reportqa ingest --rebuild --embedder {embedder}` "
                            f"or choose --embedder {manifest.embedder}")
    if dim is not None and manifest.dim != dim:
        raise IndexMismatch(f"index vectors have dimension {manifest.dim}, the model gives {dim}; {FIX}")
    if backend is not None and manifest.backend != backend:
        raise IndexMismatch(f"index was built with the {manifest.backend} backend but {backend} is configured; "
                            f"rebuild it with `reportqa ingest --rebuild --backend {backend}` "
                            f"or choose --backend {manifest.backend}")
    if manifest.backend == "milvus" and not (manifest.store and manifest.seq):
        raise IndexMismatch(f"index was built by an older Milvus layout (a collection per version); {FIX}")
    if manifest.backend == "milvus" and milvus_uri:
        from . import milvus

        have, want = milvus.resolve_uri(root, manifest.milvus_uri), milvus.resolve_uri(root, milvus_uri)
        if have != want:
            raise IndexMismatch(f"index lives in Milvus at {have}, not {want}; drop --milvus-uri, "
                                f"or move it with `reportqa ingest --rebuild --milvus-uri {want}`")
    try:
        if manifest.backend == "milvus":
            store = ChunkStore(root / manifest.store, readonly=True, seq=manifest.seq)
        else:
            store = ChunkStore(vdir / "store.sqlite", readonly=True)
    except IndexCorrupt as exc:
        raise IndexCorrupt(f"{exc}; {FIX}") from exc
    try:
        vectors, keyword = _open_parts(root, vdir, manifest)
        if vectors.dim != manifest.dim:
            raise IndexMismatch(f"vector file has dimension {vectors.dim}, manifest says {manifest.dim}; {FIX}")
        if manifest.backend == "milvus" and not count_rows:
            ndocs, nchunks = manifest.docs, manifest.chunks
            agree = True
        elif manifest.backend == "milvus":
            ndocs, nchunks = store.counts()
            agree = (ndocs, nchunks) == (manifest.docs, manifest.chunks) and _milvus_parts_agree(vdir, vectors, nchunks)
        else:
            ndocs, nchunks = store.counts()
            ids = np.sort(np.asarray(store.chunk_ids(), dtype=np.int64))
            agree = (nchunks == manifest.chunks and len(vectors) == nchunks and len(keyword) == nchunks
                     and np.array_equal(np.sort(vectors.ids()), ids)
                     and np.array_equal(np.sort(keyword.ids()), ids))
        if not agree:
            raise IndexCorrupt(f"index parts disagree (store {nchunks} chunks, vectors {len(vectors)}, "
                               f"keywords {len(keyword)}, manifest {manifest.chunks}); {FIX}")
        sents = _load_sentences(vdir, manifest, store, count_rows)
    except IndexCorrupt as exc:
        store.close()
        if FIX in str(exc):
            raise
        raise IndexCorrupt(f"{exc}; {FIX}") from exc
    except Exception:
        store.close()
        raise
    return Index(root, name, manifest, store, vectors, keyword, sents)


def _load_sentences(vdir: Path, manifest: Manifest, store: ChunkStore, count_rows: bool) -> SentenceVectors | None:
    """The sentence part, checked against the manifest (rows, dimension) and the store (the same
    reports); None for a version written before it."""
    if manifest.sentences < 0:
        return None
    sents = SentenceVectors.load(vdir / SENTENCES_FILE)
    if len(sents) != manifest.sentences or (len(sents) and sents.dim != manifest.dim):
        raise IndexCorrupt(f"index parts disagree (sentence vectors {len(sents)} rows of dimension {sents.dim}, "
                           f"manifest {manifest.sentences} of {manifest.dim})")
    if count_rows or manifest.backend == "faiss":  # a writer of a large Milvus index skips the listing
        docs = {d.doc for d in store.documents()}
        if sents.doc_names() - docs:
            extra = sorted(sents.doc_names() - docs)[:3]
            raise IndexCorrupt(f"index parts disagree (sentence vectors of reports the store lacks: {extra})")
    return sents


def _milvus_parts_agree(vdir: Path, vectors, nchunks: int) -> bool:
    """Counts only: listing every id of a collection of 10^7 rows at each load is too slow.

    Rows of removed chunks whose deletion a crash interrupted (the marker's ``gc``) may still
    be there; they are tolerated because the engine drops ids its store does not hold."""
    from . import milvus

    pending = len((milvus.read_marker(vdir) or {}).get("gc", []))
    return nchunks <= len(vectors) <= nchunks + pending


@contextmanager
def writer_lock(root: Path):
    """One writer at a time per index directory (readers never wait)."""
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def new_version_dir(root: Path) -> Path:
    """A fresh, empty directory for a version being built (not live until committed)."""
    (root / "versions").mkdir(parents=True, exist_ok=True)
    name = f"v{time.time_ns()}"
    vdir = _version_dir(root, name)
    vdir.mkdir()
    return vdir


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_version(vdir: Path, manifest: Manifest, vectors: VectorIndex, keyword: KeywordIndex,
                  sentences: SentenceVectors | None = None) -> None:
    """Write the vector, keyword and sentence parts and the manifest of a built version (store is
    already there); the manifest records the sentence rows (-1 when ``sentences`` is None).

    Milvus parts live in their collection; their ``save`` flushes it and writes no file, and
    their store is a shared SQLite file whose own commit made it durable.
    """
    vectors.save(vdir / "vectors.faiss")
    keyword.save(vdir / "keyword")
    if sentences is not None:
        sentences.save(vdir / SENTENCES_FILE)  # fsynced; before the manifest that names it
        manifest = replace(manifest, sentences=len(sentences))
    (vdir / "manifest.json").write_text(manifest.to_json())
    parts = [vdir / "vectors.faiss", vdir / "manifest.json", vdir / "store.sqlite"]
    if manifest.backend != "faiss":
        parts = [vdir / "manifest.json"]
    for p in parts:
        with open(p, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(vdir)


def commit(root: Path, vdir: Path) -> None:
    """Make ``vdir`` the live version atomically, then drop versions older than the previous."""
    previous = current_version(root)
    tmp = root / "CURRENT.tmp"
    with open(tmp, "w") as fh:
        fh.write(vdir.name)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / "CURRENT")
    _fsync_dir(root)
    keep = {vdir.name, previous}
    for d in (root / "versions").iterdir():
        if d.name not in keep:
            _remove_version(d, committed=True)


def _remove_version(d: Path, committed: bool = False) -> None:
    """Delete a version dir; for the Milvus backend, also its collection when no other version
    uses it, or the rows of a build that never committed."""
    from . import milvus

    m = milvus.read_marker(d)
    if m is not None:
        others = [milvus.read_marker(o) for o in d.parent.iterdir() if o != d and o.is_dir()]
        shared = any(o and o["collection"] == m["collection"] and o["uri"] == m["uri"] for o in others)
        milvus.release(d, committed, shared)
    shutil.rmtree(d, ignore_errors=True)


def finish_pending(root: Path) -> None:
    """Finish what a crash between commit and clean-up left undone (call under the writer lock)."""
    live = current_version(root)
    if live is not None and (_version_dir(root, live) / "milvus.json").exists():
        from . import milvus

        milvus.finish_gc(_version_dir(root, live))


def discard_stale(root: Path) -> None:
    """Remove half-built versions left by a crashed writer (call under the writer lock)."""
    live = current_version(root)
    vroot = root / "versions"
    if not vroot.is_dir():
        return
    for d in vroot.iterdir():
        if d.name != live and not (d / "manifest.json").exists():
            _remove_version(d)
