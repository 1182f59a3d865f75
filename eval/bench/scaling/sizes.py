import json, sys, tempfile
from pathlib import Path
from index.embed import HashEmbedder
from qa.service import Service
from index.settings import Settings
def du(p): p=Path(p); return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else p.stat().st_size
for name, paths in [("demo", ["eval/corpus/demo"]), ("seeds", ["../shared/seeds"]), ("wild_dev", ["../shared/wild_dev/docs"])]:
    for b in ["faiss", "milvus"]:
        root = Path(tempfile.mkdtemp()) / "idx"
        svc = Service(Settings(index_dir=root, model="hash", backend=b), HashEmbedder(512))
        svc.ingest([Path(p) for p in paths])
        idx = svc.engine().index
        v = root / "versions" / idx.version
        n, d = idx.manifest.chunks, idx.manifest.docs
        chars = sum(len(c.text) for c in idx.store.chunks())
        row = {"corpus": name, "backend": b, "docs": d, "chunks": n, "chunks_per_doc": round(n/d, 1),
               "chars_per_chunk": round(chars/n), "store_B_per_chunk": round(du(v/"store.sqlite")/n)}
        if b == "faiss":
            row.update(vectors_B_per_chunk=round(du(v/"vectors.faiss")/n), bm25_B_per_chunk=round(du(v/"keyword")/n))
        else:
            row.update(milvus_lite_B_per_chunk=round(du(root/"milvus.db")/n))
        print(json.dumps(row))
