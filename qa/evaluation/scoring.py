"""`qa eval`: answer a question set in one process and measure retrieval, answers, citations, refusals and latency.

Scoring works on the contract's answer object (CONTRACT.md), not on internals, so any results file in that format -
ours, a baseline's, another system's - is scored by the same rules. The rules (docs/evaluation.md has the prose):

- retrieval: the rank of the first returned passage whose line range holds a gold line (doc, line); hit@1, hit@5
  and reciprocal rank follow from it.
- facts: every `must` group matched, a group matching when any of its strings occurs in the answer text
  (case-insensitive). A refused answer matches nothing: saying "I don't know" never counts as stating a fact.
- citations: hit when some citation's line range holds a gold line; precision is the fraction of citations that do.
- refusals: unanswerable questions should be refused, answerable ones should not.
- short answers: of the answered answerable questions, the share whose answer leads with a short answer (the span
  that answers: "700-kilometer"), and of those, the share whose span holds one of the facts (a `must` string).
- confidence: an answer is right when it states every fact of an answerable question, a refusal when the question is
  unanswerable; the Brier score is the mean squared distance of the stated confidence from that (1 right, 0 wrong),
  over every answer that states one, and `calibration` bins the answers by stated confidence.

Answer, citation and retrieval metrics count answerable questions only; refusal accuracy counts unanswerable ones.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from qa.config import Settings, get_settings
from qa.evaluation.questionset import load_questions
from qa.types import Answer, GoldSource, Question, confidence_words

log = logging.getLogger(__name__)


# Per question ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuestionScore:
    id: str
    kind: str
    answerable: bool
    refused: bool
    rank: int | None  # 1-based rank of the first passage holding a gold line; None when none does
    passage_lines: float | None  # mean lines per returned passage: bigger passages hit gold lines more easily
    groups: int  # number of `must` groups
    groups_matched: int
    citation_hit: bool
    citation_precision: float | None  # None when the answer has no citations
    cited_lines: float | None  # mean number of lines per citation: how precisely it points
    latency_ms: float
    error: str | None = None  # the exception text when answering crashed, or why the question could not be asked
    short_right: bool | None = None  # whether the short answer holds a fact; None when the answer leads with none
    confidence: float | None = None  # as the answer states it; None when it states none

    @property
    def facts(self) -> bool:
        return self.groups_matched == self.groups

    @property
    def right(self) -> bool:
        """What the confidence is the probability of: every fact stated, or an unanswerable question refused."""
        return not self.answerable if self.refused else self.answerable and self.facts

    def to_json(self) -> dict:
        return asdict(self) | {"facts": self.facts, "right": self.right}


def _holds_gold(doc: str, start: int, end: int, sources: Iterable[GoldSource]) -> bool:
    return any(s.doc == doc and start <= s.line <= end for s in sources)


def _mean_lines(spans: list[dict]) -> float | None:
    return sum(s["end_line"] - s["start_line"] + 1 for s in spans) / len(spans) if spans else None


def score_answer(question: Question, answer: Answer | dict) -> QuestionScore:
    """Score one answer (an `Answer` or its contract JSON) against its question's gold lines and must groups."""
    data = answer.to_json() if isinstance(answer, Answer) else answer
    refused = bool(data.get("refused"))
    gold = question.sources
    passages = data.get("passages") or []
    rank = next(
        (i for i, p in enumerate(passages, start=1) if _holds_gold(p["doc"], p["start_line"], p["end_line"], gold)),
        None,
    )
    text = "" if refused else str(data.get("answer") or "").lower()
    matched = sum(any(s.lower() in text for s in group) for group in question.must)
    citations = data.get("citations") or []
    good = [c for c in citations if _holds_gold(c["doc"], c["start_line"], c["end_line"], gold)]
    short = None if refused else (data.get("short_answer") or "").lower()
    return QuestionScore(
        id=question.id,
        kind=question.kind,
        answerable=question.answerable,
        refused=refused,
        rank=rank,
        passage_lines=_mean_lines(passages),
        groups=len(question.must),
        groups_matched=matched,
        citation_hit=bool(good),
        citation_precision=len(good) / len(citations) if citations else None,
        cited_lines=_mean_lines(citations),
        latency_ms=float((data.get("timings_ms") or {}).get("total", 0.0)),
        error=data.get("error"),
        short_right=any(s.lower() in short for group in question.must for s in group) if short else None,
        confidence=data.get("confidence"),
    )


