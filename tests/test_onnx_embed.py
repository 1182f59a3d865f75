"""The ONNX embedder: parity with sentence-transformers (marked ``model``), the manifest's record
of the embedder and its check at load, the choice of embedder, missing extras, lazy CLI imports."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import repository as repo
from index.embed import HashEmbedder, ONNX_DEFAULT, embedder_kind, load_embedder, resolve_kind
from index.errors import IndexMismatch, MissingDependency
from index.settings import Settings
from qa.service import Service
from reportqa.cli import build_settings, main, make_parser

from .conftest import DEMO, ROOT, fictional_report

# Invented texts in the genre's shapes: a heading, a count sentence, a phone line, a long
# paragraph (past 512 tokens, so truncation is exercised), Latin and digits, a very short one.
TEXTS = [
    "三、依申请公开和不予公开情况",
    "本学年共收到信息公开申请17项，其中予以公开12项，不予公开2项，信息不存在3项。",
    "如对本报告有疑问，请联系青岚师范学院党政办公室（电话：0100-5550123，邮箱：xxgk@example.edu.cn）。",
    "东江理工大学 2022-2023 · 二、主动公开情况\n" + "学校通过门户网站、微信公众号和校报主动公开信息，" * 40,
    "Email: office@example.org, Tel 010-5550100, 2023年9月1日至2024年8月31日",
    "无",
]


class KindEmbedder(HashEmbedder):
    """The hash embedder under another kind's name: builds an index 'made by' that embedder."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind


def _report(tmp_path: Path, name: str, inst: str, n: int) -> Path:
    p = tmp_path / "in" / name
    p.parent.mkdir(exist_ok=True)
    p.write_text(fictional_report(inst, n), encoding="utf-8")
    return p


@pytest.mark.parametrize("setting,model,built,want", [
    ("st", "m3e-small", None, "st"),
    ("onnx", "m3e-small", None, ONNX_DEFAULT),
    ("onnx-fp32", "m3e-small", "st", "onnx-fp32"),  # explicit beats the index (load then checks)
    ("onnx-int8", "m3e-small", None, "onnx-int8"),
    ("auto", "m3e-small", "st", "st"),  # an existing index keeps its embedder
    ("auto", "m3e-small", "onnx-fp32", "onnx-fp32"),
    ("auto", "/models/bge", None, "st"),  # another model: its pooling may not export
    ("st", "hash", None, "hash"),
    ("auto", "hash", "st", "hash"),
])
def test_resolve_kind(setting, model, built, want, monkeypatch):
    monkeypatch.setattr("index.embed.gpu_present", lambda: False)
    assert resolve_kind(setting, model, built) == want


def test_auto_is_st_on_a_gpu_and_onnx_on_a_cpu(monkeypatch):
    monkeypatch.setattr("index.embed.gpu_present", lambda: True)
    assert resolve_kind("auto", "m3e-small") == "st"
    monkeypatch.setattr("index.embed.gpu_present", lambda: False)
    assert resolve_kind("auto", "m3e-small") == ONNX_DEFAULT == "onnx-int8"


def test_unknown_embedder_is_an_error():
    with pytest.raises(ValueError, match="embedder must be one of"):
        resolve_kind("openvino", "m3e-small")


def test_embedder_kind_defaults_to_st():
    assert embedder_kind(HashEmbedder()) == "hash"
    assert embedder_kind(object()) == "st"


def test_manifest_records_the_embedder_and_load_checks_it(tmp_path):
    idx = tmp_path / "idx"
    svc = Service(Settings(index_dir=idx, model="m3e-small"), KindEmbedder("onnx-int8"))
    assert [r.status for r in svc.ingest([_report(tmp_path, "a.txt", "青岚师范学院", 3)])] == ["ok"]
    vdir = idx / "versions" / repo.current_version(idx)
    assert json.loads((vdir / "manifest.json").read_text())["embedder"] == "onnx-int8"
    assert repo.built_with(idx) == "onnx-int8"
    assert repo.load(idx, embedder="onnx-int8").manifest.embedder == "onnx-int8"
    with pytest.raises(IndexMismatch) as e:
        repo.load(idx, embedder="st")
    assert str(e.value) == ("index was built with the onnx-int8 embedder but st is configured; rebuild it with "
                            "`reportqa ingest --rebuild --embedder st` or choose --embedder onnx-int8")


