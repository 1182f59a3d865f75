"""SQLite chunk store: documents (with cleaned full text), chunks and extracted facts.

Two layouts. A *plain* store (``seq=None``) is one index version's own file, copied and edited
by the next writer. A *versioned* store (``seq=N``) is shared by successive versions, as the
Milvus backend's long-lived collection is: every row carries ``born`` (the version that added
it) and ``died`` (the version that removed it, 0 while live), and version N sees the rows with
``born <= N and (died = 0 or died > N)``. A commit then writes only what changed.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, fields
from pathlib import Path

from .errors import IndexCorrupt
from .schema import Chunk, Document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
  doc TEXT PRIMARY KEY, institution TEXT, year TEXT, period TEXT, period_norm TEXT,
  published TEXT, format TEXT, sha256 TEXT, chars INTEGER, chunks INTEGER, title TEXT,
  source TEXT, text TEXT, pages TEXT);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY, doc TEXT, institution TEXT, year TEXT, section TEXT,
  start INTEGER, "end" INTEGER, page INTEGER, text TEXT, tokens TEXT);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc);
CREATE TABLE IF NOT EXISTS facts (
  doc TEXT, name TEXT, value TEXT, start INTEGER, "end" INTEGER, quote TEXT, extra TEXT);
CREATE INDEX IF NOT EXISTS facts_doc ON facts(doc);
"""
_VERSIONED_SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS docs (
  doc TEXT, born INTEGER NOT NULL, died INTEGER NOT NULL DEFAULT 0, institution TEXT, year TEXT,
  period TEXT, period_norm TEXT, published TEXT, format TEXT, sha256 TEXT, chars INTEGER,
  chunks INTEGER, title TEXT, source TEXT, text TEXT, pages TEXT, PRIMARY KEY (doc, born));
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY, born INTEGER NOT NULL, died INTEGER NOT NULL DEFAULT 0, doc TEXT,
  institution TEXT, year TEXT, section TEXT, start INTEGER, "end" INTEGER, page INTEGER, text TEXT,
  tokens TEXT);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc);
CREATE TABLE IF NOT EXISTS facts (
  doc TEXT, born INTEGER NOT NULL, died INTEGER NOT NULL DEFAULT 0, name TEXT, value TEXT,
  start INTEGER, "end" INTEGER, quote TEXT, extra TEXT);
