"""Fit the reader (qa/answer/reader.py) on the train split, choose its thresholds on the dev split, write its model.

    python -m qa.evaluation.train_reader [--bbc ../shared/corpora/bbc] [--work store/chroma-train] [--out PATH]
    python -m qa.evaluation.train_reader --cross-validate     # 5-fold cross-validation on train + dev, no model written
    python -m qa.evaluation.train_reader --rechoose           # step 4 alone, for the fitted models in --out, --pair-out
    python -m qa.evaluation.train_reader --keep-pair          # all but step 2: the pair reader of --pair-out is kept

It indexes the bundled articles and the BBC corpus (incrementally, under --work), asks every train and dev question
through the real retrieval (whose fusion `python -m qa.evaluation.train_fusion` fits first), and labels each
retrieved sentence: it holds the answer when it covers a gold line, or when it holds every fact the question requires
(the same fact in a copied article). Then:

1. the ranker, a conditional logit over each sentence's signals (the candidates of a question compete for one
   answer: softmax likelihood of the answering sentences, L2-penalised, SciPy's L-BFGS), is fitted on the answerable
   train questions; it chose the answering sentence more often than a pointwise or pairwise logistic regression or
   LightGBM's lambdarank in 5-fold cross-validation on the train and dev questions (docs/evaluation.md); then the
   reader's order (`reader.ORDER_FEATURES`), a conditional logit over the fitted ranker's score and how much of the
   question the sentence's article says, on the same questions;
2. the pair reader (qa/answer/pair_reader.py, qa/evaluation/pair_training.py; needs PyTorch, the `train` extra):
   low-rank additions to MiniLM's weights and heads, fitted on the answerable train questions to tell each answering
   sentence from the sentences the ranker rates highest that do not answer, and where in it the answer's words are,
   and with a score for "none of these answers", learned from each of those questions read again without its
   answering sentences; written to qa/answer/pair_reader.npz;
3. the answerability model, a logistic regression over a question's ranked list, is fitted on all train questions,
   each ranked by a ranker fitted without it (5 folds), so that it sees rankings as they are on new questions; its
   label is "the articles answer the question" (it separated answerable from unanswerable questions better, AUC
   0.81 against 0.75 in cross-validation, than the label "the best sentence is right");
4. on dev: the refusal threshold over the probability that the articles answer (the answerability model's and, with
   the pair reader, its probability that one of the sentences it read answers: `reader.answerability`) that best
   separates unanswerable from answerable questions (refusals of unanswerable minus refusals of answerable, the two
   corpora counting alike) while refusing at most MAX_FALSE_REFUSALS of the answerable ones of each corpus (10% of
   BBC's, 5% of the bundled articles'), counting the refusals of the reader's rules (a number, date or sum asked for
   and none in the ranker's first sentence; the question's names unsaid in the article of the reader's best
   sentence) too, with the number of unsaid names that refuses chosen with it (UNSAID_TRIED); the least score at
   which the pair reader's span leads an answer where the rules find no single span (as often right as the rules'
   spans: `choose_span`); then when a second sentence is quoted: the share of the first sentence's probability it
   needs and the most words the two may have (best fact recall while the median answer stays within 34 words on
   each corpus); last, the maps from the reader's probabilities to how often its answers and refusals were right
   (`calibrate`). `--rechoose` does this step alone for the models already fitted (a few minutes): for a change of
   the reader's rules, which needs no refit.

Nothing reads the test split. The same data gives the same model: the folds are fixed by a hash of the question's
article (BBC; the question's id for the five bundled articles), the solvers are deterministic and the pair reader is
fitted with fixed seeds and threads (about 30 minutes on 2 idle cores). `--cross-validate` fits everything anew for
each of 5 folds (about 2 hours) and reports the reader with and without the pair reader.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import statistics
import sys
from pathlib import Path

import numpy as np

QUESTIONS = Path(__file__).with_name("questions")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# (corpus, question sets) per split; the older sets were used to tune the hand-set scorer before, so they train.
TRAIN = {"bundled": ("articles.jsonl", "articles2-train.jsonl", "articles3-train.jsonl", "articles4-train.jsonl",
                     "articles5-train.jsonl"),
         "bbc": ("bbc.jsonl", "bbc2-train.jsonl", "bbc3-train.jsonl", "bbc4-train.jsonl", "bbc5-train.jsonl",
                 "bbc6-train.jsonl", "bbc7-train.jsonl", "bbc8-train.jsonl")}
# The probes (bbc15, bbc16, articles8: dev splits alone, read to find where answers go wrong) choose too, since
# 2026-12-06: 913 BBC and 119 bundled questions to choose on, not 562 and 71 (the bundled false-refusal budget allowed
# 2 of its 53 answerable questions).
DEV = {"bundled": ("articles2-dev.jsonl", "articles3-dev.jsonl", "articles4-dev.jsonl", "articles5-dev.jsonl",
                   "articles8-dev.jsonl"),
       "bbc": ("bbc2-dev.jsonl", "bbc3-dev.jsonl", "bbc4-dev.jsonl", "bbc5-dev.jsonl", "bbc6-dev.jsonl",
               "bbc7-dev.jsonl", "bbc8-dev.jsonl", "bbc15-dev.jsonl", "bbc16-dev.jsonl")}
# The sets of "who / what is X?" questions (bbc17, articles9): nothing is fitted on them; their train and dev
# splits measure how often an answer quoted because it describes X is right (`described_right`).
DESCRIBED = {"bundled": ("articles9-train.jsonl", "articles9-dev.jsonl"), "bbc": ("bbc17-train.jsonl", "bbc17-dev.jsonl")}
FOLDS = 5
# The most answerable dev questions of each corpus the refusal threshold may refuse: the floors issue #13 sets for
# each (the bundled dev split's 53 answerable questions allow 2; with 0.10 for both, 5 of them were refused on dev and
# 28% of the bundled test split's).
MAX_FALSE_REFUSALS = {"bbc": 0.10, "bundled": 0.05}
# Answers stay short: a second sentence is quoted only while the median answer on dev is this long. One word under
# issue #13's 35, which the median of unseen questions must meet: a median chosen at the limit lands above it about as
# often as not (resampling the ~760 BBC dev answers at a median of 35, 44% of the resamples' medians exceed 35).
MAX_MEDIAN_WORDS = 34
# The shares of the best sentence's probability that a second sentence needs to be quoted, tried on dev (1.01: never);
# below 0.1 since 2026-12-06, when 0.1, the grid's edge, was chosen
SECOND_RATIOS = (1.01, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01)
SECOND_WITHIN_WORDS = (35, 45, 55, 10_000)  # the limits on two quoted sentences' words tried on dev (10,000: none)
# How many of the question's names unsaid in the answer's article make the reader refuse, tried on dev (None: the
# rule is off; tried first, so that a limit is kept only where it separates the questions better)
UNSAID_TRIED = (None, 1, 2, 3)
REGULARISATION = 1.0  # sklearn's C for the answerability model, the inverse strength of its L2 penalty
RANKER_L2 = 0.001  # the ranker's L2 penalty per question (5-fold cross-validation on train and dev: 0.001-0.01 best)


@dataclasses.dataclass
class Example:
    """One question's evidence, as the reader sees it, with the labels of its sentences."""

    id: str
    group: str  # what decides its fold: its article on the BBC corpus, the question itself on the five bundled ones
    question: str  # as the engine read it (cleaned)
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


