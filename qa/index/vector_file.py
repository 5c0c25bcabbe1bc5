"""Rows of a float32 matrix stored as a `.npy` file, read on demand.

A question reads the sentence vectors of its few dozen candidate passages. Memory-mapped, every page a question
touched would stay in the process, and the kernel maps neighbouring pages with each fault, so an app answering for
weeks would come to hold the whole file (283 MB at 8,900 articles). Read into a buffer, the rows pass through the
operating system's page cache, which it keeps or drops as memory allows, and the process holds only its copy.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np


class VectorFile:
    def __init__(self, path: Path) -> None:
        header = np.load(path, mmap_mode="r")  # checks the header, and that the file holds every row it declares
        if header.dtype != np.float32 or header.ndim != 2:
            raise ValueError(f"{path} holds {header.dtype} of shape {header.shape}, not rows of float32")
        self.shape: tuple[int, int] = header.shape
        self._offset = header.offset
        del header
        self._file = open(path, "rb")  # open for as long as the tables that read it
        self._lock = threading.Lock()  # one position per file: questions answered at once take turns

    def __len__(self) -> int:
        return self.shape[0]

    def rows(self, first: int, count: int) -> np.ndarray:
        out = np.empty((count, self.shape[1]), dtype=np.float32)
        with self._lock:
            self._file.seek(self._offset + first * out.itemsize * self.shape[1])
            read = self._file.readinto(memoryview(out).cast("B"))
        if read != out.nbytes:
            raise OSError(f"{self._file.name}: {read} of {out.nbytes} bytes at row {first}")
        return out

    def __del__(self) -> None:
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()


class VectorArray:
    """The same rows held in memory: when the cache cannot be written."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.shape = array.shape

    def __len__(self) -> int:
        return len(self.array)

    def rows(self, first: int, count: int) -> np.ndarray:
        return self.array[first : first + count]
