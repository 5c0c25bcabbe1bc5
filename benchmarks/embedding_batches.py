"""How fast the bundled MiniLM embeds sentences one at a time (as ingest does) and in runs sorted by length.

    python benchmarks/embedding_batches.py [--articles ../shared/corpora/bbc] [--sentences 3000] [--rounds 2]

One thread, the int8 model as `MiniLMEmbedder` runs it, on the first `--sentences` sentences (as ingest splits them)
of 150 articles drawn with a fixed seed. Runs of several sentences amortise onnxruntime's per-call work, but with
dynamic quantisation a sentence's vector then depends on the others in its run (docs/performance.md), which is why
ingest embeds each alone; this measures what batching would be worth.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's qa package
os.environ["QA_EMBED_THREADS"] = "1"

from qa.index.embedding import MiniLMEmbedder  # noqa: E402
from qa.ingest.chunking import chunk  # noqa: E402
from qa.ingest.loader import SkippedFile, load_article  # noqa: E402


def sentences(articles: Path, count: int) -> list[str]:
    files = sorted(articles.rglob("*.txt"))
    random.Random(0).shuffle(files)
    found = []
    for path in files[:150]:
        article = load_article(path, articles, 10**7)
        if not isinstance(article, SkippedFile):
            found += [p.sentence_text(s) for p in chunk(article) for s in p.sentences]
    return found[:count]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc")
    parser.add_argument("--sentences", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    embedder = MiniLMEmbedder()
    embedder.embed(["warm up"])
    ids = [embedder._tokenizer.encode(text).ids for text in sentences(args.articles, args.sentences)]
    tokens = sum(map(len, ids))
    print(f"{len(ids)} sentences, {tokens} tokens, one thread")

    def run(batch: list[list[int]]) -> None:
        width = max(map(len, batch))
        inputs = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros_like(inputs)
        for row, seq in enumerate(batch):
            inputs[row, : len(seq)], mask[row, : len(seq)] = seq, 1
        embedder._session.run(None, {"input_ids": inputs, "attention_mask": mask,
                                     "token_type_ids": np.zeros_like(inputs)})

    by_length = sorted(ids, key=len)
    for _ in range(args.rounds):
        started = time.perf_counter()
        for seq in ids:
            run([seq])
        alone = time.perf_counter() - started
        print(f"one at a time: {tokens / alone:,.0f} tokens/s")
        for size in (8, 16, 32, 64):
            started = time.perf_counter()
            for begin in range(0, len(by_length), size):
                run(by_length[begin : begin + size])
            took = time.perf_counter() - started
            print(f"runs of {size}, sorted by length: {tokens / took:,.0f} tokens/s ({alone / took:.2f} x)")


if __name__ == "__main__":
    main()
