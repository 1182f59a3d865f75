"""The index's sentence vectors (index/sentvecs.py) and the reader's dense features built on them."""
from __future__ import annotations

import json

import numpy as np
import pytest

from index import repository as repo
from index.embed import HashEmbedder
from index.errors import IndexCorrupt
from index.sentvecs import FILE, SentenceVectors, embed_documents
from index.settings import Settings
from index.textutil import sentences
from qa.candidates import Candidate, Sent
from qa.features import FEATURES, featurize
from qa.parse import parse
from qa.scope import InstitutionMatcher
from qa.service import Service

A = ("甲河大学2023年信息公开工作年度报告\n一、概述\n本年度学校完善信息公开制度。"
     "二、依申请公开情况\n本年度共收到信息公开申请12项，其中予以公开10项。\n")
B = ("乙山学院2023年信息公开工作年度报告\n一、概述\n本年度学院开展信息公开培训3场。"
     "二、主动公开情况\n通过网站主动公开信息45条。\n")
C = ("丙湖职业学院2023年信息公开工作年度报告\n一、概述\n本年度学院收到信息公开申请2项。\n")


def _write(folder, **docs):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def _svc(ix):
    return Service(Settings(index_dir=ix, model="hash"), HashEmbedder())


def _expected_rows(index) -> list[tuple[str, int, int]]:
    """(doc, start, end) of every sentence of every stored report, as the engine cuts them."""
    return sorted((d.doc, s, e) for d in index.store.documents() for s, e in sentences(index.store.text(d.doc)))


def _rows(sv: SentenceVectors) -> list[tuple[str, int, int]]:
    return [(sv.docs[int(k)], int(s), int(e)) for k, s, e in zip(sv.doc_of, sv.starts, sv.ends)]


def _assert_aligned(index):
    """Every sentence of the store has exactly its own row, with the embedder's vector of its text."""
    sv = index.sentences
    assert _rows(sv) == _expected_rows(index)
    assert index.manifest.sentences == len(sv)
    texts = [index.store.text(d)[s:e] for d, s, e in _rows(sv)]
    np.testing.assert_array_equal(sv.vectors, HashEmbedder().embed(texts))


def test_ingest_writes_sentence_rows_that_load_back(tmp_path):
    src = _write(tmp_path / "src", a=A, b=B)
    ix = tmp_path / "ix"
    _svc(ix).ingest([src])
    index = repo.load(ix, model="hash")
    _assert_aligned(index)
    assert index.sentences.doc_names() == {"a.txt", "b.txt"}
    assert json.loads((ix / "versions" / index.version / "manifest.json").read_text())["sentences"] == len(
        index.sentences)
    # the file round-trips on its own too
    index.sentences.save(tmp_path / "copy.npz")
    again = SentenceVectors.load(tmp_path / "copy.npz")
    assert _rows(again) == _rows(index.sentences)
    np.testing.assert_array_equal(again.vectors, index.sentences.vectors)


def test_incremental_add_change_and_remove_keep_rows_aligned(tmp_path):
    src = _write(tmp_path / "src", a=A, b=B)
    ix = tmp_path / "ix"
    svc = _svc(ix)
    svc.ingest([src])
    before = repo.load(ix, model="hash").sentences
    _write(src, c=C, a=A.replace("12项", "15项，较上年增加3项"))  # one added, one changed
    svc.ingest([src])
    index = repo.load(ix, model="hash")
    _assert_aligned(index)
    assert index.sentences.doc_names() == {"a.txt", "b.txt", "c.txt"}
    lo, hi = before.rows_of("b.txt")  # the unchanged report's rows are carried over as they were
    nlo, nhi = index.sentences.rows_of("b.txt")
    np.testing.assert_array_equal(index.sentences.vectors[nlo:nhi], before.vectors[lo:hi])
    svc.ingest([], remove=["a.txt"])
    index = repo.load(ix, model="hash")
    _assert_aligned(index)
    assert index.sentences.doc_names() == {"b.txt", "c.txt"}


