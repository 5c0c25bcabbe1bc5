"""glibc's heap, where it keeps memory that Python and Chroma have freed.

Fewer arenas in the app: glibc gives each thread that allocates its own heap arena (up to eight per core), and
memory freed in one arena is not reused by another. The app answers in Gradio's worker threads, and onnxruntime and
Chroma run threads of their own, so its memory grew with the threads that had touched it: at 8,900 articles 803 MB
after ten questions with the default, 711 MB with two arenas from the app's start (docs/performance.md).

Freed memory given back: reading every passage record to build the retrieval tables leaves hundreds of MB freed but
held by the heap (240 MB at 8,900 articles), which the next large allocations (the sentence vectors' array, made
with mmap) do not reuse, so the peaks would add up.

Both do nothing where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import os
import sys

ARENAS = 2
M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:  # another C library (musl): it has no per-thread arenas to limit
        return None


def limit_heap_arenas() -> None:
    """Limit the arenas made from now on (a MALLOC_ARENA_MAX in the environment wins)."""
    libc = _glibc()
    if libc is not None and "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(M_ARENA_MAX, ARENAS)


def release_free_heap() -> None:
    """Give the heap's free memory back to the operating system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