def test_service_with_another_explicit_embedder_asks_for_rebuild(tmp_path):
    idx = tmp_path / "idx"
    Service(Settings(index_dir=idx, model="m3e-small"), KindEmbedder("onnx-int8")).ingest(
        [_report(tmp_path, "a.txt", "青岚师范学院", 3)])
    other = Service(Settings(index_dir=idx, model="m3e-small", embedder="onnx-fp32"), KindEmbedder("onnx-fp32"))
    with pytest.raises(IndexMismatch, match=r"ingest --rebuild --embedder onnx-fp32"):
        other.engine()
    # an ingest into it without --rebuild is refused the same way: the vectors would not be comparable
    with pytest.raises(IndexMismatch, match="built with the onnx-int8 embedder"):
        other.ingest([_report(tmp_path, "b.txt", "东江理工大学", 5)])
    # --rebuild re-embeds everything with the new embedder and records it
    assert [r.status for r in other.ingest([tmp_path / "in"], rebuild=True)] == ["ok", "ok"]
    assert repo.built_with(idx) == "onnx-fp32"
    assert len(other.engine().docs) == 2


def test_service_refuses_an_index_rebuilt_with_another_embedder_under_auto(tmp_path):
    idx = tmp_path / "idx"
    Service(Settings(index_dir=idx, model="m3e-small"), KindEmbedder("st")).ingest(
        [_report(tmp_path, "a.txt", "青岚师范学院", 3)])
    svc = Service(Settings(index_dir=idx, model="m3e-small"), KindEmbedder("onnx-int8"))
    with pytest.raises(IndexMismatch, match="built with the st embedder but onnx-int8 is loaded"):
        svc.engine()


def test_manifest_without_the_field_reads_as_st_or_hash(tmp_path):
    svc = Service(Settings(index_dir=tmp_path / "idx", model="hash"), HashEmbedder())
    svc.ingest([_report(tmp_path, "a.txt", "青岚师范学院", 3)])
    vdir = tmp_path / "idx" / "versions" / repo.current_version(tmp_path / "idx")
    data = json.loads((vdir / "manifest.json").read_text())
    data.pop("embedder")
    (vdir / "manifest.json").write_text(json.dumps(data))
    assert repo.read_manifest(vdir).embedder == "hash"
    data["model"] = "m3e-small"
    (vdir / "manifest.json").write_text(json.dumps(data))
    assert repo.read_manifest(vdir).embedder == "st"


def test_cli_embedder_flag_and_environment(monkeypatch, tmp_path):
    p = make_parser()
    monkeypatch.delenv("REPORTQA_EMBEDDER", raising=False)
    assert build_settings(p.parse_args(["docs", "--index", str(tmp_path)])).embedder == "auto"
    assert build_settings(p.parse_args(["docs", "--embedder", "onnx", "--index", str(tmp_path)])).embedder == "onnx"
    monkeypatch.setenv("REPORTQA_EMBEDDER", "st")
    assert build_settings(p.parse_args(["docs", "--index", str(tmp_path)])).embedder == "st"
    assert build_settings(p.parse_args(["docs", "--embedder", "onnx-fp32"])).embedder == "onnx-fp32"
    monkeypatch.setenv("REPORTQA_EMBEDDER", "tensorrt")
    with pytest.raises(SystemExit, match="--embedder must be one of auto, st, onnx, onnx-fp32, onnx-int8"):
        build_settings(p.parse_args(["docs", "--index", str(tmp_path)]))
    with pytest.raises(SystemExit):
        p.parse_args(["docs", "--embedder", "tensorrt"])


