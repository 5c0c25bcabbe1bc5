"""The bundled MiniLM model in worker processes of one thread each, for large ingests.

On this 2-core machine two processes of one thread embed faster than one process of two threads: the sentences are
short, so each of the model's operations is small and onnxruntime's threads spend much of their time synchronising
(side-by-side figures: docs/performance.md). Workers start on the first large request and load the model once each;
small requests (a question, an uploaded article) stay in the calling process, where starting workers would cost
more than it saves. The vectors are the same either way: same model, same inputs, deterministic kernels.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Sequence

import numpy as np

from qa.index.embedding import Embedder, MiniLMEmbedder

MIN_TEXTS = 512  # fewer texts than this are embedded in the calling process
CHUNK = 128  # texts per task: long enough to amortise a task, short enough to share out evenly

_worker: MiniLMEmbedder | None = None


def _start_worker(parent: int) -> None:
    global _worker
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    os.environ["QA_EMBED_THREADS"] = "1"
    _worker = MiniLMEmbedder()


def _exit_with(parent: int) -> None:
    """End this worker when the process that started it has gone. A killed ingest (SIGKILL, or the machine's
    out-of-memory killer) cannot stop its pool, and the workers, waiting on a queue whose other end they hold
    themselves, would otherwise stay forever, each holding a model."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _embed_in_worker(texts: list[str]) -> np.ndarray:
    return _worker.embed(texts)


def workers_wanted() -> int:
    """`QA_EMBED_WORKERS`, else one per CPU; 1 means no workers."""
    return int(os.environ.get("QA_EMBED_WORKERS", "0")) or (os.cpu_count() or 1)


class EmbeddingPool:
    """An `Embedder` that shares large requests out to worker processes; `close()` stops them."""

    def __init__(self, embedder: Embedder, workers: int) -> None:
        self.embedder = embedder
        self.name, self.dim = embedder.name, embedder.dim
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.workers < 2 or len(texts) < MIN_TEXTS:
            return self.embedder.embed(texts)
        if self._pool is None:
            # spawn, not fork: the parent holds Chroma's and onnxruntime's threads, which a fork would copy mid-state
            self._pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=_start_worker,
                                             initargs=(os.getpid(),))
        # Tasks are handed out as workers free up; each text is embedded alone, so how they are grouped does not
        # change a vector.
        tasks = [list(texts[i : i + CHUNK]) for i in range(0, len(texts), CHUNK)]
        return np.vstack(list(self._pool.map(_embed_in_worker, tasks)))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
