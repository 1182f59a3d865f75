"""Encode throughput and parity of the embedders on the same texts, in one process.

    python -m eval.bench.embedders --index IDX [--limit 600] [--rounds 3] [--embedders st onnx-fp32 onnx-int8]

The texts are the chunks of a prebuilt index, as ingest embeds them (``embed_text``). Each round
encodes all texts once with every embedder in turn (interleaved, so that load from other processes
on a shared machine falls on all of them alike); the table gives the median chunks/s, its ratio to
sentence-transformers, and each embedder's per-text cosine to the sentence-transformers vectors
(not for model2vec, whose vectors live in another space: its accuracy is measured by ``reportqa eval``).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path


def load(kind: str, model: str):
    """An embedder by kind: st, onnx-fp32, onnx-int8, model2vec."""
    from index.embed import load_embedder

    return load_embedder(model, embedder=kind)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print a Markdown table (and JSON with --json)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True, type=Path)
    ap.add_argument("--model", default="m3e-small")
    ap.add_argument("--limit", type=int, default=600, help="texts (an evenly strided sample of the chunks)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--embedders", nargs="+", default=["st", "onnx-fp32", "onnx-int8"])
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)

    from index import repository as repo
    from index.ingest import embed_text

    index = repo.load(args.index)
    texts = [embed_text(c) for c in index.store.chunks()]
    if args.limit and len(texts) > args.limit:
        texts = texts[:: -(-len(texts) // args.limit)]
    index.close()
    embs = {}
    for kind in args.embedders:
        t = time.perf_counter()
        embs[kind] = load(kind, args.model)
        embs[kind].embed(["预热一下模型。"])
        print(f"loaded {kind} in {time.perf_counter() - t:.1f} s", flush=True)
    secs: dict[str, list[float]] = {k: [] for k in embs}
    cpu: dict[str, list[float]] = {k: [] for k in embs}
    vecs = {}
    for r in range(args.rounds):
        for kind, emb in embs.items():
            t, c = time.perf_counter(), time.process_time()
            vecs[kind] = emb.embed(texts)
            secs[kind].append(time.perf_counter() - t)
            cpu[kind].append(time.process_time() - c)
            print(f"round {r + 1} {kind}: {len(texts) / secs[kind][-1]:.1f} chunks/s, "
                  f"{len(texts) / cpu[kind][-1]:.1f} per CPU-s", flush=True)
    ref = vecs.get("st")
    rows = {}
    for kind in embs:
        med = statistics.median(secs[kind])
        cmed = statistics.median(cpu[kind])
        row = {"texts": len(texts), "median_s": round(med, 3), "chunks_per_s": round(len(texts) / med, 1),
               "cpu_s": round(cmed, 3), "chunks_per_cpu_s": round(len(texts) / cmed, 1)}
        if ref is not None:
            if vecs[kind].shape == ref.shape and kind != "model2vec":  # same space: per-text cosine
                cos = (vecs[kind] * ref).sum(axis=1)
                row.update(cos_min=float(cos.min()), cos_mean=float(cos.mean()))
            row["vs_st"] = round(statistics.median(secs["st"]) / med, 2)
            row["cpu_vs_st"] = round(statistics.median(cpu["st"]) / cmed, 2)
        rows[kind] = row
    print(f"\n{len(texts)} texts, {args.rounds} interleaved rounds, median per embedder\n")
    print("| embedder | chunks/s | x st | chunks per CPU-s | x st | cosine to st: min | mean |")
    print("|---|---|---|---|---|---|---|")
    for kind, row in rows.items():
        print(f"| {kind} | {row['chunks_per_s']} | {row.get('vs_st', '')} | {row['chunks_per_cpu_s']} | "
              f"{row.get('cpu_vs_st', '')} | {row.get('cos_min', float('nan')):.6f} "
              f"| {row.get('cos_mean', float('nan')):.6f} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
