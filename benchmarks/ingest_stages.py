"""Where a cold ingest's time goes: one `ingest()` into a new store with timers around its stages.

    python benchmarks/ingest_stages.py --articles ../shared/corpora/bbc --store /tmp/qa-ingest-stages

The store folder is emptied first. Prints the wall time and the time spent in each stage (a stage inside another
counts in both: the passage writes are part of the batch writes).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's qa package

from stage_timers import timed  # noqa: E402  (beside this file)


def main() -> None:
    import qa.ingest.sync as sync
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from qa.config import Settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=Path, required=True)
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    spent: dict[str, list[float]] = {}
    timed(sync, "load_article", "reading the articles", spent)
    timed(sync, "chunk", "splitting into passages", spent)
    timed(sync.VectorCache, "embed", "embedding (the workers)", spent)
    timed(sync, "_index_batch", "each batch: embedding and writing", spent)
    timed(ChromaVectorStore, "add", "writing the passages to Chroma", spent)
    timed(sync.Collections, "write_manifest", "writing the manifest", spent)
    timed(sync.Retriever, "prepare", "building the retrieval tables", spent)
    shutil.rmtree(args.store, ignore_errors=True)
    started = time.perf_counter()
    report = sync.ingest(Settings(articles_dir=args.articles, store_dir=args.store))
    print(f"{report.summary()}; wall {time.perf_counter() - started:.1f} s")
    for label, seconds in spent.items():
        print(f"{label:40s} {sum(seconds):7.1f} s")


if __name__ == "__main__":  # the embedding workers are spawned: they import this file without running it
    main()
