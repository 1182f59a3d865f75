"""FAISS index memory (flat / IVF-Flat / IVF-PQ / HNSW) at N, and recall@10 of IVF-PQ vs flat."""
import json, sys, time
import numpy as np, faiss
faiss.omp_set_num_threads(2)
d = 512
def mem(index):  # serialized size == resident size for these index types
    return faiss.serialize_index(index).nbytes
rng = np.random.default_rng(0)
for n in (50_000, 200_000):
    x = rng.standard_normal((n, d), dtype=np.float32); faiss.normalize_L2(x)
    flat = faiss.IndexFlatIP(d); flat.add(x)
    ivf = faiss.index_factory(d, "IVF1024,Flat", faiss.METRIC_INNER_PRODUCT); ivf.train(x[:50_000]); ivf.add(x)
    pq = faiss.index_factory(d, "IVF1024,PQ64", faiss.METRIC_INNER_PRODUCT); pq.train(x[:50_000]); pq.add(x)
    print(json.dumps({"n": n, "flat_MB": round(mem(flat)/2**20, 1), "ivf_flat_MB": round(mem(ivf)/2**20, 1),
                      "ivf_pq64_MB": round(mem(pq)/2**20, 1),
                      "B_per_vec": {"flat": round(mem(flat)/n), "ivf_flat": round(mem(ivf)/n), "ivf_pq64": round(mem(pq)/n)}}), flush=True)
    del flat, ivf, pq, x
# recall@10 on real (hash-embedded, 512-d) chunk vectors of the N=5000 synthetic corpus
from index.store import ChunkStore
from index.ingest import embed_text
from index.embed import HashEmbedder
st = ChunkStore(__import__("pathlib").Path(sys.argv[1]), readonly=True)
chunks = st.chunks()
x = np.concatenate([HashEmbedder(512).embed([embed_text(c) for c in chunks[i:i+2000]]) for i in range(0, len(chunks), 2000)])
x = np.ascontiguousarray(x, dtype=np.float32)
n = len(x)
q = x[rng.choice(n, 1000, replace=False)] + 0.0
flat = faiss.IndexFlatIP(d); flat.add(x)
t = time.perf_counter(); _, gt = flat.search(q, 10); tflat = (time.perf_counter() - t) / len(q) * 1000
for spec, nprobe in (("IVF256,PQ64", 16), ("IVF256,PQ64", 64), ("IVF256,Flat", 16), ("IVF256,PQ128", 16), ("HNSW32", None)):
    ix = faiss.index_factory(d, spec, faiss.METRIC_INNER_PRODUCT)
    t = time.perf_counter(); ix.train(x); ix.add(x); tb = time.perf_counter() - t
    if nprobe: ix.nprobe = nprobe
    t = time.perf_counter(); _, got = ix.search(q, 10); tq = (time.perf_counter() - t) / len(q) * 1000
    rec = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(gt, got)])
    print(json.dumps({"n": n, "index": spec, "nprobe": nprobe, "recall@10": round(float(rec), 3),
                      "build_s": round(tb, 1), "ms_per_query": round(tq, 2), "flat_ms_per_query": round(tflat, 2),
                      "MB": round(mem(ix)/2**20, 1)}), flush=True)