def test_cli_mismatch_exits_1_naming_rebuild(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("REPORTQA_EMBEDDER", raising=False)
    idx = tmp_path / "idx"
    Service(Settings(index_dir=idx, model="m3e-small"), KindEmbedder("onnx-int8")).ingest(
        [_report(tmp_path, "a.txt", "青岚师范学院", 3)])
    assert main(["ask", "青岚师范学院收到多少项申请？", "--index", str(idx), "--embedder", "st"]) == 1
    assert "reportqa ingest --rebuild --embedder st" in capsys.readouterr().err


@pytest.mark.parametrize("module", ["onnxruntime", "tokenizers"])
def test_missing_onnx_dependency_is_a_typed_error(module, monkeypatch):
    from index import onnx_embed

    monkeypatch.setitem(sys.modules, module, None)  # import of a None entry raises ImportError
    with pytest.raises(MissingDependency, match=rf"the ONNX embedder \(--embedder onnx\) needs the Python "
                                                rf"package '{module}', which is not installed: run "
                                                rf"`pip install onnxruntime onnx tokenizers`"):
        onnx_embed.OnnxEmbedder("m3e-small")


@pytest.mark.parametrize("module,call", [
    ("pymilvus", lambda tmp: __import__("index.milvus", fromlist=["client"]).client(str(tmp / "m.db"))),
    ("milvus_lite", lambda tmp: __import__("index.milvus", fromlist=["client"]).client(str(tmp / "m2.db"))),
    ("matplotlib", lambda tmp: __import__("eval.run", fromlist=["_chart"])._chart(tmp / "c.png", {"by_type": {}}, None)),
])
def test_missing_extra_is_a_typed_error_naming_it(module, call, tmp_path, monkeypatch):
    extra = "plot" if module == "matplotlib" else "milvus"
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingDependency, match=rf"needs the Python package '{module}', which is not installed: "
                                                rf"run `pip install 'reportqa\[{extra}\]'`"):
        call(tmp_path)


def test_cached_export_in_the_fallback_folder_is_used(tmp_path):
    """A read-only venv: the export found in the index's model folder is used as it is."""
    from index import onnx_embed
    from index.embed import resolve_model_path

    src = resolve_model_path("m3e-small")
    out = onnx_embed.export_dir(src, tmp_path / "models")
    out.mkdir(parents=True)
    (out / "meta.json").write_text("{}")
    assert onnx_embed.ensure_exported("m3e-small", tmp_path / "empty-cache", tmp_path / "models") == out
    assert not (tmp_path / "empty-cache").exists()


def _imported_after(argv: list[str]) -> set[str]:
    """Heavy top-level modules imported by one CLI call, in a fresh interpreter."""
    code = ("import sys; from reportqa.cli import main; rc = main(sys.argv[1:]); "
            "heavy = {'torch', 'sentence_transformers', 'transformers', 'gradio', 'matplotlib', 'pymilvus'}; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & heavy)); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return set(eval(out.stdout.strip().splitlines()[-1]))


def test_docs_facts_ask_import_no_heavy_modules(tmp_path):
    idx = str(tmp_path / "idx")
    assert main(["ingest", str(DEMO), "--index", idx, "--model", "hash"]) == 0
    for argv in (["docs"], ["facts"], ["ask", "东江理工大学2022-2023学年共收到多少项信息公开申请？"]):
        assert _imported_after([*argv, "--index", idx, "--model", "hash"]) == set(), argv


@pytest.mark.model
def test_ask_with_the_onnx_embedder_imports_neither_torch_nor_transformers(tmp_path):
    from index import onnx_embed

    onnx_embed.ensure_exported("m3e-small")  # exporting needs torch; done once, before the timed-free check
    idx = str(tmp_path / "idx")
    assert main(["ingest", str(_report(tmp_path, "a.txt", "青岚师范学院", 3)), "--index", idx,
                 "--embedder", "onnx"]) == 0
    assert _imported_after(["ask", "青岚师范学院收到多少项信息公开申请？", "--index", idx]) == set()


@pytest.fixture(scope="module")
def parity_vectors():
    st = load_embedder("m3e-small", embedder="st")
    texts = TEXTS + [ln for p in sorted(DEMO.glob("*.txt"))[:4]
                     for ln in p.read_text(encoding="utf-8", errors="ignore").splitlines() if len(ln) > 10][:60]
    return texts, st.embed(texts)


@pytest.mark.model
@pytest.mark.parametrize("kind,floor", [("onnx-fp32", 0.9999), ("onnx-int8", 0.99)])
def test_onnx_per_text_cosine_to_sentence_transformers(parity_vectors, kind, floor):
    texts, ref = parity_vectors
    emb = load_embedder("m3e-small", embedder=kind)
    assert emb.kind == kind and emb.dim == ref.shape[1] == 512
    got = emb.embed(texts)
    assert got.dtype == np.float32 and got.shape == ref.shape
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = (got * ref).sum(axis=1)
    assert cos.min() >= floor, (kind, float(cos.min()), texts[int(cos.argmin())][:40])
    # input order is kept (batches run length-sorted) and one text alone gives the same vector;
    # int8 only nearly so: dynamic quantisation scales activations by each batch's range
    alone = emb.embed([texts[3]])[0]
    assert float(alone @ got[3]) >= (0.99999 if kind == "onnx-fp32" else floor)
    assert emb.embed([]).shape == (0, 512)
