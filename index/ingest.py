"""From files on disk to a committed index version, incrementally and atomically."""
from __future__ import annotations

import csv
import errno
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from . import lexicon
from . import repository as repo
from .chunking import chunk_sections
from .clean import clean_segments, page_at
from .embed import Embedder, embedder_kind
from .errors import IndexError_, InputFileError, InvalidCorrection, UnknownDocument
from .keyword import KeywordIndex
from .metadata import detect
from .readers import ReadLimits, page_names, read_file
from .schema import Chunk, Document
from .sections import parse_sections
from . import sentvecs
from .store import ChunkStore
from . import tables
from .tokenize import tokenize
from .vectors import VectorIndex

# Called with (document, cleaned text, chunks) and returning facts to store; the QA layer
# supplies it so extraction rules live there while index/ stays independent of qa/.
Enricher = Callable[[Document, str, list[Chunk]], list[dict]]


@dataclass(frozen=True)
class FileResult:
    """What happened to one input file."""

    path: str
    doc: str
    status: str  # ok, skipped, failed, removed
    message: str = ""
    chunks: int = 0


@dataclass(frozen=True)
class IngestOptions:
    model: str
    chunk_size: int = 360
    chunk_overlap: int = 60
    max_file_bytes: int = 50 * 1024 * 1024
    max_text_chars: int = 2_000_000
    batch_size: int = 16
    overrides: dict | None = None  # doc name -> {"institution", "year", "period"}
    commit_every: int = 500  # files per committed version (bounded memory, resumable)
    backend: str = "faiss"  # "faiss" (files in the version dir) or "milvus" (a shared collection and store)
    milvus_uri: str = ""  # milvus-lite file (default <index_dir>/milvus.db) or http://host:19530
    workers: int = 1  # processes that read, parse, tokenise and enrich files (1: this process)
    limits: ReadLimits = ReadLimits()  # DOCX XML, HTML depth and PDF page bounds per file


@dataclass(frozen=True)
class Parsed:
    doc: Document
    text: str
    pages: list
    pieces: list
    tokens: list | None = None  # per piece; None: not computed yet
    facts: list | None = None  # from the enricher; None: not computed yet
    grids: list | None = None  # pdfplumber table grids of a PDF's table pages (index/tables.py)


def embed_text(chunk: Chunk) -> str:
    """The text that is embedded: institution, year and section first, then the chunk."""
    return f"{chunk.institution} {chunk.year} {chunk.section}\n{chunk.text}"


