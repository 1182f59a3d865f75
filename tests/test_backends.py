"""FAISS (default) and Milvus (milvus-lite here) backends give the same answers.

qa/ is the same code for both; only index/ changes. Each backend's index lives under tmp_path,
the Milvus one as a milvus-lite file ``<index_dir>/milvus.db``.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from eval.scoring import score_answer  # noqa: E402
from index import repository as repo  # noqa: E402
from index.embed import HashEmbedder  # noqa: E402
from index.errors import IndexMismatch  # noqa: E402
from index.store import ChunkStore  # noqa: E402
from qa.service import Service  # noqa: E402
from index.settings import Settings  # noqa: E402

from .conftest import DEMO, DEMO_QA, shared_path  # noqa: E402

BACKENDS = ["faiss", "milvus"]


def _settings(root: Path, backend: str) -> Settings:
    uri = str(root / "milvus.db") if backend == "milvus" else ""
    return Settings(index_dir=root, model="hash", backend=backend, milvus_uri=uri)


def _service(root: Path, backend: str) -> Service:
    return Service(_settings(root, backend), HashEmbedder())


def _key(ans: dict) -> tuple:
    quote = ans["citations"][0]["quote"] if ans["citations"] else None
    return ans["value"], ans["abstained"], quote


def _rows(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


@pytest.fixture(scope="module")
def demo_services(tmp_path_factory) -> dict[str, Service]:
    out = {}
    for b in BACKENDS:
        svc = _service(tmp_path_factory.mktemp(f"demo-{b}"), b)
        assert all(r.status == "ok" for r in svc.ingest([DEMO]))
        out[b] = svc
    return out


def test_demo_answers_identical_and_accurate(demo_services):
    gold = _rows(DEMO_QA)
    answers = {b: [asdict(s.ask(q["question"])) for q in gold] for b, s in demo_services.items()}
    for b in BACKENDS:
        acc = sum(score_answer(q, a) for q, a in zip(gold, answers[b])) / len(gold)
        assert acc >= 0.95, (b, acc)
    diffs = [(q["id"], _key(f), _key(m)) for q, f, m in zip(gold, answers["faiss"], answers["milvus"])
             if _key(f) != _key(m)]
    assert not diffs, diffs


def test_manifest_records_backend(demo_services):
    f = demo_services["faiss"].engine().index
    m = demo_services["milvus"].engine().index
    assert f.manifest.backend == "faiss" and f.manifest.collection == ""
    raw = json.loads((f.root / "versions" / f.version / "manifest.json").read_text())
    assert "backend" not in raw  # FAISS manifests are written exactly as before
    assert m.manifest.backend == "milvus" and m.manifest.collection == f"reportqa_{m.version}"
    assert m.manifest.milvus_uri == "milvus.db"  # relative to the index dir
    assert not (m.root / "versions" / m.version / "vectors.faiss").exists()


def test_filtered_search_inside_milvus_equals_faiss(demo_services):
    f = demo_services["faiss"].engine().index
    m = demo_services["milvus"].engine().index
    assert np.array_equal(np.sort(f.vectors.ids()), np.sort(m.vectors.ids()))
    docs = [d.doc for d in f.store.documents()][:2]
    allowed = np.asarray(f.store.chunk_ids_where(docs), dtype=np.int64)
    assert 0 < len(allowed) < len(f.vectors)
    emb = HashEmbedder()
    from index.tokenize import tokenize

    for q in ["信息公开申请收到多少项", "联系电话", "主动公开信息条数"]:
        qv = emb.embed([q])[0]
        fv, mv = f.vectors.search(qv, 10, allowed), m.vectors.search(qv, 10, allowed)
        assert [i for i, _ in fv] == [i for i, _ in mv]
        assert np.allclose([s for _, s in fv], [s for _, s in mv], atol=1e-5)
        assert set(i for i, _ in mv) <= set(allowed.tolist())
        fk, mk = f.keyword.search(tokenize(q), 10, allowed), m.keyword.search(tokenize(q), 10, allowed)
        assert mk and set(i for i, _ in mk) <= set(allowed.tolist())
        assert all(a[1] >= b[1] > 0 for a, b in zip(mk, mk[1:]))  # higher is better
        assert [i for i, _ in fk][:3] == [i for i, _ in mk][:3]
        # the same scope given by report runs as a scalar-field filter inside Milvus
        assert m.vectors.search(qv, 10, allowed, docs) == mv
        assert m.keyword.search(tokenize(q), 10, allowed, docs) == mk
    assert m.vectors.search(emb.embed(["x"])[0], 5, np.zeros(0, dtype=np.int64)) == []
    assert np.allclose(np.sort(f.vectors.vectors(), axis=0), np.sort(m.vectors.vectors(), axis=0), atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_incremental_remove_reload(backend, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(DEMO, docs)
    root = tmp_path / "index"
    svc = _service(root, backend)
    assert all(r.status == "ok" for r in svc.ingest([docs]))
    v1 = repo.current_version(root)
    assert all(r.status == "skipped" for r in svc.ingest([docs]))
    assert repo.current_version(root) == v1  # nothing changed, nothing committed
    target = sorted(docs.iterdir())[0]
    target.write_text(target.read_text(encoding="utf-8") + "\n本学年另收到补充申请3项。\n", encoding="utf-8")
    res = svc.ingest([docs])
    assert [r.doc for r in res if r.status == "ok"] == [target.name]
    assert sum(r.status == "skipped" for r in res) == len(list(docs.iterdir())) - 1
    v2 = repo.current_version(root)
    assert v2 != v1
    svc.ingest([], remove=[sorted(docs.iterdir())[1].name])
    v3 = repo.current_version(root)
    idx = repo.load(root, "hash", backend=backend)  # agreement checks: store == vectors == keyword ids
    try:
        assert len(idx.store.documents()) == len(list(docs.iterdir())) - 1
        assert len(idx.vectors) == len(idx.keyword) == idx.manifest.chunks
    finally:
        idx.close()
    # commit() kept only the live and the previous version (and their collections)
    assert sorted(d.name for d in (root / "versions").iterdir()) == sorted([v2, v3])
    if backend == "milvus":
        from index import milvus

        # one long-lived collection, and after clean-up it holds exactly the live chunks
        assert milvus.client(str(root / "milvus.db")).list_collections() == [f"reportqa_{v1}"]
        assert _all_rows(root) == repo.load(root, "hash", backend=backend).manifest.chunks
    # a fresh service (reload) answers from the new version
    ans = _service(root, backend).ask(f"{target.name.split('_')[0]}")
    assert ans is not None


def test_backend_mismatch_names_rebuild(demo_services):
    for built, other in (("faiss", "milvus"), ("milvus", "faiss")):
        root = demo_services[built].settings.index_dir
        with pytest.raises(IndexMismatch, match="reportqa ingest --rebuild"):
            _service(root, other).engine()


def test_rebuild_switches_backend(tmp_path):
    root = tmp_path / "index"
    _service(root, "faiss").ingest([DEMO])
    svc = _service(root, "milvus")
    svc.ingest([], rebuild=True)
    idx = svc.engine().index
    assert idx.manifest.backend == "milvus" and len(idx.vectors) == idx.manifest.chunks > 0


def test_crashed_milvus_build_is_discarded(tmp_path, monkeypatch):
    from index import milvus

    root = tmp_path / "index"
    svc = _service(root, "milvus")
    svc.ingest([DEMO])
    live = repo.current_version(root)
    # a half-built version (marker and collection, no manifest) as a killed writer leaves it
    vdir = repo.new_version_dir(root)
    uri = str(root / "milvus.db")
    milvus.write_marker(vdir, uri, milvus.collection_name(vdir.name), f"stores/{vdir.name}.sqlite")
    milvus.MilvusCollection.create(uri, milvus.collection_name(vdir.name), 8)
    ChunkStore(root / "stores" / f"{vdir.name}.sqlite", seq=1).close()
    # and a writer that fails mid-ingest
    monkeypatch.setattr(milvus.MilvusCollection, "finish", lambda self: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        _service(root, "milvus").ingest([DEMO], rebuild=True)
    assert repo.current_version(root) == live
    names = milvus.client(uri).list_collections()
    assert names == [f"reportqa_{live}"]
    assert [d.name for d in (root / "versions").iterdir()] == [live]
    assert [p.name for p in (root / "stores").glob("*.sqlite")] == [f"{live}.sqlite"]
    assert _service(root, "milvus").ask("东江理工大学联系电话是多少？") is not None


@pytest.mark.shared
def test_shared_answers_identical(tmp_path):
    seeds, wild = shared_path("seeds"), shared_path("wild_dev", "docs")
    qa_files = [shared_path("eval", "seeds_dev.jsonl"), shared_path("wild_dev", "qa.jsonl")]
    gold = [r for f in qa_files for r in _rows(f)]
    answers = {}
    for b in BACKENDS:
        svc = _service(tmp_path / b, b)
        res = svc.ingest([seeds, wild])
        assert all(r.status == "ok" for r in res), [r for r in res if r.status != "ok"]
        answers[b] = [asdict(svc.ask(q["question"])) for q in gold]
    diffs = [(q.get("id"), _key(f), _key(m)) for q, f, m in zip(gold, answers["faiss"], answers["milvus"])
             if _key(f) != _key(m)]
    assert not diffs, diffs[:5]


# ---------------------------------------------------------------- Milvus: one long-lived collection

def _all_rows(root: Path) -> int:
    """Rows in the index's collection, whatever version they belong to."""
    from index import milvus

    m = repo.load(root, "hash", backend="milvus").manifest
    c = milvus.client(str(root / "milvus.db"))
    # a filter: milvus-lite's unfiltered count(*) still counts deleted rows
    return int(c.query(m.collection, filter="id >= 0", output_fields=["count(*)"])[0]["count(*)"])


