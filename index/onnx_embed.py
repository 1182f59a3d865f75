"""A CPU embedder on ONNX Runtime and `tokenizers`: no torch, no transformers at run time.

The local sentence-transformers model (m3e-small by default) is exported once, with torch, into a
cache folder (see ``default_cache_dir``), by ``reportqa export-model`` / ``make setup`` or on first
use. The folder holds::

    model-fp32.onnx   the encoder plus the model's pooling, fused by ONNX Runtime's BERT optimiser
    model-int8.onnx   the same, weights quantised to int8 (dynamic quantisation)
    tokenizer.json    the model's own fast tokenizer, saved from the loaded model
    meta.json         dimension, pooling, max_seq_length, and the source folder's fingerprint

It is built in a temporary sibling folder and renamed into place, so a crash or two processes
exporting at once never leave a half-written model. The folder's name carries a fingerprint of the
source files (names, sizes, mtimes) and of the exporter version: a changed model is exported again.
sentence-transformers stays the reference (``index.embed.SentenceTransformerEmbedder``) and the
GPU path; tests hold the two to a per-text cosine of 0.9999 (fp32) and 0.99 (int8).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from .embed import BUNDLED, resolve_model_path
from .errors import ModelNotFound
from .extras import require

VARIANTS = ("fp32", "int8")
# Bump when the exported files change shape or meaning: old caches are then exported again.
EXPORT_VERSION = 2
CPU_BATCH_SIZE = 16


def default_cache_dir() -> Path:
    """Beside the running interpreter's environment (the venv): shared by every index it serves."""
    return Path(sys.prefix) / "share" / "reportqa" / "onnx"


