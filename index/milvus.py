"""The optional Milvus backend: one long-lived collection holds vectors and BM25.

An index's collection is created by its first ingest (or by ``--rebuild``), named
``reportqa_<version>`` after that version, and then shared by every later version: an
incremental ingest inserts only the new chunks and deletes only the removed ones, so a commit
costs O(change), not O(index). Its fields are

    id          INT64 primary key (the chunk id, as in the SQLite store; never reused)
    born        INT64, the sequence number of the version that inserted the row
    vec         FLOAT_VECTOR(dim), index FLAT / IP (exact, like FAISS IndexFlatIP; a cluster
                holding millions of chunks would use HNSW or IVF_FLAT/IVF_PQ instead)
    doc, institution, year   VARCHAR scalars (for partitioning and filters on a cluster)
    text        VARCHAR analysed with jieba (search mode) and the same stop words as tokenize()
    sparse      SPARSE_FLOAT_VECTOR filled by a BM25 Function from ``text``,
                index SPARSE_INVERTED_INDEX / BM25 (k1=1.2, b=0.75 as in bm25s)

Version ``seq`` sees the rows with ``born <= seq``: a build in flight (``born = seq + 1``) is
invisible to readers of the live version, and the rows it leaves after a crash are deleted by
the next writer. Rows of removed chunks are deleted right after the new version is committed;
the new version's marker lists them (``gc``) so that a crash in between is finished later, and
until then they are rows whose ids the version's store does not hold (the engine drops them).

``MilvusVectorIndex`` and ``MilvusKeywordIndex`` have the search signatures of
``VectorIndex``/``KeywordIndex``; allowed chunk ids become the filter ``id in [...]`` so that
filtering runs inside Milvus. ``uri`` is a milvus-lite file (``.../milvus.db``, one process at a
time) or a server (``http://host:19530``).
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .errors import IndexCorrupt
from .extras import require
from .tokenize import STOPWORDS

PAGE = 1000  # rows per insert / get page: memory stays bounded whatever the collection size
MARKER = "milvus.json"  # written into a version dir before its collection exists
_clients: dict[str, object] = {}


def collection_name(version: str) -> str:
    return f"reportqa_{version}"


def resolve_uri(root: Path, uri: str) -> str:
    """A server URL as is; a milvus-lite file path relative to the index dir made absolute."""
    if not uri:
        uri = "milvus.db"
    if "://" in uri:
        return uri
    p = Path(uri).expanduser()
    return str(p if p.is_absolute() else Path(root) / p)


def stored_uri(root: Path, uri: str) -> str:
    """What the manifest records: a lite file inside the index dir relative to it (movable)."""
    if not uri:
        return "milvus.db"
    if "://" in uri:
        return uri
    p = Path(uri).expanduser()
    try:
        return str(p.resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(p.resolve())


def _pymilvus():
    # the Milvus backend is an extra: without it, a typed error names what to install
    return require("pymilvus", "'reportqa[milvus]'", "the Milvus backend (--backend milvus)")


def client(uri: str):
    """One MilvusClient per URI and process (milvus-lite allows one opener of a file)."""
    c = _clients.get(uri)
    if c is None:
        MilvusClient = _pymilvus().MilvusClient
        if "://" not in uri:
            require("milvus_lite", "'reportqa[milvus]'", "a milvus-lite file (--milvus-uri FILE)")
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        logging.getLogger("pymilvus").setLevel(logging.ERROR)
        c = _clients[uri] = MilvusClient(uri)
    return c


def close(uri: str) -> None:
    """Close this process's client for ``uri``; for a milvus-lite file, also stop its embedded
    server, which releases the file's lock so that another process can open it."""
    c = _clients.pop(uri, None)
    if c is not None:
        c.close()
    if "://" not in uri:
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)


def _ids_expr(allowed) -> str:
    return "id in [" + ",".join(str(int(i)) for i in allowed) + "]"


def _filter(allowed, docs, seq: int | None = None) -> str:
    """The filter expression Milvus evaluates itself: the version's rows (``born <= seq``), and
    the scalar ``doc`` field when the scope is a set of reports (institution/year scoping), else
    explicit chunk ids."""
    parts = [] if seq is None else [f"born <= {int(seq)}"]
    if docs is not None:
        parts.append("doc in [" + ",".join(json.dumps(d, ensure_ascii=False) for d in docs) + "]")
    elif allowed is not None:
        parts.append(_ids_expr(allowed))
    return " and ".join(parts)


