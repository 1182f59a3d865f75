"""Benchmark of cross-report questions: a list question over N synthetic reports, first time and cached.

``python -m eval.bench.cross --n 1000 --out DIR [--model hash] [--seed 0] [--json FILE] [--faiss-threads 1]``

It writes N reports with ``eval/bench/synth.py`` (all invented), ingests them, then asks list
questions whose gold answer is known from the generator's facts:

- 「哪些学校留下的信息公开咨询电话使用0551区号？」 (a phone-prefix predicate),
- 「哪些学校没有收到信息公开申请？」 (a zero predicate),

each once on a fresh engine (every report's sub-answer computed: "first") and once more (every
sub-answer from the per-version cache: "cached"), and scores the answer's institutions against the
gold set. Speed belongs here, not in timed tests.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from eval.bench import synth

QUESTIONS = [
    ("哪些学校留下的信息公开咨询电话使用0551区号？", lambda f: f["phone"].startswith("0551")),
    ("哪些学校没有收到信息公开申请？", lambda f: f["received"] == 0),
]


def gold_sets(n: int, seed: int) -> list[set[str]]:
    """The institutions that meet each question's condition, from the generator's facts."""
    ids = synth.identities(n, seed)
    facts = [synth.report(ident, i, seed)[1] for i, ident in enumerate(ids)]
    return [{f["institution"] for f in facts if cond(f)} for _, cond in QUESTIONS]


def run(n: int, out: Path, model: str = "hash", seed: int = 0, only: int | None = None) -> dict:
    """Ingest N synthetic reports (once) and time each list question first and cached.

    Before timing, one single-report question loads what a serving process has loaded already
    (imports, the jieba dictionaries); ``only`` times one question alone, so that no other list
    question has warmed the process-wide caches (a sentence's figures and words) before it."""
    from index.embed import HashEmbedder, load_embedder
    from index.settings import Settings
    from qa.engine import Engine
    from qa.service import Service

    corpus = out / f"corpus-{n}-s{seed}"
    if not (corpus / "qa.jsonl").exists():
        synth.generate(n, corpus, seed)
    embedder = HashEmbedder() if model == "hash" else load_embedder(model)
    svc = Service(Settings(index_dir=out / f"index-{n}-{model.replace('/', '_')}-s{seed}", model=model), embedder)
    t = time.perf_counter()
    svc.ingest([corpus])
    ingest_s = time.perf_counter() - t
    base = svc.engine()
    base.ask(f"{synth.identities(1, seed)[0].name}的信息公开咨询电话是多少？")  # one report: a warm process
    golds = gold_sets(n, seed)
    rows = []
    for k, ((q, _), gold) in enumerate(zip(QUESTIONS, golds)):
        if only is not None and k != only:
            continue
        eng = Engine(base.index, embedder, base.settings)  # a fresh engine: an empty cache
        t = time.perf_counter()
        first = eng.ask(q)
        first_s = time.perf_counter() - t
        t = time.perf_counter()
        again = eng.ask(q)
        cached_s = time.perf_counter() - t
        got = set(first.value or [])
        tp = len(got & gold)
        rows.append({"question": q, "reports": n, "first_s": round(first_s, 3), "cached_ms": round(cached_s * 1000, 1),
                     "gold": len(gold), "answered": len(got), "precision": round(tp / len(got), 3) if got else None,
                     "recall": round(tp / len(gold), 3) if gold else None, "same_cached": again == first})
    return {"n": n, "model": model, "seed": seed, "ingest_s": round(ingest_s, 1), "questions": rows}


def table(result: dict) -> str:
    lines = ["| question | reports | first (s) | cached (ms) | gold | answered | precision | recall |",
             "|---|---|---|---|---|---|---|---|"]
    for r in result["questions"]:
        lines.append(f"| {r['question']} | {r['reports']} | {r['first_s']:.2f} | {r['cached_ms']:.1f} | {r['gold']} "
                     f"| {r['answered']} | {r['precision']} | {r['recall']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", default="hash", help="hash (the fake embedder) or a model name/folder")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write the result here")
    ap.add_argument("--faiss-threads", type=int, default=0,
                    help="FAISS OpenMP threads (0: its default); one query per report is too small to share")
    ap.add_argument("--only", type=int, help="time only this question (0-based), cold in this process")
    a = ap.parse_args(argv)
    if a.faiss_threads:
        import faiss

        faiss.omp_set_num_threads(a.faiss_threads)
    result = run(a.n, a.out, a.model, a.seed, a.only)
    print(table(result))
    if a.json:
        a.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
