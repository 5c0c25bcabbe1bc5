"""Ingest benchmark: cold ingest and an unchanged re-run, on the five bundled articles and the 2,225 BBC articles.

    python benchmarks/ingest.py                 # both corpora (the BBC cold run takes minutes)
    python benchmarks/ingest.py --skip-bbc      # the five bundled articles only
    QA_BENCH_BBC_DIR=/path/to/bbc python benchmarks/ingest.py

Each corpus is ingested into a fresh temporary store. "cold" is the first `ingest()` in this process (the embedding
model is loaded once beforehand and timed apart); "re-run" is a second `ingest()` with nothing changed; "re-run (CLI)"
is the wall time of a new `python -m qa ingest --quiet` process, startup included, which is what a user waits for.
Prints a markdown table, the embedding workload (sentences, tokens) and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# Runs `qa ingest --quiet` and reports the process's own peak RSS (VmHWM). getrusage(RUSAGE_CHILDREN) would not do:
# a forked child's high-water mark starts at the parent's size and survives exec.
_CHILD = """
import atexit, re, sys
def _hwm():
    with open("/proc/self/status") as fh:
        kb = int(re.search(r"VmHWM:\\s+(\\d+)", fh.read()).group(1))
    print(f"VmHWM_KB={kb}", file=sys.stderr)
atexit.register(_hwm)
from qa.cli import main
sys.exit(main(["ingest", "--quiet"]))
"""


def cli_rerun(articles: Path, store: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a new `qa ingest --quiet` process."""
    env = dict(os.environ, QA_ARTICLES_DIR=str(articles), QA_STORE_DIR=str(store))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _CHILD], cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0 or "0 changed" not in result.stdout:
        raise SystemExit(f"CLI re-run failed:\n{result.stdout}\n{result.stderr}")
    match = re.search(r"VmHWM_KB=(\d+)", result.stderr)
    return seconds, int(match.group(1)) / 1024 if match else float("nan")


def workload(articles: Path) -> tuple[int, int]:
    """(sentences, tokens) that a cold ingest embeds, counted with the model's own tokenizer."""
    from tokenizers import Tokenizer

    from qa.chunking import chunk
    from qa.embedding import MAX_TOKENS, TOKENIZER_PATH
    from qa.loader import load_articles

    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    loaded, _ = load_articles(articles, 5_000_000)
    texts = [p.sentence_text(s) for a in loaded for p in chunk(a) for s in p.sentences]
    tokens = sum(len(e.ids) for e in tokenizer.encode_batch(texts))
    return len(texts), tokens


def bench(name: str, articles: Path, rows: list, notes: list) -> None:
    from qa.config import Settings
    from qa.ingest import ingest

    store = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        settings = Settings(articles_dir=articles, store_dir=store / "chroma")
        print(f"{name}: cold ingest ...", file=sys.stderr, flush=True)
        cold = ingest(settings, progress=True)
        rows.append((name, "cold", cold.articles, cold.passages, cold.seconds))
        print(f"{name}: re-run ...", file=sys.stderr, flush=True)
        again = ingest(settings)
        assert again.changed == 0 and again.removed == 0, again.summary()
        rows.append((name, "re-run", again.articles, again.passages, again.seconds))
        seconds, rss = cli_rerun(articles, settings.store_dir)
        rows.append((name, "re-run (CLI, new process)", again.articles, again.passages, seconds))
        notes.append(f"{name}: the CLI re-run process peaked at {rss:,.0f} MB RSS")
        sentences, tokens = workload(articles)
        notes.append(f"{name}: {cold.articles:,} articles, {cold.passages:,} passages, {sentences:,} sentences, "
                     f"{tokens:,} tokens embedded in the cold run ({tokens / cold.seconds:,.0f} tokens/s end to end)")
    finally:
        shutil.rmtree(store, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bbc-dir", type=Path,
                        default=Path(os.environ.get("QA_BENCH_BBC_DIR", REPO.parent / "shared" / "corpora" / "bbc")))
    parser.add_argument("--skip-bbc", action="store_true")
    args = parser.parse_args()

    from qa.embedding import get_embedder

    started = time.perf_counter()
    get_embedder("minilm")
    load_s = time.perf_counter() - started

    rows: list = []
    notes: list = []
    bench("bundled (store/articles)", REPO / "store" / "articles", rows, notes)
    if not args.skip_bbc:
        if not args.bbc_dir.is_dir():
            raise SystemExit(f"BBC corpus not found at {args.bbc_dir} (use --bbc-dir or QA_BENCH_BBC_DIR)")
        bench("BBC", args.bbc_dir, rows, notes)

    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}; {platform.platform()}; {os.cpu_count()} CPUs; "
          f"Python {platform.python_version()}")
    print(f"embedding model load: {load_s:.2f} s\n")
    print("| corpus | run | articles | passages | seconds | articles/s |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, run, articles, passages, seconds in rows:
        print(f"| {name} | {run} | {articles:,} | {passages:,} | {seconds:.1f} | {articles / seconds:,.1f} |")
    print()
    for note in notes:
        print(f"- {note}")
    print(f"- peak RSS of the benchmark process (all cold runs and in-process re-runs): {peak_rss_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