def _milvus_corpus(tmp_path: Path) -> tuple[Path, Path, Service]:
    docs = tmp_path / "docs"
    shutil.copytree(DEMO, docs)
    root = tmp_path / "index"
    svc = _service(root, "milvus")
    assert all(r.status == "ok" for r in svc.ingest([docs]))
    return docs, root, svc


def _touch(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n本学年另收到补充申请3项。\n", encoding="utf-8")


def _answers(root: Path) -> list:
    svc = _service(root, "milvus")
    return [_key(asdict(svc.ask(q["question"]))) for q in _rows(DEMO_QA)[:12]]


def test_milvus_commit_inserts_only_the_changed_report(tmp_path, monkeypatch):
    from index import milvus

    docs, root, svc = _milvus_corpus(tmp_path)
    before = repo.load(root, "hash", backend="milvus").manifest
    target = sorted(docs.iterdir())[0]
    before_sha = repo.load(root, "hash", backend="milvus").store.document(target.name).sha256
    inserted = []
    real = milvus.MilvusCollection.insert
    monkeypatch.setattr(milvus.MilvusCollection, "insert", lambda self, rows: (inserted.extend(rows), real(self, rows)))
    _touch(target)
    assert [r.doc for r in svc.ingest([docs]) if r.status == "ok"] == [target.name]
    idx = repo.load(root, "hash", backend="milvus")
    try:
        new_ids = idx.store.chunk_ids_where([target.name])
        assert sorted(r["id"] for r in inserted) == sorted(new_ids)  # nothing else was copied
        assert {r["born"] for r in inserted} == {before.seq + 1} == {idx.manifest.seq}
        assert min(new_ids) >= before.next_id  # ids are never reused
        assert idx.manifest.collection == before.collection
        assert _all_rows(root) == idx.manifest.chunks  # the old rows of the report are gone
        # the store is shared too: written in place, not copied into the version dir
        assert idx.manifest.store == before.store
        assert not (root / "versions" / idx.version / "store.sqlite").exists()
        # and the previous version, kept for readers, still reads its own text of the report
        old = ChunkStore(root / before.store, readonly=True, seq=before.seq)
        try:
            assert old.document(target.name).sha256 == before_sha
            assert idx.store.document(target.name).sha256 != before_sha
            assert old.counts() == (before.docs, before.chunks)
        finally:
            old.close()
    finally:
        idx.close()


def test_milvus_crash_mid_build_is_invisible_then_cleaned(tmp_path, monkeypatch):
    docs, root, svc = _milvus_corpus(tmp_path)
    live, expected = repo.current_version(root), _answers(root)
    chunks = repo.load(root, "hash", backend="milvus").manifest.chunks

    def crash(*a, **k):
        raise RuntimeError("killed while writing the manifest")

    # a writer killed after inserting its rows: no manifest, no commit, no clean-up ran
    monkeypatch.setattr(repo, "write_version", crash)
    monkeypatch.setattr(repo, "_remove_version", lambda d, committed=False: None)
    touched = sorted(docs.iterdir())[:3]
    originals = [f.read_bytes() for f in touched]
    for f in touched:
        _touch(f)
    with pytest.raises(RuntimeError, match="killed"):
        svc.ingest([docs])
    monkeypatch.undo()
    for f, data in zip(touched[1:], originals[1:]):  # the next run changes less than the dead one
        f.write_bytes(data)
    assert repo.current_version(root) == live
    assert _all_rows(root) > chunks  # the dead build's rows are in the collection ...
    idx = repo.load(root, "hash", backend="milvus")
    assert len(idx.vectors) == len(idx.keyword) == chunks  # ... but not in the live version
    idx.close()
    assert _answers(root) == expected
    # the next writer removes them before it adds its own
    res = svc.ingest([docs])
    assert [r.doc for r in res if r.status == "ok"] == [touched[0].name]
    assert _all_rows(root) == repo.load(root, "hash", backend="milvus").manifest.chunks


def test_milvus_crash_between_commit_and_cleanup_is_finished(tmp_path, monkeypatch):
    from index import milvus

    docs, root, svc = _milvus_corpus(tmp_path)
    gone = sorted(docs.iterdir())[1].name
    monkeypatch.setattr(milvus, "finish_gc", lambda vdir: None)  # killed right after the commit
    svc.ingest([], remove=[gone])
    monkeypatch.undo()
    idx = repo.load(root, "hash", backend="milvus")  # the leftover rows are tolerated
    chunks, vdir = idx.manifest.chunks, root / "versions" / idx.version
    idx.close()
    assert _all_rows(root) > chunks and milvus.read_marker(vdir)["gc"]
    ans = _service(root, "milvus").ask("收到多少项信息公开申请？")
    assert all(c.doc != gone for c in ans.citations)
    svc.ingest([])  # any next writer finishes the deletion
    assert _all_rows(root) == chunks and milvus.read_marker(vdir)["gc"] == []


def test_milvus_rebuild_makes_a_new_collection_and_drops_the_old_later(tmp_path):
    from index import milvus

    docs, root, svc = _milvus_corpus(tmp_path)
    first = repo.load(root, "hash", backend="milvus").manifest.collection
    svc.ingest([docs], rebuild=True)
    second = repo.load(root, "hash", backend="milvus").manifest.collection
    c = milvus.client(str(root / "milvus.db"))
    assert second != first and sorted(c.list_collections()) == sorted([first, second])  # previous kept
    _touch(sorted(docs.iterdir())[0])
    svc.ingest([docs])
    assert c.list_collections() == [second]  # no version uses the first one any more
    assert _all_rows(root) == repo.load(root, "hash", backend="milvus").manifest.chunks


def test_older_milvus_layout_asks_for_a_rebuild(tmp_path):
    """An index written before the shared collection and store (no seq/store in the manifest)."""
    root = tmp_path / "index"
    svc = _service(root, "milvus")
    svc.ingest([DEMO])
    vdir = root / "versions" / repo.current_version(root)
    data = json.loads((vdir / "manifest.json").read_text())
    del data["seq"], data["store"]
    (vdir / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(IndexMismatch, match="older Milvus layout.*reportqa ingest --rebuild"):
        repo.load(root, "hash", backend="milvus")
    svc.ingest([DEMO], rebuild=True)  # and the rebuild it names works
    assert repo.load(root, "hash", backend="milvus").manifest.seq == 1


def test_another_milvus_uri_is_refused_until_a_rebuild_moves_the_index(tmp_path):
    root = tmp_path / "index"
    first = _service(root, "milvus").ingest([DEMO])
    elsewhere = Settings(index_dir=root, model="hash", backend="milvus", milvus_uri=str(tmp_path / "other.db"))
    with pytest.raises(IndexMismatch, match="index lives in Milvus at .*milvus.db, not .*other.db"):
        Service(elsewhere, HashEmbedder()).ask("东江理工大学联系电话是多少？")
    with pytest.raises(IndexMismatch, match="--rebuild --milvus-uri"):
        Service(elsewhere, HashEmbedder()).ingest([DEMO])
    Service(elsewhere, HashEmbedder()).ingest([DEMO], rebuild=True)
    idx = repo.load(root, "hash", backend="milvus", milvus_uri=str(tmp_path / "other.db"))
    assert idx.manifest.chunks == sum(r.chunks for r in first) and (tmp_path / "other.db").exists()
    idx.close()
