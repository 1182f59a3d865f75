"""CI gate on every dev set with the real model: the shipped reader must keep its measured accuracy
(minus 2 points), abstain on every ``none`` question and cite its right answers.

The gates are the accuracies measured with ``reportqa eval`` (docs/benchmarks.md, "The fitted
reader") minus 0.02; refit (``python -m eval.fit``) and re-measure before moving them.
"""
from __future__ import annotations

from dataclasses import asdict

import pytest

from eval.run import load_gold
from eval.scoring import citation_ok, score_answer
from index.settings import Settings
from qa.service import Service

from .conftest import shared_path

pytestmark = [pytest.mark.shared, pytest.mark.model]

# Answer accuracy measured by `reportqa eval` with the shipped weights (docs/benchmarks.md).
SEEDS_ACC, WILD_ACC, GOV_ACC = 1.000, 1.000, 1.000

# (name, gold files, corpus folders, measured answer accuracy)
DEV_SETS = [
    ("seeds", [("eval", "seeds_dev.jsonl")], [("seeds",)], SEEDS_ACC),
    ("wild", [("wild_dev", "qa.jsonl"), ("wild_more", "qa.jsonl")], [("wild_dev", "docs"), ("wild_more", "docs")],
     WILD_ACC),
    ("gov", [("gov", "qa.jsonl")], [("gov", "docs")], GOV_ACC),
]


@pytest.fixture(scope="module")
def default_embedder():
    """The embedder `reportqa` uses for a new index on this machine (Settings.embedder "auto")."""
    from index.embed import load_embedder

    return load_embedder("m3e-small", embedder="auto")


@pytest.mark.parametrize("name, qa_files, corpora, measured", DEV_SETS, ids=[d[0] for d in DEV_SETS])
def test_dev_set_keeps_its_measured_accuracy(tmp_path, default_embedder, name, qa_files, corpora, measured):
    svc = Service(Settings(index_dir=tmp_path / name, model="m3e-small"), default_embedder)
    results = svc.ingest([shared_path(*c) for c in corpora])
    assert all(r.status == "ok" for r in results), results
    gold = load_gold([str(shared_path(*f)) for f in qa_files])
    preds = [asdict(svc.ask(g["question"])) for g in gold]
    right = [score_answer(g, p) for g, p in zip(gold, preds)]
    acc = sum(right) / len(gold)
    print(f"{name}: {sum(right)}/{len(gold)} = {acc:.3f}")
    assert acc >= measured - 0.02
    assert all(p["abstained"] for g, p in zip(gold, preds) if g["type"] == "none")
    cited = [citation_ok(g, p) for g, p, ok in zip(gold, preds, right) if ok]
    cited = [c for c in cited if c is not None]
    assert sum(cited) / len(cited) >= 0.95