def _articles(name: str) -> dict[str, str]:
    """Each question's article in a resolved set, read from its source file (`bbc2-dev.jsonl` from `bbc2.src.jsonl`),
    as `questionset split --by doc` groups them."""
    from qa.evaluation.questionset import article_of

    source = QUESTIONS / f"{name.removesuffix('.jsonl').split('-')[0]}.src.jsonl"
    rows = (json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: article_of(row) or row["id"] for row in rows}


def collect(corpus: str, sets: tuple[str, ...], engine) -> list[Example]:
    from qa.answer.engine import clean_question
    from qa.answer.reader import ranker_rows
    from qa.evaluation import load_questions

    examples = []
    for name in sets:
        quotes = _quotes(QUESTIONS / name)
        # Folds go by article where the split does, so that a held-out fold's articles were not fitted on either.
        articles = _articles(name) if corpus == "bbc" else {}
        for q in load_questions(QUESTIONS / name):
            evidence = engine.evidence(clean_question(q.question))
            labels = np.asarray([holds_answer(c, q, quotes[q.id]) for c in evidence.candidates], dtype=float)
            examples.append(Example(q.id, articles.get(q.id, q.id), evidence.question, corpus, q.answerable, q.must,
                                    evidence.asked, evidence.candidates, evidence.unknown_names,
                                    ranker_rows(evidence.candidates, evidence.asked), labels))
    return examples


def collect_split(split: dict[str, tuple[str, ...]], found: dict) -> list[Example]:
    """The examples of every corpus's question sets of a split (`TRAIN`, `DEV`, `DESCRIBED`), corpus by corpus."""
    return [e for corpus, sets in split.items() for e in collect(corpus, sets, found[corpus])]


def answered(examples: list[Example]) -> list[Example]:
    """The answerable examples with a retrieved sentence that answers: what the ranker, the order and the pair reader
    learn from."""
    return [e for e in examples if e.answerable and e.labels.any()]


