"""Fit the reader (qa/answer/reader.py) on the train split, choose its thresholds on the dev split, write its model.

    python -m qa.evaluation.train_reader [--bbc ../shared/corpora/bbc] [--work store/chroma-train] [--out PATH]
    python -m qa.evaluation.train_reader --cross-validate     # 5-fold cross-validation on train + dev, no model written

It indexes the bundled articles and the BBC corpus (incrementally, under --work), asks every train and dev question
through the real retrieval, and labels each retrieved sentence: it holds the answer when it covers a gold line, or
when it holds every fact the question requires (the same fact in a copied article). Then:

1. the ranker, a conditional logit over each sentence's signals (the candidates of a question compete for one
   answer: softmax likelihood of the answering sentences, L2-penalised, SciPy's L-BFGS), is fitted on the answerable
   train questions; it chose the answering sentence more often than a pointwise or pairwise logistic regression or
   LightGBM's lambdarank in 5-fold cross-validation on the train and dev questions (docs/evaluation.md);
2. the answerability model, a logistic regression over a question's ranked list, is fitted on all train questions,
   each ranked by a ranker fitted without it (5 folds), so that it sees rankings as they are on new questions; its
   label is "the articles answer the question" (it separated answerable from unanswerable questions better, AUC
   0.81 against 0.75 in cross-validation, than the label "the best sentence is right");
3. on dev: the refusal threshold that best separates unanswerable from answerable questions (refusals of
   unanswerable minus refusals of answerable) while refusing at most 10% of answerable ones, counting the refusals
   of the reader's rules (a number, date or sum asked for and none in the best sentence) too, and the share of the
   first sentence's probability at which a second sentence is quoted (best fact recall while the median answer
   stays within 35 words).

Nothing reads the test split. The same data gives the same model: the folds are fixed by a hash of the question id
and the solver is deterministic.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import statistics
import sys
from pathlib import Path

import numpy as np

QUESTIONS = Path(__file__).with_name("questions")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# (corpus, question sets) per split; the older sets were used to tune the hand-set scorer before, so they train.
TRAIN = {"bundled": ("articles.jsonl", "articles2-train.jsonl"), "bbc": ("bbc.jsonl", "bbc2-train.jsonl")}
DEV = {"bundled": ("articles2-dev.jsonl",), "bbc": ("bbc2-dev.jsonl",)}
FOLDS = 5
MAX_FALSE_REFUSALS = 0.10
MAX_MEDIAN_WORDS = 35  # answers stay short: a second sentence is quoted only while the median answer is this long
REGULARISATION = 1.0  # sklearn's C for the answerability model, the inverse strength of its L2 penalty
RANKER_L2 = 0.001  # the ranker's L2 penalty per question (5-fold cross-validation on train and dev: 0.001-0.01 best)


@dataclasses.dataclass
class Example:
    """One question's evidence, as the reader sees it, with the labels of its sentences."""

    id: str
    corpus: str
    answerable: bool
    must: tuple[tuple[str, ...], ...]
    asked: object
    candidates: list
    unknown_names: int
    rows: np.ndarray
    labels: np.ndarray


def holds_answer(candidate, question, quotes: list[str]) -> bool:
    """Whether a sentence answers: it holds (part of) a gold quote, on a gold line or in a copy of the article.

    BBC paragraphs are single lines of several sentences, so a gold line alone does not say which sentence answers;
    the quote does. A quote that spans sentences makes each of them an answer."""
    text = candidate.text
    on_gold_line = any(s.doc == candidate.passage.doc and candidate.sentence.start_line <= s.line <=
                       candidate.sentence.end_line for s in question.sources)
    for quote in quotes:
        if quote in text or (on_gold_line and (text in quote or quote[:24] in text or quote[-24:] in text)):
            return True
    return False


def _quotes(path: Path) -> dict[str, list[str]]:
    """The gold quotes of a resolved question set (kept beside the line numbers by `questionset resolve`)."""
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: row.get("quotes", []) for row in rows}


def collect(corpus: str, sets: tuple[str, ...], engine) -> list[Example]:
    from qa.answer.engine import clean_question
    from qa.answer.reader import ranker_rows
    from qa.evaluation import load_questions

    examples = []
    for name in sets:
        quotes = _quotes(QUESTIONS / name)
        for q in load_questions(QUESTIONS / name):
            evidence = engine.evidence(clean_question(q.question))
            labels = np.asarray([holds_answer(c, q, quotes[q.id]) for c in evidence.candidates], dtype=float)
            examples.append(Example(q.id, corpus, q.answerable, q.must, evidence.asked, evidence.candidates,
                                    evidence.unknown_names, ranker_rows(evidence.candidates, evidence.asked), labels))
    return examples


def engines(bbc: Path, work: Path) -> dict:
    from qa.answer import Engine
    from qa.config import Settings
    from qa.ingest import ingest

    found = {}
    for corpus, articles in (("bundled", PROJECT_ROOT / "store" / "articles"), ("bbc", bbc)):
        settings = Settings(articles_dir=articles, store_dir=work / corpus)
        report = ingest(settings, progress=sys.stderr.isatty())
        print(f"{corpus}: {articles} indexed ({report})", file=sys.stderr)
        found[corpus] = Engine(settings)
    return found