def walk(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under ``paths`` in a stable order (folders walked, hidden entries skipped).

    Streams: one folder's listing is in memory at a time, never the whole tree, and the
    order is that of sorting every path by its parts. A path that cannot be walked (a symlink
    loop, a folder that cannot be listed, a name too long for the file system, a symlink back
    to a folder being walked) is yielded as it is, so that ``prepare`` reports it as failed
    and the rest goes on."""
    for p in paths:
        p = Path(p)
        try:
            is_dir = p.is_dir()
        except OSError:  # ENAMETOOLONG and other errors Path.is_dir does not swallow
            is_dir = False
        if is_dir:
            yield from _walk_dir(p, ())
        else:
            yield p


def _dir_key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _walk_dir(folder: Path, ancestors: tuple) -> Iterator[Path]:
    key = _dir_key(str(folder))
    if key is not None and key in ancestors:
        yield folder  # a symlink back to a folder on this path: reported, not followed forever
        return
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        yield folder  # cannot be listed: prepare() says why
        return
    ancestors = ancestors + ((key,) if key is not None else ())
    for e in entries:
        if e.name.startswith("."):
            continue
        try:
            is_dir, is_file = e.is_dir(), e.is_file()
        except OSError:  # ELOOP: a symlink loop; reported by prepare()
            is_dir, is_file = False, True
        if is_dir:
            yield from _walk_dir(Path(e.path), ancestors)
        elif (is_file or e.is_symlink()) and e.name.lower() not in ("manifest.jsonl", "manifest.csv", "readme.md"):
            yield Path(e.path)


def unreadable_reason(path: Path) -> str | None:
    """Why ``path`` cannot be read as a report file, for paths walk() yields as they are; else None."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop (the link points back to itself)"
        if exc.errno == errno.ENAMETOOLONG:
            return "file name too long for the file system"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return "broken symlink (its target does not exist)"
        return f"cannot read: {exc.strerror or exc}"
    if os.path.isdir(path):
        try:
            with os.scandir(path):
                pass
        except OSError as exc:
            return f"cannot list folder: {exc.strerror or exc}"
        return "symlink loop (a link back to a folder that is being walked)"
    return None


def load_overrides(path: Path) -> dict:
    """A sidecar manifest (CSV or JSON Lines with doc/file, institution, year, period)."""
    rows: list[dict] = []
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
    else:
        rows = [json.loads(ln) for ln in text.splitlines() if ln.strip()]
    out = {}
    for r in rows:
        name = Path(r.get("doc") or r.get("file") or "").name
        if name:
            out[name] = {k: str(r[k]) for k in ("institution", "year", "period") if r.get(k)}
    return out


# A person's corrections of detected metadata live beside the versions, outside any one version,
# so that every later ingest (a changed file, --rebuild, a fresh index in the same folder) applies
# them instead of undoing them.
CORRECTIONS = "corrections.json"
_YEAR_FORM = lexicon.STORED_YEAR


def load_corrections(root: Path) -> dict:
    """``{doc: {"institution": …, "year": …}}`` as set by ``reportqa docs --set``."""
    try:
        return json.loads((Path(root) / CORRECTIONS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise IndexError_(f"{CORRECTIONS} is unreadable ({exc}); fix or delete it") from exc


def validate_correction(institution: str | None, year: str | None) -> dict:
    """The fields of a correction, checked: a non-empty name, a year such as 2023 or 2022-2023."""
    fields = {}
    if institution is not None:
        institution = institution.strip()
        if not institution:
            raise InvalidCorrection("institution is empty")
        fields["institution"] = institution
    if year is not None:
        year = year.strip().replace("—", "-").replace("–", "-")
        m = _YEAR_FORM.match(year)
        if not m or "-" in year and int(year[5:]) != int(year[:4]) + 1:
            raise InvalidCorrection(f"year {year!r} is neither a year (2023) nor an academic year (2022-2023)")
        fields["year"] = year
    if not fields:
        raise InvalidCorrection("give --institution and/or --year")
    return fields


def _with_corrections(overrides: dict | None, corrections: dict) -> dict | None:
    if not corrections:
        return overrides
    out = {k: dict(v) for k, v in (overrides or {}).items()}
    for doc, fields in corrections.items():
        out.setdefault(doc, {}).update(fields)  # a person's correction wins over a manifest
    return out


def parse_text(name: str, fmt: str, segments, opts: IngestOptions, sha: str = "", source: str = "",
               site: tuple[str, ...] = ()) -> Parsed:
    """Clean, detect metadata, find sections and chunk one document's text (``site``: the names a
    web page gives itself outside its text, readers.page_names)."""
    text, pages = clean_segments(segments)
    if not text.strip():
        raise InputFileError("no text left after removing page noise")
    raw = "\n".join(t for _, t in segments)
    meta = detect(text, raw, site)
    over = (opts.overrides or {}).get(name, {})
    period = over.get("period", meta.period)
    doc = Document(doc=name, institution=over.get("institution", meta.institution) or "未识别机构",
                   year=over.get("year", meta.year), period=period,
                   period_norm=meta.period_norm if period == meta.period else "",
                   published=meta.published, format=fmt, sha256=sha, chars=len(text),
                   title=meta.title, source=source)
    pieces = chunk_sections(text, parse_sections(text), opts.chunk_size, opts.chunk_overlap)
    return Parsed(replace(doc, chunks=len(pieces)), text, pages, pieces)


def prepare(path: Path, opts: IngestOptions, old_sha: str, enrich: Enricher | None) -> tuple[str, Parsed | None, str]:
    """Read one file and, unless its content hash is ``old_sha``, parse, tokenise and enrich it.

    Returns ("ok", parsed, note), ("skipped", None, "") or ("failed", None, reason); the note of
    an ingested file says what of it could not be read (e.g. a PDF's table grids), else "". A module-level
    function of picklable arguments, so that worker processes can run it (``IngestOptions.workers``).
    """
    reason = unreadable_reason(path)
    if reason is not None:
        return "failed", None, reason
    try:
        fmt, data, segments = read_file(path, opts.max_file_bytes, opts.max_text_chars, opts.limits)
        sha = hashlib.sha256(data).hexdigest()
        if sha == old_sha:
            return "skipped", None, ""
        grids, note = None, ""
        if fmt == "pdf":
            try:
                grids = tables.pdf_grids(data, tables.table_pages(segments))
            except tables.GridsUnreadable as exc:
                # The text rows of the tables stand on their own; the user is told what was lost.
                grids, note = exc.grids, f"table grids not read ({exc}); table cells come from the text rows only"
        site = page_names(data) if fmt == "html" else ()
        del data
        parsed = replace(parse_text(path.name, fmt, segments, opts, sha, str(path), site), grids=grids)
        return "ok", complete(parsed, enrich), note
    except InputFileError as exc:
        return "failed", None, str(exc)
    except (OSError, MemoryError) as exc:
        return "failed", None, f"cannot read: {exc}"
    except RecursionError:  # a pathological structure deep in a parser: this file only
        return "failed", None, "cannot read: structure nested too deeply"


def complete(p: Parsed, enrich: Enricher | None) -> Parsed:
    """``p`` with its pieces' tokens and its facts: the CPU work of ingest besides embedding."""
    if p.tokens is not None:
        return p
    chunks = to_chunks(p, 0)  # provisional ids: neither tokens nor facts depend on them
    facts = enrich(p.doc, p.text, chunks) if enrich is not None else None
    cells = tables.table_facts(p.text, p.pages, p.grids)  # 表二/表三/表四 cells and their checks
    if cells:
        facts = (facts or []) + cells
    return replace(p, tokens=[tokenize(c.text) for c in chunks], facts=facts, grids=None)


def to_chunks(parsed: Parsed, first_id: int) -> list[Chunk]:
    d = parsed.doc
    return [Chunk(id=first_id + i, doc=d.doc, institution=d.institution, year=d.year, section=p.section,
                  start=p.start, end=p.end, text=p.text, page=page_at(parsed.pages, p.start))
            for i, p in enumerate(parsed.pieces)]


class Ingester:
    """Builds the next index version from the live one plus changed files."""

    def __init__(self, root: Path, embedder: Embedder, opts: IngestOptions,
                 enrich: Enricher | None = None, progress: Callable | None = None):
        opts = replace(opts, overrides=_with_corrections(opts.overrides, load_corrections(Path(root))))
        self.root, self.embedder, self.opts, self.enrich = Path(root), embedder, opts, enrich
        self.progress = progress or (lambda it, **kw: it)

    def run(self, paths: Iterable[Path] = (), remove: Iterable[str] = (), rebuild: bool = False) -> list[FileResult]:
        """Ingest ``paths`` (and drop ``remove``); commit only if anything changed."""
        return [r for batch in self.run_batches(paths, remove, rebuild) for r in batch]

    def run_batches(self, paths: Iterable[Path] = (), remove: Iterable[str] = (),
                    rebuild: bool = False) -> Iterator[list[FileResult]]:
        """Ingest like ``run``, yielding each batch's results once that batch is committed.

        Files are walked lazily and go in batches of ``commit_every``, each committed as its
        own version, so memory holds one batch of parsed reports at a time (and the caller
        need not keep every result) and a crash loses at most the batch in flight: a rerun
        skips every committed file by its content hash and carries on. The writer lock is
        held until the generator is exhausted or closed.
        """
        step = max(1, self.opts.commit_every)
        seen: set[str] = set()
        files = walk(paths)
        with repo.writer_lock(self.root), self._workers() as pool:
            repo.discard_stale(self.root)
            repo.finish_pending(self.root)
            first = True
            while True:
                batch = list(itertools.islice(files, step))
                if not batch and not first:
                    break
                yield self._run(batch, list(remove) if first else [], rebuild and first, seen, pool)
                first = False

    def correct(self, doc: str, institution: str | None = None, year: str | None = None) -> Document:
        """Set a report's institution and/or year by hand: kept in INDEX/corrections.json (so a
        re-ingest applies it) and committed as a new version with the report's chunks relabelled."""
        fields = validate_correction(institution, year)
        with repo.writer_lock(self.root):
            repo.discard_stale(self.root)
            repo.finish_pending(self.root)
            live = self._open_live(False)
            if live is None:
                raise UnknownDocument(f"no document named {doc!r} in the index")
            try:
                d = live.store.document(doc)
                if d is None:
                    raise UnknownDocument(f"no document named {doc!r} in the index")
                corrections = load_corrections(self.root)
                corrections.setdefault(doc, {}).update(fields)
                path = self.root / CORRECTIONS
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps(corrections, ensure_ascii=False, indent=1), encoding="utf-8")
                os.replace(tmp, path)
                self.opts = replace(self.opts, overrides=_with_corrections(self.opts.overrides, {doc: fields}))
                text = live.store.text(doc)  # the stored cleaned text, chunked as at ingest
                new = replace(d, **fields)
                pieces = chunk_sections(text, parse_sections(text), self.opts.chunk_size, self.opts.chunk_overlap)
                self._build(live, {doc: Parsed(replace(new, chunks=len(pieces)), text, live.store.pages(doc),
                                               pieces)}, [], False)
            finally:
                live.close()
        return new

    @contextmanager
    def _workers(self):
        """A pool of ``workers`` processes for prepare(), or None to prepare files here."""
        if self.opts.workers <= 1:
            yield None
            return
        # spawn, not fork: this process may hold torch threads, a model and open databases
        pool = ProcessPoolExecutor(self.opts.workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _slice(self) -> int:
        """Texts handed to the embedder at once: 64 of its batches, so that length sorting and
        tokeniser prefetch work across many batches, while memory and progress stay bounded."""
        return max(1, getattr(self.embedder, "batch_size", None) or self.opts.batch_size) * 64

    def _open_live(self, rebuild: bool):
        if not repo.exists(self.root):
            return None
        try:
            return repo.load(self.root, None if rebuild else self.opts.model,
                             None if rebuild else self.embedder.dim,
                             None if rebuild else self.opts.backend, count_rows=False,
                             milvus_uri="" if rebuild else self.opts.milvus_uri,
                             embedder=None if rebuild else embedder_kind(self.embedder))
        except IndexError_:
            if rebuild:
                return None  # a damaged index is replaced whole by a rebuild
            raise

    def _run(self, files: list[Path], remove: list[str], rebuild: bool, seen: set[str],
             pool: ProcessPoolExecutor | None = None) -> list[FileResult]:
        live = self._open_live(rebuild)
        if live is not None and not rebuild:
            m = live.manifest
            if (m.chunk_size, m.chunk_overlap) != (self.opts.chunk_size, self.opts.chunk_overlap):
                live.close()
                raise repo.IndexMismatch(
                    f"index was chunked with size {m.chunk_size}/overlap {m.chunk_overlap}, settings say "
                    f"{self.opts.chunk_size}/{self.opts.chunk_overlap}; {repo.FIX}")
        # only this batch's names: listing every document per batch would cost O(index) each time
        names = sorted({p.name for p in files} | set(remove))
        known = live.store.documents_named(names) if live else {}
        results: list[FileResult] = []
        changed: dict[str, Parsed] = {}
        todo: list[Path] = []
        duplicate: set[int] = set()
        for i, path in enumerate(files):
            if path.name in seen:
                duplicate.add(i)
            else:
                seen.add(path.name)
                todo.append(path)
        old_sha = ["" if rebuild or p.name not in known else known[p.name].sha256 for p in todo]
        if pool is None:
            outcomes = (prepare(p, self.opts, s, self.enrich) for p, s in zip(todo, old_sha))
        else:  # in file order; the batch bounds how many are in flight
            outcomes = pool.map(prepare, todo, itertools.repeat(self.opts), old_sha,
                                itertools.repeat(self.enrich), chunksize=4)
        outcomes = iter(outcomes)
        for i, path in enumerate(self.progress(files, desc="reading", unit="file")):
            name = path.name
            if i in duplicate:
                results.append(FileResult(str(path), name, "failed", "another file with the same name is in this ingest"))
                continue
            status, parsed, message = next(outcomes)
            if status == "ok":
                changed[name] = parsed
                results.append(FileResult(str(path), name, "ok", message, parsed.doc.chunks))
            elif status == "skipped":
                results.append(FileResult(str(path), name, "skipped", "unchanged", known[name].chunks))
            else:
                results.append(FileResult(str(path), name, "failed", message))
        drop = []
        for name in remove:
            if name not in known:
                if live:
                    live.close()
                raise UnknownDocument(f"no document named {name!r} in the index")
            drop.append(name)
        if rebuild and live is not None:
            # Re-chunk and re-embed every stored document from its cleaned text.
            for d in live.store.documents():
                if d.doc not in changed and d.doc not in drop:
                    segs = [(None, live.store.text(d.doc))]
                    p = parse_text(d.doc, d.format, segs, self.opts, d.sha256, d.source)
                    changed[d.doc] = Parsed(replace(p.doc, institution=d.institution, year=d.year,
                                                    period=d.period, period_norm=d.period_norm,
                                                    published=d.published, title=d.title),
                                            p.text, live.store.pages(d.doc), p.pieces)
        if live is not None and not changed and not drop and live.sentences is not None:
            live.close()
            return results
        # (a live version written before sentence vectors gets them now, even with nothing changed)
        try:
            self._build(live, changed, drop, rebuild)
        finally:
            if live:
                live.close()
        results.extend(FileResult(n, n, "removed") for n in drop)
        return results

    def _build(self, live, changed: dict[str, Parsed], drop: list[str], rebuild: bool) -> None:
        vdir = repo.new_version_dir(self.root)
        target = None
        try:
            if self.opts.backend == "milvus":
                target, coll = self._milvus_target(vdir, live, rebuild)
                store = ChunkStore(self.root / target.store, seq=target.seq)
                if target.live_seq:
                    store.recover(target.live_seq)  # rows of a build that crashed before ours
            else:
                if live is not None and not rebuild:
                    shutil.copyfile(live.store.path, vdir / "store.sqlite")
                store = ChunkStore(vdir / "store.sqlite")
            removed: set[int] = set()
            gone = 0  # documents replaced or dropped
            for name in list(changed) + drop:
                gone += store.document(name) is not None
                removed.update(store.delete_document(name))
            next_id = store.next_chunk_id()
            if live is not None and not rebuild:
                # Ids are never reused: a Milvus row of a removed chunk is deleted by id after commit.
                floor = live.manifest.next_id or int(live.vectors.ids().max(initial=0)) + 1
                next_id = max(next_id, floor)
            new_chunks: list[Chunk] = []
            for name, p in changed.items():
                p = complete(p, self.enrich)  # done already, unless re-chunked for a rebuild
                chunks = to_chunks(p, next_id)
                next_id += len(chunks)
                store.put_document(p.doc, p.text, p.pages)
                store.put_chunks(chunks, p.tokens)
                if p.facts is not None:
                    store.put_facts(name, p.facts)
                new_chunks.extend(chunks)
            if target is not None:  # the rows to delete after the commit, recorded before it
                from . import milvus

                milvus.write_marker(vdir, target.uri, target.collection, target.store, target.seq, sorted(removed))
            store.commit()
            sents = self._sentences(live, store, changed, drop, rebuild)
            if target is not None:
                # counted from the change, not the store: a count(*) of 2x10^7 rows per batch adds up
                base = (live.manifest.docs, live.manifest.chunks) if target.live_seq else (0, 0)
                counts = (base[0] - gone + len(changed), base[1] - len(removed) + len(new_chunks))
                self._build_milvus(vdir, target, coll, store, new_chunks, next_id, counts, sents)
            else:
                self._build_faiss(vdir, live, store, removed, new_chunks, rebuild, sents)
        except BaseException:
            if repo.current_version(self.root) != vdir.name:  # never the version just made live
                repo._remove_version(vdir)
            raise
        if self.opts.backend == "milvus":
            from . import milvus

            # After the commit: readers of the new version already ignore these rows, and a
            # crash here is finished by the next writer (repo.finish_pending).
            milvus.finish_gc(vdir)

    def _sentences(self, live, store: ChunkStore, changed: dict[str, Parsed], drop: list[str],
                   rebuild: bool) -> "sentvecs.SentenceVectors":
        """The new version's sentence vectors: the live version's rows less those of the changed
        and dropped reports, plus the changed reports' sentences embedded now. A live version
        written before sentence vectors has all its reports' sentences embedded here."""
        base = None if live is None or rebuild else live.sentences
        texts = {name: p.text for name, p in changed.items()}
        if live is not None and not rebuild and base is None:
            for d in store.documents():
                texts.setdefault(d.doc, store.text(d.doc))
        if base is not None:
            base = base.without(set(changed) | set(drop))
        added = sentvecs.embed_documents(texts, self.embedder.embed, self.embedder.dim, self._slice(), self.progress)
        return sentvecs.merge(base, added, self.embedder.dim)

    def _build_faiss(self, vdir: Path, live, store: ChunkStore, removed: set[int],
                     new_chunks: list[Chunk], rebuild: bool, sents: "sentvecs.SentenceVectors") -> None:
        """The FAISS half of _build: old vectors kept, new chunks embedded, BM25 rebuilt, commit."""
        vectors = VectorIndex(self.embedder.dim)
        if live is not None and not rebuild:
            old_ids, old_vecs = live.vectors.ids(), live.vectors.vectors()
            keep = ~np.isin(old_ids, np.fromiter(removed, dtype=np.int64, count=len(removed)))
            vectors.add(old_ids[keep], old_vecs[keep])
        texts = [embed_text(c) for c in new_chunks]
        bs = self._slice()
        for i in self.progress(range(0, len(texts), bs), desc="embedding", unit="batch"):
            vectors.add(np.array([c.id for c in new_chunks[i:i + bs]], dtype=np.int64),
                        self.embedder.embed(texts[i:i + bs]))
        ids, toks = store.all_tokens()
        keyword = KeywordIndex.build(ids, toks)
        ndocs, nchunks = store.counts()
        store.close()
        manifest = repo.Manifest(model=self.opts.model, dim=self.embedder.dim, embedder=embedder_kind(self.embedder),
                                 chunk_size=self.opts.chunk_size, chunk_overlap=self.opts.chunk_overlap,
                                 docs=ndocs, chunks=nchunks, created=time.time())
        repo.write_version(vdir, manifest, vectors, keyword, sents)
        repo.commit(self.root, vdir)

    def _milvus_target(self, vdir: Path, live, rebuild: bool):
        """Where a Milvus build writes, and its collection: the live collection and store at the
        next sequence number, or, for a first ingest or a rebuild, new ones named after this version."""
        from . import milvus

        if live is not None and not rebuild:
            m = live.manifest
            # the index's own server, as readers use: --milvus-uri applies when one is created
            uri = milvus.resolve_uri(self.root, m.milvus_uri)
            t = _MilvusTarget(uri, m.collection, m.store, m.seq + 1, m.seq)
            milvus.write_marker(vdir, uri, t.collection, t.store, t.seq)  # first: a crash can be undone by seq
            coll = milvus.MilvusCollection.open(uri, t.collection)
            coll.delete_born_after(m.seq)
            return t, coll
        uri = milvus.resolve_uri(self.root, self.opts.milvus_uri)
        t = _MilvusTarget(uri, milvus.collection_name(vdir.name), f"stores/{vdir.name}.sqlite", 1, 0)
        milvus.write_marker(vdir, uri, t.collection, t.store, t.seq)  # before they exist: a crash can drop them
        (self.root / "stores").mkdir(exist_ok=True)
        return t, milvus.MilvusCollection.create(uri, t.collection, self.embedder.dim)

    def _build_milvus(self, vdir: Path, target: "_MilvusTarget", coll, store: ChunkStore,
                      new_chunks: list[Chunk], next_id: int, counts: tuple[int, int],
                      sents: "sentvecs.SentenceVectors") -> None:
        """The Milvus half of _build: insert the new chunks' rows, then commit (the removed rows
        are deleted after the commit, by _build)."""
        from . import milvus

        bs = self._slice()
        for i in self.progress(range(0, len(new_chunks), bs), desc="embedding", unit="batch"):
            part = new_chunks[i:i + bs]
            vecs = self.embedder.embed([embed_text(c) for c in part])
            coll.insert([_row(c, v, target.seq) for c, v in zip(part, vecs)])
        ndocs, nchunks = counts
        store.close()
        manifest = repo.Manifest(model=self.opts.model, dim=self.embedder.dim, embedder=embedder_kind(self.embedder),
                                 chunk_size=self.opts.chunk_size, chunk_overlap=self.opts.chunk_overlap,
                                 docs=ndocs, chunks=nchunks, created=time.time(), backend="milvus",
                                 milvus_uri=milvus.stored_uri(self.root, target.uri),
                                 collection=target.collection, seq=target.seq, next_id=next_id,
                                 store=target.store)
        repo.write_version(vdir, manifest, milvus.MilvusVectorIndex(coll), milvus.MilvusKeywordIndex(coll), sents)
        repo.commit(self.root, vdir)


@dataclass(frozen=True)
class _MilvusTarget:
    uri: str
    collection: str
    store: str  # relative to the index dir
    seq: int  # the version being built
    live_seq: int  # the live version's (0: none, a new collection and store)


def _row(c: Chunk, vec, born: int) -> dict:
    return {"id": int(c.id), "born": int(born), "vec": np.asarray(vec, dtype=np.float32).tolist(), "doc": c.doc[:1000],
            "institution": (c.institution or "")[:500], "year": str(c.year or "")[:60], "text": c.text}


__all__ = ["Ingester", "IngestOptions", "FileResult", "walk", "load_overrides", "embed_text", "CORRECTIONS",
           "load_corrections", "validate_correction"]