def add_corpus_arguments(parser) -> None:
    """The options of the fitting commands (this one and train_fusion) that say where the corpora and indexes are."""
    parser.add_argument("--bbc", type=Path, default=PROJECT_ROOT.parent / "shared" / "corpora" / "bbc",
                        help="the BBC corpus folder")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "store" / "chroma-train",
                        help="where the two indexes are built")


def bbc_missing(args) -> bool:
    """True, said on stderr, when the --bbc folder is not there."""
    if args.bbc.is_dir():
        return False
    print(f"the BBC corpus is not at {args.bbc}: pass --bbc DIR", file=sys.stderr)
    return True


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


def conditional_logit(questions: list[tuple[np.ndarray, np.ndarray]], start: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """The weights that maximise the mean log-probability that the softmax over each question's rows gives to its
    answering ones (`questions`: rows and the share of the answer each holds), L2-penalised; SciPy's L-BFGS."""
    from scipy.optimize import minimize

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, gradient = 0.0, np.zeros_like(w)
        for rows, target in questions:
            z = rows @ w
            z = z - z.max()
            p = np.exp(z) / np.exp(z).sum()
            total -= float(target @ (z - np.log(np.exp(z).sum())))
            gradient -= rows.T @ (target - p)
        n = len(questions)
        return total / n + l2 * float(w @ w), gradient / n + 2 * l2 * w

    return minimize(loss, start, jac=True, method="L-BFGS-B").x


def fit_ranker(examples: list[Example]):
    """The conditional logit: maximise the mean log-probability that the softmax over a question's candidates gives
    to its answering sentences (shared equally when several answer)."""
    from qa.answer.reader import RANKER_FEATURES, LinearModel

    usable = answered(examples)
    stacked = np.vstack([e.rows for e in usable])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale[scale < 1e-9] = 1.0
    questions = [((e.rows - mean) / scale, e.labels / e.labels.sum()) for e in usable]
    w = conditional_logit(questions, np.zeros(stacked.shape[1]), RANKER_L2)
    return LinearModel(RANKER_FEATURES, mean, scale, w, 0.0)


def fit_order(examples: list[Example], ranker):
    """The reader's order (`reader.ORDER_FEATURES`): a conditional logit, as the ranker's, over the fitted ranker's
    score and the share of the question the sentence's article says; two weights, the ranker left as it is."""
    from qa.answer.reader import ORDER_FEATURES, LinearModel

    usable = answered(examples)
    questions = [(np.column_stack([ranker.score(e.rows), [c.article_lexical for c in e.candidates]]),
                  e.labels / e.labels.sum()) for e in usable]
    return LinearModel(ORDER_FEATURES, np.zeros(2), np.ones(2), conditional_logit(questions, np.array([1.0, 0.0])),
                       0.0)


def ranked(example: Example, ranker) -> list:
    """The example's candidates as `ranker` orders them (from the rows computed once at collection)."""
    from qa.answer.reader import ranked_by

    return ranked_by(example.candidates, ranker.choice(example.rows)) if example.candidates else []


def _best_is_right(example: Example, order: list) -> bool:
    return bool(order) and bool(example.labels[example.candidates.index(order[0].candidate)])


def fold_of(example: Example) -> int:
    return int(hashlib.sha256(example.group.encode("utf-8")).hexdigest()[:8], 16) % FOLDS


def fit_answerability(examples: list[Example]):
    from qa.answer.reader import ANSWERABILITY_FEATURES, answerability_row

    rows, labels = [], []
    for fold in range(FOLDS):
        ranker = fit_ranker([e for e in examples if fold_of(e) != fold])
        for e in examples:
            if fold_of(e) == fold:
                order = ranked(e, ranker)
                rows.append(answerability_row(order, e.asked, e.unknown_names)[0])
                labels.append(e.answerable)
    return fit_linear(np.asarray(rows), np.asarray(labels, dtype=float), ANSWERABILITY_FEATURES)


def _facts_found(text: str, must) -> float:
    return sum(any(m.lower() in text.lower() for m in group) for group in must) / len(must) if must else 0.0


def _answer_right(example: Example, verdict) -> bool:
    """Whether the reader's answer (not a refusal) is right: the question is answerable and every fact is quoted."""
    return example.answerable and _facts_found(" ".join(c.text for c in verdict.chosen), example.must) == 1.0


class PairScoresOf:
    """A pair reader's scores of the examples' candidates, each pair read once (choosing reads them many times)."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.known: dict[tuple[str, int], np.ndarray] = {}
        self.known_spans: dict[tuple[str, str, tuple], list[float]] = {}

    def __call__(self, example: Example):
        def scores(found: list) -> np.ndarray:
            missing = [c for c in found if (example.id, id(c)) not in self.known]
            if missing:
                for c, read in zip(missing, self.reader.read(example.question, [c.text for c in missing])):
                    self.known[(example.id, id(c))] = read
            return np.asarray([self.known[(example.id, id(c))] for c in found]).reshape(len(found), 2)
        return scores

    def spans(self, example: Example):
        """The pair reader's scores of spans of a sentence as the answer to the example's question
        (`reader.SpanScores`), each read once."""
        def scores(sentence: str, spans: list[tuple[int, int]]) -> list[float]:
            key = (example.id, sentence, tuple(spans))
            if key not in self.known_spans:
                self.known_spans[key] = self.reader.span_scores(example.question, sentence, spans)
            return self.known_spans[key]
        return scores


def shown_text(chosen: list, short: str | None) -> str:
    """The answer's text as the engine writes it (qa/answer/engine.py): the short answer, then the quotes with their
    markers, so that the length limit holds for what a user reads."""
    from qa.answer.extractive import answer_text, citations_for

    text = answer_text(citations_for(chosen, lambda doc: (doc, None, None)), None)
    return f"{short} — {text}" if short else text


def short_shown(example: Example, verdict, model, pairs: PairScoresOf | None) -> str | None:
    """The short answer the engine leads with (`reader.short_of`)."""
    from qa.answer.reader import short_of

    return short_of(verdict, example.question, example.asked, model, pairs.spans(example) if pairs else None)


def evaluate(examples: list[Example], model, pairs: PairScoresOf | None = None) -> dict:
    """What the reader does on these questions: top-1, fact recall, refusals, answer length."""
    from qa.answer.reader import read

    answerable = [e for e in examples if e.answerable]
    unanswerable = [e for e in examples if not e.answerable]
    facts, words, top1, false_refusals, refusals, squared = [], [], 0, 0, 0, []
    for e in examples:
        verdict = read(e.candidates, e.asked, e.unknown_names, model, pairs(e) if pairs else None)
        found = 0.0 if verdict.refused else _facts_found(" ".join(c.text for c in verdict.chosen), e.must)
        if e.answerable:
            top1 += _best_is_right(e, verdict.ranked)
            false_refusals += verdict.refused
            facts.append(found)
        else:
            refusals += verdict.refused
        right = not e.answerable if verdict.refused else found == 1.0
        squared.append((verdict.confidence - right) ** 2)
        if not verdict.refused:
            words.append(len(shown_text(verdict.chosen, short_shown(e, verdict, model, pairs)).split()))
    return {
        "questions": len(examples), "top1": round(top1 / max(len(answerable), 1), 3),
        "facts": round(sum(facts) / max(len(facts), 1), 3),
        "refusal": round(refusals / max(len(unanswerable), 1), 3),
        "false_refusals": round(false_refusals / max(len(answerable), 1), 3),
        "median_words": statistics.median(words) if words else 0,
        # how far the confidence is from right (1) or wrong (0), squared: lower is better; 0.25 for a coin's 0.5
        "brier": round(sum(squared) / max(len(squared), 1), 4),
    }


def answerability_scores(examples: list[Example], model, pairs: PairScoresOf | None = None) -> list[tuple[float, bool]]:
    """Each question's probability that the articles answer it, as the reader acts on it (its rules included: a
    question they refuse scores 0; one that a sentence describing whom "who is X?" asks about answers, whatever the
    probability, scores 1), with whether they do."""
    from qa.answer.reader import answerability, describing, rank

    scored = []
    for e in examples:
        ranking = rank(e.candidates, e.asked, model, pairs(e) if pairs else None)
        if describing(ranking.ranked):
            probability = 1.0
        else:
            probability = answerability(ranking, e.asked, e.unknown_names, model) if ranking.alone else 0.0
        scored.append((probability, e.answerable))
    return scored


def answerability_auc(examples: list[Example], model, pairs: PairScoresOf | None = None) -> float | None:
    """How well the answerability probability separates answerable from unanswerable questions, whatever the
    threshold: the chance that an answerable question gets a higher probability than an unanswerable one (ROC AUC).
    None when the questions are all of one kind (JSON has no NaN, and the model file is read as JSON)."""
    from sklearn.metrics import roc_auc_score

    scores, labels = zip(*answerability_scores(examples, model, pairs))
    return round(float(roc_auc_score(labels, scores)), 3) if len(set(labels)) == 2 else None


def choose_threshold(examples: list[Example], scored: list[tuple[float, bool]]) -> tuple[float, float]:
    """The refusal threshold, over the probabilities the reader acts on (its rules included: a question refused by
    them counts within the false-refusal budget): the most refusals of unanswerable questions minus refusals of
    answerable ones, the corpora counting alike (on the mix, the BBC dev questions, six in seven, would choose for the
    bundled articles too), while each corpus's answerable questions stay within its MAX_FALSE_REFUSALS. `scored`: the
    examples' `answerability_scores`. Returns the threshold and that difference (-1 when no threshold keeps within
    the budgets: the rules alone refuse too many answerable questions)."""
    from qa.answer.reader import refuses

    corpora = sorted({e.corpus for e in examples})
    by_group: dict[tuple[bool, str], list[float]] = {(a, c): [] for a in (True, False) for c in corpora}
    for (p, a), e in zip(scored, examples):
        by_group[a, e.corpus].append(p)

    def refused(threshold: float, answerable: bool, corpus: str) -> float:
        kept = by_group[answerable, corpus]
        return sum(refuses(p, threshold) for p in kept) / max(len(kept), 1)

    best, best_gain = 0.0, -1.0
    for threshold in sorted({p for p, _ in scored} | {0.0}):
        false = [refused(threshold, True, c) for c in corpora]
        gain = sum(refused(threshold, False, c) for c in corpora) / len(corpora) - sum(false) / len(corpora)
        if all(f <= MAX_FALSE_REFUSALS[c] for f, c in zip(false, corpora)) and gain > best_gain:
            best, best_gain = threshold, gain
    return best, best_gain


def choose_span(examples: list[Example], model, pairs: PairScoresOf | None) -> float | None:
    """The least score at which the span the pair reader reads as the answer leads it where the rules find no
    single span (`reader.short_of`): the lowest at which the spans it picks hold a fact of the answer at least as
    often as the rules' own spans do, over the answered answerable questions. None (never) without a pair reader,
    or when no score keeps that."""
    from qa.answer.reader import read, short_of

    if pairs is None or not model.pair_sha256:
        return None
    anywhere = dataclasses.replace(model, span_above=-math.inf)
    rules, picked = [], []  # (right), (the pair reader's score of the span it picked, right)
    for e in examples:
        verdict = read(e.candidates, e.asked, e.unknown_names, model, pairs(e))
        if not e.answerable or verdict.refused:
            continue
        best_read: list[float] = []

        def spans(sentence: str, found: list[tuple[int, int]], e=e, best_read=best_read) -> list[float]:
            scores = pairs.spans(e)(sentence, found)
            best_read.append(max(scores))
            return scores

        short = short_of(verdict, e.question, e.asked, anywhere, spans)  # reads the spans only without the rules'
        if short is not None:
            right = _facts_found(short, e.must) > 0
            if best_read:
                picked.append((best_read[0], right))
            else:
                rules.append(right)
    if not rules or not picked:
        return None
    target = sum(rules) / len(rules)
    picked.sort(key=lambda p: -p[0])
    threshold, right_so_far = None, 0
    for n, (score, right) in enumerate(picked, start=1):
        right_so_far += right
        if right_so_far / n >= target:
            threshold = score
    return threshold


def rules_right(scored: list[tuple[float, bool]]) -> float:
    """Of the questions refused by the reader's rules (`answerability_scores`, `reader.by_the_rules`), the
    share that the articles do not answer: what such a refusal's confidence says. 1 when the rules refuse none."""
    from qa.answer.reader import by_the_rules

    refused = [answerable for p, answerable in scored if by_the_rules(p)]
    return sum(not answerable for answerable in refused) / len(refused) if refused else 1.0


