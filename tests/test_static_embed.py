"""The model2vec embedder (index/static_embed.py): selection, its cache, the missing extra, and
(marked ``model``) the distilled m3e-small itself."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from index import repository as repo
from index.embed import load_embedder, resolve_kind
from index.errors import IndexMismatch, MissingDependency
from index.settings import Settings
from qa.service import Service
from reportqa.cli import build_settings, make_parser

from .test_onnx_embed import TEXTS, KindEmbedder, _imported_after, _report


@pytest.mark.parametrize("setting,built,want", [
    ("model2vec", None, "model2vec"),
    ("model2vec", "onnx-int8", "model2vec"),  # explicit beats the index (load then checks)
    ("auto", "model2vec", "model2vec"),  # an index built with it keeps it
])
def test_resolve_kind_model2vec(setting, built, want):
    assert resolve_kind(setting, "m3e-small", built) == want


def test_cli_accepts_model2vec(monkeypatch, tmp_path):
    monkeypatch.delenv("REPORTQA_EMBEDDER", raising=False)
    p = make_parser()
    assert build_settings(p.parse_args(["docs", "--embedder", "model2vec", "--index", str(tmp_path)])).embedder \
        == "model2vec"
    monkeypatch.setenv("REPORTQA_EMBEDDER", "model2vec")
    assert build_settings(p.parse_args(["docs", "--index", str(tmp_path)])).embedder == "model2vec"


def test_missing_model2vec_names_the_extra(monkeypatch):
    from index import static_embed

    monkeypatch.setitem(sys.modules, "model2vec", None)  # import of a None entry raises ImportError
    with pytest.raises(MissingDependency, match=r"the model2vec embedder \(--embedder model2vec\) needs the Python "
                                                r"package 'model2vec', which is not installed: run "
                                                r"`pip install 'reportqa\[model2vec\]'`"):
        load_embedder("m3e-small", embedder="model2vec")
    assert static_embed.EXTRA == "'reportqa[model2vec]'"


def test_an_index_built_with_model2vec_asks_for_rebuild_under_another(tmp_path):
    idx = tmp_path / "idx"
    Service(Settings(index_dir=idx, model="m3e-small"), KindEmbedder("model2vec")).ingest(
        [_report(tmp_path, "a.txt", "青岚师范学院", 3)])
    assert repo.built_with(idx) == "model2vec"
    with pytest.raises(IndexMismatch) as e:
        repo.load(idx, embedder="onnx-int8")
    assert str(e.value) == ("index was built with the model2vec embedder but onnx-int8 is configured; rebuild it "
                            "with `reportqa ingest --rebuild --embedder onnx-int8` or choose --embedder model2vec")


def test_cached_distillation_is_found_in_either_folder(tmp_path):
    """A distillation already in the cache (or, for a read-only venv, the fallback folder) is used as it is."""
    from index import static_embed
    from index.embed import resolve_model_path

    src = resolve_model_path("m3e-small")
    out = static_embed.distill_dir(src, tmp_path / "models")
    assert out.name.startswith("m3e-small-v1-")
    out.mkdir(parents=True)
    (out / "config.json").write_text("{}")
    assert static_embed.ensure_distilled("m3e-small", tmp_path / "empty-cache", tmp_path / "models") == out
    assert static_embed.ensure_distilled("m3e-small", tmp_path / "models") == out
    assert not (tmp_path / "empty-cache").exists()


@pytest.mark.model
def test_distilled_m3e_small_vectors():
    emb = load_embedder("m3e-small", embedder="model2vec")  # distils once (about 2 min), then cached
    assert (emb.kind, emb.name, emb.dim) == ("model2vec", "m3e-small", 256)
    assert json.loads((emb.folder / "config.json").read_text())["apply_pca"] == 256
    got = emb.embed(TEXTS)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), 256)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # a table look-up: a text gives the same vector alone as in a batch, and order is kept
    assert np.allclose(emb.embed([TEXTS[1]])[0], got[1], atol=1e-6)
    assert np.allclose(emb.embed(TEXTS[::-1]), got[::-1], atol=1e-6)
    assert emb.embed([]).shape == (0, 256)
    # the genre's near-paraphrase is closer than an unrelated line
    a, b, c = emb.embed(["本学年共收到信息公开申请17项", "学校共收到信息公开申请17项", "联系电话：0100-5550123"])
    assert float(a @ b) > float(a @ c) + 0.3


@pytest.mark.model
def test_ask_with_model2vec_imports_neither_torch_nor_transformers(tmp_path):
    from index import static_embed

    static_embed.ensure_distilled("m3e-small")  # distilling needs torch; done once, before the check
    idx = str(tmp_path / "idx")
    from reportqa.cli import main

    assert main(["ingest", str(_report(tmp_path, "a.txt", "青岚师范学院", 3)), "--index", idx,
                 "--embedder", "model2vec"]) == 0
    assert _imported_after(["ask", "青岚师范学院收到多少项信息公开申请？", "--index", idx]) == set()
