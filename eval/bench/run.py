"""Scale benchmarks: ingest and raw-embedding throughput, query latency, index size, peak RSS
and answer accuracy at corpus size N, on synthetic reports (eval.bench.synth).

    python -m eval.bench.run --n 100 1000 --model m3e-small --out eval-out/bench [--questions 200]
    python -m eval.bench.run --wins --n 100 --out eval-out/bench   # batch size / sorting / threads

Each N runs in its own subprocess so that peak RSS is per N. Results are merged into
OUT/results.json (keyed by model and N, so separate invocations accumulate) and printed as a
Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

ANCHOR_N = 10  # accuracy at N is compared with accuracy on the N=10 corpus's own questions

RESULT_KEYS = ("n", "model", "docs", "chunks", "chars", "files_failed", "ingest_s", "ingest_embed_s",
               "ingest_other_s", "ingest_chunks_per_s", "ingest_chars_per_s", "raw_embed_s",
               "raw_chunks", "raw_chunks_per_s", "ingest_raw_ratio", "query_p50_ms", "query_p95_ms", "forward_ms",
               "latency_target_ms", "latency_ok", "n_questions", "accuracy", "n_anchor", "accuracy_anchor",
               "by_type", "index_bytes", "peak_rss_mb", "threads", "batch_size")


def corpus_dir(out: Path, n: int, seed: int) -> Path:
    return out / f"corpus-{n}" if seed == 0 else out / f"corpus-{n}-s{seed}"


def ensure_corpus(out: Path, n: int, seed: int) -> Path:
    """The corpus for N, generated unless a complete one is already there."""
    from .synth import generate

    d = corpus_dir(out, n, seed)
    if not ((d / "qa.jsonl").exists() and len(list(d.glob("*.txt"))) == n):
        if d.exists():
            shutil.rmtree(d)
        generate(n, d, seed)
    return d


def disk_bytes(path: Path) -> int:
    """Allocated bytes under ``path`` (what ``du`` counts)."""
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_blocks * 512
            except OSError:
                pass
    return total


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class TimedEmbedder:
    """Wraps an embedder and adds up the time spent in ``embed``."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.seconds = inner, inner.name, inner.dim, 0.0
        self.kind = getattr(inner, "kind", "st")  # the manifest records the wrapped embedder

    def embed(self, texts):
        t = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - t


def _pct(xs: list[float], q: int) -> float:
    if not xs:
        return 0.0
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1]


def pick_questions(gold: list[dict], k: int, seed: int) -> tuple[list[dict], set[str]]:
    """A seeded sample of ``k`` questions plus every anchor question (those of the N=10 corpus)."""
    from .synth import identities, file_name

    anchor_docs = {file_name(i, ident) for i, ident in enumerate(identities(ANCHOR_N, seed))}
    anchor = [g for g in gold if g["doc"] in anchor_docs or g["id"] in ("none-0000", "none-0001")]
    rng = random.Random(f"sample:{seed}")
    sample = rng.sample(gold, min(k, len(gold)))
    ids = {g["id"] for g in sample}
    return sample + [g for g in anchor if g["id"] not in ids], {g["id"] for g in anchor}