def described_right(examples: list[Example], model, pairs: PairScoresOf | None = None) -> float | None:
    """Of the questions the reader answers with a sentence that describes what they ask about ("Who is X?"), the
    share answered right (every fact found): what such an answer's confidence says. None when it answers none so."""
    from qa.answer.reader import read

    right = []
    for e in examples:
        verdict = read(e.candidates, e.asked, e.unknown_names, model, pairs(e) if pairs else None)
        if not verdict.refused and verdict.ranked[0].candidate.describes:
            right.append(_answer_right(e, verdict))
    return sum(right) / len(right) if right else None


def choose_second(examples: list[Example], model, pairs: PairScoresOf | None = None):
    """When a second sentence is quoted: the share of the best sentence's probability it needs and the most words
    the two may have together, for the best fact recall while the median answer stays within MAX_MEDIAN_WORDS on each
    corpus (ratio 1.01: never). On each: the bundled articles' sentences are longer than the BBC's, and a limit met on
    the mix could be missed on either."""
    corpora = sorted({e.corpus for e in examples})
    best, best_facts = dataclasses.replace(model, second_ratio=1.01), -1.0
    for words in SECOND_WITHIN_WORDS:
        for ratio in SECOND_RATIOS:
            candidate = dataclasses.replace(model, second_ratio=ratio, second_within_words=words)
            facts = evaluate(examples, candidate, pairs)["facts"]
            longest = max(evaluate([e for e in examples if e.corpus == c], candidate, pairs)["median_words"]
                          for c in corpora)
            if facts > best_facts and longest <= MAX_MEDIAN_WORDS:
                best, best_facts = candidate, facts
    return best