def _truncate(vdir):
    p = vdir / FILE
    p.write_bytes(p.read_bytes()[:100])


def _delete(vdir):
    (vdir / FILE).unlink()


def _miscount(vdir):
    m = vdir / "manifest.json"
    data = json.loads(m.read_text())
    data["sentences"] += 1
    m.write_text(json.dumps(data))


def _other_reports(vdir):
    """The part of another index (of another report) in this version's place."""
    other = vdir.parent.parent.parent / "other"
    _svc(other).ingest([_write(vdir.parent.parent.parent / "osrc", b=B)])
    part = other / "versions" / repo.current_version(other) / FILE
    rows = SentenceVectors.load(part)
    m = vdir / "manifest.json"
    data = json.loads(m.read_text())
    data["sentences"] = len(rows)
    m.write_text(json.dumps(data))
    (vdir / FILE).write_bytes(part.read_bytes())


@pytest.mark.parametrize("damage, message", [
    (_truncate, "sentence vector file sentences.npz is unreadable"),
    (_delete, "sentence vector file sentences.npz is missing"),
    (_miscount, r"index parts disagree \(sentence vectors \d+ rows of dimension 256, manifest \d+"),
    (_other_reports, r"sentence vectors of reports the store lacks: \['b.txt'\]"),
], ids=["truncated", "missing", "manifest-count", "other-reports"])
def test_sentence_part_that_disagrees_is_refused_naming_the_rebuild(tmp_path, damage, message):
    ix = tmp_path / "ix"
    _svc(ix).ingest([_write(tmp_path / "src", a=A)])
    damage(ix / "versions" / repo.current_version(ix))
    with pytest.raises(IndexCorrupt, match=message) as info:
        repo.load(ix, model="hash")
    assert "reportqa ingest --rebuild" in str(info.value)


def _make_old(ix):
    """Turn the live version into one written before sentence vectors."""
    vdir = ix / "versions" / repo.current_version(ix)
    (vdir / FILE).unlink()
    m = vdir / "manifest.json"
    data = json.loads(m.read_text())
    del data["sentences"]
    m.write_text(json.dumps(data))


def test_old_index_without_the_part_loads_with_dense_zero_and_the_next_ingest_adds_it(tmp_path):
    src = _write(tmp_path / "src", a=A, b=B)
    ix = tmp_path / "ix"
    _svc(ix).ingest([src])
    _make_old(ix)
    index = repo.load(ix, model="hash")
    assert index.sentences is None and index.manifest.sentences == -1
    engine = _svc(ix).engine()
    p = engine.parse("甲河大学2023年收到多少项信息公开申请？")
    _, _, sents, _, X = engine.read(p.question, p, ["a.txt"])
    assert sents and all(s.dense == 0.0 for s in sents)
    assert not X[:, FEATURES.index("dense_sim")].any() and not X[:, FEATURES.index("dense_rank")].any()
    assert engine.ask("甲河大学2023年收到多少项信息公开申请？").value == "12"
    # an incremental ingest embeds the sentences of the reports the old version kept, too
    _svc(ix).ingest([_write(src, c=C)])
    index = repo.load(ix, model="hash")
    _assert_aligned(index)
    assert index.sentences.doc_names() == {"a.txt", "b.txt", "c.txt"}


def test_asking_an_old_index_says_that_it_has_no_sentence_vectors(tmp_path, capsys):
    from reportqa.cli import main

    ix = tmp_path / "ix"
    _svc(ix).ingest([_write(tmp_path / "src", a=A)])
    args = ["ask", "甲河大学2023年收到多少项信息公开申请？", "--index", str(ix), "--model", "hash"]
    assert main(args) == 0
    assert "sentence vectors" not in capsys.readouterr().err
    _make_old(ix)
    assert main(args) == 0
    assert "note: the index has no sentence vectors" in capsys.readouterr().err


