"""Uploaded files: safe names, staged in a temp dir under the data directory, checked before parsing."""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from index.errors import FileTooLarge, ReportQAError, UnsupportedFormat
from index.readers import SUPPORTED

MAX_NAME = 120
MAX_NAME_BYTES = 200  # UTF-8 bytes; file systems refuse names over 255 bytes (120 CJK characters are 360)
MAX_FILES = 20  # the default of Settings.max_upload_files
LOCK = ".staging.lock"
_BAD = set('<>:"/\\|?*')


class UploadRejected(ReportQAError):
    """An upload that is refused before parsing (name, type, size or count)."""

    status = 400


class UploadTooLarge(UploadRejected, FileTooLarge):
    status = 413


class UploadUnsupported(UploadRejected, UnsupportedFormat):
    status = 415


class UploadMalformed(UploadRejected):
    """A body that is not a readable multipart/form-data upload."""


def safe_name(name: str | None) -> str:
    """The last path part of ``name`` without control characters, separators or leading dots.

    ``../../evil.txt`` -> ``evil.txt``; ``C:\\x\\年报.pdf`` -> ``年报.pdf``; capped at 120
    characters (the extension kept). Empty results raise UploadRejected.
    """
    raw = str(name or "").replace("\\", "/").split("/")[-1]
    cleaned = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
    cleaned = "".join("_" if ch in _BAD else ch for ch in cleaned).strip().lstrip(".").strip()
    if len(cleaned) > MAX_NAME or len(cleaned.encode("utf-8")) > MAX_NAME_BYTES:
        p = Path(cleaned)
        suffix = p.suffix if len(p.suffix) <= 10 else ""
        stem = cleaned[:len(cleaned) - len(suffix)][:MAX_NAME - len(suffix)]
        while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
            stem = stem[:-1]
        cleaned = stem.rstrip() + suffix
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
                          f"(over {limit} bytes; the upload stopped at {size} bytes)")


def upload_root(index_dir: Path) -> Path:
    """Where uploads are staged: a folder inside the index (data) directory."""
    return Path(index_dir) / "uploads"


def clean_staging(index_dir: Path) -> list[str]:
    """Remove staging folders (``uploads/upload-*``) whose owner is gone; their names.

    Each live staging folder holds an flock on its lock file; the kernel drops it when the
    process dies, so a folder left by a crash (kill -9 mid-upload) is found unlocked and
    removed, while another server's upload in flight is left alone. Runs at start-up and
    before every upload."""
    root = upload_root(index_dir)
    removed = []
    try:
        entries = sorted(root.glob("upload-*"))
    except OSError:
        return removed
    for d in entries:
        try:
            fd = os.open(d / LOCK, os.O_RDWR)
        except FileNotFoundError:
            fd = None  # crashed before the lock existed
        except OSError:
            continue
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a live upload
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d.name)
        finally:
            if fd is not None:
                os.close(fd)
    return removed


@contextmanager
def staging(index_dir: Path) -> Iterator[Path]:
    """A fresh temp dir under the data directory, locked while in use and removed afterwards."""
    root = upload_root(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    clean_staging(index_dir)
    tmp = Path(tempfile.mkdtemp(prefix="upload-", dir=root))
    fd = os.open(tmp / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        os.close(fd)


def _target(tmp: Path, name: str) -> Path:
    dst = (tmp / name).resolve()
    if dst.parent != tmp.resolve():  # cannot happen after safe_name; checked anyway
        raise UploadRejected(f"file name {name!r} leaves the upload folder")
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


@dataclass
class Received:
    """One file part of an upload: staged at ``path``, or refused with ``message`` and ``status``."""

    name: str
    path: Path | None = None
    message: str = ""
    status: int = 200


class MultipartReceiver:
    """Stream a multipart/form-data body into a staging folder, one file part at a time.

    Each part's name and type are checked when its headers arrive, before any byte is written
    (a bad one is a per-file failure); its bytes are written as they arrive, and a part past
    ``max_bytes`` aborts the request there (413), as do more than ``max_files`` file parts (400):
    the rest of the body is never read."""

    def __init__(self, tmp: Path, boundary: bytes, max_files: int, max_bytes: int):
        from python_multipart.multipart import MultipartParser

        self.tmp, self.max_files, self.max_bytes = tmp, max_files, max_bytes
        self.items: list[Received] = []
        self._field, self._value, self._headers = b"", b"", {}
        self._out, self._size, self._item = None, 0, None
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._begin, "on_header_field": self._hfield, "on_header_value": self._hvalue,
            "on_header_end": self._hend, "on_headers_finished": self._headers_done,
            "on_part_data": self._data, "on_part_end": self._end})

    def write(self, chunk: bytes) -> None:
        from python_multipart.exceptions import MultipartParseError

        try:
            self.parser.write(chunk)
        except MultipartParseError as exc:
            raise UploadMalformed(f"malformed multipart body: {exc}") from exc

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def _begin(self):
        self._headers, self._field, self._value, self._item, self._size = {}, b"", b"", None, 0

    def _hfield(self, data, start, end):
        self._field += data[start:end]

    def _hvalue(self, data, start, end):
        self._value += data[start:end]

    def _hend(self):
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def _headers_done(self):
        from python_multipart.multipart import parse_options_header

        _, opts = parse_options_header(self._headers.get(b"content-disposition", b""))
        if b"filename" not in opts:
            return  # a plain form field: ignored (bounded by the request's size limit)
        if len(self.items) >= self.max_files:
            raise UploadRejected(f"more than {self.max_files} files uploaded; at most {self.max_files} per request")
        raw = opts[b"filename"].decode("utf-8", errors="replace")
        item = Received(raw)
        self.items.append(item)
        try:
            name = safe_name(raw)
            item.name = name
            check_type(name)
            dst = _target(self.tmp, name)
            if dst.exists():
                raise UploadRejected(f"{name}: two uploaded files have the same name")
        except UploadRejected as exc:
            item.message, item.status = str(exc), exc.status
            return
        item.path = dst
        self._item, self._out = item, open(dst, "wb")

    def _data(self, data, start, end):
        if self._out is None:
            return
        self._size += end - start
        if self._size > self.max_bytes:  # stop here: the rest of the body is never read
            self._out.close()
            self._out = None
            self._item.path.unlink(missing_ok=True)
            raise too_large(self._item.name, self._size, self.max_bytes)
        self._out.write(data[start:end])

    def _end(self):
        self.close()  # an empty file stays staged: the reader reports it as empty, per file
