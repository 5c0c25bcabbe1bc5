"""What the sentence collection's vector index costs: in memory when it is read, and in time when it is written.

    python benchmarks/sentence_index.py --store /tmp/qa-bench/bbc4-embedded/chroma [--rows 20000] [--rounds 2]

`--store` is a built embedded store (`qa ingest` or `qa bench`). First, in this process: RSS after opening the
store, then after reading 60 sentence ids, which makes Chroma load the collection's whole vector index (the reason
questions read the sentence vectors from the retrieval cache instead, docs/performance.md). Then, in fresh temporary
stores, the time to write the store's first `--rows` sentence vectors (from its retrieval cache, batches of 4,000,
as ingest writes them): with Chroma's default HNSW graph and four metadata keys per record (as before), with the
cheap graph the unsearched collection now gets, and with that graph and the one metadata key ingest now writes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's qa package

from qa.index.store import UNSEARCHED  # noqa: E402


def rss_mb() -> float:
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a built embedded store (its chroma folder)")
    parser.add_argument("--collection", default="articles")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    import chromadb

    client = chromadb.PersistentClient(path=str(args.store))
    sentences = client.get_collection(f"{args.collection}_sentences")
    before = rss_mb()
    sentences.get(limit=60, offset=1000)
    print(f"RSS after opening the store {before:.0f} MB; after reading 60 sentence ids {rss_mb():.0f} MB "
          f"({sentences.count():,} sentences)")

    cached = sorted(args.store.glob("cache/tables-*/sentences.npy"))
    if not cached:
        print("no retrieval cache in the store: run `qa ingest` on it first", file=sys.stderr)
        return 1
    vectors = np.load(cached[-1], mmap_mode="r")[: args.rows]
    ids = [f"p{i // 5}#{i % 5}" for i in range(len(vectors))]
    four_keys = [{"doc": f"d{i // 20}", "passage": f"p{i // 5}", "index": i % 5, "day": 20050101}
                 for i in range(len(vectors))]
    one_key = [{"doc": f"d{i // 20}"} for i in range(len(vectors))]
    variants = (("default graph, four metadata keys", None, four_keys), ("cheap graph, four metadata keys",
                UNSEARCHED, four_keys), ("cheap graph, one metadata key", UNSEARCHED, one_key))
    for round_ in range(args.rounds):
        for name, configuration, metadatas in variants:
            folder = tempfile.mkdtemp(prefix="sentence-index-")
            try:
                fresh = chromadb.PersistentClient(path=folder)
                collection = fresh.create_collection(
                    "sentences", **({"configuration": configuration} if configuration else {}))
                started = time.perf_counter()
                for begin in range(0, len(vectors), 4000):
                    collection.add(ids=ids[begin : begin + 4000], embeddings=np.asarray(vectors[begin : begin + 4000]),
                                   metadatas=metadatas[begin : begin + 4000])
                print(f"round {round_ + 1}: {name}: {len(vectors):,} vectors written in "
                      f"{time.perf_counter() - started:.1f} s")
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
