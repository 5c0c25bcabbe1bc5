"""Evaluation: every metric on hand-made answers, the report files, the LlamaIndex baseline, and a quality floor.

The floors are what the system reached on qa/evaluation/questions/articles.jsonl when they were set, a little below; raise
them when the system gets better (docs/evaluation.md has the current numbers).
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from qa.config import PROJECT_ROOT, Settings
from qa.evaluation.charts import grouped_bars_svg, histogram_svg
from qa.evaluation.report import write_reports
from qa.evaluation.scoring import (
    Run,
    answer_all,
    by_kind,
    calibration,
    percentile,
    run_eval,
    score_answer,
    summarize,
)
from qa.types import Answer, Citation, GoldSource, Passage, Question, ScoredPassage

# Regression floors on qa/evaluation/questions/articles.jsonl (ours, hybrid retrieval, extractive answers). The set is
# part of the reader's train split, so these guard the pipeline against breaking; they are not a quality claim (that
# is the test split, in docs/evaluation.md). Measured 2026-12-03 with the learned reader: hit@5 0.93, MRR 0.81,
# facts 0.75, cite hit 0.79, refusal acc 0.27, false refusals 0.08; after the int8 embedding model and the reader's
# refits for short answers and sums of money (same day): hit@5 0.93, MRR 0.81, facts 0.71, cite hit 0.76, refusal
# acc 0.35, false refusals 0.04 (near ties between two sentences flip with each refit; cross-validated facts held).
# After the refit on the bbc3 questions with the answerability signal for counts (session of 2026-12-03, evening):
# hit@5 0.93, MRR 0.81, facts 0.66, cite hit 0.70, refusal acc 0.46, false refusals 0.12: its dev-chosen threshold
# refuses more, of unanswerable questions and of these answerable ones alike. After the answer-type fixes and refit of
# 2026-12-03 (night): hit@5 0.93, MRR 0.81, facts 0.69, cite hit 0.74, refusal acc 0.42, false refusals 0.10. After
# the refit on the bbc4 and articles3 questions with the answerability signals as what the best sentence lacks
# (2026-12-04): hit@5 0.93, MRR 0.81, facts 0.77, cite hit 0.81, refusal acc 0.35, false refusals 0.05 (its
# dev-chosen threshold refuses less, of these unanswerable questions and of the answerable ones alike). After the
# refit with the bbc5 and articles4 questions added (2026-12-04): the same figures. After the fitted retrieval fusion
# and the refit with the bbc6 and articles5 questions (2026-12-04, later): hit@5 0.97, MRR 0.84, facts 0.74, cite hit
# 0.81, refusal acc 0.31, false refusals 0.05; with a role's holders found apart from the reader (2026-12-05): facts
# 0.75, cite hit 0.82 ("Who is Iran's foreign minister?" is answered with both holders again). With the pair reader
# that looks for the answer's span (2026-12-05, later): hit@5 0.97, MRR 0.87, facts 0.73, cite hit 0.80, refusal acc
# 0.31, false refusals 0.04 (facts on the held-out test splits rose: docs/evaluation.md, "A fifth read"). With the
# pair reader's "none of these answers" read by the refusal (2026-12-05, later still): hit@5 0.97, MRR 0.87, facts
# 0.75, cite hit 0.81, refusal acc 0.38, false refusals 0.05. Refitted with bbc7 and bbc8 and the bundled false
# refusals held to 0.05 on dev (2026-12-05, seventh read): hit@5 0.97, MRR 0.87, facts 0.76, cite hit 0.82, refusal acc
# 0.31, false refusals 0.03. With the rank-16 pair reader: MRR 0.89, the rest the same. With a bare month or a
# decade read as a date, refitted (2026-12-05, ninth read): hit@5 0.97, MRR 0.88, facts 0.77, cite hit 0.83, refusal
# acc 0.35, false refusals 0.03. With the names rule and the finer second-sentence grid, chosen again without a refit
# (2026-12-06, twelfth and thirteenth reads): the same but false refusals 0.04.
FLOOR_HIT_AT_5 = 0.91
FLOOR_MRR = 0.78
FLOOR_FACT_RECALL = 0.72
FLOOR_CITATION_HIT = 0.78
FLOOR_REFUSAL_ACCURACY = 0.30
CEILING_FALSE_REFUSALS = 0.08

ARTICLES = PROJECT_ROOT / "store" / "articles"
QUESTIONS = PROJECT_ROOT / "qa" / "evaluation" / "questions" / "articles.jsonl"
DOC = "002_9be3c843f8453a3d.txt"


# Hand-made questions and answers ---------------------------------------------------------------------------------
def question(id="q1", kind="factoid", must=(("700",),), sources=((DOC, 27),), answerable=True) -> Question:
    return Question(id=id, question=f"question {id}?", kind=kind, answerable=answerable,
                    must=tuple(tuple(g) for g in must), sources=tuple(GoldSource(d, n) for d, n in sources))


def unanswerable(id="u1") -> Question:
    return question(id=id, kind="unanswerable", must=(), sources=(), answerable=False)


def answer(text="They share a 700-kilometer border [1].", passages=((DOC, 25, 29),), citations=((DOC, 27, 27),),
           refused=False, total=10.0) -> dict:
    """A contract answer object (CONTRACT.md) with the given passages and citations as (doc, start, end)."""
    return {
        "question": "q?", "answer": text, "refused": refused, "mode": "extractive",
        "citations": [{"n": i, "doc": d, "start_line": s, "end_line": e, "quote": "x"}
                      for i, (d, s, e) in enumerate(citations, start=1)],
        "passages": [{"doc": d, "start_line": s, "end_line": e, "score": 1.0} for d, s, e in passages],
        "timings_ms": {"retrieve": total / 2, "answer": total / 2, "total": total},
    }


REFUSAL = dict(text="The articles do not say.", citations=(), refused=True)


# Retrieval ---------------------------------------------------------------------------------------------------------
def test_gold_line_in_first_passage_is_hit_at_1():
    s = score_answer(question(), answer(passages=((DOC, 25, 29), ("other.txt", 1, 5))))
    assert s.rank == 1
    m = summarize([s])
    assert (m.hit1, m.hit5, m.mrr) == (1.0, 1.0, 1.0)


def test_gold_line_in_third_passage_is_hit_at_5_only():
    s = score_answer(question(), answer(passages=((DOC, 1, 5), (DOC, 30, 40), (DOC, 27, 27), (DOC, 20, 30))))
    assert s.rank == 3
    m = summarize([s])
    assert (m.hit1, m.hit5) == (0.0, 1.0)
    assert m.mrr == pytest.approx(1 / 3)


def test_gold_line_at_rank_6_misses_hit_at_5_but_counts_for_mrr():
    passages = [(DOC, 1, 2)] * 5 + [(DOC, 26, 27)]
    m = summarize([score_answer(question(), answer(passages=passages))])
    assert (m.hit1, m.hit5) == (0.0, 0.0)
    assert m.mrr == pytest.approx(1 / 6)


def test_range_edges_count_and_other_docs_do_not():
    assert score_answer(question(), answer(passages=((DOC, 27, 30),))).rank == 1
    assert score_answer(question(), answer(passages=((DOC, 20, 27),))).rank == 1
    assert score_answer(question(), answer(passages=((DOC, 28, 40), (DOC, 1, 26)))).rank is None
    assert score_answer(question(), answer(passages=(("001_225c9696b388be00.txt", 1, 50),))).rank is None
    assert summarize([score_answer(question(), answer(passages=()))]).mrr == 0.0


def test_any_of_several_gold_lines_counts():
    q = question(sources=((DOC, 27), ("001_225c9696b388be00.txt", 15)))
    assert score_answer(q, answer(passages=((DOC, 1, 3), ("001_225c9696b388be00.txt", 15, 19)))).rank == 2


# Facts -------------------------------------------------------------------------------------------------------------
def test_fact_groups_all_matched_case_insensitively_by_any_alternative():
    q = question(must=(("Armenia",), ("Georgia", "Tbilisi"), ("RUSSIA",)))
    s = score_answer(q, answer(text="He will visit ARMENIA, tbilisi and Russia."))
    assert (s.groups_matched, s.groups, s.facts) == (3, 3, True)
    assert summarize([s]).fact_recall == 1.0


def test_partial_fact_groups_do_not_count_as_recalled():
    q = question(must=(("Armenia",), ("Georgia",), ("Turkey",)))
    s = score_answer(q, answer(text="He will visit Armenia and Georgia."))
    assert (s.groups_matched, s.facts) == (2, False)
    assert summarize([s]).fact_recall == 0.0


def test_refused_answer_matches_no_fact_even_if_the_words_occur():
    s = score_answer(question(must=(("border",),)), answer(text="Nothing about the border.", refused=True))
    assert s.groups_matched == 0 and not s.facts


def test_fact_recall_averages_over_answerable_questions():
    scores = [score_answer(question("a"), answer()), score_answer(question("b"), answer(text="no number")),
              score_answer(unanswerable(), answer(**REFUSAL))]
    assert summarize(scores).fact_recall == 0.5


# Citations ---------------------------------------------------------------------------------------------------------
def test_citation_hit_and_precision():
    s = score_answer(question(), answer(citations=((DOC, 27, 27), (DOC, 3, 4))))
    assert s.citation_hit and s.citation_precision == 0.5
    s = score_answer(question(), answer(citations=((DOC, 26, 28),)))
    assert s.citation_hit and s.citation_precision == 1.0
    s = score_answer(question(), answer(citations=((DOC, 28, 28), ("001_225c9696b388be00.txt", 27, 27))))
    assert not s.citation_hit and s.citation_precision == 0.0


def test_no_citations_is_a_miss_with_undefined_precision():
    s = score_answer(question(), answer(citations=()))
    assert not s.citation_hit and s.citation_precision is None and s.cited_lines is None
    m = summarize([s, score_answer(question("b"), answer(citations=((DOC, 27, 27), (DOC, 1, 1))))])
    assert m.citation_hit == 0.5
    assert m.citation_precision == 0.5  # only the question with citations has a precision


def test_widths_of_citations_and_passages():
    s = score_answer(question(), answer(citations=((DOC, 27, 27), (DOC, 1, 5)), passages=((DOC, 25, 29), (DOC, 1, 1))))
    assert (s.cited_lines, s.passage_lines) == (3.0, 3.0)
    assert score_answer(question(), answer(passages=())).passage_lines is None


# Refusals ----------------------------------------------------------------------------------------------------------
def test_refusal_accuracy_and_false_refusals():
    scores = [
        score_answer(unanswerable("u1"), answer(**REFUSAL)),
        score_answer(unanswerable("u2"), answer(text="Made up [1].")),
        score_answer(unanswerable("u3"), answer(**REFUSAL)),
        score_answer(unanswerable("u4"), answer(**REFUSAL)),
        score_answer(question("a1"), answer(**REFUSAL)),
        score_answer(question("a2"), answer()),
    ]
    m = summarize(scores)
    assert (m.n, m.answerable, m.unanswerable) == (6, 2, 4)
    assert m.refusal_accuracy == 0.75
    assert m.false_refusals == 0.5
    # unanswerable questions do not dilute the answerable-only metrics
    assert (m.hit5, m.fact_recall, m.citation_hit) == (1.0, 0.5, 0.5)


def test_metrics_without_a_category_are_none():
    m = summarize([score_answer(question(), answer())])
    assert m.refusal_accuracy is None
    m = summarize([score_answer(unanswerable(), answer(**REFUSAL))])
    assert (m.hit1, m.fact_recall, m.false_refusals, m.refusal_accuracy) == (None, None, None, 1.0)


def test_confidence_is_scored_against_right_answers_and_right_refusals():
    stated = [
        (question("a1"), answer(), 0.9),  # right: every fact
        (question("a2", must=(("missing",),)), answer(), 0.7),  # wrong: a fact missing
        (question("a3"), answer(**REFUSAL), 0.3),  # wrong: an answerable question refused
        (unanswerable("u1"), answer(**REFUSAL), 0.8),  # right: an unanswerable question refused
        (unanswerable("u2"), answer(), 0.5),  # wrong: an unanswerable question answered
        (question("a4"), answer(), None),  # states none: not counted
        (question("a5"), answer(), 0.1),  # right, though it said it would not be
    ]
    scores = [score_answer(q, a | ({"confidence": c} if c is not None else {})) for q, a, c in stated]
    assert [s.right for s in scores] == [True, False, False, True, False, True, True]
    m = summarize(scores)
    assert m.brier == pytest.approx((0.1 ** 2 + 0.7 ** 2 + 0.3 ** 2 + 0.2 ** 2 + 0.5 ** 2 + 0.9 ** 2) / 6)
    # what the chat shows as "likely" (0.5 or more) and "unsure": the answers only, not the refusals
    assert (m.likely_right, m.unsure_right) == (pytest.approx(1 / 3), 1.0)
    bins = calibration(scores)
    assert [(b.refused, b.low, b.high, b.n) for b in bins] == [(False, 0.0, 0.2, 1), (False, 0.4, 0.6, 1),
                                                               (False, 0.6, 0.8, 1), (False, 0.8, 1.0, 1),
                                                               (True, 0.2, 0.4, 1), (True, 0.8, 1.0, 1)]
    assert [b.right for b in bins] == [1.0, 0.0, 0.0, 1.0, 0.0, 1.0]
    lone = summarize([score_answer(question(), answer())])
    assert (lone.brier, lone.likely_right, lone.unsure_right) == (None, None, None)


def test_scores_an_answer_object_too():
    passage = Passage(doc=DOC, start_line=25, end_line=29, text="t", sentences=())
    a = Answer(question="q?", text="A 700-kilometer border [1].", refused=False, mode="extractive",
               citations=[Citation(n=1, doc=DOC, start_line=27, end_line=27, quote="700-kilometer border")],
               passages=[ScoredPassage(passage, 0.9)], timings_ms={"total": 12.5})
    s = score_answer(question(), a)
    assert (s.rank, s.facts, s.citation_hit, s.citation_precision, s.latency_ms) == (1, True, True, 1.0, 12.5)


# Latency and kinds ---------------------------------------------------------------------------------------------------
def test_percentile_interpolates_like_numpy():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_latency_percentiles_over_all_questions():
    scores = [score_answer(question(str(i)), answer(total=float(t))) for i, t in enumerate([10, 20, 30, 40])]
    scores.append(score_answer(unanswerable(), answer(total=100.0, **REFUSAL)))
    m = summarize(scores)
    assert m.p50_ms == 30.0
    assert m.p95_ms == pytest.approx(88.0)


def test_breakdown_by_kind():
    scores = [
        score_answer(question("n1", kind="number"), answer()),
        score_answer(question("n2", kind="number"), answer(text="none", passages=())),
        score_answer(question("d1", kind="date"), answer()),
        score_answer(unanswerable("u1"), answer(**REFUSAL)),
    ]
    kinds = by_kind(scores)
    assert list(kinds) == ["date", "number", "unanswerable"]
    assert (kinds["number"].n, kinds["number"].hit5, kinds["number"].fact_recall) == (2, 0.5, 0.5)
    assert kinds["date"].fact_recall == 1.0
    assert kinds["unanswerable"].refusal_accuracy == 1.0 and kinds["unanswerable"].hit5 is None


# Running -----------------------------------------------------------------------------------------------------------
class FakeAsker:
    """Answers from a table; raises for one question; records what it was asked."""

    def __init__(self, replies: dict[str, dict]):
        self.replies = replies
        self.asked: list[str] = []

    def ask(self, text: str, **_options):
        self.asked.append(text)
        if text == "question boom?":
            raise RuntimeError("boom")
        reply = dict(self.replies[text])
        return type("A", (), {"to_json": lambda self: {"id": "wrong", **reply}})()


def test_answer_all_warms_up_keeps_ids_and_survives_a_crash():
    qs = [question("q1"), question("boom"), unanswerable("u1")]
    asker = FakeAsker({"question q1?": answer(), "question u1?": answer(**REFUSAL)})
    run = answer_all("fake", asker, qs)
    assert asker.asked == ["question q1?", "question q1?", "question boom?", "question u1?"]  # warm-up first
    assert [a["id"] for a in run.answers] == ["q1", "boom", "u1"]
    assert list(run.answers[0])[0] == "id"
    assert run.answers[1]["error"] == "RuntimeError: boom" and run.answers[1]["refused"] is False
    assert run.overall.errors == 1
    assert run.overall.fact_recall == 0.5 and run.overall.refusal_accuracy == 1.0


def test_a_follow_up_is_asked_after_the_questions_before_it(bundled_engine):
    """A question set's follow-up is read as the chat reads it: "he" is the minister the first question found."""
    asked = dict(question="When did he visit Tehran?", kind="date", answerable=True, must=(("July 4",),),
                 sources=tuple(GoldSource("004_5b03b3f6e3581bda.txt", line) for line in (10, 26, 44)))
    follow_up = Question(id="f1", history=("Who was Azerbaijan's foreign minister in 2022?",), **asked)
    run = answer_all("ours", bundled_engine, [follow_up, Question(id="f2", **asked)])
    assert run.answers[0]["read_as"] == "When did Jeyhun Bayramov visit Tehran?"
    assert run.answers[0]["history"] == list(follow_up.history) and "history" not in run.answers[1]
    assert run.scores[0].groups_matched == 1, run.answers[0]["answer"]
    assert "read_as" not in run.answers[1]  # the same words without the chat before them


