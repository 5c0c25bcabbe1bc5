"""Timers around the functions a pipeline calls, for the stage benchmarks (ingest_stages.py, answer_stages.py)."""

from __future__ import annotations

import time


def timed(owner, name: str, label: str, spent: dict[str, list[float]]) -> None:
    """Wrap `owner.name` so that the seconds of each call are added to spent[label], a list per label."""
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent.setdefault(label, []).append(time.perf_counter() - started)

    setattr(owner, name, wrapper)
