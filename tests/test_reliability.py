"""Crashes and faults during ingest never leave a broken or half-written index."""
from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index import repository as repo
from index.embed import HashEmbedder
from index.errors import IndexCorrupt, IndexMismatch
from qa.service import Service
from index.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "eval" / "corpus" / "demo"
QUESTION = "东江理工大学2022-2023学年共收到多少项信息公开申请？"


def _service(index: Path, backend: str = "faiss") -> Service:
    return Service(Settings(index_dir=index, model="hash", backend=backend), HashEmbedder())


def _release(index: Path, backend: str) -> None:
    """milvus-lite: one process at a time opens the file, so this one lets go before the CLI runs."""
    if backend == "milvus":
        from index import milvus

        milvus.close(str(index / "milvus.db"))


def _corpus(tmp_path: Path) -> Path:
    src = tmp_path / "corpus"
    shutil.copytree(DEMO, src)
    return src


@pytest.mark.parametrize("backend", ["faiss", "milvus"])
def test_kill_9_mid_ingest_leaves_a_whole_index(tmp_path, backend):
    """Kill the ingest process at random points: the index always loads and answers, and a rerun completes."""
    if backend == "milvus":
        pytest.importorskip("milvus_lite")
    src = _corpus(tmp_path)
    index = tmp_path / "index"
    svc = _service(index, backend)
    svc.ingest([src])
    before = svc.ask(QUESTION)
    assert before.value == "5"
    _release(index, backend)
    rng = random.Random(7)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "REPORTQA_BACKEND": backend}
    for round_ in range(6):
        # change every report so the next ingest rewrites the whole index
        for f in src.glob("*.txt"):
            f.write_bytes(f.read_bytes() + f"\n\n附：第{round_}次修订。\n".encode("utf-8" if "gbk" not in f.name else "gbk"))
        proc = subprocess.Popen([sys.executable, "-m", "reportqa.cli", "ingest", str(src), "--index", str(index),
                                 "--model", "hash"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        after = _service(index, backend).ask(QUESTION)  # loads whichever version is live, whole
        assert after.value == "5" and after.citations[0].quote == before.citations[0].quote
        _release(index, backend)
    result = subprocess.run([sys.executable, "-m", "reportqa.cli", "ingest", str(src), "--index", str(index),
                             "--model", "hash"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "10 ingested" in result.stdout or "unchanged" in result.stdout
    versions = list((index / "versions").iterdir())
    assert len(versions) <= 2  # half-built versions of killed runs were cleaned up
    svc = _service(index, backend)
    assert svc.ask(QUESTION).value == "5"
    if backend == "milvus":  # and so were the rows they had written, in the collection and the store
        from index import milvus

        m = svc.engine().index.manifest
        rows = milvus.client(str(index / "milvus.db")).query(m.collection, filter="id >= 0", output_fields=["count(*)"])
        assert rows[0]["count(*)"] == m.chunks
        import sqlite3

        with sqlite3.connect(index / m.store) as db:  # the previous version's rows may stay; no dead build's
            assert db.execute("SELECT count(*) FROM chunks WHERE born > ?", (m.seq,)).fetchone()[0] == 0
            assert db.execute("SELECT count(*) FROM chunks WHERE born <= ? AND (died = 0 OR died > ?)",
                              (m.seq, m.seq)).fetchone()[0] == m.chunks


def test_disk_full_while_writing_keeps_the_old_index(tmp_path, monkeypatch):
    src = _corpus(tmp_path)
    index = tmp_path / "index"
    svc = _service(index)
    svc.ingest([src])
    live = repo.current_version(index)
    (src / "demo01_dongjiang_ligong.txt").write_text("东江理工大学2022-2023学年信息公开工作年度报告\n本学年共收到信息公开申请9项。",
                                                      encoding="utf-8")

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(repo, "write_version", full)
    with pytest.raises(OSError, match="No space left"):
        svc.ingest([src])
    monkeypatch.undo()
    assert repo.current_version(index) == live
    assert [d.name for d in (index / "versions").iterdir()] == [live]  # the half-built one is gone
    assert _service(index).ask(QUESTION).value == "5"


def _damage_truncate(vdir: Path):
    p = vdir / "vectors.faiss"
    p.write_bytes(p.read_bytes()[:100])


def _damage_store(vdir: Path):
    (vdir / "store.sqlite").unlink()


def _damage_manifest(vdir: Path):
    m = (vdir / "manifest.json").read_text().replace('"model": "hash"', '"model": "other-model"')
    (vdir / "manifest.json").write_text(m)


@pytest.mark.parametrize("damage, error", [
    (_damage_truncate, IndexCorrupt),
    (_damage_store, IndexCorrupt),
    (_damage_manifest, IndexMismatch),
])
def test_damaged_index_names_the_fix_and_rebuild_repairs_it(tmp_path, damage, error):
    src = _corpus(tmp_path)
    index = tmp_path / "index"
    _service(index).ingest([src])
    damage(index / "versions" / repo.current_version(index))
    with pytest.raises(error, match="reportqa ingest --rebuild"):
        _service(index).ask(QUESTION)
    results = _service(index).ingest([src], rebuild=True)
    assert all(r.status == "ok" for r in results)
    assert _service(index).ask(QUESTION).value == "5"
