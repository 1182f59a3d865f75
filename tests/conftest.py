"""Shared fixtures: the demo corpus, a fast fake-embedder service, and one real-model service."""
from __future__ import annotations

import os
from contextlib import contextmanager

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from index.embed import HashEmbedder  # noqa: E402
from qa.service import Service  # noqa: E402
from index.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "eval" / "corpus" / "demo"
DEMO_QA = ROOT / "eval" / "corpus" / "demo_qa.jsonl"
SHARED = ROOT.parent / "shared"


def fictional_report(inst: str, received: int, note: str = "") -> str:
    """A small fictional report in the shape of the demo corpus."""
    return (f"{inst}2023-2024学年信息公开工作年度报告\n"
            f"　　现公布{inst}2023-2024学年信息公开工作年度报告。本报告中所列数据的统计期限为"
            f"2023年9月1日至2024年8月31日。如对本报告有疑问，请联系{inst}党政办公室（电话：0100-5550123）。\n"
            "一、概述\n　　本学年学校持续完善信息公开制度，开展信息公开专题培训2场。\n"
            "二、主动公开情况\n　　通过学校门户网站等主动公开信息321条。\n"
            f"三、依申请公开和不予公开情况\n　　本学年共收到信息公开申请{received}项{note}，其中予以公开{received}项。\n"
            "四、因学校信息公开工作受到举报、复议、诉讼的情况\n　　本学年未发生因信息公开工作受到举报、复议、诉讼的情况。\n")


def shared_path(*parts: str) -> Path:
    """A path under ../shared; in CI a missing one fails, elsewhere it skips."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{p} is missing: tests on real data must run in CI")
        pytest.skip(f"{p} not available")
    return p


@pytest.fixture(scope="session")
def demo_service(tmp_path_factory) -> Service:
    """The demo corpus ingested once with the deterministic fake embedder."""
    svc = Service(Settings(index_dir=tmp_path_factory.mktemp("demo-index"), model="hash"), HashEmbedder())
    svc.ingest([DEMO])
    return svc


@pytest.fixture
def hash_service(tmp_path) -> Service:
    return Service(Settings(index_dir=tmp_path / "index", model="hash"), HashEmbedder())


@pytest.fixture(scope="session")
def real_embedder():
    from index.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder("m3e-small")


@pytest.fixture(scope="session")
def shared_service(tmp_path_factory, real_embedder) -> Service:
    """../shared/seeds and ../shared/wild_dev/docs ingested once with the real model."""
    seeds, wild = shared_path("seeds"), shared_path("wild_dev", "docs")
    svc = Service(Settings(index_dir=tmp_path_factory.mktemp("shared-index"), model="m3e-small"), real_embedder)
    results = svc.ingest([seeds, wild])
    assert all(r.status == "ok" for r in results), results
    return svc


def free_port() -> int:
    """A loopback port nothing listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(tmp: Path, args: list[str], documents: int, env: dict | None = None):
    """`reportqa serve --index tmp/index ARGS` in a subprocess on a free port until its health
    reports ``documents`` reports; yields the base URL and stops the server after."""
    import subprocess
    import sys
    import time

    import httpx

    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    env.pop("REPORTQA_AUTH", None)
    port = free_port()
    log_path = tmp / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "reportqa.cli", "serve", "--index", str(tmp / "index"),
                                 "--port", str(port), *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        try:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"server exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
                try:
                    if httpx.get(base + "/api/health", timeout=2).json().get("documents") == documents:
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not come up in 90 s: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
