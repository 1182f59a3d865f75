"""The load test (eval/stress.py), short: 4 clients x 5 s, an upload of 3 reports, an 8 s soak, the hash model.

The full run is `make stress` (20 clients x 60 s, 20 reports, a 10-minute soak, m3e-small); see docs/reliability.md.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from eval import stress

ROOT = Path(__file__).resolve().parents[1]
DEMO_INSTITUTIONS = ["东江理工大学", "东江理工职业学院", "青岚师范学院", "南溪医学高等专科学校", "北辰工商大学",
                     "云岭职业技术学院", "海川交通大学", "西陵农业大学", "东江市教育局", "江枫财经学院", "临湖音乐学院"]


def answer(value="5", quote="本学年共收到信息公开申请5项", doc="a.txt", confidence=0.9):
    return {"answer": f"{value} 项", "value": value, "abstained": False, "confidence": confidence,
            "citations": [{"doc": doc, "start": 10, "end": 20, "quote": quote}], "related": []}


def test_answer_key_ignores_confidence_but_not_citations():
    assert stress.answer_key(answer(confidence=0.1)) == stress.answer_key(answer(confidence=0.9))
    assert stress.answer_key(answer()) != stress.answer_key(answer(quote="本学年共收到信息公开申请6项"))
    assert stress.answer_key(answer()) != stress.answer_key(answer(doc="b.txt"))
    assert stress.answer_key(answer()) != stress.answer_key(answer(value="6"))


def test_percentile_nearest_rank():
    vals = list(range(1, 101))
    assert (stress.percentile(vals, 50), stress.percentile(vals, 95), stress.percentile(vals, 99)) == (50, 95, 99)
    assert stress.percentile([7.0], 99) == 7.0 and stress.percentile([], 50) is None


def test_summarize_counts_errors_mismatches_and_unknown_documents():
    good, bad = stress.answer_key(answer()), stress.answer_key(answer(value="6"))
    recs = [{"qid": "q", "t": 0.1, "ms": 10.0, "ok": True, "key": good, "docs": ["a.txt"]},
            {"qid": "q", "t": 0.2, "ms": 20.0, "ok": True, "key": bad, "docs": ["a.txt"]},
            {"qid": "q", "t": 0.3, "ms": 30.0, "ok": True, "key": good, "docs": ["ghost.txt"]},
            {"qid": "q", "t": 0.4, "ms": 40.0, "ok": False, "status": 500, "error": "HTTP 500: boom"}]
    s = stress.summarize(recs, 2.0, {"q": {good}}, {"a.txt"})
    assert (s["requests"], s["errors"], s["mismatches"], s["unknown_doc_citations"]) == (4, 1, 1, 1)
    assert s["error_codes"] == {"500": 1} and s["throughput_rps"] == 2.0 and s["p50_ms"] == 20.0


def test_uploaded_reports_are_distinct_fictional_institutions():
    reports = [stress.upload_report(i) for i in range(24)]
    names = [stress.upload_institution(i) for i in range(24)]
    assert len(set(names)) == 24 and len({n for n, _, _ in reports}) == 24
    for (name, text, received), inst in zip(reports, names):
        assert f"本学年共收到信息公开申请{received}项" in text and inst in name
        assert not any(inst[0] == d[0] for d in DEMO_INSTITUTIONS), inst


def test_short_stress_run_passes(tmp_path):
    """Server subprocess, reference pass, phase A and phase B with an upload: no error, no mismatch."""
    out = tmp_path / "stress"
    proc = subprocess.run([sys.executable, "-m", "eval.stress", "--clients", "4", "--seconds", "5", "--upload", "3",
                           "--model", "hash", "--out", str(out), "--start-timeout", "90", "--upload-timeout", "60",
                           # a short soak: the plumbing (RSS samples, replacing uploads), not the memory bound
                           "--soak", "8", "--soak-upload-every", "3", "--soak-sample", "1", "--soak-max-growth", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert res["passed"] and res["problems"] == []
    a, b = res["phases"]["A"], res["phases"]["B"]
    assert a["requests"] > 20 and b["requests"] > 20
    assert a["errors"] == a["mismatches"] == b["errors"] == b["mismatches"] == 0
    assert b["upload"]["ok"] == 3 and b["new_docs"] == 13
    assert b["uploaded_checked"] == 3 and b["uploaded_wrong"] == []
    assert b["scoped_changed_by_upload"] == [] and b["bad_docs_states"] == []
    assert "| A: ask only | 4 |" in proc.stdout
    soak = res["phases"]["S"]
    assert soak["errors"] == 0 and soak["requests"] > 20 and soak["uploads"]["errors"] == []
    assert soak["uploads"]["requests"] >= 2 and soak["uploads"]["ok_files"] >= 5  # new figures each round
    assert len(soak["rss_samples"]) >= 5 and all(x["rss_mb"] > 50 for x in soak["rss_samples"])
    assert "| soak |" in proc.stdout


def test_rss_is_read_from_proc():
    import os

    assert stress.rss_mb(os.getpid()) > 10
    assert stress.rss_mb(2 ** 22 + 12345) is None  # no such process
