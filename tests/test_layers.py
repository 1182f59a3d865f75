"""Dependencies point one way: ui -> qa -> index, eval -> qa. Read the imports to keep it so."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_packages(pkg: str) -> set[tuple[str, str]]:
    found = set()
    for f in (ROOT / pkg).rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(f.name, a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((f.name, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("pkg, forbidden", [
    ("index", {"qa", "ui", "eval", "reportqa"}),
    ("qa", {"ui", "eval", "reportqa"}),
    ("eval", {"ui"}),
])
def test_no_upward_imports(pkg, forbidden):
    bad = sorted((f, m) for f, m in imported_packages(pkg) if m in forbidden)
    assert bad == []


def test_core_never_reads_the_environment():
    for pkg in ("index", "qa"):
        for f in (ROOT / pkg).rglob("*.py"):
            assert "os.environ" not in f.read_text(encoding="utf-8"), f


PACKAGES = ("index", "qa", "ui", "eval", "reportqa")


def test_no_private_names_across_packages():
    """`from index.x import _name` in another package reaches into a private part."""
    bad = []
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    top = node.module.split(".")[0]
                    if top in PACKAGES and top != pkg:
                        bad += [(f.name, node.module, a.name) for a in node.names if a.name.startswith("_")]
    assert bad == []