def pair_groups(examples: list[Example], ranker) -> list:
    """What the pair reader learns from (`pair_training.Group`): each answerable question with its answering
    sentences, against the sentences the ranker rates highest that do not answer; then the same without its
    answering sentences, where none answers."""
    from qa.answer.reader import reads_span
    from qa.evaluation.pair_training import Group

    groups = []
    for e in answered(examples):
        answering = {id(c) for c, label in zip(e.candidates, e.labels) if label}
        wrong = [r.candidate.text for r in ranked(e, ranker) if id(r.candidate) not in answering]
        words = [word for fact in e.must for word in fact]
        groups.append(Group(e.question, [c.text for c in e.candidates if id(c) in answering], wrong,
                            reads_span(e.asked), words))
        groups.append(Group(e.question, [], wrong, reads_span(e.asked), words))
    return groups


def fit_reader(fit_on: list[Example], choose_on: list[Example], adapters: Path, model_folder: Path | None = None):
    """The ranker, the pair reader (written to `adapters`) and the answerability model fitted on `fit_on`; on
    `choose_on`, the refusal rules and threshold, then when to quote a second sentence (`choose`). Returns the
    reader, the same ranker and answerability model reading without the pair reader (with its own choices), and the
    pair scores. `model_folder`: where the merged pair reader is kept (default: the model cache)."""
    from qa.answer.pair_reader import PairReader
    from qa.answer.reader import ReaderModel
    from qa.evaluation import pair_training
    from qa.index.embedding import file_sha256

    ranker, answerability = fit_ranker(fit_on), fit_answerability(fit_on)
    arrays = pair_training.fit(pair_groups(fit_on, ranker), log=_log)
    pair_training.save(arrays, adapters)
    pairs = PairScoresOf(PairReader(adapters, model_folder))
    both = ReaderModel(ranker, answerability, 0.0, 1.01, pair_sha256=file_sha256(adapters),
                       pair_none=float(arrays["none"][0]), order=fit_order(fit_on, ranker))
    model, alone = choose_both(both, choose_on, pairs)
    return model, alone, pairs


