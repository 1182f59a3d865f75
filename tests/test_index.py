"""The index on disk: incremental ingest, offsets, round trips, exact rankings and atomicity."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from index import repository as repo
from index.embed import HashEmbedder
from index.errors import IndexMismatch, IndexNotFound, UnknownDocument
from index.keyword import KeywordIndex
from index.tokenize import tokenize
from index.vectors import VectorIndex
from qa.service import Service
from reportqa.settings import Settings

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


def test_every_chunk_points_at_its_text(demo_service):
    eng = demo_service.engine()
    chunks = eng.index.store.chunks()
    assert chunks
    for c in chunks:
        assert eng.text(c.doc)[c.start:c.end] == c.text
        assert len(c.text) <= demo_service.settings.chunk_size
    pdf = [c for c in chunks if c.doc.endswith(".pdf")]
    assert {c.page for c in pdf} >= {1, 2} and all(c.page is None for c in chunks if not c.doc.endswith(".pdf"))


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


def test_vector_index_exact_ranking_and_round_trip(tmp_path):
    emb = HashEmbedder()
    vi = VectorIndex.build(np.array([10, 20, 30]), emb.embed(CORPUS), emb.dim)
    q = emb.embed(["收到信息公开申请"])[0]
    ranked = [i for i, _ in vi.search(q, 3)]
    assert ranked[0] == 10 and sorted(ranked) == [10, 20, 30]
    vi.save(tmp_path / "v.faiss")
    back = VectorIndex.load(tmp_path / "v.faiss")
    assert [i for i, _ in back.search(q, 3)] == ranked
    assert [i for i, _ in back.search(q, 3, allowed=np.array([20, 30]))] == [i for i in ranked if i != 10]


def test_keyword_index_exact_ranking_and_round_trip(tmp_path):
    ki = KeywordIndex.build([1, 2, 3], [tokenize(t) for t in CORPUS])
    assert [i for i, _ in ki.search(tokenize("党委会"), 3)] == [3]
    assert [i for i, _ in ki.search(tokenize("信息公开申请"), 3)][0] == 1
    ki.save(tmp_path / "kw")
    back = KeywordIndex.load(tmp_path / "kw")
    assert back.search(tokenize("信息公开申请"), 3) == ki.search(tokenize("信息公开申请"), 3)
    assert back.search(tokenize("党委会"), 3, allowed=np.array([1, 2])) == []


def test_failure_mid_ingest_keeps_the_old_index(tmp_path):
    src = tmp_path / "corpus"
    shutil.copytree(DEMO, src)
    svc = Service(Settings(index_dir=tmp_path / "ix", model="hash"), HashEmbedder())
    svc.ingest([src])
    live = repo.current_version(tmp_path / "ix")

    class Exploding(HashEmbedder):
        def embed(self, texts):
            raise RuntimeError("boom in the middle of embedding")

    for f in src.glob("*.txt"):
        if "gbk" not in f.name:
            f.write_text(f.read_text(encoding="utf-8") + "\n修订。\n", encoding="utf-8")
    broken = Service(Settings(index_dir=tmp_path / "ix", model="hash"), Exploding())
    with pytest.raises(RuntimeError, match="boom"):
        broken.ingest([src])
    assert repo.current_version(tmp_path / "ix") == live
    assert [d.name for d in (tmp_path / "ix" / "versions").iterdir()] == [live]
    assert Service(Settings(index_dir=tmp_path / "ix", model="hash"), HashEmbedder()).ask(QUESTION).value == "5"


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