def fit_linear(rows: np.ndarray, labels: np.ndarray, features: tuple[str, ...]):
    from sklearn.linear_model import LogisticRegression

    from qa.answer.reader import LinearModel

    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=REGULARISATION, max_iter=5000)
    model.fit((rows - mean) / scale, labels)
    return LinearModel(features, mean, scale, model.coef_[0].copy(), float(model.intercept_[0]))


def fit_ranker(examples: list[Example]):
    """The conditional logit: maximise the mean log-probability that the softmax over a question's candidates gives
    to its answering sentences (shared equally when several answer)."""
    from scipy.optimize import minimize

    from qa.answer.reader import RANKER_FEATURES, LinearModel

    usable = [e for e in examples if e.answerable and e.labels.any()]
    stacked = np.vstack([e.rows for e in usable])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale[scale < 1e-9] = 1.0
    questions = [((e.rows - mean) / scale, e.labels / e.labels.sum()) for e in usable]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, gradient = 0.0, np.zeros_like(w)
        for rows, target in questions:
            z = rows @ w
            z = z - z.max()
            p = np.exp(z) / np.exp(z).sum()
            total -= float(target @ (z - np.log(np.exp(z).sum())))
            gradient -= rows.T @ (target - p)
        n = len(questions)
        return total / n + RANKER_L2 * float(w @ w), gradient / n + 2 * RANKER_L2 * w

    w = minimize(loss, np.zeros(stacked.shape[1]), jac=True, method="L-BFGS-B").x
    return LinearModel(RANKER_FEATURES, mean, scale, w, 0.0)


def ranked(example: Example, ranker) -> list:
    """The example's candidates as `ranker` orders them (from the rows computed once at collection)."""
    from qa.answer.reader import ranked_by

    return ranked_by(example.candidates, ranker.choice(example.rows)) if example.candidates else []


def _best_is_right(example: Example, order: list) -> bool:
    return bool(order) and bool(example.labels[example.candidates.index(order[0].candidate)])


def fold_of(question_id: str) -> int:
    return int(hashlib.sha256(question_id.encode("utf-8")).hexdigest()[:8], 16) % FOLDS


def fit_answerability(examples: list[Example]):
    from qa.answer.reader import ANSWERABILITY_FEATURES, answerability_row

    rows, labels = [], []
    for fold in range(FOLDS):
        ranker = fit_ranker([e for e in examples if fold_of(e.id) != fold])
        for e in examples:
            if fold_of(e.id) == fold:
                order = ranked(e, ranker)
                rows.append(answerability_row(order, e.asked, e.unknown_names)[0])
                labels.append(e.answerable)
    return fit_linear(np.asarray(rows), np.asarray(labels, dtype=float), ANSWERABILITY_FEATURES)


def _facts_found(text: str, must) -> float:
    return sum(any(m.lower() in text.lower() for m in group) for group in must) / len(must) if must else 0.0


def evaluate(examples: list[Example], model) -> dict:
    """What the reader does on these questions: top-1, fact recall, refusals, answer length."""
    from qa.answer.reader import read

    answerable = [e for e in examples if e.answerable]
    unanswerable = [e for e in examples if not e.answerable]
    facts, words, top1, false_refusals, refusals = [], [], 0, 0, 0
    for e in examples:
        verdict = read(e.candidates, e.asked, e.unknown_names, model)
        if e.answerable:
            top1 += _best_is_right(e, verdict.ranked)
            false_refusals += verdict.refused
            facts.append(0.0 if verdict.refused else _facts_found(" ".join(c.text for c in verdict.chosen), e.must))
        else:
            refusals += verdict.refused
        if not verdict.refused:
            words.append(sum(len(c.text.split()) for c in verdict.chosen))
    return {
        "questions": len(examples), "top1": round(top1 / max(len(answerable), 1), 3),
        "facts": round(sum(facts) / max(len(facts), 1), 3),
        "refusal": round(refusals / max(len(unanswerable), 1), 3),
        "false_refusals": round(false_refusals / max(len(answerable), 1), 3),
        "median_words": statistics.median(words) if words else 0,
    }


def choose_threshold(examples: list[Example], ranker, answerability) -> float:
    """The refusal threshold, over the probabilities the reader acts on (its rules included: a question refused by
    them counts within the false-refusal budget)."""
    from qa.answer.reader import ReaderModel
    from qa.answer.reader import answerability as probability

    model = ReaderModel(ranker, answerability, 0.0, 1.01)
    scored = [(probability(order, e.asked, e.unknown_names, model) if (order := ranked(e, ranker)) else 0.0,
               e.answerable) for e in examples]
    answerable = sum(a for _, a in scored)
    unanswerable = len(scored) - answerable
    best, best_gain = 0.0, -1.0
    for threshold in sorted({p for p, _ in scored} | {0.0}):
        refused_ok = sum(p < threshold for p, a in scored if not a) / max(unanswerable, 1)
        refused_bad = sum(p < threshold for p, a in scored if a) / max(answerable, 1)
        if refused_bad <= MAX_FALSE_REFUSALS and refused_ok - refused_bad > best_gain:
            best, best_gain = threshold, refused_ok - refused_bad
    return best