def choose_both(model, choose_on: list[Example], pairs: PairScoresOf):
    """`choose` for the reader, and for the same ranker and answerability model reading without the pair reader
    (each reader its own refusal rules: without the pair reader, the answerability model's probability alone)."""
    return choose(model, choose_on, pairs), choose(dataclasses.replace(model, pair_sha256=""), choose_on, pairs)


def choose(model, choose_on: list[Example], pairs: PairScoresOf | None):
    """What is chosen on `choose_on` for a fitted reader: the refusal rules (how many of the question's names the
    answer's article may leave unsaid, UNSAID_TRIED, and the threshold: the pair that best separates unanswerable
    from answerable questions within the false-refusal budgets, `choose_threshold`), the rules' confidence, when the
    pair reader's span leads the answer (`choose_span`), then when to quote a second sentence (after the span, whose
    words count in the answer's length)."""
    best, best_gain = model, -2.0
    for unsaid in UNSAID_TRIED:
        candidate = dataclasses.replace(model, refuse_unsaid=unsaid)
        scored = answerability_scores(choose_on, candidate, pairs)
        threshold, gain = choose_threshold(choose_on, scored)
        if gain > best_gain:
            best = dataclasses.replace(candidate, refuse_below=threshold, rules_right=rules_right(scored))
            best_gain = gain
    best = dataclasses.replace(best, span_above=choose_span(choose_on, best, pairs))
    return calibrate(choose_on, choose_second(choose_on, best, pairs), pairs)


def calibrate(examples: list[Example], model, pairs: PairScoresOf | None):
    """The model with its confidences mapped to how often they were right on `examples` (`reader.calibrated`): a
    logistic regression over the log-odds of each answer's probability (right: every fact found) and of each
    threshold refusal's (right: the articles do not answer). Answers that describe what "who / what is X?" asks about
    and the rules' refusals carry shares measured on their own (`described_right`, `rules_right`)."""
    from qa.answer.reader import by_the_rules, log_odds, read

    raw = dataclasses.replace(model, answer_calibration=None, refusal_calibration=None)
    seen: dict[bool, tuple[list[float], list[bool]]] = {True: ([], []), False: ([], [])}
    for e in examples:
        verdict = read(e.candidates, e.asked, e.unknown_names, raw, pairs(e) if pairs else None)
        if verdict.refused and by_the_rules(verdict.answerable) or \
                not verdict.refused and verdict.ranked[0].candidate.describes:
            continue
        right = not e.answerable if verdict.refused else _answer_right(e, verdict)
        seen[verdict.refused][0].append(log_odds(verdict.confidence))  # as computed: `raw` maps nothing
        seen[verdict.refused][1].append(right)

    return dataclasses.replace(model, answer_calibration=platt(*seen[False]), refusal_calibration=platt(*seen[True]))