# Aggregates -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Metrics:
    """Rates are fractions in [0, 1]; None where no question qualifies (e.g. refusal accuracy without any
    unanswerable question)."""

    n: int
    answerable: int
    unanswerable: int
    hit1: float | None
    hit5: float | None
    mrr: float | None
    passage_lines: float | None
    fact_recall: float | None
    citation_hit: float | None
    citation_precision: float | None  # mean over answerable questions that have at least one citation
    cited_lines: float | None
    refusal_accuracy: float | None
    false_refusals: float | None
    short_answers: float | None  # of the answered answerable questions, the share led by a short answer
    short_right: float | None  # ... and of those, the share whose short answer holds a fact
    p50_ms: float | None
    p95_ms: float | None
    errors: int = 0
    brier: float | None = None  # over the answers that state a confidence; 0.25 is what a constant 0.5 scores
    likely_right: float | None = None  # of the answers (not refusals) shown as "likely" right, the share right
    unsure_right: float | None = None  # ... and of those shown as "unsure"

    def to_json(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between order statistics (numpy's default), p in [0, 100]."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize(scores: list[QuestionScore]) -> Metrics:
    ans = [s for s in scores if s.answerable]
    una = [s for s in scores if not s.answerable]
    latencies = [s.latency_ms for s in scores if s.error is None]
    words = shown_as(scores)
    return Metrics(
        n=len(scores),
        answerable=len(ans),
        unanswerable=len(una),
        hit1=_mean([float(s.rank == 1) for s in ans]),
        hit5=_mean([float(s.rank is not None and s.rank <= 5) for s in ans]),
        mrr=_mean([1 / s.rank if s.rank else 0.0 for s in ans]),
        passage_lines=_mean([s.passage_lines for s in ans if s.passage_lines is not None]),
        fact_recall=_mean([float(s.facts) for s in ans]),
        citation_hit=_mean([float(s.citation_hit) for s in ans]),
        citation_precision=_mean([s.citation_precision for s in ans if s.citation_precision is not None]),
        cited_lines=_mean([s.cited_lines for s in ans if s.cited_lines is not None]),
        refusal_accuracy=_mean([float(s.refused) for s in una]),
        false_refusals=_mean([float(s.refused) for s in ans]),
        short_answers=_mean([float(s.short_right is not None) for s in ans if not s.refused]),
        short_right=_mean([float(s.short_right) for s in ans if s.short_right is not None]),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        errors=sum(s.error is not None for s in scores),
        brier=_mean([(s.confidence - s.right) ** 2 for s in scores if s.confidence is not None]),
        likely_right=_mean([float(s.right) for s in words["likely"]]),
        unsure_right=_mean([float(s.right) for s in words["unsure"]]),
    )


def shown_as(scores: list[QuestionScore]) -> dict[str, list[QuestionScore]]:
    """The answers (not the refusals) the chat shows as "likely" right and as "unsure" (`qa.types.confidence_words`)."""
    shown: dict[str, list[QuestionScore]] = {"likely": [], "unsure": []}
    for s in scores:
        if not s.refused and s.confidence is not None:
            shown[confidence_words(s.confidence)].append(s)
    return shown


# Stated confidence up to each bound (the last bin holds 1.0 itself).
CALIBRATION_BINS = (0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class CalibrationBin:
    """The answers or refusals whose stated confidence falls in [low, high): how many, what they stated on average
    and how many were right. A calibrated reader's `right` is close to its `stated`."""

    refused: bool
    low: float
    high: float
    n: int
    stated: float
    right: float


def calibration(scores: list[QuestionScore]) -> list[CalibrationBin]:
    """The answers, then the refusals, binned by the confidence they state (empty bins left out)."""
    bins = []
    for refused in (False, True):
        stated = [s for s in scores if s.refused == refused and s.confidence is not None]
        low = 0.0
        for high in CALIBRATION_BINS:
            inside = [s for s in stated if low <= s.confidence < high or high == 1.0 and s.confidence == 1.0]
            if inside:
                bins.append(CalibrationBin(refused, low, high, len(inside),
                                           sum(s.confidence for s in inside) / len(inside),
                                           sum(s.right for s in inside) / len(inside)))
            low = high
    return bins


def llm_summary(answers: list[dict]) -> dict | None:
    """What a language model did over a run (answers that asked one; None when none did): how each ended
    (answered, refused by the model, unsupported: nothing it said held, unavailable: failed or timed out), the
    share of its sentences removed as unsupported, sources given, the audit of what was shown (qa.answer.llm.audit:
    sentences shown that the grounding rules do not support; 0 by construction) and the time per answer."""
    from qa.answer.llm import audit

    asked = [a for a in answers if a.get("llm")]
    if not asked:
        return None
    outcomes = {k: sum(a["llm"]["outcome"] == k for a in asked) for k in ("answered", "refused", "unsupported",
                                                                          "unavailable")}
    sentences = sum(a["llm"].get("sentences", 0) for a in asked)
    removed = sum(a["llm"].get("removed_claims", 0) for a in asked)
    times = [a["timings_ms"]["total"] for a in asked if a.get("timings_ms", {}).get("total") is not None]
    return {
        "asked": len(asked), **outcomes,
        "sentences": sentences, "removed": removed, "removed_share": removed / sentences if sentences else None,
        "sources_given_mean": sum(a["llm"].get("sources_given", 0) for a in asked) / len(asked),
        "shown_unsupported": sum(len(audit(a)) for a in asked),
        "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95), "max_ms": max(times) if times else None,
    }


def llm_text(summary: dict) -> str:
    share = summary["removed_share"]
    return (f"language model: asked {summary['asked']}: {summary['answered']} answered, {summary['refused']} refused, "
            f"{summary['unsupported']} with no supported sentence (extractive shown), {summary['unavailable']} "
            f"unavailable or timed out; sentences {summary['sentences']}, removed as unsupported {summary['removed']}"
            f" ({'-' if share is None else f'{share:.0%}'}); shown but unsupported {summary['shown_unsupported']}; "
            f"sources given {summary['sources_given_mean']:.1f} on average; time per answer p50 "
            f"{(summary['p50_ms'] or 0) / 1000:.1f} s, p95 {(summary['p95_ms'] or 0) / 1000:.1f} s, max "
            f"{(summary['max_ms'] or 0) / 1000:.1f} s")


def by_kind(scores: list[QuestionScore]) -> dict[str, Metrics]:
    kinds = sorted({s.kind for s in scores})
    return {kind: summarize([s for s in scores if s.kind == kind]) for kind in kinds}


# Running --------------------------------------------------------------------------------------------------------
@dataclass
class Run:
    """One configuration's answers and scores on a question set."""

    name: str
    answers: list[dict]
    scores: list[QuestionScore]
    setup_s: float = 0.0
    overall: Metrics = field(init=False)
    kinds: dict[str, Metrics] = field(init=False)

    def __post_init__(self) -> None:
        self.overall = summarize(self.scores)
        self.kinds = by_kind(self.scores)


def answer_all(name: str, asker: Any, questions: list[Question], mode: str | None = None,
               setup_s: float = 0.0, progress: Callable[[int, int, str], None] | None = None) -> Run:
    """Warm `asker` up on one question (not counted), then answer and score every question.

    `progress(done, total, question_id)` is called before each question, for a front end's progress bar.
    """
    if questions:
        asker.ask(questions[0].question, mode=mode)
    answers, scores = [], []
    for i, q in enumerate(questions):
        if progress:
            progress(i, len(questions), q.id)
        try:
            data = asker.ask(q.question, mode=mode, history=list(q.history)).to_json()
        except Exception as err:  # one crashing question must not end the evaluation (CONTRACT: exit 0)
            log.error("%s: answering %s failed:\n%s", name, q.id, traceback.format_exc())
            data = {"question": q.question, "answer": "", "refused": False, "citations": [], "passages": [],
                    "mode": mode or "", "timings_ms": {}, "error": f"{type(err).__name__}: {err}"}
        data.pop("id", None)
        answers.append({"id": q.id, **({"history": list(q.history)} if q.history else {}), **data})
        scores.append(score_answer(q, data))
    return Run(name, answers, scores, setup_s)


def _configurations(settings: Settings) -> list[tuple[str, Callable[[], Any]]]:
    """(name, factory) for every configuration `--compare` runs; the first is ours, the one `qa eval` reports."""
    from qa.answer import Engine

    configs = [
        ("ours (hybrid)", lambda: Engine(settings, retrieval="hybrid")),
        ("dense only", lambda: Engine(settings, retrieval="dense")),
        ("BM25 only", lambda: Engine(settings, retrieval="bm25")),
    ]

    def baseline():
        from qa.evaluation.baseline import LlamaIndexBaseline

        return LlamaIndexBaseline(settings)

    return configs + [("LlamaIndex defaults", baseline)]


def write_answers(path: str | Path, answers: list[dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for a in answers:
            fh.write(json.dumps(a, ensure_ascii=False) + "\n")


def run_eval(questions_path: str | Path, out_path: str | Path, report_dir: str | Path | None = None,
             compare: bool = False, settings: Settings | None = None, mode: str | None = None) -> int:
    """Answer every question, write the answers, print and report the metrics. Returns 0 (CONTRACT.md)."""
    from qa.evaluation import report
    from qa.ingest import ingest

    settings = settings or get_settings()
    questions = load_questions(questions_path)
    print(f"index: {ingest(settings).summary()}", file=sys.stderr)

    runs: list[Run] = []
    configs = _configurations(settings)
    for name, factory in configs if compare else configs[:1]:
        started = time.perf_counter()
        asker = factory()
        setup_s = time.perf_counter() - started
        print(f"answering {len(questions)} questions: {name} ...", file=sys.stderr)
        runs.append(answer_all(name, asker, questions, mode=mode, setup_s=setup_s))
        del asker
        if len(runs) == 1:
            write_answers(out_path, runs[0].answers)

    ours = runs[0]
    print(report.text_summary(ours, questions_path))
    model = llm_summary(ours.answers)
    if model:
        print("\n" + llm_text(model))
    if compare:
        print()
        print(report.text_compare(runs))
    if report_dir is not None:
        meta = {
            "questions": str(questions_path),
            "articles_dir": str(settings.articles_dir),
            "answers": str(out_path),
            "generated": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        }
        paths = report.write_reports(Path(report_dir), runs, questions, meta)
        if model:
            paths.append(Path(report_dir) / "llm.json")
            paths[-1].write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
        print(f"\nreport: {', '.join(str(p) for p in paths)}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m qa.evaluation.scoring`, the same as `qa eval`."""
    parser = argparse.ArgumentParser(prog="python -m qa.evaluation.scoring", description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", required=True, type=Path, help="question set (JSONL)")
    parser.add_argument("--out", required=True, type=Path, help="where to write one answer object per line")
    parser.add_argument("--report", type=Path, default=None, help="folder for report.md, report.html, metrics.json")
    parser.add_argument("--compare", action="store_true", help="also run dense-only, BM25-only, LlamaIndex defaults")
    parser.add_argument("--mode", default=None, help="answer mode (default: QA_ANSWER_MODE)")
    args = parser.parse_args(argv)
    return run_eval(args.questions, args.out, args.report, args.compare, mode=args.mode)


if __name__ == "__main__":
    sys.exit(main())
