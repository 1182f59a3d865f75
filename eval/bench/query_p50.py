"""Query latency and accuracy on an index that `eval.bench.run` built (no ingest): the same sampled
questions as that run, each asked once in this process after one warm-up question.

    python -m eval.bench.query_p50 --corpus eval-out/bench/corpus-1000 --index eval-out/bench/index-m3e-small-1000
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import asdict
from pathlib import Path


def measure(corpus: Path, index: Path, model: str, k: int, seed: int) -> dict:
    """p50/p95 latency (ms) and answer accuracy of ``k`` sampled questions plus the anchors."""
    from index.settings import Settings
    from qa.service import Service

    from ..scoring import score_answer
    from .run import pick_questions

    gold = [json.loads(ln) for ln in (corpus / "qa.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    qs, _ = pick_questions(gold, k, seed)
    svc = Service(Settings(index_dir=index, model=model))
    svc.ask(qs[0]["question"])  # imports and lazy loads, as in a serving process
    lat, right = [], 0
    for g in qs:
        t = time.perf_counter()
        pred = asdict(svc.ask(g["question"]))
        lat.append((time.perf_counter() - t) * 1000)
        right += bool(score_answer(g, pred))
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"questions": len(qs), "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "right": right}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True, help="the corpus-N folder of eval.bench.run")
    ap.add_argument("--index", type=Path, required=True, help="its index folder")
    ap.add_argument("--model", default="m3e-small")
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    print(json.dumps(measure(a.corpus, a.index, a.model, a.questions, a.seed), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
