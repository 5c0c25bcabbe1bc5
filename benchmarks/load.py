"""Load benchmark: many gradio_client clients at once against the real app; latency percentiles per answer.

    python benchmarks/load.py                     # 50 clients x 20 questions (what tests/test_load.py runs)
    python benchmarks/load.py --clients 8 --each 10

Starts `python app.py` (extractive mode) over a fresh temporary index of the bundled articles, asks every question
of qa/evaluation/questions/articles.jsonl once from a single client (the reference answers, and the latency without
contention), then starts all clients together, each asking its questions in turn with no pause. A latency is the
wall time of one `Client.predict` call, queueing in the app included. Prints p50/p95/p99/max for both runs, the
throughput, answers that differ from the reference, errors, and the load average (other work on the machine
inflates every figure).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import appload  # noqa: E402


def summary(label: str, latencies: list[float]) -> str:
    if not latencies:
        return f"| {label} | 0 | — | — | — | — |"
    p = appload.percentile
    return (f"| {label} | {len(latencies)} | {p(latencies, 50):.0f} | {p(latencies, 95):.0f} | "
            f"{p(latencies, 99):.0f} | {max(latencies):.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--each", type=int, default=20, help="questions per client")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="qa-load-"))
    app = appload.start_app(root / "chroma", appload.REPO / "store" / "articles", root / "app.log")
    try:
        questions = [q["question"] for q in appload.load_questions()]
        alone = appload.client(app.url)
        expected, single = {}, []
        for question in questions:
            began = time.perf_counter()
            expected[question] = appload.what_the_user_sees(appload.ask(alone, question))
            single.append((time.perf_counter() - began) * 1000)
        load_before = appload.load_average()
        run = appload.run_clients(app.url, appload.plans_for(questions, args.clients, args.each))
        load_after = appload.load_average()
        different = [a for a in run.asked
                     if a.error is None and appload.what_the_user_sees(a.answer) != expected[a.question]]
        print("| run | answers | p50 ms | p95 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- | --- |")
        print(summary("1 client, one question at a time", sorted(single)))
        print(summary(f"{args.clients} clients x {args.each} questions", run.latencies_ms()))
        print(f"\n{len(run.asked)} questions in {run.wall_s:.1f} s ({len(run.asked) / run.wall_s:.1f}/s); "
              f"{len(different)} answers differ from the single-client answer; {len(run.errors)} errors")
        print(f"load average before the clients started: {load_before}; after: {load_after}")
        for failed in run.errors[:5]:
            print(f"  error: {failed.error}")
    finally:
        app.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 1 if run.errors or different else 0


if __name__ == "__main__":
    sys.exit(main())
