"""Ingest N synthetic reports with the hash embedder on FAISS and milvus-lite; query p50/p95; accuracy."""
import json, random, statistics, sys, time, resource, os
from dataclasses import asdict
from pathlib import Path
from index.embed import HashEmbedder
from qa.service import Service
from index.settings import Settings
from eval.scoring import score_answer

backend, n, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
nq = int(sys.argv[4]) if len(sys.argv) > 4 else 200
# corpus from `python -m eval.bench.synth --n 5000 --out DIR` (reports r*.txt and qa.jsonl)
corpus = Path(sys.argv[5]) if len(sys.argv) > 5 else Path("eval-out/bench/corpus-5000")
files = sorted(corpus.glob("r*.txt"))[:n]
names = {f.name for f in files}
gold = [r for r in map(json.loads, open(corpus / "qa.jsonl")) if r["doc"] in names or r["type"] == "none"]
random.Random(0).shuffle(gold); gold = gold[:nq]
root = out / f"{backend}-{n}"
svc = Service(Settings(index_dir=root, model="hash", backend=backend), HashEmbedder())
t = time.perf_counter(); res = svc.ingest(files); ingest_s = time.perf_counter() - t
idx = svc.engine().index
chunks = idx.manifest.chunks
lat, ok = [], 0
for q in gold:
    t = time.perf_counter(); a = svc.ask(q["question"]); lat.append((time.perf_counter() - t) * 1000)
    ok += score_answer(q, asdict(a))
lat.sort()
# one report changed, then re-ingested: the cost of a small daily update at this size
import shutil
changed = out / f"changed-{backend}" / files[0].name
changed.parent.mkdir(parents=True, exist_ok=True)
shutil.copyfile(files[0], changed)
changed.write_text(changed.read_text(encoding="utf-8") + "\n本学年另收到补充申请3项。\n", encoding="utf-8")
t = time.perf_counter(); upd = svc.ingest([changed]); update_s = time.perf_counter() - t
assert [r.status for r in upd] == ["ok"], upd
size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
print(json.dumps({"backend": backend, "n": n, "chunks": chunks, "ingest_s": round(ingest_s, 1),
                  "chunks_per_s": round(chunks / ingest_s, 1), "queries": len(gold),
                  "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1),
                  "accuracy": round(ok / len(gold), 4), "index_bytes": size,
                  "one_report_update_s": round(update_s, 2),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