class MilvusCollection:
    """A collection seen as of version ``seq`` (rows with ``born <= seq``; None: every row).

    Shared by the vector and keyword views of that version."""

    def __init__(self, uri: str, name: str, dim: int, seq: int | None = None):
        self.uri, self.name, self.dim, self.seq = uri, name, dim, seq
        self.c = client(uri)
        self._ids: np.ndarray | None = None

    # ------------------------------------------------------------------ create / open
    @classmethod
    def create(cls, uri: str, name: str, dim: int) -> "MilvusCollection":
        c = client(uri)
        from pymilvus import DataType, Function, FunctionType

        if c.has_collection(name):
            c.drop_collection(name)
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.INT64, is_primary=True)
        s.add_field("born", DataType.INT64)
        s.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
        s.add_field("doc", DataType.VARCHAR, max_length=1024)
        s.add_field("institution", DataType.VARCHAR, max_length=512)
        s.add_field("year", DataType.VARCHAR, max_length=64)
        s.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                    analyzer_params={"tokenizer": "jieba",
                                     "filter": [{"type": "stop", "stop_words": sorted(STOPWORDS)}]})
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                input_field_names=["text"], output_field_names=["sparse"]))
        ip = c.prepare_index_params()
        ip.add_index("vec", index_type="FLAT", metric_type="IP")  # cluster: HNSW or IVF_*
        ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"params": {"bm25_k1": 1.2, "bm25_b": 0.75}})
        c.create_collection(name, schema=s, index_params=ip)
        return cls(uri, name, dim)

    @classmethod
    def open(cls, uri: str, name: str, seq: int | None = None) -> "MilvusCollection":
        try:
            c = client(uri)
            if not c.has_collection(name):
                raise IndexCorrupt(f"Milvus collection {name} is missing at {uri}")
            fields = c.describe_collection(name)["fields"]
            dim = next(int(f["params"]["dim"]) for f in fields if f["name"] == "vec")
            if not any(f["name"] == "born" for f in fields):
                raise IndexCorrupt(f"Milvus collection {name} predates versioned rows (no born field)")
            c.load_collection(name)
        except IndexCorrupt:
            raise
        except Exception as exc:  # connection refused, damaged lite file, ...
            raise IndexCorrupt(f"Milvus collection {name} at {uri} cannot be opened "
                               f"({str(exc).splitlines()[0][:160]})") from exc
        return cls(uri, name, dim, seq)

    def insert(self, rows: list[dict]) -> None:
        for i in range(0, len(rows), PAGE):
            self.c.insert(self.name, rows[i:i + PAGE])
        self._ids = None

    def finish(self) -> None:
        """Flush written rows and load the collection for search."""
        try:
            self.c.flush(self.name)
        except Exception:  # milvus-lite persists on insert; flush is a server concern
            pass
        self.c.load_collection(self.name)

    def drop(self) -> None:
        if self.c.has_collection(self.name):
            self.c.drop_collection(self.name)

    def delete_ids(self, ids: Iterable[int]) -> None:
        """Delete rows by chunk id, in pages (idempotent)."""
        ids = [int(i) for i in ids]
        for i in range(0, len(ids), PAGE):
            self.c.delete(self.name, ids=ids[i:i + PAGE])
        self._ids = None

    def delete_born_after(self, seq: int) -> None:
        """Delete the rows of versions after ``seq``: what a crashed build left behind."""
        self.c.delete(self.name, filter=f"born > {int(seq)}")
        self._ids = None

    # ------------------------------------------------------------------------ reading
    def __len__(self) -> int:
        # milvus-lite answers an unfiltered count(*) from segment sizes, deleted rows included
        res = self.c.query(self.name, filter=_filter(None, None, self.seq) or "id >= 0", output_fields=["count(*)"])
        return int(res[0]["count(*)"])

    def ids(self) -> np.ndarray:
        if self._ids is None:
            out: list[int] = []
            it = self.c.query_iterator(self.name, batch_size=PAGE * 10, filter=_filter(None, None, self.seq),
                                       output_fields=["id"])
            try:
                while True:
                    batch = it.next()
                    if not batch:
                        break
                    out.extend(int(r["id"]) for r in batch)
            finally:
                it.close()
            self._ids = np.asarray(out, dtype=np.int64)
        return self._ids

    def rows(self, ids: Iterable[int], fields: list[str]) -> Iterator[list[dict]]:
        """Rows for ``ids`` in pages of PAGE (streamed: never the whole collection at once)."""
        ids = [int(i) for i in ids]
        for i in range(0, len(ids), PAGE):
            page = ids[i:i + PAGE]
            got = {int(r["id"]): r for r in self.c.get(self.name, ids=page, output_fields=fields)}
            if len(got) != len(page):
                raise IndexCorrupt(f"Milvus collection {self.name} lacks {len(page) - len(got)} chunks")
            yield [got[j] for j in page]

    def search(self, data, field: str, k: int, allowed, docs=None) -> list[dict]:
        flt = _filter(allowed, docs, self.seq)
        res = self.c.search(self.name, data=data, anns_field=field, limit=k, filter=flt, output_fields=["id"])
        return list(res[0]) if res else []