def _hand_made_runs() -> tuple[list[Run], list[Question]]:
    qs = [question("q1", kind="number"), question("q2", kind="list", must=(("only",), ("missing",))),
          unanswerable("u1")]
    ours = answer_all("ours (hybrid)", FakeAsker({"question q1?": answer(total=12.0),
                                                  "question q2?": answer(text="only a <b>?</b>", total=30.0),
                                                  "question u1?": answer(total=5.0, **REFUSAL)}), qs)
    other = answer_all("BM25 only", FakeAsker({"question q1?": answer(passages=()),
                                               "question q2?": answer(),
                                               "question u1?": answer()}), qs)
    return [ours, other], qs


def test_reports_are_written_and_self_contained(tmp_path):
    runs, qs = _hand_made_runs()
    paths = write_reports(tmp_path / "rep", runs, qs, {"questions": "hand-made", "articles_dir": "x"})
    names = {p.name for p in paths}
    assert {"report.md", "report.html", "metrics.json", "answers-bm25-only.jsonl"} <= names

    page = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 3  # by kind, latency, compare
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower() and "<link" not in page.lower() and "@import" not in page
    assert "only a &lt;b&gt;?&lt;/b&gt;" in page  # answer text is escaped, not injected

    md = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert "| ours (hybrid) |" in md and "| BM25 only |" in md and "## Misses (1)" in md

    data = json.loads((tmp_path / "rep" / "metrics.json").read_text(encoding="utf-8"))
    assert data["overall"]["n"] == 3 and data["overall"]["fact_recall"] == 0.5
    assert set(data["by_kind"]) == {"list", "number", "unanswerable"}
    assert [c["configuration"] for c in data["compare"]] == ["ours (hybrid)", "BM25 only"]
    assert len(data["per_question"]) == 3
    assert data["calibration"] == [] and "## Confidence" not in md  # the hand-made answers state no confidence


