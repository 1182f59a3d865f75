"""Shared fixtures: the demo corpus, a fast fake-embedder service, and one real-model service."""
from __future__ import annotations

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from index.embed import HashEmbedder  # noqa: E402
from qa.service import Service  # noqa: E402
from reportqa.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "eval" / "corpus" / "demo"
DEMO_QA = ROOT / "eval" / "corpus" / "demo_qa.jsonl"
SHARED = ROOT.parent / "shared"


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
