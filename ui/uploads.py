"""Uploaded files: safe names, staged in a temp dir under the data directory, checked before parsing."""
from __future__ import annotations

import shutil
import tempfile
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from index.errors import FileTooLarge, ReportQAError, UnsupportedFormat
from index.readers import SUPPORTED

MAX_NAME = 120
MAX_FILES = 20
_BAD = set('<>:"/\\|?*')


class UploadRejected(ReportQAError):
    """An upload that is refused before parsing (name, type, size or count)."""

    status = 400


class UploadTooLarge(UploadRejected, FileTooLarge):
    status = 413


class UploadUnsupported(UploadRejected, UnsupportedFormat):
    status = 415


def safe_name(name: str | None) -> str:
    """The last path part of ``name`` without control characters, separators or leading dots.

    ``../../evil.txt`` -> ``evil.txt``; ``C:\\x\\年报.pdf`` -> ``年报.pdf``; capped at 120
    characters (the extension kept). Empty results raise UploadRejected.
    """
    raw = str(name or "").replace("\\", "/").split("/")[-1]
    cleaned = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
    cleaned = "".join("_" if ch in _BAD else ch for ch in cleaned).strip().lstrip(".").strip()
    if len(cleaned) > MAX_NAME:
        p = Path(cleaned)
        suffix = p.suffix if len(p.suffix) <= 10 else ""
        cleaned = cleaned[:MAX_NAME - len(suffix)].rstrip() + suffix
    if not cleaned or cleaned in (".", ".."):
        raise UploadRejected(f"file name {name!r} is empty after removing path parts and control characters")
    return cleaned


def check_type(name: str) -> None:
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise UploadUnsupported(f"{name}: unsupported file type {suffix or '(none)'!r}; "
                                f"supported: {', '.join(sorted(SUPPORTED))}")


def too_large(name: str, size: int, limit: int) -> UploadTooLarge:
    return UploadTooLarge(f"{name}: file is larger than the {limit / 1024 / 1024:.1f} MB limit "
                          f"({size} bytes > {limit} bytes)")


def upload_root(index_dir: Path) -> Path:
    """Where uploads are staged: a folder inside the index (data) directory."""
    return Path(index_dir) / "uploads"


@contextmanager
def staging(index_dir: Path) -> Iterator[Path]:
    """A fresh temp dir under the data directory, removed afterwards."""
    root = upload_root(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="upload-", dir=root))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _target(tmp: Path, name: str) -> Path:
    dst = (tmp / name).resolve()
    if dst.parent != tmp.resolve():  # cannot happen after safe_name; checked anyway
        raise UploadRejected(f"file name {name!r} leaves the upload folder")
    return dst


def stage_stream(tmp: Path, name: str, src: BinaryIO, limit: int) -> Path:
    """Copy an upload stream into ``tmp`` under a safe name, stopping past ``limit`` bytes."""
    name = safe_name(name)
    check_type(name)
    dst = _target(tmp, name)
    if dst.exists():
        raise UploadRejected(f"{name}: two uploaded files have the same name")
    size = 0
    with open(dst, "wb") as out:
        while True:
            block = src.read(1 << 20)
            if not block:
                break
            size += len(block)
            if size > limit:
                out.close()
                dst.unlink(missing_ok=True)
                raise too_large(name, size, limit)
            out.write(block)
    return dst


def stage_path(tmp: Path, path: Path, limit: int, name: str | None = None) -> Path:
    """Copy a file already on disk (Gradio's upload cache) into ``tmp`` after the same checks."""
    name = safe_name(name or Path(path).name)
    check_type(name)
    size = Path(path).stat().st_size
    if size > limit:
        raise too_large(name, size, limit)
    dst = _target(tmp, name)
    if dst.exists():
        raise UploadRejected(f"{name}: two uploaded files have the same name")
    shutil.copyfile(path, dst)
    return dst