def test_svg_charts_handle_missing_values_and_no_data():
    svg = grouped_bars_svg(["a", "b"], ["x", "y"], [[0.5, None], [1.0, 0.0]], "t")
    assert svg.count("<rect") == 2 + 3  # 2 legend swatches, 3 bars: none for the missing value
    assert "no data" in histogram_svg([], "t")
    assert histogram_svg([0.0, 0.0], "t").count("<rect") == 20


# LlamaIndex baseline --------------------------------------------------------------------------------------------
def test_span_to_lines_and_best_sentence():
    from qa.evaluation.baseline import best_sentence, lines_of_span

    text = "l1\nline two\nl3"
    assert lines_of_span(text, 0, 2) == (1, 1)
    assert lines_of_span(text, 3, 11) == (2, 2)  # ends just before the second "\n"
    assert lines_of_span(text, 3, 12) == (2, 2)  # a trailing "\n" does not start a new line
    assert lines_of_span(text, 0, len(text)) == (1, 3)
    body = "Iran is big. Baku and Tehran share a 700-kilometer border. The end."
    assert best_sentence("How long is the border Tehran shares with Baku?", body).startswith("Baku and Tehran")


@pytest.fixture
def no_network(monkeypatch):
    """Fail any connection that is not to this machine: the baseline must work offline."""
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and "/" not in host:
            raise AssertionError(f"network access attempted: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


def test_llamaindex_baseline_offline_with_exact_lines(no_network):
    from qa.evaluation.baseline import SIMILARITY_TOP_K, LlamaIndexBaseline

    baseline = LlamaIndexBaseline(Settings(articles_dir=ARTICLES, store_dir=Path("/nonexistent")))
    a = baseline.ask("How long is the border that Iran and Azerbaijan share?")
    assert len(a.passages) == SIMILARITY_TOP_K and not a.refused
    for scored in a.passages:
        lines = (ARTICLES / scored.passage.doc).read_text(encoding="utf-8").split("\n")
        assert 1 <= scored.passage.start_line <= scored.passage.end_line <= len(lines)
    (c,) = a.citations
    lines = (ARTICLES / c.doc).read_text(encoding="utf-8").split("\n")
    assert c.quote and c.quote in "\n".join(lines[c.start_line - 1 : c.end_line])
    assert a.text == f"{c.quote} [1]"


# Regression floor on the bundled articles -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """One real `run_eval --compare` over articles.jsonl into a fresh temp store (ingests once for the module)."""
    pytest.importorskip("qa.answer.engine")
    root = tmp_path_factory.mktemp("eval")
    settings = Settings(articles_dir=ARTICLES, store_dir=root / "store", chroma_host=None, answer_mode="extractive")
    status = run_eval(QUESTIONS, root / "results.jsonl", report_dir=root / "report", compare=True, settings=settings)
    return status, root


def test_eval_exits_0_and_writes_one_contract_answer_per_question(evaluated):
    status, root = evaluated
    assert status == 0
    rows = [json.loads(line) for line in (root / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    ids = [json.loads(line)["id"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [r["id"] for r in rows] == ids
    for r in rows:
        assert {"question", "answer", "refused", "citations", "passages", "mode", "timings_ms"} <= set(r)
        assert r["timings_ms"]["total"] > 0
        assert not r["refused"] or not r["citations"]
    assert {p.name for p in (root / "report").iterdir()} >= {"report.md", "report.html", "metrics.json"}


def test_quality_floors(evaluated):
    _, root = evaluated
    m = json.loads((root / "report" / "metrics.json").read_text(encoding="utf-8"))["overall"]
    assert m["errors"] == 0
    assert m["hit5"] >= FLOOR_HIT_AT_5
    assert m["mrr"] >= FLOOR_MRR
    assert m["fact_recall"] >= FLOOR_FACT_RECALL
    assert m["citation_hit"] >= FLOOR_CITATION_HIT
    assert m["refusal_accuracy"] >= FLOOR_REFUSAL_ACCURACY
    assert m["false_refusals"] <= CEILING_FALSE_REFUSALS


def test_the_stated_confidence_beats_a_coin_and_is_reported(evaluated):
    """Answers the chat shows as "likely" are right more often than those shown as "unsure", and the confidence is
    closer to right and wrong than a constant 0.5 (Brier 0.25)."""
    _, root = evaluated
    data = json.loads((root / "report" / "metrics.json").read_text(encoding="utf-8"))
    m = data["overall"]
    assert m["brier"] < 0.25
    assert m["likely_right"] > m["unsure_right"]
    assert sum(b["n"] for b in data["calibration"]) == m["n"]  # every answer and refusal states one
    md = (root / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Confidence" in md
    # the words the chat shows, with how many answers each covers and how many of those were right
    assert re.search(r"Answers: (\d+) shown as likely, (\d+) of them right; (\d+) shown as unsure", md)


def test_ours_beats_llamaindex_defaults(evaluated):
    _, root = evaluated
    compare = {c["configuration"]: c for c in
               json.loads((root / "report" / "metrics.json").read_text(encoding="utf-8"))["compare"]}
    assert list(compare) == ["ours (hybrid)", "dense only", "BM25 only", "LlamaIndex defaults"]
    ours, base = compare["ours (hybrid)"], compare["LlamaIndex defaults"]
    assert ours["hit5"] > base["hit5"] and ours["fact_recall"] > base["fact_recall"]
    assert ours["cited_lines"] < base["cited_lines"]