def run_one(n: int, model: str, out: Path, k_questions: int, seed: int, batch_size: int,
            threads: int | None, keep_index: bool = True, raw_limit: int = 0) -> dict:
    """Everything measured for one N, in this process."""
    import torch

    from eval.scoring import score_answer
    from index.embed import load_embedder
    from index.ingest import embed_text
    from qa.service import Service
    from index.settings import Settings

    if threads:
        torch.set_num_threads(threads)
    corpus = ensure_corpus(out, n, seed)
    index_dir = out / f"index-{model.replace('/', '_')}-{n}"
    shutil.rmtree(index_dir, ignore_errors=True)
    settings = Settings(index_dir=index_dir, model=model, batch_size=batch_size)
    base = load_embedder(model, batch_size)
    base.embed(["预热一下模型。"])  # model load and first-call overhead are not ingest
    emb = TimedEmbedder(base)
    svc = Service(settings, embedder=emb)
    paths = sorted(corpus.glob("*.txt"))

    t = time.perf_counter()
    results = svc.ingest(paths)
    ingest_s = time.perf_counter() - t
    ingest_embed_s = emb.seconds
    failed = [r for r in results if r.status == "failed"]

    eng = svc.engine()
    chunks = eng.index.store.chunks()
    texts = [embed_text(c) for c in chunks]
    chars = sum(d.chars for d in eng.docs.values())
    if raw_limit and len(texts) > raw_limit:  # an evenly strided sample: chunks/s does not depend on N
        texts = texts[:: -(-len(texts) // raw_limit)]
    t = time.perf_counter()
    base.embed(texts)
    raw_s = time.perf_counter() - t

    gold = [json.loads(ln) for ln in (corpus / "qa.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    qs, anchor_ids = pick_questions(gold, k_questions, seed)
    svc.ask(qs[0]["question"])  # warm: engine load, jieba dictionary, OpenCC
    lat, ok, by_type = [], {}, {}
    for g in qs:
        t = time.perf_counter()
        pred = asdict(svc.ask(g["question"]))
        lat.append((time.perf_counter() - t) * 1000)
        ok[g["id"]] = score_answer(g, pred)
        bt = by_type.setdefault(g["type"], [0, 0])
        bt[0] += 1
        bt[1] += int(ok[g["id"]])
    fwd = []
    for g in qs[:50]:
        t = time.perf_counter()
        base.embed([g["question"]])
        fwd.append((time.perf_counter() - t) * 1000)
    forward_ms = statistics.median(fwd)
    p50, p95 = _pct(lat, 50), _pct(lat, 95)
    target = 2 * forward_ms + 20
    sample_ids = [g["id"] for g in qs[:min(k_questions, len(gold))]]
    res = {
        "n": n, "model": model, "docs": len(eng.docs), "chunks": len(chunks), "chars": chars,
        "files_failed": len(failed), "ingest_s": ingest_s, "ingest_embed_s": ingest_embed_s,
        "ingest_other_s": ingest_s - ingest_embed_s,
        "ingest_chunks_per_s": len(chunks) / ingest_s, "ingest_chars_per_s": chars / ingest_s,
        "raw_embed_s": raw_s, "raw_chunks": len(texts), "raw_chunks_per_s": len(texts) / raw_s if raw_s else None,
        "ingest_raw_ratio": (len(chunks) / ingest_s) / (len(texts) / raw_s) if raw_s else None,
        "query_p50_ms": p50, "query_p95_ms": p95, "forward_ms": forward_ms, "latency_target_ms": target,
        "latency_ok": p50 <= target, "n_questions": len(sample_ids),
        "accuracy": sum(ok[i] for i in sample_ids) / len(sample_ids),
        "n_anchor": len(anchor_ids), "accuracy_anchor": sum(ok[i] for i in anchor_ids) / len(anchor_ids),
        "by_type": {k: {"n": v[0], "accuracy": v[1] / v[0]} for k, v in sorted(by_type.items())},
        "index_bytes": disk_bytes(index_dir), "peak_rss_mb": peak_rss_mb(),
        "threads": torch.get_num_threads(), "batch_size": batch_size,
        "wrong": [g["id"] for g in qs if not ok[g["id"]]][:40],
    }
    eng.index.close()
    if not keep_index:
        shutil.rmtree(index_dir, ignore_errors=True)
    return res


def wins(n: int, out: Path, seed: int, model: str, limit: int) -> dict:
    """Embedding time of the same chunk texts under batch size, sorting and thread settings."""
    import torch

    from index.embed import SentenceTransformerEmbedder
    from index.ingest import IngestOptions, embed_text, parse_text, to_chunks
    from index.readers import read_file
    from index.settings import Settings

    corpus = ensure_corpus(out, n, seed)
    s = Settings()
    opts = IngestOptions(model=model, chunk_size=s.chunk_size, chunk_overlap=s.chunk_overlap)
    texts = []
    for p in sorted(corpus.glob("*.txt")):
        fmt, _, segs = read_file(p, s.max_file_bytes, s.max_text_chars)
        texts.extend(embed_text(c) for c in to_chunks(parse_text(p.name, fmt, segs, opts), 0))
    texts = texts[:limit]
    emb = SentenceTransformerEmbedder(model, 16)
    emb.embed(["预热一下模型。"])
    ingest_slice = max(1, s.batch_size) * 8  # Ingester hands the embedder slices of this size

    def timed(fn) -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    def unsorted(bs):
        emb._model.encode(texts, batch_size=bs, normalize_embeddings=True, convert_to_numpy=True,
                          show_progress_bar=False)

    def sliced(bs):
        emb.batch_size = bs
        for i in range(0, len(texts), ingest_slice):
            emb.embed(texts[i:i + ingest_slice])

    def whole(bs):
        emb.batch_size = bs
        emb.embed(texts)

    rows = []
    default_threads = torch.get_num_threads()
    for threads in sorted({default_threads, 1}, reverse=True):
        torch.set_num_threads(threads)
        bss = (8, 16, 32, 64) if threads == default_threads else (16,)
        for bs in bss:
            rows.append({"threads": threads, "batch_size": bs, "order": "sorted, whole list",
                         "seconds": timed(lambda: whole(bs))})
        rows.append({"threads": threads, "batch_size": 16, "order": f"sorted per ingest slice of {ingest_slice}",
                     "seconds": timed(lambda: sliced(16))})
        rows.append({"threads": threads, "batch_size": 16, "order": "unsorted",
                     "seconds": timed(lambda: unsorted(16))})
    torch.set_num_threads(default_threads)
    for r in rows:
        r["chunks_per_s"] = len(texts) / r["seconds"]
    lens = sorted(len(t) for t in texts)
    return {"n": n, "model": model, "texts": len(texts), "median_chars": lens[len(lens) // 2],
            "max_chars": lens[-1], "rows": rows}


def _f(x, fmt="{:.1f}") -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    return fmt.format(x) if isinstance(x, (int, float)) else str(x)


def table(results: dict) -> str:
    rows = sorted(results["runs"].values(), key=lambda r: (r["model"], r["n"]))
    acc10 = {r["model"]: r["accuracy_anchor"] for r in rows if r["n"] == ANCHOR_N}
    head = ("| model | N | chunks | ingest s (embed s) | ingest chunks/s | raw chunks/s | ingest/raw | chars/s "
            "| q p50 / p95 ms | fwd ms | p50 target ms | acc (sample) | acc (N=10 qs) | Δ vs N=10 | index MB | peak RSS MB |")
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        a10 = acc10.get(r["model"])
        delta = None if a10 is None else 100 * (r["accuracy_anchor"] - a10)
        out.append(
            f"| {r['model']} | {r['n']} | {r['chunks']} | {r['ingest_s']:.1f} ({r['ingest_embed_s']:.1f}) "
            f"| {r['ingest_chunks_per_s']:.1f} | {_f(r['raw_chunks_per_s'])} | {_f(r['ingest_raw_ratio'], '{:.2f}')} "
            f"| {r['ingest_chars_per_s']:.0f} | {r['query_p50_ms']:.1f} / {r['query_p95_ms']:.1f} "
            f"| {r['forward_ms']:.1f} | {r['latency_target_ms']:.1f} ({_f(r['latency_ok'])}) "
            f"| {100 * r['accuracy']:.1f}% ({r['n_questions']}) | {100 * r['accuracy_anchor']:.1f}% ({r['n_anchor']}) "
            f"| {_f(delta, '{:+.1f}')} | {r['index_bytes'] / 2**20:.1f} | {r['peak_rss_mb']:.0f} |")
    if results.get("wins"):
        for w in results["wins"].values():
            out += ["", f"Embedding {w['texts']} chunk texts of N={w['n']} ({w['model']}, median "
                    f"{w['median_chars']} chars):", "", "| threads | batch | order | s | chunks/s |", "|---|---|---|---|---|"]
            out += [f"| {r['threads']} | {r['batch_size']} | {r['order']} | {r['seconds']:.1f} | {r['chunks_per_s']:.1f} |"
                    for r in w["rows"]]
    return "\n".join(out)


def load_results(path: Path) -> dict:
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"runs": {}, "wins": {}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ReportQA scale benchmarks")
    ap.add_argument("--n", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--model", default="m3e-small")
    ap.add_argument("--out", type=Path, default=Path("eval-out/bench"))
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--in-process", action="store_true", help="run every N in this process (RSS is then cumulative)")
    ap.add_argument("--drop-index", action="store_true", help="delete each index after measuring it")
    ap.add_argument("--wins", action="store_true", help="measure batch size / sorting / threads on N's chunks")
    ap.add_argument("--wins-limit", type=int, default=600, help="at most this many chunk texts for --wins")
    ap.add_argument("--raw-limit", type=int, default=0,
                    help="time raw embedding on at most this many chunks (a strided sample; 0: all)")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # child: write one result here
    a = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    a.out.mkdir(parents=True, exist_ok=True)

    if a.one:
        if a.wins:
            r = wins(a.n[0], a.out, a.seed, a.model, a.wins_limit)
        else:
            r = run_one(a.n[0], a.model, a.out, a.questions, a.seed, a.batch_size, a.threads or None,
                        not a.drop_index, a.raw_limit)
        a.one.write_text(json.dumps(r, ensure_ascii=False))
        return 0

    path = a.out / "results.json"
    for n in a.n:
        tag = f"{a.model}:{n}" + (f":bs{a.batch_size}" if a.batch_size != 16 else "") + (
            f":t{a.threads}" if a.threads else "")
        if a.in_process:
            r = (wins(n, a.out, a.seed, a.model, a.wins_limit) if a.wins else
                 run_one(n, a.model, a.out, a.questions, a.seed, a.batch_size, a.threads or None,
                         not a.drop_index, a.raw_limit))
        else:
            part = a.out / f".part-{os.getpid()}-{n}.json"
            cmd = [sys.executable, "-m", "eval.bench.run", "--one", str(part), "--n", str(n), "--model", a.model,
                   "--out", str(a.out), "--questions", str(a.questions), "--seed", str(a.seed),
                   "--batch-size", str(a.batch_size), "--threads", str(a.threads),
                   "--wins-limit", str(a.wins_limit), "--raw-limit", str(a.raw_limit)] + (["--wins"] if a.wins else []) + (
                       ["--drop-index"] if a.drop_index else [])
            subprocess.run(cmd, check=True)
            r = json.loads(part.read_text(encoding="utf-8"))
            part.unlink()
        r["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        results = load_results(path)  # re-read: other invocations may have added runs meanwhile
        results.setdefault("wins" if a.wins else "runs", {})[tag] = r
        path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"N={n} done", file=sys.stderr, flush=True)
    print(table(load_results(path)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