CREATE INDEX IF NOT EXISTS facts_doc ON facts(doc);
""" + "".join(  # every commit runs recover() and purge(): index lookups, not scans of 10^7 rows
    f"CREATE INDEX IF NOT EXISTS {t}_born ON {t}(born);\nCREATE INDEX IF NOT EXISTS {t}_died ON {t}(died);\n"
    for t in ("docs", "chunks", "facts"))
_TABLES = ("docs", "chunks", "facts")
_DOC_FIELDS = [f.name for f in fields(Document)]


class ChunkStore:
    """Documents, chunks and facts of one index version (``seq``: as seen by version ``seq`` of
    a versioned store; a writer adds rows born ``seq`` and marks removed rows died ``seq``)."""

    def __init__(self, path: Path, readonly: bool = False, seq: int | None = None):
        self.path, self.seq = path, seq
        self._born = [] if seq is None else [int(seq)]
        # the visibility condition, always with a leading "AND" so it can follow any WHERE
        self._vis = "" if seq is None else f" AND born <= {int(seq)} AND (died = 0 OR died > {int(seq)})"
        if readonly:
            if not path.exists():
                raise IndexCorrupt(f"chunk store {path.name} is missing")
            uri = f"file:{path}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self._db = sqlite3.connect(str(path), check_same_thread=False)
            self._db.executescript(_SCHEMA if seq is None else _VERSIONED_SCHEMA)
        try:
            self._db.execute("SELECT count(*) FROM chunks").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(f"chunk store {path.name} is unreadable ({exc})") from exc

    def close(self) -> None:
        self._db.close()

    def commit(self) -> None:
        self._db.commit()

    # documents -----------------------------------------------------------------
    def _insert(self, verb: str, table: str, cols: list[str], rows: list[tuple]) -> None:
        """Insert rows; a versioned store adds ``born`` (this writer's version) to each."""
        cols = cols + (["born"] if self._born else [])
        self._db.executemany(
            f"{verb} INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [(*r, *self._born) for r in rows])

    def put_document(self, doc: Document, text: str, pages: list[tuple[int, int]]) -> None:
        row = asdict(doc)
        self._insert("INSERT OR REPLACE", "docs", _DOC_FIELDS + ["text", "pages"],
                     [(*[row[k] for k in _DOC_FIELDS], text, json.dumps(pages))])

    def documents(self) -> list[Document]:
        cur = self._db.execute(f"SELECT {', '.join(_DOC_FIELDS)} FROM docs WHERE 1{self._vis} ORDER BY doc")
        return [Document(*r) for r in cur.fetchall()]

    def document(self, doc: str) -> Document | None:
        r = self._db.execute(f"SELECT {', '.join(_DOC_FIELDS)} FROM docs WHERE doc=?{self._vis}", (doc,)).fetchone()
        return Document(*r) if r else None

    def documents_named(self, names: list[str]) -> dict[str, Document]:
        """The documents among ``names`` that the store holds (one query per 500 names)."""
        out: dict[str, Document] = {}
        for i in range(0, len(names), 500):
            part = names[i:i + 500]
            marks = ",".join("?" for _ in part)
            cur = self._db.execute(f"SELECT {', '.join(_DOC_FIELDS)} FROM docs WHERE doc IN ({marks}){self._vis}", part)
            out.update((r[0], Document(*r)) for r in cur.fetchall())
        return out

    def text(self, doc: str) -> str:
        r = self._db.execute(f"SELECT text FROM docs WHERE doc=?{self._vis}", (doc,)).fetchone()
        return r[0] if r else ""

    def pages(self, doc: str) -> list[tuple[int, int]]:
        r = self._db.execute(f"SELECT pages FROM docs WHERE doc=?{self._vis}", (doc,)).fetchone()
        return [tuple(p) for p in json.loads(r[0])] if r and r[0] else []

    def delete_document(self, doc: str) -> list[int]:
        """Remove a document with its chunks and facts; returns the removed chunk ids."""
        ids = [r[0] for r in self._db.execute(f"SELECT id FROM chunks WHERE doc=?{self._vis}", (doc,))]
        for table in _TABLES:
            if self.seq is None:
                self._db.execute(f"DELETE FROM {table} WHERE doc=?", (doc,))
            else:  # older versions may still be read: mark, and purge() once none can see it
                self._db.execute(f"UPDATE {table} SET died=? WHERE doc=?{self._vis}", (self.seq, doc))
        return ids

    # versioned stores ------------------------------------------------------------
    def recover(self, live: int) -> None:
        """Undo what writers after version ``live`` left: a build that crashed before its commit."""
        for table in _TABLES:
            self._db.execute(f"DELETE FROM {table} WHERE born > ?", (int(live),))
            self._db.execute(f"UPDATE {table} SET died = 0 WHERE died > ?", (int(live),))
        self._db.commit()

    def purge(self, oldest: int) -> None:
        """Delete the rows no version from ``oldest`` on can see (removed at or before it)."""
        for table in _TABLES:
            self._db.execute(f"DELETE FROM {table} WHERE died BETWEEN 1 AND ?", (int(oldest),))
        self._db.commit()

    # chunks --------------------------------------------------------------------
    def next_chunk_id(self) -> int:
        r = self._db.execute("SELECT max(id) FROM chunks").fetchone()
        return (r[0] or 0) + 1

    def put_chunks(self, chunks: list[Chunk], tokens: list[list[str]]) -> None:
        self._insert("INSERT", "chunks",
                     ["id", "doc", "institution", "year", "section", "start", '"end"', "page", "text", "tokens"],
                     [(c.id, c.doc, c.institution, c.year, c.section, c.start, c.end, c.page, c.text,
                       "\u0001".join(t)) for c, t in zip(chunks, tokens)])

    def chunk_ids(self) -> list[int]:
        return [r[0] for r in self._db.execute(f"SELECT id FROM chunks WHERE 1{self._vis} ORDER BY id")]

    def all_tokens(self) -> tuple[list[int], list[list[str]]]:
        ids, toks = [], []
        for i, t in self._db.execute(f"SELECT id, tokens FROM chunks WHERE 1{self._vis} ORDER BY id"):
            ids.append(i)
            toks.append(t.split("\u0001") if t else [])
        return ids, toks

    def chunks(self, ids: list[int] | None = None, doc: str | None = None) -> list[Chunk]:
        cols = 'id, doc, institution, year, section, start, "end", text, page'
        if ids is not None:
            if not ids:
                return []
            marks = ",".join("?" for _ in ids)
            rows = self._db.execute(f"SELECT {cols} FROM chunks WHERE id IN ({marks}){self._vis}", list(ids)).fetchall()
            by_id = {r[0]: Chunk(*r) for r in rows}
            return [by_id[i] for i in ids if i in by_id]
        if doc is not None:
            rows = self._db.execute(f"SELECT {cols} FROM chunks WHERE doc=?{self._vis} ORDER BY start", (doc,))
        else:
            rows = self._db.execute(f"SELECT {cols} FROM chunks WHERE 1{self._vis} ORDER BY id")
        return [Chunk(*r) for r in rows]

    def chunk_docs(self) -> list[tuple[str, int]]:
        """(doc, chunk id) of every visible chunk, in id order."""
        return [(r[0], r[1]) for r in self._db.execute(f"SELECT doc, id FROM chunks WHERE 1{self._vis} ORDER BY id")]

    def chunk_ids_where(self, docs: list[str]) -> list[int]:
        if not docs:
            return []
        marks = ",".join("?" for _ in docs)
        return [r[0] for r in self._db.execute(f"SELECT id FROM chunks WHERE doc IN ({marks}){self._vis}", docs)]

    # facts ---------------------------------------------------------------------
    def put_facts(self, doc: str, facts: list[dict]) -> None:
        self._insert("INSERT", "facts", ["doc", "name", "value", "start", '"end"', "quote", "extra"],
                     [(doc, f["name"], str(f["value"]), f["start"], f["end"], f["quote"],
                       json.dumps(f.get("extra", {}), ensure_ascii=False)) for f in facts])

    def facts(self, names: tuple | list | None = None, doc: str | None = None, exclude: tuple | list = ()) -> list[dict]:
        """Fact rows, all of them or those named ``names`` / of ``doc``, less the ``exclude`` names
        (table cells are many: the engine reads them per report, not with the facts table)."""
        where, args = "", []
        if names is not None:
            where += f" AND name IN ({','.join('?' for _ in names)})"
            args += list(names)
        if exclude:
            where += f" AND name NOT IN ({','.join('?' for _ in exclude)})"
            args += list(exclude)
        if doc is not None:
            where += " AND doc = ?"
            args.append(doc)
        rows = self._db.execute(f'SELECT doc, name, value, start, "end", quote, extra FROM facts WHERE 1{where}{self._vis} '
                                'ORDER BY doc, name, rowid', args)
        return [{"doc": d, "name": n, "value": v, "start": s, "end": e, "quote": q,
                 "extra": json.loads(x or "{}")} for d, n, v, s, e, q, x in rows]

    def counts(self) -> tuple[int, int]:
        d = self._db.execute(f"SELECT count(*) FROM docs WHERE 1{self._vis}").fetchone()[0]
        c = self._db.execute(f"SELECT count(*) FROM chunks WHERE 1{self._vis}").fetchone()[0]
        return d, c
