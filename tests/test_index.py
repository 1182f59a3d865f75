"""The index on disk: incremental ingest, offsets, round trips, exact rankings and atomicity."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from index import repository as repo
from index.embed import HashEmbedder
from index.errors import IndexCorrupt, IndexMismatch, IndexNotFound, UnknownDocument
from index.keyword import KeywordIndex
from index.tokenize import tokenize
from index.vectors import VectorIndex
from qa.service import Service
from index.settings import Settings

from .conftest import DEMO

QUESTION = "东江理工大学2022-2023学年共收到多少项信息公开申请？"


def test_demo_corpus_ingests_all_formats(demo_service):
    docs = {d.doc: d for d in demo_service.engine().docs.values()}
    assert len(docs) == 10
    assert {d.format for d in docs.values()} == {"txt", "pdf", "docx", "html"}
    assert docs["demo06_beichen_gongshang.pdf"].institution == "北辰工商大学"
    assert docs["demo05_nanxi_yizhuan_gbk.txt"].institution == "南溪医学高等专科学校"
    assert docs["demo04_qinglan_2022.txt"].year == "2022-2023"
    assert docs["demo03_qinglan_2021.txt"].year == "2021-2022"


def test_incremental_reingest_and_remove(tmp_path):
    src = tmp_path / "corpus"
    shutil.copytree(DEMO, src)
    svc = Service(Settings(index_dir=tmp_path / "ix", model="hash"), HashEmbedder())
    first = svc.ingest([src])
    assert [r.status for r in first] == ["ok"] * 10
    assert {r.status for r in svc.ingest([src])} == {"skipped"}
    f = src / "demo09_xiling_nongye.txt"
    f.write_text(f.read_text(encoding="utf-8").replace("七、其他需要报告的事项", "补充说明：本学年新增信息公开培训1场。\n七、其他需要报告的事项"),
                 encoding="utf-8")
    again = {r.doc: r.status for r in svc.ingest([src])}
    assert again["demo09_xiling_nongye.txt"] == "ok" and list(again.values()).count("skipped") == 9
    idx = svc.engine().index
    assert idx.manifest.chunks == len(idx.vectors) == len(idx.keyword) == idx.store.counts()[1]
    assert "新增信息公开培训1场" in svc.engine().text("demo09_xiling_nongye.txt")
    svc.ingest([], remove=["demo09_xiling_nongye.txt"])
    assert "demo09_xiling_nongye.txt" not in svc.engine().docs and len(svc.engine().docs) == 9
    with pytest.raises(UnknownDocument, match="no document named"):
        svc.ingest([], remove=["nope.txt"])


def test_a_failing_file_does_not_stop_the_others(tmp_path):
    src = tmp_path / "corpus"
    src.mkdir()
    shutil.copy(DEMO / "demo01_dongjiang_ligong.txt", src)
    (src / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    svc = Service(Settings(index_dir=tmp_path / "ix", model="hash"), HashEmbedder())
    res = {r.doc: r for r in svc.ingest([src])}
    assert res["broken.pdf"].status == "failed" and "PDF" in res["broken.pdf"].message
    assert res["demo01_dongjiang_ligong.txt"].status == "ok"
    assert svc.ask(QUESTION).value == "5"


CORPUS = ["学校收到信息公开申请两项", "学校主动公开信息两千条", "学校召开党委会十次"]


MARK = "补充说明：本学年测试追加段落甲乙丙一项。"
RANKINGS = [("收到信息公开申请", [10, 20, 30]), ("召开党委会", [30, 20, 10]), ("主动公开信息条数", [20, 10, 30])]


def test_vector_index_exact_ranking_and_round_trip(tmp_path):
    emb = HashEmbedder()
    vi = VectorIndex.build(np.array([10, 20, 30]), emb.embed(CORPUS), emb.dim)
    vi.save(tmp_path / "v.faiss")
    back = VectorIndex.load(tmp_path / "v.faiss")
    assert (len(back), back.dim, sorted(back.ids().tolist())) == (3, emb.dim, [10, 20, 30])
    for query, order in RANKINGS:
        q = emb.embed([query])[0]
        assert [i for i, _ in vi.search(q, 3)] == order
        assert back.search(q, 3) == vi.search(q, 3)
        assert [i for i, _ in back.search(q, 3, allowed=np.array([20, 30]))] == [i for i in order if i != 10]
        assert [i for i, _ in back.search(q, 1)] == order[:1]
    assert back.search(emb.embed(["x"])[0], 3, allowed=np.array([], dtype=np.int64)) == []


def test_keyword_index_exact_ranking_and_round_trip(tmp_path):
    ki = KeywordIndex.build([1, 2, 3], [tokenize(t) for t in CORPUS])
    ki.save(tmp_path / "kw")
    back = KeywordIndex.load(tmp_path / "kw")
    assert sorted(back.ids().tolist()) == [1, 2, 3] and len(back) == 3
    for query, order in [("党委会", [3]), ("信息公开申请", [1, 2]), ("主动公开信息", [2, 1])]:
        assert [i for i, _ in ki.search(tokenize(query), 3)] == order
        assert back.search(tokenize(query), 3) == ki.search(tokenize(query), 3)
    assert back.search(tokenize("党委会"), 3, allowed=np.array([1, 2])) == []
    assert back.search(tokenize("不相干的词语"), 3) == []


def test_failure_mid_ingest_keeps_the_old_index(tmp_path):
    src = tmp_path / "corpus"
    shutil.copytree(DEMO, src)
    ix = tmp_path / "ix"
    settings = Settings(index_dir=ix, model="hash", batch_size=1)  # batches of 8 chunks
    svc = Service(settings, HashEmbedder())
    svc.ingest([src])
    live = repo.current_version(ix)
    before = svc.ask(QUESTION)
    assert before.value == "5"

    class ExplodingAfterFirstBatch(HashEmbedder):
        calls = 0

        def embed(self, texts):
            type(self).calls += 1
            if type(self).calls > 1:
                raise RuntimeError("boom in the middle of embedding")
            return super().embed(texts)

    changed = sorted(f.name for f in src.glob("*.txt")
                     if "gbk" not in f.name and "七、其他需要报告的事项" in f.read_text(encoding="utf-8"))
    assert len(changed) == 5
    for name in changed:
        f = src / name
        f.write_text(f.read_text(encoding="utf-8").replace("七、其他需要报告的事项", MARK + "\n七、其他需要报告的事项"),
                     encoding="utf-8")
    with pytest.raises(RuntimeError, match="boom in the middle"):
        Service(settings, ExplodingAfterFirstBatch()).ingest([src])
    assert ExplodingAfterFirstBatch.calls == 2  # one call went through before the failure
    assert repo.current_version(ix) == live
    assert [d.name for d in (ix / "versions").iterdir()] == [live]
    after = Service(settings, HashEmbedder()).ask(QUESTION)
    assert (after.value, after.citations[0].quote) == ("5", before.citations[0].quote)
    assert MARK not in Service(settings, HashEmbedder()).engine().text("demo01_dongjiang_ligong.txt")

    # a later successful ingest commits, and leaves only the new and the previous version
    results = Service(settings, HashEmbedder()).ingest([src])
    assert sorted(r.doc for r in results if r.status == "ok") == changed
    assert {r.status for r in results if r.doc not in changed} == {"skipped"}
    new_live = repo.current_version(ix)
    assert new_live != live
    assert sorted(d.name for d in (ix / "versions").iterdir()) == sorted([live, new_live])
    assert MARK in Service(settings, HashEmbedder()).engine().text("demo01_dongjiang_ligong.txt")


def _truncate_vectors(vdir):
    p = vdir / "vectors.faiss"
    p.write_bytes(p.read_bytes()[:100])


def _delete_store(vdir):
    (vdir / "store.sqlite").unlink()


def _other_model(vdir):
    m = vdir / "manifest.json"
    m.write_text(m.read_text().replace('"model": "hash"', '"model": "another-model"'))


def _drop_manifest(vdir):
    (vdir / "manifest.json").unlink()


def _remove_version_dir(vdir):
    shutil.rmtree(vdir)


@pytest.mark.parametrize("damage, error, message", [
    (_truncate_vectors, IndexCorrupt, "vector file vectors.faiss is unreadable"),
    (_delete_store, IndexCorrupt, "store"),
    (_other_model, IndexMismatch, "built with model 'another-model'"),
    (_drop_manifest, IndexCorrupt, "manifest is missing"),
    (_remove_version_dir, IndexCorrupt, "named by CURRENT is missing"),
], ids=["truncated-vectors", "no-store", "other-model", "no-manifest", "no-version-dir"])
def test_damaged_index_is_refused_naming_the_rebuild(tmp_path, damage, error, message):
    ix = tmp_path / "ix"
    Service(Settings(index_dir=ix, model="hash"), HashEmbedder()).ingest([DEMO / "demo01_dongjiang_ligong.txt"])
    assert repo.load(ix, model="hash").manifest.docs == 1
    damage(ix / "versions" / repo.current_version(ix))
    with pytest.raises(error, match=message) as info:
        repo.load(ix, model="hash")
    assert "reportqa ingest --rebuild" in str(info.value)


def test_load_checks_model_and_presence(tmp_path, demo_service):
    with pytest.raises(IndexNotFound, match="reportqa ingest"):
        repo.load(tmp_path / "nothing")
    with pytest.raises(IndexMismatch, match="rebuild"):
        repo.load(demo_service.settings.index_dir, model="m3e-small")
    with pytest.raises(IndexMismatch, match="dimension"):
        repo.load(demo_service.settings.index_dir, model="hash", dim=512)


def test_chunk_settings_mismatch_is_an_error(tmp_path):
    svc = Service(Settings(index_dir=tmp_path / "ix", model="hash"), HashEmbedder())
    svc.ingest([DEMO / "demo01_dongjiang_ligong.txt"])
    other = Service(Settings(index_dir=tmp_path / "ix", model="hash", chunk_size=200), HashEmbedder())
    with pytest.raises(IndexMismatch, match="chunked with size 360"):
        other.ingest([DEMO / "demo02_dongjiang_zhiye.txt"])
    assert {r.status for r in other.ingest([DEMO / "demo02_dongjiang_zhiye.txt"], rebuild=True)} == {"ok"}
    assert len(other.engine().docs) == 2 and other.engine().index.manifest.chunk_size == 200


def test_sidecar_manifest_overrides_detection(tmp_path):
    from index.ingest import load_overrides

    side = tmp_path / "m.csv"
    side.write_text("doc,institution,year\ndemo01_dongjiang_ligong.txt,改名大学,2030\n", encoding="utf-8")
    svc = Service(Settings(index_dir=tmp_path / "ix", model="hash"), HashEmbedder())
    svc.ingest([DEMO / "demo01_dongjiang_ligong.txt"], overrides=load_overrides(side))
    d = svc.engine().docs["demo01_dongjiang_ligong.txt"]
    assert (d.institution, d.year) == ("改名大学", "2030")


def test_batched_commits_resume_after_a_crash(tmp_path):
    """With commit_every=3, a failure in the third batch keeps the first two committed; a rerun
    skips them by content hash and finishes the rest."""
    calls = {"n": 0}

    class FailsOnThirdBatch(HashEmbedder):
        def embed(self, texts):
            calls["n"] += 1
            # a batch calls the embedder twice (its chunks, then its sentences): the 5th is batch 3's
            if calls["n"] == 5:
                raise RuntimeError("crash in batch 3")
            return super().embed(texts)

    settings = Settings(index_dir=tmp_path / "ix", model="hash", commit_every=3)
    with pytest.raises(RuntimeError, match="crash in batch 3"):
        Service(settings, FailsOnThirdBatch()).ingest([DEMO])
    assert len(Service(settings, HashEmbedder()).engine().docs) == 6
    results = Service(settings, HashEmbedder()).ingest([DEMO])
    assert [r.status for r in results] == ["skipped"] * 6 + ["ok"] * 4
    svc = Service(settings, HashEmbedder())
    assert len(svc.engine().docs) == 10 and svc.ask(QUESTION).value == "5"
    assert len(list((tmp_path / "ix" / "versions").iterdir())) <= 2


def test_walk_streams_in_sorted_path_order(tmp_path):
    """walk() lists one folder at a time yet gives the order of sorting every path, skipping
    hidden entries and sidecar manifests."""
    from index.ingest import walk

    for rel in ["b.txt", "b/x.txt", "a/z.txt", "a/.hidden/y.txt", ".h.txt", "c/d/e.txt",
                "manifest.jsonl", "c/README.md", "c/a.pdf"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    got = [p.relative_to(tmp_path).as_posix() for p in walk([tmp_path])]
    assert got == ["a/z.txt", "b/x.txt", "b.txt", "c/a.pdf", "c/d/e.txt"]
    it = walk([tmp_path])
    assert next(it).name == "z.txt"  # a generator: nothing past the first folder was needed


def test_ingest_batches_are_yielded_as_they_commit(tmp_path):
    settings = Settings(index_dir=tmp_path / "ix", model="hash", commit_every=4)
    svc = Service(settings, HashEmbedder())
    batches = svc.ingest_batches([DEMO])
    first = next(batches)
    assert [r.status for r in first] == ["ok"] * 4
    assert repo.exists(tmp_path / "ix")  # the first batch is live before the rest is read
    assert [len(b) for b in batches] == [4, 2]
    assert len(Service(settings, HashEmbedder()).engine().docs) == 10


def _doc(name: str, text: str):
    from index.schema import Document

    return Document(doc=name, institution="青岚大学", year="2023", period="", period_norm="",
                    published="", format="txt", sha256=name + text, chars=len(text), chunks=1,
                    title="", source="")


def _put(store, name: str, text: str, cid: int) -> None:
    from index.schema import Chunk

    store.put_document(_doc(name, text), text, [])
    store.put_chunks([Chunk(id=cid, doc=name, institution="青岚大学", year="2023", section="一、概述",
                            start=0, end=len(text), text=text, page=None)], [tokenize(text)])
    store.put_facts(name, [{"name": "received", "value": cid, "start": 0, "end": 1, "quote": text[:1]}])


def _view(path, seq):
    from index.store import ChunkStore

    st = ChunkStore(path, readonly=True, seq=seq)
    try:
        return ({d.doc: st.text(d.doc) for d in st.documents()}, st.chunk_ids(), st.counts(),
                sorted(f["value"] for f in st.facts()), sorted(st.chunk_ids_where(["a", "b", "c"])))
    finally:
        st.close()


def test_versioned_store_shows_each_version_its_own_rows(tmp_path):
    from index.store import ChunkStore

    path = tmp_path / "shared.sqlite"
    v1 = ChunkStore(path, seq=1)
    _put(v1, "a", "收到申请2项", 1)
    _put(v1, "b", "收到申请5项", 2)
    v1.commit()
    v1.close()
    before = _view(path, 1)
    assert before == ({"a": "收到申请2项", "b": "收到申请5项"}, [1, 2], (2, 2), ["1", "2"], [1, 2])
    v2 = ChunkStore(path, seq=2)  # report a changes, c arrives
    assert v2.delete_document("a") == [1]
    _put(v2, "a", "收到申请3项", 3)
    _put(v2, "c", "未收到申请", 4)
    assert v2.next_chunk_id() == 5  # ids are never reused, removed rows included
    v2.commit()
    after = ({"a": "收到申请3项", "b": "收到申请5项", "c": "未收到申请"}, [2, 3, 4], (3, 3), ["2", "3", "4"], [2, 3, 4])
    assert _view(path, 1) == before  # a reader of version 1 is undisturbed
    assert _view(path, 2) == after
    v2.purge(1)  # nothing removed at or before 1: both views intact
    assert _view(path, 1) == before and _view(path, 2) == after
    v2.recover(1)  # as if version 2 had never committed
    assert _view(path, 2) == before
    v2.close()


def test_versioned_store_purge_drops_only_rows_no_version_sees(tmp_path):
    from index.store import ChunkStore

    path = tmp_path / "shared.sqlite"
    st = ChunkStore(path, seq=1)
    _put(st, "a", "收到申请2项", 1)
    st.commit()
    st.close()
    st = ChunkStore(path, seq=2)
    st.delete_document("a")
    _put(st, "a", "收到申请3项", 2)
    st.commit()
    st.purge(2)
    st.close()
    import sqlite3

    with sqlite3.connect(path) as db:
        assert db.execute("SELECT id FROM chunks").fetchall() == [(2,)]
        assert db.execute("SELECT count(*) FROM docs").fetchone()[0] == 1
    assert _view(path, 2)[0] == {"a": "收到申请3项"}


def _index_content(root):
    idx = repo.load(root, "hash")
    try:
        docs = [(d.doc, d.institution, d.year, d.chunks, idx.store.text(d.doc)) for d in idx.store.documents()]
        chunks = [(c.id, c.doc, c.section, c.start, c.end) for c in idx.store.chunks()]
        ids, toks = idx.store.all_tokens()
        return docs, chunks, toks, idx.store.facts(), np.sort(idx.vectors.ids()).tolist()
    finally:
        idx.close()


def test_worker_processes_build_the_same_index(tmp_path, monkeypatch):
    """--workers 2 reads, parses, tokenises and extracts facts in other processes: same index,
    same per-file results (a bad file and a duplicate name among them), same order."""
    from concurrent.futures import ProcessPoolExecutor

    mapped = []
    real_map = ProcessPoolExecutor.map

    def spy(self, fn, files, *rest, **kw):
        files = list(files)  # the others are itertools.repeat: endless
        mapped.append((fn.__name__, self._max_workers, len(files)))
        return real_map(self, fn, files, *rest, **kw)

    monkeypatch.setattr(ProcessPoolExecutor, "map", spy)
    src = _corpus_with_problems(tmp_path)
    out = {}
    for workers in (1, 2):
        settings = Settings(index_dir=tmp_path / f"ix{workers}", model="hash", workers=workers, commit_every=4)
        svc = Service(settings, HashEmbedder())
        res = svc.ingest([src, DEMO / "demo01_dongjiang_ligong.txt"])
        out[workers] = ([(r.doc, r.status, r.message, r.chunks) for r in res], _index_content(settings.index_dir))
        rerun = {r.doc: r.status for r in svc.ingest([src])}
        assert rerun["demo01_dongjiang_ligong.txt"] == "skipped" and rerun["broken.pdf"] == "failed"
    assert out[1] == out[2]
    assert mapped and all(name == "prepare" and n == 2 for name, n, _ in mapped)  # only with workers=2
    assert sum(k for _, _, k in mapped) == 2 * 11  # every file once per ingest (the duplicate never)
    results = out[2][0]
    assert ("demo01_dongjiang_ligong.txt", "failed", "another file with the same name is in this ingest", 0) in results
    assert any(r[0] == "broken.pdf" and r[1] == "failed" for r in results)
    assert out[2][1][3], "facts were extracted (the service's enricher ran in the workers)"


def _corpus_with_problems(tmp_path):
    src = tmp_path / "corpus"
    shutil.copytree(DEMO, src)
    (src / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    return src


def test_documents_named_reads_only_those_asked(tmp_path):
    from index.store import ChunkStore

    for seq in (None, 1):
        st = ChunkStore(tmp_path / f"s{seq}.sqlite", seq=seq)
        for i in range(1203):  # more than one query's worth of names
            st.put_document(_doc(f"d{i}", "文本"), "文本", [])
        st.commit()
        got = st.documents_named([f"d{i}" for i in range(0, 1300, 2)] + ["d5", "none"])
        assert sorted(got) == sorted({f"d{i}" for i in range(0, 1203, 2)} | {"d5"})
        assert got["d4"].doc == "d4" and got["d4"].institution == "青岚大学"
        st.close()


def test_keyword_search_within_a_subset_ranks_as_the_whole_index_masked():
    """The subset path (one report's chunks, the last query's scores reused) gives exactly the
    ranking of all scores with the chunks outside the subset set to 0, ties in index order."""
    texts = ["收到信息公开申请5项", "收到信息公开申请5项", "主动公开信息321条", "信息公开申请予以公开",
             "未收到信息公开申请", "党委会研究信息公开工作", "收到信息公开申请5项"]
    ids = [70, 10, 30, 20, 60, 50, 40]  # not in id order: positions and ids differ
    ki = KeywordIndex.build(ids, [tokenize(t) for t in texts])
    query = tokenize("收到信息公开申请")
    scores = ki._model.get_scores([t for t in query if t in ki._model.vocab_dict])
    for allowed in ([10, 40, 70], [20, 60], [50], [40, 10, 99], [99]):
        masked = np.where(np.isin(ki.ids(), allowed), scores, 0.0)
        want = [(ids[i], float(masked[i])) for i in np.argsort(-masked, kind="stable")[:2] if masked[i] > 0]
        for _ in range(2):  # the second search reads the cached scores
            assert ki.search(query, 2, allowed=np.array(allowed)) == want
    assert [i for i, _ in ki.search(query, 3, allowed=np.array([10, 40, 70]))] == [70, 10, 40]
