"""Where a warm question's time goes: the median of each stage of the answer, and of the whole question.

    QA_ARTICLES_DIR=... QA_STORE_DIR=... python benchmarks/answer_stages.py SET [SET ...] [--warm 10]

SET names a question set in qa/evaluation/questions ("bbc2-dev"). One Engine answers the first `--warm` questions
to warm up, then every question of the sets once, with timers around the stages (the question's vector, the dense
passage search, BM25, the best-sentence ranking, the sentences' signals, the pair reader); prints each stage's
median and mean in ms, and the median of `timings_ms["total"]`. Run two checkouts one after the other, alternating,
to compare them (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's qa package

from qa.answer import extractive  # noqa: E402
from qa.answer.engine import Engine  # noqa: E402
from qa.answer.pair_reader import PairReader  # noqa: E402
from stage_timers import timed  # noqa: E402  (beside this file)

QUESTIONS = Path(__file__).resolve().parent.parent / "qa" / "evaluation" / "questions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--warm", type=int, default=10, help="questions asked first, not timed")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for name in args.sets
                 for line in (QUESTIONS / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    engine = Engine()
    spent: dict[str, list[float]] = {}
    for owner, name, label in ((engine.embedder, "embed", "question vector"),
                               (engine.retriever, "_dense_passages", "dense search"),
                               (engine.retriever, "_bm25", "BM25"),
                               (engine.retriever, "_by_best_sentence", "best-sentence ranking"),
                               (extractive, "candidates", "sentence signals"),
                               (PairReader, "read", "pair reader")):
        timed(owner, name, label, spent)
    for question in questions[:args.warm]:
        engine.ask(question)
    spent.clear()
    totals = [engine.ask(question).timings_ms["total"] for question in questions]
    print(f"{len(totals)} questions, median per question {statistics.median(totals):.1f} ms")
    for label, seconds in spent.items():
        ms = [s * 1000 for s in seconds]
        print(f"  {label:22s} median {statistics.median(ms):5.1f} ms  mean {statistics.fmean(ms):5.1f} ms "
              f"({len(ms)} calls)")


if __name__ == "__main__":
    main()
