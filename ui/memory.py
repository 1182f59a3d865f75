"""Give memory back to the OS after the server's big transient allocations (glibc only).

Measured (docs/reliability.md, "Memory soak"): under concurrent asks, every upload built a new
index version and engine while request threads kept allocating in their own malloc arenas; the
freed memory stayed in those arenas, so the server's RSS rose in ~50 MB steps with uploads and
never came back. Fewer arenas and an explicit trim after each upload keep it flat. On a libc
without these calls (musl, macOS) both are no-ops.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc

M_ARENA_MAX = -8  # mallopt parameter number in glibc's malloc.h
ARENAS = 4  # enough for the uvicorn worker threads not to contend; glibc's default is 8 per core

_libc = None


def _glibc():
    global _libc
    if _libc is None:
        try:
            lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc = lib if hasattr(lib, "malloc_trim") and hasattr(lib, "mallopt") else False
        except OSError:
            _libc = False
    return _libc or None


def limit_arenas(n: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for threads created from now on; True when applied."""
    lib = _glibc()
    return bool(lib and lib.mallopt(M_ARENA_MAX, n))


def release() -> bool:
    """Collect garbage, then return free heap pages of every arena to the OS; True when trimmed."""
    gc.collect()
    lib = _glibc()
    return bool(lib and lib.malloc_trim(0))
