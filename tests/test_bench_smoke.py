"""Smoke test of the scale benchmark: the synthetic generator and one tiny run (hash embedder)."""
from __future__ import annotations

import json

from eval.bench import run, synth


def _read(d):
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt"))}
    qa = [json.loads(ln) for ln in (d / "qa.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    return texts, qa


def test_generator_is_deterministic_and_nested(tmp_path):
    synth.generate(12, tmp_path / "a", seed=3)
    synth.generate(12, tmp_path / "b", seed=3)
    synth.generate(30, tmp_path / "c", seed=3)
    a, qa_a = _read(tmp_path / "a")
    b, qa_b = _read(tmp_path / "b")
    c, _ = _read(tmp_path / "c")
    assert a == b and qa_a == qa_b
    assert all(c[name] == text for name, text in a.items())  # a smaller N is a prefix of a larger one
    synth.generate(12, tmp_path / "d", seed=4)
    assert _read(tmp_path / "d")[0] != a


def test_reports_and_gold_lines_are_valid(tmp_path):
    synth.generate(40, tmp_path, seed=0)
    texts, qa = _read(tmp_path)
    assert len(texts) == 40
    for name, text in texts.items():
        assert "信息公开工作年度报告" in text and "七、其他需要报告的事项" in text
        assert 500 <= len(text) <= 1600, (name, len(text))
    keys = {"id", "doc", "question", "answer", "type", "evidence"}
    assert len({g["id"] for g in qa}) == len(qa)
    for g in qa:
        assert set(g) == keys
        if g["type"] == "none":
            assert g["doc"] == "" and g["answer"] == ""
            continue
        assert g["type"] in {"count", "phone", "yesno", "date"}
        assert g["evidence"] and g["evidence"] in texts[g["doc"]], g
        assert g["answer"]
    per_doc = {}
    for g in qa:
        per_doc[g["doc"]] = per_doc.get(g["doc"], 0) + 1
    assert all(per_doc[d] == 3 for d in texts)
    assert any(g["type"] == "none" for g in qa)
    # (institution, year) is unique, yet near-duplicates abound: one stem with several suffixes,
    # one institution in several years
    ids = synth.identities(40, 0)
    assert len({(i.name, i.year) for i in ids}) == 40
    assert len({i.name for i in ids}) < 40
    assert len({i.place + i.discipline for i in ids}) < len({i.name for i in ids})
    assert len({(i.name, i.year) for i in synth.identities(5000, 0)}) == 5000


def test_cn_numerals():
    assert [synth.cn_num(n) for n in (0, 7, 10, 12, 20, 35)] == ["零", "七", "十", "十二", "二十", "三十五"]


def test_run_produces_expected_keys(tmp_path, capsys):
    out = tmp_path / "bench"
    assert run.main(["--n", "10", "--model", "hash", "--out", str(out), "--questions", "5", "--in-process"]) == 0
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    r = res["runs"]["hash:10"]
    missing = [k for k in run.RESULT_KEYS if k not in r]
    assert not missing, missing
    assert r["docs"] == 10 and r["chunks"] > 0 and r["files_failed"] == 0
    assert 0.0 <= r["accuracy"] <= 1.0 and r["n_questions"] == 5
    assert r["query_p95_ms"] >= r["query_p50_ms"] > 0
    assert r["index_bytes"] > 0 and r["peak_rss_mb"] > 0
    assert "| hash | 10 |" in capsys.readouterr().out


def test_cross_report_bench_smoke(tmp_path):
    from eval.bench import cross

    result = cross.run(30, tmp_path, "hash", seed=0)
    rows = result["questions"]
    assert [r["question"] for r in rows] == [q for q, _ in cross.QUESTIONS]
    assert all(r["same_cached"] for r in rows)
    golds = cross.gold_sets(30, 0)
    assert [r["gold"] for r in rows] == [len(g) for g in golds]
    assert "| first (s) |" in cross.table(result)
    only = cross.run(30, tmp_path, "hash", seed=0, only=1)["questions"]
    assert [r["question"] for r in only] == [cross.QUESTIONS[1][0]]
    assert only[0]["answered"] == rows[1]["answered"]


def test_query_p50_reads_the_index_a_bench_run_built(tmp_path):
    from eval.bench import query_p50

    out = tmp_path / "bench"
    assert run.main(["--n", "10", "--model", "hash", "--out", str(out), "--questions", "5", "--in-process"]) == 0
    r = query_p50.measure(out / "corpus-10", out / "index-hash-10", "hash", 5, 0)
    assert r["questions"] >= 5 and 0 <= r["right"] <= r["questions"]
    assert r["p95_ms"] >= r["p50_ms"] > 0