def platt(log_odds: list[float], right: list[bool], steps: int = 50) -> tuple[float, float] | None:
    """The slope and intercept over `log_odds` of a logistic regression on `right`, by Newton's method (two
    parameters need no library; `--rechoose` runs where the train extra's scikit-learn may not be installed); None
    when all are right or all wrong: nothing to map from."""
    if len(set(right)) < 2:
        return None
    x = np.column_stack([np.asarray(log_odds, dtype=float), np.ones(len(log_odds))])
    y = np.asarray(right, dtype=float)
    w = np.array([1.0, 0.0])  # the identity map
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        hessian = x.T @ (x * (p * (1.0 - p))[:, None]) + 1e-9 * np.eye(2)
        w = w - np.linalg.solve(hessian, x.T @ (p - y))
    return float(w[0]), float(w[1])


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def train(bbc: Path, work: Path, adapters: Path) -> tuple[object, dict]:
    from qa.evaluation import pair_training

    found = engines(bbc, work)
    train_set = collect_split(TRAIN, found)
    dev_set = collect_split(DEV, found)
    model, alone, pairs = fit_reader(train_set, dev_set, adapters)
    model = with_described_right(model, found, pairs)
    about = {
        "command": "python -m qa.evaluation.train_reader",
        "train": {corpus: list(sets) for corpus, sets in TRAIN.items()},
        "dev": {corpus: list(sets) for corpus, sets in DEV.items()},
        "train_questions": len(train_set),
        "pair_reader": {"rank": pair_training.RANK, "alpha": pair_training.ALPHA, "group": pair_training.GROUP,
                        "epochs": pair_training.EPOCHS, "learning_rate": pair_training.LEARNING_RATE,
                        "seed": pair_training.SEED},
    }
    return model, about | on_dev(model, alone, pairs, dev_set)


def rechoose(bbc: Path, work: Path, model_path: Path, adapters: Path) -> tuple[object, dict]:
    """The reader of `model_path` and its pair reader (`adapters`) as they were fitted, with what `choose` chooses
    on dev chosen again: for a change of the reader's rules, which needs no refit (minutes, not half an hour)."""
    from qa.answer.pair_reader import PairReader
    from qa.answer.reader import load_model

    found = engines(bbc, work)
    dev_set = collect_split(DEV, found)
    fitted = load_model(model_path)
    pairs = PairScoresOf(PairReader(adapters))
    pairs.reader.expect(fitted.pair_sha256)
    model, alone = choose_both(fitted, dev_set, pairs)
    model = with_described_right(model, found, pairs)
    about = json.loads(model_path.read_text(encoding="utf-8"))["about"]
    return model, about | {"chosen_again": "python -m qa.evaluation.train_reader --rechoose"} | on_dev(
        model, alone, pairs, dev_set)


def refit_linear(bbc: Path, work: Path, model_path: Path, adapters: Path) -> tuple[object, dict]:
    """The ranker, the answerability model and the reader's order fitted anew on train, the pair reader of `adapters`
    kept as it was fitted, and what `choose` chooses on dev: for a change of the linear parts, which needs no refit of
    the pair reader (minutes, not half an hour, and no seed's noise)."""
    from qa.answer.pair_reader import PairReader
    from qa.answer.reader import ReaderModel

    found = engines(bbc, work)
    train_set = collect_split(TRAIN, found)
    dev_set = collect_split(DEV, found)
    kept = json.loads(model_path.read_text(encoding="utf-8"))  # read as JSON: its ranker may have other features
    pairs = PairScoresOf(PairReader(adapters))
    pairs.reader.expect(kept["pair_sha256"])
    ranker = fit_ranker(train_set)
    both = ReaderModel(ranker, fit_answerability(train_set), 0.0, 1.01, pair_sha256=kept["pair_sha256"],
                       pair_none=kept["pair_none"], order=fit_order(train_set, ranker))
    model, alone = choose_both(both, dev_set, pairs)
    model = with_described_right(model, found, pairs)
    about = kept["about"] | {"linear_refit": "python -m qa.evaluation.train_reader --keep-pair",
                             "train_questions": len(train_set)}
    about.pop("chosen_again", None)
    return model, about | on_dev(model, alone, pairs, dev_set)