def fingerprint(model_path: Path) -> str:
    """A short key for the model folder's files (names, sizes, mtimes) and the export format."""
    h = hashlib.sha1(f"v{EXPORT_VERSION}".encode())
    for p in sorted(model_path.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            st = p.stat()
            h.update(f"{p.relative_to(model_path)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def export_dir(model_path: Path, cache_dir: Path) -> Path:
    """Where the export of ``model_path`` lives (whether or not it exists yet)."""
    return cache_dir / f"{model_path.name}-{fingerprint(model_path)}"


def _require(module: str):
    # declared dependencies of reportqa; missing only in a partial install
    return require(module, "onnxruntime onnx tokenizers", "the ONNX embedder (--embedder onnx)")


def export(model_path: Path, out: Path) -> Path:
    """Export the sentence-transformers model at ``model_path`` into the folder ``out``.

    Needs torch and sentence-transformers (installed for the reference embedder) and onnx.
    Atomic: the files are written to a temporary sibling folder that is renamed to ``out``;
    when another process got there first, its export is kept and ours dropped.
    """
    onnx = _require("onnx")
    ort = _require("onnxruntime")
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    st.eval()
    transformer, pooling = st[0], st[1]
    # sentence-transformers >= 5 names the mode in ``pooling_mode``; older ones use flags.
    mode = getattr(pooling, "pooling_mode", None)
    if not isinstance(mode, str):
        mode = ("cls" if getattr(pooling, "pooling_mode_cls_token", False) else
                "mean" if getattr(pooling, "pooling_mode_mean_tokens", False) else "other")
    if mode not in ("mean", "cls"):
        raise ModelNotFound(f"the ONNX export supports mean or CLS pooling only; {model_path} uses "
                            f"{mode!r} pooling: choose --embedder st")
    encoder = transformer.auto_model
    cfg = encoder.config

    class Pooled(torch.nn.Module):
        """Encoder plus the model's pooling, so one ONNX graph gives the sentence vector."""

        def __init__(self):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            if mode == "cls":
                return hidden[:, 0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        raw = tmp / "raw.onnx"
        ids = torch.ones((2, 8), dtype=torch.long)
        axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                "token_type_ids": {0: "batch", 1: "seq"}, "embedding": {0: "batch"}}
        with torch.inference_mode():
            torch.onnx.export(Pooled().eval(), (ids, ids, torch.zeros_like(ids)), str(raw), dynamo=False,
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["embedding"], dynamic_axes=axes, opset_version=17,
                              do_constant_folding=True)
        # The BERT optimiser fuses attention, GELU, layer norm and the embedding layer; its output
        # is what both variants run (graph optimisation is the fp32 speed-up).
        fused = optimize_model(str(raw), model_type="bert", num_heads=cfg.num_attention_heads,
                               hidden_size=cfg.hidden_size, opt_level=1, use_gpu=False)
        fused.save_model_to_file(str(tmp / "model-fp32.onnx"))
        quantize_dynamic(str(tmp / "model-fp32.onnx"), str(tmp / "model-int8.onnx"),
                         weight_type=QuantType.QInt8,
                         # one scale per output channel: per-text cosine to fp32 0.996 at worst on the
                         # dev reports, against 0.988 with one scale per tensor
                         per_channel=True,
                         # fused ops (com.microsoft domain) escape shape inference: their outputs are float
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        raw.unlink()
        transformer.tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        meta = {"source": str(model_path), "fingerprint": fingerprint(model_path), "pooling": mode,
                "dim": int((getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension)()), "max_seq_length": int(st.max_seq_length),
                "do_lower_case": bool(getattr(transformer, "do_lower_case", False)),
                "pad_token": transformer.tokenizer.pad_token, "pad_id": transformer.tokenizer.pad_token_id,
                "onnxruntime": ort.__version__, "export_version": EXPORT_VERSION}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        publish(tmp, out, "meta.json")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def ensure_exported(model: str = BUNDLED, cache_dir: Path | None = None,
                    fallback_dir: Path | None = None) -> Path:
    """The export folder for ``model``, exporting it first when it is not cached yet.

    It is looked for in ``cache_dir`` (default beside the venv) and then ``fallback_dir`` (the
    index's model folder); a new export goes to the first, or to the second when the first
    cannot be written (a read-only venv).
    """
    path = resolve_model_path(model)
    dirs = [cache_dir or default_cache_dir()] + ([fallback_dir] if fallback_dir else [])
    return cached_build(dirs, lambda d: export_dir(path, d), "meta.json", lambda out: export(path, out))


def cached_build(dirs: list[Path], folder, marker: str, build) -> Path:
    """``folder(d)`` of the first of ``dirs`` whose folder holds ``marker`` (a finished build);
    else ``build(folder(dirs[0]))``, or into ``dirs[1]`` when the first cannot be written.

    The model caches (this ONNX export, index.static_embed's distillation) are found and made so."""
    for d in dirs:
        out = folder(d)
        if (out / marker).exists():
            return out
    try:
        return build(folder(dirs[0]))
    except PermissionError:
        if len(dirs) == 1:
            raise
        return build(folder(dirs[1]))


def publish(tmp: Path, out: Path, marker: str) -> None:
    """Rename the finished build folder ``tmp`` to ``out`` (atomic); when another process's finished
    folder (holding ``marker``) got there first, that one stands and ``tmp`` is left to the caller."""
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the cache is shared by the venv's users
    try:
        os.replace(tmp, out)  # atomic; fails when another process's folder is already there
    except OSError:
        if not (out / marker).exists():
            raise


class OnnxEmbedder:
    """m3e-small (or another local mean/CLS-pooled model) on ONNX Runtime; normalised float32 rows.

    ``variant``: ``"int8"`` (dynamically quantised weights) or ``"fp32"``. ``threads``: ONNX
    Runtime's intra-op threads (default: its own, one per physical core). Texts are sorted by
    length and run in batches of ``batch_size`` (16) so that padding stays small.
    """

    def __init__(self, model: str = BUNDLED, variant: str = "int8", batch_size: int | None = None,
                 cache_dir: Path | None = None, threads: int | None = None, fallback_dir: Path | None = None):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
        ort = _require("onnxruntime")
        tokenizers = _require("tokenizers")
        folder = ensure_exported(model, cache_dir, fallback_dir)
        meta = json.loads((folder / "meta.json").read_text())
        self.name = model
        self.kind = f"onnx-{variant}"
        self.variant = variant
        self.folder = folder
        self.dim = int(meta["dim"])
        self.batch_size = batch_size or CPU_BATCH_SIZE
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        self._lower = bool(meta.get("do_lower_case"))
        tok = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The same truncation and padding as sentence-transformers: cut at max_seq_length, pad
        # each batch to its longest row.
        tok.enable_truncation(max_length=int(meta["max_seq_length"]))
        pad = meta.get("pad_token") or "[PAD]"
        pad_id = meta.get("pad_id")
        if pad_id is None:
            pad_id = tok.token_to_id(pad) or 0
        tok.enable_padding(pad_id=int(pad_id), pad_token=pad)
        self._tok = tok
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            opts.intra_op_num_threads = threads
        # Idle worker threads sleep instead of spinning: on a shared or small machine spinning
        # takes cores from the tokenizer, the web server and other processes.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(folder / f"model-{variant}.onnx"), opts,
                                             providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}

    def _run(self, batch: list[str]) -> np.ndarray:
        if self._lower:
            batch = [t.lower() for t in batch]
        enc = self._tok.encode_batch(batch)
        feeds = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                 "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                 "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
        vec = self._session.run(["embedding"], {k: v for k, v in feeds.items() if k in self._inputs})[0]
        return vec.astype(np.float32, copy=False)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 vectors, one row per text, in the order of ``texts``."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for s in range(0, len(order), self.batch_size):
            idx = order[s:s + self.batch_size]
            out[idx] = self._run([texts[i] for i in idx])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.maximum(norms, 1e-12)
        return out


def main(argv: list[str] | None = None) -> int:
    """``python -m index.onnx_embed [MODEL] [--cache DIR]``: export now (``make setup`` runs it, with
    HF_HUB_OFFLINE=1; the model is loaded from its local folder in any case)."""
    import argparse

    ap = argparse.ArgumentParser(description="Export a local sentence-transformers model to ONNX (fp32 + int8).")
    ap.add_argument("model", nargs="?", default=BUNDLED)
    ap.add_argument("--cache", type=Path, help=f"cache folder (default {default_cache_dir()})")
    args = ap.parse_args(argv)
    print(ensure_exported(args.model, args.cache))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
