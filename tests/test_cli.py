"""The reportqa CLI, in process through main(argv)."""
from __future__ import annotations

import json
import shutil

from reportqa.cli import main

from .conftest import DEMO

Q = "东江理工大学2022-2023学年共收到多少项信息公开申请？"


def _ingest(tmp_path, capsys, *extra):
    code = main(["ingest", str(DEMO), "--index", str(tmp_path / "ix"), "--model", "hash", *extra])
    return code, capsys.readouterr()


def test_ingest_docs_ask_facts(tmp_path, capsys):
    code, out = _ingest(tmp_path, capsys)
    assert code == 0 and "10 ingested, 0 unchanged, 0 failed" in out.out
    assert "ok       demo06_beichen_gongshang.pdf" in out.out
    code, out = _ingest(tmp_path, capsys)
    assert code == 0 and "0 ingested, 10 unchanged" in out.out

    assert main(["docs", "--json", "--index", str(tmp_path / "ix"), "--model", "hash"]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert len(docs) == 10
    assert set(docs[0]) >= {"doc", "institution", "year", "period", "published", "chunks", "format"}

    assert main(["ask", Q, "--json", "--index", str(tmp_path / "ix"), "--model", "hash"]) == 0
    ans = json.loads(capsys.readouterr().out)
    assert set(ans) >= {"question", "answer", "value", "abstained", "confidence", "citations", "intent"}
    assert ans["value"] == "5" and ans["citations"][0]["quote"]

    assert main(["ask", Q, "--index", str(tmp_path / "ix"), "--model", "hash"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("5项") and "「" in text

    assert main(["facts", "--csv", "--index", str(tmp_path / "ix"), "--model", "hash"]) == 0
    csv_out = capsys.readouterr().out
    import csv
    import io
    rows = list(csv.reader(io.StringIO(csv_out)))
    assert rows[0] == ["doc", "institution", "year", "fact", "value", "start", "end", "quote",
                       "label", "table", "row", "col", "check"]
    assert ["demo01_dongjiang_ligong.txt", "东江理工大学", "2022-2023", "applications_received", "5"] in [
        r[:5] for r in rows[1:]]


def test_batch_in_order(tmp_path, capsys):
    _ingest(tmp_path, capsys)
    batch = tmp_path / "q.jsonl"
    qs = [Q, "北京大学收到多少申请？", "青岚师范学院2021-2022学年共收到多少项信息公开申请？"]
    batch.write_text("\n".join(json.dumps({"id": i, "question": q}, ensure_ascii=False) for i, q in enumerate(qs)),
                     encoding="utf-8")
    assert main(["ask", "--batch", str(batch), "--json", "--index", str(tmp_path / "ix"), "--model", "hash"]) == 0
    rows = [json.loads(ln) for ln in capsys.readouterr().out.splitlines()]
    assert [r["question"] for r in rows] == qs
    assert [r["value"] for r in rows] == ["5", None, "2"] and rows[1]["abstained"]


def test_partial_failure_exit_1_but_rest_committed(tmp_path, capsys):
    src = tmp_path / "src"
    shutil.copytree(DEMO, src)
    (src / "broken.pdf").write_bytes(b"not a pdf")
    code = main(["ingest", str(src), "--index", str(tmp_path / "ix"), "--model", "hash"])
    out = capsys.readouterr().out
    assert code == 1 and "failed   broken.pdf: corrupt or truncated PDF" in out and "10 ingested" in out
    assert main(["docs", "--json", "--index", str(tmp_path / "ix"), "--model", "hash"]) == 0
    docs = {d["doc"]: d for d in json.loads(capsys.readouterr().out)}
    assert len(docs) == 10 and "broken.pdf" not in docs
    assert {d["format"] for d in docs.values()} == {"txt", "pdf", "docx", "html"}
    row = docs["demo01_dongjiang_ligong.txt"]
    assert {k: row[k] for k in ("doc", "institution", "year", "period", "published", "format")} == {
        "doc": "demo01_dongjiang_ligong.txt", "institution": "东江理工大学", "year": "2022-2023",
        "period": "2022年9月1日至2023年8月31日", "published": "2023-10-30", "format": "txt"}
    assert isinstance(row["chunks"], int) and row["chunks"] > 0
    assert (docs["demo06_beichen_gongshang.pdf"]["institution"], docs["demo06_beichen_gongshang.pdf"]["format"]) == (
        "北辰工商大学", "pdf")
    assert docs["demo10_dongjiang_jiaoyuju.txt"]["year"] == "2023"


def test_errors_exit_1_with_message(tmp_path, capsys):
    _ingest(tmp_path, capsys)
    assert main(["ask", "", "--index", str(tmp_path / "ix"), "--model", "hash"]) == 1
    err = capsys.readouterr()
    assert err.err.strip() == "error: give a QUESTION or --batch FILE" and err.out == ""
    assert main(["ask", "   ", "--index", str(tmp_path / "ix"), "--model", "hash"]) == 1
    assert "error: question is empty" in capsys.readouterr().err
    assert main(["ask", "问题", "--index", str(tmp_path / "none"), "--model", "hash"]) == 1
    assert "no index at" in capsys.readouterr().err
    assert main(["ask", Q, "--index", str(tmp_path / "ix")]) == 1  # default model differs from the index's
    assert "rebuild" in capsys.readouterr().err


def test_index_from_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REPORTQA_INDEX", str(tmp_path / "envix"))
    monkeypatch.setenv("REPORTQA_MODEL", "hash")
    assert main(["ingest", str(DEMO / "demo01_dongjiang_ligong.txt")]) == 0
    assert (tmp_path / "envix" / "CURRENT").exists()
    capsys.readouterr()
    assert main(["ask", Q, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == "5"


def test_remove(tmp_path, capsys):
    _ingest(tmp_path, capsys)
    assert main(["remove", "demo01_dongjiang_ligong.txt", "--index", str(tmp_path / "ix"), "--model", "hash"]) == 0
    assert "removed  demo01_dongjiang_ligong.txt" in capsys.readouterr().out
    main(["docs", "--json", "--index", str(tmp_path / "ix"), "--model", "hash"])
    assert "demo01_dongjiang_ligong.txt" not in capsys.readouterr().out