def with_described_right(model, found: dict, pairs: PairScoresOf):
    """The model with the confidence of an answer that describes what "who / what is X?" asks about, measured on the
    train and dev splits of the sets of such questions (`DESCRIBED`)."""
    described = collect_split(DESCRIBED, found)
    return dataclasses.replace(model, described_right=described_right(described, model, pairs))


def on_dev(model, alone, pairs: PairScoresOf, dev_set: list[Example]) -> dict:
    """The reader's metrics on each corpus's dev questions, and the same without the pair reader's."""
    def metrics(m, corpus: str) -> dict:
        questions = [e for e in dev_set if e.corpus == corpus]
        return evaluate(questions, m, pairs) | {"answerable_auc": answerability_auc(questions, m, pairs)}

    return {"dev_metrics": {corpus: metrics(model, corpus) for corpus in DEV},
            "dev_metrics_ranker_alone": {corpus: metrics(alone, corpus) for corpus in DEV}}


def cross_validate(bbc: Path, work: Path) -> dict:
    """The reader's metrics on questions it was not fitted on: 5 folds of the train and dev questions (by article
    on the BBC corpus, as the test split is drawn); each fold is read by a reader fitted on the other four, with the
    threshold and the second-sentence rule chosen on those four. Reports the reader, and the same ranker without the
    pair reader, over the same folds."""
    import tempfile

    found = engines(bbc, work)
    pool = collect_split(TRAIN, found) + collect_split(DEV, found)
    held_out: dict[str, dict[str, list]] = {"reader": {c: [] for c in TRAIN}, "ranker_alone": {c: [] for c in TRAIN}}
    with tempfile.TemporaryDirectory() as folder:
        for fold in range(FOLDS):
            fitting = [e for e in pool if fold_of(e) != fold]
            # The fold's pair reader and its merged model live in the temporary folder, not in the model cache.
            model, alone, pairs = fit_reader(fitting, fitting, Path(folder) / f"pair_reader-{fold}.npz", Path(folder))
            for e in pool:
                if fold_of(e) == fold:
                    held_out["reader"][e.corpus].append((e, model, pairs))
                    held_out["ranker_alone"][e.corpus].append((e, alone, pairs))
            _log(f"fold {fold + 1}/{FOLDS} done")
    return {name: {corpus: evaluate_each(rows) for corpus, rows in by_corpus.items()}
            for name, by_corpus in held_out.items()}


def evaluate_each(rows: list) -> dict:
    """`evaluate` over questions that each carry their own model."""
    parts = [(evaluate([e], model, pairs), e) for e, model, pairs in rows]
    answerable = [m for m, e in parts if e.answerable]
    unanswerable = [m for m, e in parts if not e.answerable]
    mean = lambda xs: round(sum(xs) / max(len(xs), 1), 3)  # noqa: E731
    return {"questions": len(parts), "top1": mean([m["top1"] for m in answerable]),
            "facts": mean([m["facts"] for m in answerable]), "refusal": mean([m["refusal"] for m in unanswerable]),
            "false_refusals": mean([m["false_refusals"] for m in answerable])}


def main(argv: list[str] | None = None) -> int:
    from qa.answer.pair_reader import ADAPTERS_PATH
    from qa.answer.reader import MODEL_PATH

    parser = argparse.ArgumentParser(prog="python -m qa.evaluation.train_reader", description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser)
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="the model file to write")
    parser.add_argument("--pair-out", type=Path, default=ADAPTERS_PATH, help="the pair reader's weights to write")
    parser.add_argument("--cross-validate", action="store_true",
                        help="report 5-fold cross-validation on the train and dev questions instead of fitting")
    parser.add_argument("--rechoose", action="store_true",
                        help="keep the fitted models of --out and --pair-out; choose the refusal rules, threshold, "
                             "short-answer and second-sentence rules on dev again")
    parser.add_argument("--keep-pair", action="store_true",
                        help="keep the pair reader of --pair-out; fit the ranker, the answerability model and the "
                             "reader's order anew and choose on dev again")
    args = parser.parse_args(argv)
    if bbc_missing(args):
        return 1
    if args.cross_validate:
        print(json.dumps(cross_validate(args.bbc, args.work), indent=1))
        return 0
    if args.rechoose:
        model, about = rechoose(args.bbc, args.work, args.out, args.pair_out)
    elif args.keep_pair:
        model, about = refit_linear(args.bbc, args.work, args.out, args.pair_out)
    else:
        model, about = train(args.bbc, args.work, args.pair_out)
    args.out.write_text(json.dumps(model.to_json(about), indent=1) + "\n", encoding="utf-8")
    print(json.dumps(about["dev_metrics"], indent=1))
    kept = args.rechoose or args.keep_pair
    print(f"wrote {args.out}" if kept else f"wrote {args.out} and {args.pair_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
