"""Load: 50 gradio_client clients at once against the real app (`python app.py` on a free loopback port), 20
questions each, 1,000 in all. Every answer must be the one a single client gets for the same question (the same
text, the same cited files, lines and quotes), and none may fail. Each question of qa/evaluation/questions/articles.jsonl is
asked about seven times, by different clients at different moments.

Latency is not asserted here (a timed test only measures the machine); benchmarks/load.py runs the same driver,
benchmarks/appload.py, and docs/reliability.md records its percentiles. Takes a few minutes on 2 CPUs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import appload  # noqa: E402

CLIENTS, EACH = 50, 20


@pytest.fixture(scope="module")
def app(tmp_path_factory, bundled_articles):
    root = tmp_path_factory.mktemp("load")
    process = appload.start_app(root / "chroma", bundled_articles, root / "app.log")
    yield process
    process.stop()


def quote_is_in_the_cited_lines(articles: Path, doc: str, start: int, end: int, quote: str) -> bool:
    lines = (articles / doc).read_text(encoding="utf-8").split("\n")
    return quote in "\n".join(lines[start - 1 : end])


def test_fifty_clients_twenty_questions_each(app, bundled_articles):
    questions = [q["question"] for q in appload.load_questions()]
    alone = appload.client(app.url)
    expected = {q: appload.what_the_user_sees(appload.ask(alone, q)) for q in questions}
    assert sum(not e["refused"] for e in expected.values()) > len(questions) // 2, "the index answers nothing"
    for seen in expected.values():
        for doc, start, end, quote in seen["citations"]:
            assert quote_is_in_the_cited_lines(bundled_articles, doc, start, end, quote), (doc, start, end, quote)

    run = appload.run_clients(app.url, appload.plans_for(questions, CLIENTS, EACH))

    assert [a.error for a in run.errors] == []
    assert len(run.asked) == CLIENTS * EACH
    assert {a.question for a in run.asked} == set(questions)
    different = [(a.question, appload.what_the_user_sees(a.answer), expected[a.question])
                 for a in run.asked if appload.what_the_user_sees(a.answer) != expected[a.question]]
    assert different == []
    assert app.process.poll() is None, "the app is still running"
    latencies = run.latencies_ms()
    print(f"\n{len(run.asked)} answers in {run.wall_s:.0f} s; p50 {appload.percentile(latencies, 50):.0f} ms, "
          f"p95 {appload.percentile(latencies, 95):.0f} ms; load average {appload.load_average()}")