def choose_ratio(examples: list[Example], model) -> float:
    """The share of the best sentence's probability at which a second sentence is quoted: the best fact recall
    while the median answer stays within MAX_MEDIAN_WORDS (1.01: never)."""
    best_ratio, best_facts = 1.01, -1.0
    for ratio in (1.01, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1):
        metrics = evaluate(examples, dataclasses.replace(model, second_ratio=ratio))
        if metrics["facts"] > best_facts and metrics["median_words"] <= MAX_MEDIAN_WORDS:
            best_ratio, best_facts = ratio, metrics["facts"]
    return best_ratio


def fit_reader(fit_on: list[Example], choose_on: list[Example]):
    """The ranker and answerability model fitted on `fit_on`, the refusal threshold and then the second-sentence
    ratio chosen on `choose_on`."""
    from qa.answer.reader import ReaderModel

    ranker, answerability = fit_ranker(fit_on), fit_answerability(fit_on)
    model = ReaderModel(ranker, answerability, choose_threshold(choose_on, ranker, answerability), 1.01)
    return dataclasses.replace(model, second_ratio=choose_ratio(choose_on, model))


def train(bbc: Path, work: Path) -> tuple[object, dict]:
    found = engines(bbc, work)
    train_set = [e for corpus, sets in TRAIN.items() for e in collect(corpus, sets, found[corpus])]
    dev_set = [e for corpus, sets in DEV.items() for e in collect(corpus, sets, found[corpus])]
    model = fit_reader(train_set, dev_set)
    about = {
        "command": "python -m qa.evaluation.train_reader",
        "train": {corpus: list(sets) for corpus, sets in TRAIN.items()},
        "dev": {corpus: list(sets) for corpus, sets in DEV.items()},
        "train_questions": len(train_set),
        "dev_metrics": {corpus: evaluate([e for e in dev_set if e.corpus == corpus], model) for corpus in DEV},
    }
    return model, about


def cross_validate(bbc: Path, work: Path) -> dict:
    """The reader's metrics on questions it was not fitted on: 5 folds of the train and dev questions (by question id);
    each fold is read by a ranker and answerability model fitted on the other four, with the threshold and the
    second-sentence ratio chosen on those four."""
    found = engines(bbc, work)
    pool = [e for split in (TRAIN, DEV) for corpus, sets in split.items() for e in collect(corpus, sets, found[corpus])]
    held_out: dict[str, list] = {corpus: [] for corpus in TRAIN}
    for fold in range(FOLDS):
        fitting = [e for e in pool if fold_of(e.id) != fold]
        model = fit_reader(fitting, fitting)
        for e in pool:
            if fold_of(e.id) == fold:
                held_out[e.corpus].append((e, model))
    return {corpus: evaluate_each(rows) for corpus, rows in held_out.items()}


def evaluate_each(rows: list) -> dict:
    """`evaluate` over questions that each carry their own model."""
    parts = [(evaluate([e], model), e) for e, model in rows]
    answerable = [m for m, e in parts if e.answerable]
    unanswerable = [m for m, e in parts if not e.answerable]
    mean = lambda xs: round(sum(xs) / max(len(xs), 1), 3)  # noqa: E731
    return {"questions": len(parts), "top1": mean([m["top1"] for m in answerable]),
            "facts": mean([m["facts"] for m in answerable]), "refusal": mean([m["refusal"] for m in unanswerable]),
            "false_refusals": mean([m["false_refusals"] for m in answerable])}


def main(argv: list[str] | None = None) -> int:
    from qa.answer.reader import MODEL_PATH

    parser = argparse.ArgumentParser(prog="python -m qa.evaluation.train_reader", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bbc", type=Path, default=PROJECT_ROOT.parent / "shared" / "corpora" / "bbc",
                        help="the BBC corpus folder")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "store" / "chroma-train",
                        help="where the two indexes are built")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="the model file to write")
    parser.add_argument("--cross-validate", action="store_true",
                        help="report 5-fold cross-validation on the train and dev questions instead of fitting")
    args = parser.parse_args(argv)
    if not args.bbc.is_dir():
        print(f"the BBC corpus is not at {args.bbc}: pass --bbc DIR", file=sys.stderr)
        return 1
    if args.cross_validate:
        print(json.dumps(cross_validate(args.bbc, args.work), indent=1))
        return 0
    model, about = train(args.bbc, args.work)
    args.out.write_text(json.dumps(model.to_json(about), indent=1) + "\n", encoding="utf-8")
    print(json.dumps(about["dev_metrics"], indent=1))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