class MilvusVectorIndex:
    """Dense search (exact inner product) over a version's collection."""

    def __init__(self, coll: MilvusCollection):
        self.coll, self.dim = coll, coll.dim

    def __len__(self) -> int:
        return len(self.coll)

    def ids(self) -> np.ndarray:
        return self.coll.ids()

    def vectors(self) -> np.ndarray:
        ids = self.ids()
        if len(ids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate([np.asarray([r["vec"] for r in page], dtype=np.float32)
                               for page in self.coll.rows(ids, ["id", "vec"])])

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               docs: list[str] | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, cosine) for one query vector, optionally within ``allowed`` ids
        (or, filtered inside Milvus, within the reports ``docs``)."""
        if k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        q = np.asarray(query, dtype=np.float32).reshape(-1).tolist()
        hits = self.coll.search([q], "vec", k, allowed, docs)
        return [(int(h["id"]), float(h["distance"])) for h in hits]

    def save(self, path: Path) -> None:  # the collection is the data; nothing to write
        self.coll.finish()


class MilvusKeywordIndex:
    """BM25 over the jieba-analysed ``text`` field of a version's collection."""

    def __init__(self, coll: MilvusCollection):
        self.coll = coll

    def __len__(self) -> int:
        return len(self.coll)

    def ids(self) -> np.ndarray:
        return self.coll.ids()

    def search(self, tokens: list[str], k: int, allowed: np.ndarray | None = None,
               docs: list[str] | None = None) -> list[tuple[int, float]]:
        """Top-k (chunk id, BM25 score > 0) for query tokens, optionally within ``allowed``
        (or, filtered inside Milvus, within the reports ``docs``).

        milvus-lite reports BM25 as a negated "distance" (most negative = best, results sorted
        best first); a server reports the positive score. ``abs`` gives higher-is-better for both.
        """
        if not tokens or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        hits = self.coll.search([" ".join(tokens)], "sparse", k, allowed, docs)
        out = [(int(h["id"]), abs(float(h["distance"]))) for h in hits]
        out.sort(key=lambda t: -t[1])  # stable: keeps the engine's order on ties
        return [(i, s) for i, s in out if s > 0]

    def save(self, path: Path) -> None:
        pass


def write_marker(vdir: Path, uri: str, name: str, store: str, seq: int = 1, gc: Iterable[int] = ()) -> None:
    """Record a version's collection, store (a path relative to the index dir), sequence number
    and the chunk rows it removes, before touching them, so that a crash can be undone or finished."""
    tmp = vdir / (MARKER + ".tmp")
    tmp.write_text(json.dumps({"uri": uri, "collection": name, "store": store, "seq": int(seq),
                               "gc": [int(i) for i in gc]}))
    tmp.replace(vdir / MARKER)


def store_path(vdir: Path, marker: dict) -> Path:
    """The shared store a version dir's marker names (the index dir is two levels up)."""
    return vdir.parent.parent / marker["store"]


def read_marker(vdir: Path) -> dict | None:
    try:
        m = json.loads((vdir / MARKER).read_text())
    except (OSError, ValueError):
        return None
    m.setdefault("seq", 1)
    m.setdefault("gc", [])
    m.setdefault("store", "")
    return m


def finish_gc(vdir: Path) -> None:
    """After a commit: delete the collection rows the version removed, and the store rows that
    neither it nor the previous version can see (idempotent: a crash here is finished later)."""
    from .store import ChunkStore

    m = read_marker(vdir)
    if not m:
        return
    if m["gc"]:
        MilvusCollection.open(m["uri"], m["collection"]).delete_ids(m["gc"])
        write_marker(vdir, m["uri"], m["collection"], m["store"], m["seq"], ())
    if m["store"] and store_path(vdir, m).exists():
        st = ChunkStore(store_path(vdir, m), seq=m["seq"])
        try:
            st.purge(m["seq"] - 1)
        finally:
            st.close()


def release(vdir: Path, committed: bool, shared: bool) -> None:
    """Give up what a version dir holds in Milvus (best effort): drop its collection when no
    other version uses it; else, for a build that never committed, delete its rows."""
    from .store import ChunkStore

    m = read_marker(vdir)
    if not m:
        return
    try:
        c = client(m["uri"])
        if not shared:
            c.drop_collection(m["collection"])
        elif not committed:
            c.delete(m["collection"], filter=f"born >= {int(m['seq'])}")
    except Exception:
        pass
    if not m["store"]:
        return
    path = store_path(vdir, m)
    if not shared:
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
    elif not committed and path.exists():
        try:
            st = ChunkStore(path, seq=m["seq"])
            st.recover(m["seq"] - 1)
            st.close()
        except Exception:
            pass
