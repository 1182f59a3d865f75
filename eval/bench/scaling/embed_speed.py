"""Embedding throughput: stock ``SentenceTransformer.encode`` against the pipelined path.

    python -m eval.bench.scaling.embed_speed [--store PATH | --synthetic N] [--batch 16 64 256]
        [--threads 1 2] [--tokenizer-threads 2 4] [--device cpu|cuda] [--slice K] [--repeat R]

Texts are what ingest embeds (``index.ingest.embed_text``): the chunks of an index's ChunkStore
(``--store``, an index version folder's store) or of ``N`` synthetic reports' chunks
(``--synthetic N``, from ``eval.bench.synth`` through the real cleaner and chunker; seeded, so the
same N gives the same texts). One model is loaded; each (batch, torch threads, tokenizer threads)
config embeds the same texts with both paths and prints one JSON line with chunks/s of each and
the largest difference between their vectors.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def store_texts(path: Path, limit: int | None) -> list[str]:
    """embed_text of the chunks in a ChunkStore, in store order."""
    from index.ingest import embed_text
    from index.store import ChunkStore

    st = ChunkStore(Path(path), readonly=True)
    texts = []
    for c in st.chunks():
        texts.append(embed_text(c))
        if limit and len(texts) >= limit:
            break
    return texts


def synthetic_texts(n: int, seed: int = 0) -> list[str]:
    """The first ``n`` chunk texts of synthetic reports, as ingest would embed them."""
    from eval.bench.synth import identities, report
    from index.ingest import IngestOptions, embed_text, parse_text, to_chunks
    from index.readers import read_txt
    from index.settings import Settings

    s = Settings()
    opts = IngestOptions(model="hash", chunk_size=s.chunk_size, chunk_overlap=s.chunk_overlap)
    texts: list[str] = []
    m = max(8, n // 10)  # a report gives ~15-25 chunks; more identities are drawn if needed
    while len(texts) < n:
        texts.clear()
        for i, ident in enumerate(identities(m, seed)):
            doc, _ = report(ident, i, seed)
            parsed = parse_text(f"r{i:05d}.txt", "txt", read_txt(doc.encode("utf-8")), opts)
            texts.extend(embed_text(c) for c in to_chunks(parsed, 0))
            if len(texts) >= n:
                break
        m *= 2
    return texts[:n]


def timed_embed(emb, texts: list[str], slice_: int):
    """(seconds, vectors) for embedding ``texts``, whole or in slices as the Ingester hands them."""
    import numpy as np

    t = time.perf_counter()
    if slice_:
        vecs = np.concatenate([emb.embed(texts[i:i + slice_]) for i in range(0, len(texts), slice_)])
    else:
        vecs = emb.embed(texts)
    return time.perf_counter() - t, vecs


def main(argv: list[str] | None = None) -> int:
    """Print one JSON line per (batch, torch threads, tokenizer threads) config."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--store", type=Path, help="a ChunkStore path (an index version's store)")
    src.add_argument("--synthetic", type=int, metavar="N", help="N chunk texts from synthetic reports")
    ap.add_argument("--limit", type=int, default=None, help="at most this many chunks from --store")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", default="m3e-small")
    ap.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    ap.add_argument("--batch", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--threads", type=int, nargs="+", default=None,
                    help="torch intra-op threads (default: torch's own setting)")
    ap.add_argument("--tokenizer-threads", type=int, nargs="+", default=None,
                    help="pipeline tokenizer threads (default: min(4, cores))")
    ap.add_argument("--slice", type=int, default=0,
                    help="embed in calls of this many texts (the Ingester uses 64 x batch); 0: one call")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per path; the fastest is kept")
    a = ap.parse_args(argv)

    import numpy as np
    import torch

    from index.embed import SentenceTransformerEmbedder, default_tokenizer_threads

    texts = store_texts(a.store, a.limit) if a.store else synthetic_texts(a.synthetic, a.seed)
    if not texts:
        ap.error("no texts to embed")
    emb = SentenceTransformerEmbedder(a.model, a.batch[0], a.device)
    emb.embed(texts[:a.batch[0]])  # first-call costs (allocator, kernels) stay out of the timings
    avg_chars = round(sum(map(len, texts)) / len(texts), 1)
    for threads in a.threads or [torch.get_num_threads()]:
        torch.set_num_threads(threads)
        for bs in a.batch:
            for tok in a.tokenizer_threads or [default_tokenizer_threads()]:
                emb.batch_size, emb.tokenizer_threads, emb.prefetch = bs, tok, 2 * tok
                best = {}
                vecs = {}
                for _ in range(max(1, a.repeat)):
                    for path in ("stock", "pipeline"):  # alternated, so drift hits both alike
                        emb.pipeline = path == "pipeline"
                        s, vecs[path] = timed_embed(emb, texts, a.slice)
                        best[path] = min(best.get(path, s), s)
                print(json.dumps({
                    "device": emb.device, "gpu": torch.cuda.get_device_name() if emb.device.startswith("cuda") else None,
                    "chunks": len(texts), "avg_chars": avg_chars, "batch": bs, "torch_threads": threads,
                    "tokenizer_threads": tok, "prefetch": emb.prefetch, "slice": a.slice or len(texts),
                    "stock_s": round(best["stock"], 3),
                    "stock_chunks_per_s": round(len(texts) / best["stock"], 1),
                    "pipeline_s": round(best["pipeline"], 3),
                    "pipeline_chunks_per_s": round(len(texts) / best["pipeline"], 1),
                    "speedup": round(best["stock"] / best["pipeline"], 3),
                    "max_abs_diff": float(np.abs(vecs["stock"] - vecs["pipeline"]).max()),
                }), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