def test_an_unchanged_ingest_adds_the_part_to_an_old_index(tmp_path):
    src = _write(tmp_path / "src", a=A, b=B)
    ix = tmp_path / "ix"
    _svc(ix).ingest([src])
    _make_old(ix)
    old = repo.current_version(ix)
    results = _svc(ix).ingest([src])
    assert {r.status for r in results} == {"skipped"}  # no report changed
    assert repo.current_version(ix) != old
    index = repo.load(ix, model="hash")
    _assert_aligned(index)
    assert index.sentences.doc_names() == {"a.txt", "b.txt"}
    # and once it has the part, an unchanged ingest writes nothing
    upgraded = repo.current_version(ix)
    _svc(ix).ingest([src])
    assert repo.current_version(ix) == upgraded


def test_engine_dense_is_the_cosine_of_question_and_sentence_vectors(tmp_path):
    ix = tmp_path / "ix"
    _svc(ix).ingest([_write(tmp_path / "src", a=A)])
    engine = _svc(ix).engine()
    q = "甲河大学2023年收到多少项信息公开申请？"
    p = engine.parse(q)
    _, _, sents, cands, X = engine.read(q, p, ["a.txt"])
    h = HashEmbedder()
    text = engine.text("a.txt")
    s = next(s for s in sents if s.text == "本年度共收到信息公开申请12项，其中予以公开10项。")
    expected = float(h.embed([q])[0] @ h.embed([text[s.start:s.end]])[0])
    assert s.dense == pytest.approx(expected, abs=1e-6)
    assert expected > 0.3  # the pair shares most of its characters: the test is not a 0 == 0
    rows = [r for r, c in enumerate(cands) if c.sent == s]
    assert rows and all(X[r, FEATURES.index("dense_sim")] == pytest.approx(expected, abs=1e-6) for r in rows)


def test_featurize_dense_sim_and_rank_exact():
    t1, t2 = "本年度共收到申请12项。", "开展培训3场。"
    s1 = Sent("d", 0, len(t1), t1, 0.0, 0.25)
    s2 = Sent("d", len(t1), len(t1) + len(t2), t2, 0.0, 0.75)
    cands = [Candidate("number", "12", "12项", s1, 7, 10, (0, len(t1)), "项", index=0),
             Candidate("number", "3", "3场", s2, 4, 6, (0, len(t2)), "场", index=1)]
    p = parse("收到多少项申请？", InstitutionMatcher([]))
    X = featurize(p, cands, [s1, s2])
    sim, rank = FEATURES.index("dense_sim"), FEATURES.index("dense_rank")
    assert X[:, sim].tolist() == [0.25, 0.75]
    assert X[:, rank].tolist() == [0.5, 1.0]  # s2 is the closest sentence: rank 0 -> 1/(1+0)


def test_embed_documents_cuts_like_the_engine_and_keys_rows():
    sv = embed_documents({"b.txt": B, "a.txt": A}, HashEmbedder().embed, 256, batch=3)
    assert sv.docs == ["a.txt", "b.txt"]
    want = [("a.txt", s, e) for s, e in sentences(A)] + [("b.txt", s, e) for s, e in sentences(B)]
    assert _rows(sv) == want
    s, e = sentences(A)[2]
    assert sv.row("a.txt", s) == 2 and sv.row("a.txt", s + 3) == 2  # a sentence cut short by a chunk
    assert sv.row("zzz.txt", 0) == -1
    assert sv.similarity(sv.vectors[2], [("a.txt", s), ("zzz.txt", 0)]) == [pytest.approx(1.0), 0.0]


def test_milvus_backend_keeps_sentence_rows_aligned(tmp_path):
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    src = _write(tmp_path / "src", a=A, b=B)
    ix = tmp_path / "ix"
    svc = Service(Settings(index_dir=ix, model="hash", backend="milvus"), HashEmbedder())
    svc.ingest([src])
    svc.ingest([_write(tmp_path / "more", c=C)], remove=["a.txt"])
    index = repo.load(ix, model="hash", backend="milvus")
    try:
        _assert_aligned(index)
        assert index.sentences.doc_names() == {"b.txt", "c.txt"}
    finally:
        index.close()
