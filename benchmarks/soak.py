"""Soak: the app under steady question load for a while, its resident memory sampled, to show it does not keep growing.

    python benchmarks/soak.py                      # 10 minutes, 4 clients, a sample every 10 s
    python benchmarks/soak.py --minutes 2 --clients 2 --every 5

Starts `python app.py` (extractive mode) over a fresh temporary index of the bundled articles, then runs `--clients`
gradio_client clients that ask without pause: the questions of qa/evaluation/questions/articles.jsonl in turn, every other
one with a request number appended, so that a cache keyed by question text would grow without bound and show here.
Prints the RSS samples, start / end / peak RSS, the slope of RSS over time (least squares, after the first minute of
warm-up), the questions answered and the errors. Not run in CI.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import appload  # noqa: E402


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) points, in MB per minute."""
    n = len(samples)
    if n < 2:
        return float("nan")
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    num = sum((t - mean_t) * (m - mean_m) for t, m in samples)
    den = sum((t - mean_t) ** 2 for t, _ in samples)
    return num / den * 60 if den else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between RSS samples")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="qa-soak-"))
    articles = root / "articles"
    shutil.copytree(appload.REPO / "store" / "articles", articles)
    questions = [q["question"] for q in appload.load_questions()]
    counter = itertools.count()
    stop = threading.Event()
    answered, errors, lock = [0], [], threading.Lock()

    def client_loop() -> None:
        api = appload.client(app.url)
        while not stop.is_set():
            n = next(counter)
            question = questions[n % len(questions)]
            if n % 2:
                question = f"{question} (request {n})"
            try:
                appload.ask(api, question)
                with lock:
                    answered[0] += 1
            except Exception as err:  # noqa: BLE001 - counted and shown
                with lock:
                    errors.append(repr(err))

    app = appload.start_app(root / "chroma", articles, root / "app.log")
    try:
        print(f"app pid {app.process.pid} at {app.url}; load average {appload.load_average()}", flush=True)
        samples = [(0.0, app.rss_mb())]
        threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(args.clients)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        print(f"{'t (s)':>7} {'RSS (MB)':>9} {'answered':>9} {'errors':>7}", flush=True)
        print(f"{0:7.0f} {samples[0][1]:9.1f} {0:9d} {0:7d}", flush=True)
        while (elapsed := time.monotonic() - began) < args.minutes * 60:
            time.sleep(min(args.every, args.minutes * 60 - elapsed))
            t = time.monotonic() - began
            samples.append((t, app.rss_mb()))
            print(f"{t:7.0f} {samples[-1][1]:9.1f} {answered[0]:9d} {len(errors):7d}", flush=True)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        wall = time.monotonic() - began
        after_warm_up = [s for s in samples if s[0] >= 60] or samples
        rss = [m for _, m in samples]
        print()
        print(f"duration {wall:.0f} s, {args.clients} clients, load average {appload.load_average()}")
        print(f"RSS start {rss[0]:.1f} MB, end {rss[-1]:.1f} MB, peak {max(rss):.1f} MB")
        print(f"slope after the first minute: {slope_mb_per_min(after_warm_up):+.2f} MB/min "
              f"(first half {slope_mb_per_min(after_warm_up[: len(after_warm_up) // 2]):+.2f}, "
              f"second half {slope_mb_per_min(after_warm_up[len(after_warm_up) // 2 :]):+.2f})")
        print(f"questions answered {answered[0]} ({answered[0] / wall:.1f}/s), errors {len(errors)}")
        for err in errors[:5]:
            print(f"  error: {err}")
    finally:
        stop.set()
        app.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
