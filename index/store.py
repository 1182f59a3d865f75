"""SQLite chunk store: documents (with cleaned full text), chunks and extracted facts."""
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
_DOC_FIELDS = [f.name for f in fields(Document)]


class ChunkStore:
    """Documents, chunks and facts of one index version."""

    def __init__(self, path: Path, readonly: bool = False):
        self.path = path
        if readonly:
            if not path.exists():
                raise IndexCorrupt(f"chunk store {path.name} is missing")
            uri = f"file:{path}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self._db = sqlite3.connect(str(path), check_same_thread=False)
            self._db.executescript(_SCHEMA)
        try:
            self._db.execute("SELECT count(*) FROM chunks").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(f"chunk store {path.name} is unreadable ({exc})") from exc

    def close(self) -> None:
        self._db.close()

    def commit(self) -> None:
        self._db.commit()

    # documents -----------------------------------------------------------------
    def put_document(self, doc: Document, text: str, pages: list[tuple[int, int]]) -> None:
        row = asdict(doc)
        self._db.execute(
            f"INSERT OR REPLACE INTO docs ({', '.join(_DOC_FIELDS)}, text, pages) VALUES "
            f"({', '.join('?' for _ in _DOC_FIELDS)}, ?, ?)",
            [row[k] for k in _DOC_FIELDS] + [text, json.dumps(pages)])

    def documents(self) -> list[Document]:
        cur = self._db.execute(f"SELECT {', '.join(_DOC_FIELDS)} FROM docs ORDER BY doc")
        return [Document(*r) for r in cur.fetchall()]

    def document(self, doc: str) -> Document | None:
        r = self._db.execute(f"SELECT {', '.join(_DOC_FIELDS)} FROM docs WHERE doc=?", (doc,)).fetchone()
        return Document(*r) if r else None

    def text(self, doc: str) -> str:
        r = self._db.execute("SELECT text FROM docs WHERE doc=?", (doc,)).fetchone()
        return r[0] if r else ""

    def pages(self, doc: str) -> list[tuple[int, int]]:
        r = self._db.execute("SELECT pages FROM docs WHERE doc=?", (doc,)).fetchone()
        return [tuple(p) for p in json.loads(r[0])] if r and r[0] else []

    def delete_document(self, doc: str) -> list[int]:
        """Remove a document with its chunks and facts; returns the removed chunk ids."""
        ids = [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE doc=?", (doc,))]
        self._db.execute("DELETE FROM chunks WHERE doc=?", (doc,))
        self._db.execute("DELETE FROM facts WHERE doc=?", (doc,))
        self._db.execute("DELETE FROM docs WHERE doc=?", (doc,))
        return ids

    # chunks --------------------------------------------------------------------
    def next_chunk_id(self) -> int:
        r = self._db.execute("SELECT max(id) FROM chunks").fetchone()
        return (r[0] or 0) + 1

    def put_chunks(self, chunks: list[Chunk], tokens: list[list[str]]) -> None:
        self._db.executemany(
            'INSERT INTO chunks (id, doc, institution, year, section, start, "end", page, text, tokens) '
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(c.id, c.doc, c.institution, c.year, c.section, c.start, c.end, c.page, c.text,
              "\u0001".join(t)) for c, t in zip(chunks, tokens)])

    def chunk_ids(self) -> list[int]:
        return [r[0] for r in self._db.execute("SELECT id FROM chunks ORDER BY id")]

    def all_tokens(self) -> tuple[list[int], list[list[str]]]:
        ids, toks = [], []
        for i, t in self._db.execute("SELECT id, tokens FROM chunks ORDER BY id"):
            ids.append(i)
            toks.append(t.split("\u0001") if t else [])
        return ids, toks

    def chunks(self, ids: list[int] | None = None, doc: str | None = None) -> list[Chunk]:
        cols = 'id, doc, institution, year, section, start, "end", text, page'
        if ids is not None:
            if not ids:
                return []
            marks = ",".join("?" for _ in ids)
            rows = self._db.execute(f"SELECT {cols} FROM chunks WHERE id IN ({marks})", list(ids)).fetchall()
            by_id = {r[0]: Chunk(*r) for r in rows}
            return [by_id[i] for i in ids if i in by_id]
        if doc is not None:
            rows = self._db.execute(f"SELECT {cols} FROM chunks WHERE doc=? ORDER BY start", (doc,))
        else:
            rows = self._db.execute(f"SELECT {cols} FROM chunks ORDER BY id")
        return [Chunk(*r) for r in rows]

    def chunk_ids_where(self, docs: list[str]) -> list[int]:
        if not docs:
            return []
        marks = ",".join("?" for _ in docs)
        return [r[0] for r in self._db.execute(f"SELECT id FROM chunks WHERE doc IN ({marks})", docs)]

    # facts ---------------------------------------------------------------------
    def put_facts(self, doc: str, facts: list[dict]) -> None:
        self._db.executemany(
            'INSERT INTO facts (doc, name, value, start, "end", quote, extra) VALUES (?,?,?,?,?,?,?)',
            [(doc, f["name"], str(f["value"]), f["start"], f["end"], f["quote"],
              json.dumps(f.get("extra", {}), ensure_ascii=False)) for f in facts])

    def facts(self) -> list[dict]:
        rows = self._db.execute('SELECT doc, name, value, start, "end", quote, extra FROM facts ORDER BY doc, name')
        return [{"doc": d, "name": n, "value": v, "start": s, "end": e, "quote": q,
                 "extra": json.loads(x or "{}")} for d, n, v, s, e, q, x in rows]

    def counts(self) -> tuple[int, int]:
        d = self._db.execute("SELECT count(*) FROM docs").fetchone()[0]
        c = self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return d, c
