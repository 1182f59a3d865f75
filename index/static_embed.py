"""A static embedder: model2vec's distillation of the local model (m3e-small by default).

Every token of the model's vocabulary is run once through the model; the token vectors, reduced
by PCA to 256 dimensions and weighted (SIF), are the whole model. A text's vector is the mean of
its tokens' vectors, so encoding is a table look-up: no network, no matrix products. Its vectors
are not in the space of the source model (per-text cosine to it means nothing), and its answers
are measured on the dev sets instead (docs/benchmarks.md, "model2vec").

The distillation runs once, with torch and transformers, into a cache folder beside the venv
(``default_cache_dir``), or the index's model folder when that cannot be written, by
``python -m index.static_embed`` or on first use. The folder name carries the fingerprint of the
source files, so a changed model is distilled again. Written to a temporary sibling folder and
renamed into place, as the ONNX export is. Needs the optional extra ``reportqa[model2vec]``.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from .embed import BUNDLED, resolve_model_path
from .extras import require
from .onnx_embed import cached_build, fingerprint, publish

# Bump when the distilled files change shape or meaning: old caches are then distilled again.
DISTILL_VERSION = 1
# model2vec's default: PCA to 256 dimensions (m3e-small has 512), which also denoises the table.
PCA_DIMS = 256
EXTRA = "'reportqa[model2vec]'"


def default_cache_dir() -> Path:
    """Beside the running interpreter's environment (the venv), as the ONNX export."""
    return Path(sys.prefix) / "share" / "reportqa" / "model2vec"


def distill_dir(model_path: Path, cache_dir: Path) -> Path:
    """Where the distillation of ``model_path`` lives (whether or not it exists yet)."""
    return cache_dir / f"{model_path.name}-v{DISTILL_VERSION}-{fingerprint(model_path)}"


def distill(model_path: Path, out: Path) -> Path:
    """Distil the local model at ``model_path`` into the folder ``out`` (atomic, as the ONNX export).

    Needs torch, transformers, model2vec and skeletoken (``reportqa[model2vec]``). Nothing is downloaded.
    """
    require("model2vec", EXTRA, "the model2vec embedder (--embedder model2vec)")
    require("skeletoken", EXTRA, "the model2vec distillation")
    from model2vec.distill import distill_from_model
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(model_path), local_files_only=True)
    tok = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
    static = distill_from_model(model, tok, pca_dims=PCA_DIMS, device="cpu")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        static.save_pretrained(str(tmp))
        for p in tmp.iterdir():  # safetensors writes its file private; the cache is shared by the venv's users
            os.chmod(p, 0o644)
        publish(tmp, out, "config.json")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def ensure_distilled(model: str = BUNDLED, cache_dir: Path | None = None, fallback_dir: Path | None = None) -> Path:
    """The distilled folder for ``model``, distilling it first when it is not cached yet (in
    ``cache_dir``, default beside the venv, else ``fallback_dir`` when the first is read-only)."""
    path = resolve_model_path(model)
    dirs = [cache_dir or default_cache_dir()] + ([fallback_dir] if fallback_dir else [])
    return cached_build(dirs, lambda d: distill_dir(path, d), "config.json", lambda out: distill(path, out))


class StaticEmbedder:
    """The model2vec distillation of a local model; normalised float32 rows (kind "model2vec")."""

    def __init__(self, model: str = BUNDLED, cache_dir: Path | None = None, fallback_dir: Path | None = None):
        m2v = require("model2vec", EXTRA, "the model2vec embedder (--embedder model2vec)")
        folder = ensure_distilled(model, cache_dir, fallback_dir)
        self.name = model
        self.kind = "model2vec"
        self.folder = folder
        self._model = m2v.StaticModel.from_pretrained(str(folder))
        self.dim = int(self._model.dim)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 vectors, one row per text, in the order of ``texts``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # The same 512-token cut as the source model; one process (no joblib workers).
        vec = self._model.encode(list(texts), max_length=512, use_multiprocessing=False, show_progress_bar=False)
        vec = np.asarray(vec, dtype=np.float32)
        norms = np.linalg.norm(vec, axis=1, keepdims=True)
        return vec / np.maximum(norms, 1e-12)


def main(argv: list[str] | None = None) -> int:
    """``python -m index.static_embed [MODEL] [--cache DIR]``: distil now (offline; prints the folder)."""
    import argparse

    ap = argparse.ArgumentParser(description="Distil a local sentence-transformers model with model2vec.")
    ap.add_argument("model", nargs="?", default=BUNDLED)
    ap.add_argument("--cache", type=Path, help=f"cache folder (default {default_cache_dir()})")
    args = ap.parse_args(argv)
    print(ensure_distilled(args.model, args.cache))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
