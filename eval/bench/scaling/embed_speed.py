import json, time, torch
from pathlib import Path
from index.embed import SentenceTransformerEmbedder
from index.store import ChunkStore
from index.ingest import embed_text
import sys
st = ChunkStore(Path(sys.argv[1]), readonly=True)
texts = [embed_text(c) for c in st.chunks()][:200]
e = SentenceTransformerEmbedder("m3e-small")
e.embed(texts[:16])
for bs in (16, 64):
    t = time.perf_counter()
    for i in range(0, len(texts), bs): e.embed(texts[i:i+bs])
    s = time.perf_counter() - t
    print(json.dumps({"chunks": len(texts), "batch": bs, "threads": torch.get_num_threads(), "s": round(s, 2),
                      "chunks_per_s": round(len(texts)/s, 1), "avg_chars": round(sum(map(len, texts))/len(texts))}))
