"""Fewer heap arenas in a process that answers from many threads.

glibc gives each thread that allocates its own heap arena (up to eight per core), and memory freed in one arena is
not reused by another. The app answers in Gradio's worker threads, and onnxruntime and Chroma run threads of their
own, so its memory grew with the threads that had touched it: at 8,900 articles 803 MB after ten questions with the
default, 712 MB with two arenas from the app's start (docs/performance.md).
"""

from __future__ import annotations

import ctypes
import os
import sys

ARENAS = 2
M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


def limit_heap_arenas() -> None:
    """Limit the arenas made from now on (a MALLOC_ARENA_MAX in the environment wins; not glibc: nothing to do)."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, ARENAS)
    except (OSError, AttributeError):  # another C library (musl): it has no per-thread arenas to limit
        pass
