"""The learned reader: which retrieved sentence answers the question, and how likely that answer is to be right.

Two linear models over the signals of `extractive.candidates`, both fitted by `python -m qa.evaluation.train_reader`
on the train split of the question sets and stored as plain JSON next to this module (`reader_model.json`: feature
names, standardisation, coefficients; no pickle), and the pair reader (qa/answer/pair_reader.py), fitted by the same
command:

- the ranker scores each candidate sentence; a softmax over the question's candidates gives the probability that
  each is the one that answers (a conditional logit: the sentences compete for one answer);
- the pair reader reads the question and each of the PAIR_DEPTH sentences the ranker rates highest together; its
  score (with its best span's, for a question that wants a short answer: `reads_span`) is added to the reader's
  order before the softmax (both are fitted by the same softmax likelihood, so both scores are log-odds of the same
  event, and a product of the two models adds them); it also scores "none of these answers", and the softmax over
  that and the sentences it read gives the probability that none of them answers. The reader's order is the ranker's
  score with how much of the question the sentence's article says anywhere (the story asked about, whichever of its
  sentences gives the detail: `ORDER_FEATURES`, two weights fitted with the ranker as it is);
- the answerability model reads the ranker's list as a whole (how good the best sentence is, how far ahead, what
  the question asks for that it lacks: the kind of answer, a short answer, the question's focus, a count of what a
  "how many" question counts; whether the question names something no passage mentions) and gives the probability
  that the articles answer the question at all; with the pair reader, the reader's probability that the articles
  answer is the geometric mean of that and the pair reader's probability that one of its sentences does.

A question is refused when that probability is below the threshold chosen on the dev split, and always when it asks
for a number, a date or a sum of money and the ranker's first sentence holds none, when the article of the reader's
best sentence never mentions as many of the question's names as chosen on dev (two: an article about someone or
something else), or when it asks who someone is and no sentence read gives them a role or a description. A "who /
what is X?" question whose answer some sentence describes is answered by the best of them, whatever the threshold
(the models were fitted on questions that ask for a fact). The answer's `confidence` is the
probability that it is right: that the articles answer, times the probability that the quoted sentence is the one
that does (for a refusal: that the articles do not answer; for one of the rules' refusals, how often they were
right on the dev split), each mapped to how often such answers and refusals were right on dev (`calibrated`). The
best sentence is quoted first (of a number, date or sum question, the best of the
PAIR_DEPTH first that holds one: `measured_first`), unless its article leaves a name the question asks about
unsaid and one of the PAIR_DEPTH best-ranked sentences comes from an article that says them all (and holds what a
number, date or sum question asks for: `said_first`), or unless the question asks for someone's words and another
person says the best sentence while one of the PAIR_DEPTH best is theirs (`spoken_first`). A "who" question answered
by a sentence whose subject is a pronoun quotes the sentence before too, which names whom it stands for
(`named_before`). A second sentence is quoted when it is rated almost as high as
the first and the two together are short enough (the ratio and the length also chosen on dev); not one that says
what the first says in nearly its words (`rewords`), for which the next best is weighed instead. The answer
leads with the best sentence's short answer (`short_of`): the span the rules find (`answer_types.short_answer`), or,
where they find no single one, the span the pair reader's start and end heads read as the answer, when they read it
at least as strongly as the score chosen on dev.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from qa.answer.answer_types import KINDS, SHORT_KINDS, Asked, Span, short_answer
from qa.answer.extractive import Candidate
from qa.answer.speakers import same_speaker
from qa.index import terms
from qa.types import ScoredPassage

MODEL_PATH = Path(__file__).with_name("reader_model.json")
MEASURED = ("number", "date")  # kinds whose answer must be in the ranker's first sentence as a number or a date
MEASURED_IN = ("money",)  # units whose answer must be in the ranker's first sentence: "how much did X pay" wants a sum
# The pair reader reads the ranker's 8 best sentences: they hold the answer for 90% of the answerable train and dev
# questions (5-fold cross-validation; the best 12 for 91.5%), at ~5 ms a sentence.
PAIR_DEPTH = 8
# Two sentences sharing this share of their terms say the same thing (`rewords`); on the dev answers, the second
# sentences quoted that share 0.8 or more of their terms with the first are copies a word or two apart
REWORDED = 0.8
# The pair reader's scores of these candidates for the question: rows of its head's score and its best span's
PairScores = Callable[[list[Candidate]], np.ndarray]
# ... and of spans of a sentence (their start and end characters) as the answer (`PairReader.span_scores`)
SpanScores = Callable[[str, list[tuple[int, int]]], list[float]]

# The candidate's signals, and the same relative to the best candidate of the question (a sentence is judged against
# the others retrieved for the same question, which makes the scale of similarities comparable across questions).
RANKER_FEATURES = (
    "dense", "dense_gap", "passage_dense", "passage_dense_gap", "lexical", "lexical_gap", "lexical_context",
    "typed", *(f"typed_{kind}" for kind in KINDS), "focus", "focus_missing", "focus_counted", "novelty",
    "names_found", "lexical_other", "bigrams", "previous_lexical",
    "previous_dense", "has_number",
    "has_date", "rank_score", "passage_rank", "time_match", "fragment", "position", "words",
)
# The reader's order weighs, beside the ranker's score, how much of the question the sentence's article says anywhere
# (`Candidate.article_lexical`): the story asked about, whichever of its sentences gives the detail ("the 28-year-old
# world number one"). Not the ranker's, whose list the answerability model and the pair reader read: a near-miss asks
# about a story its article tells, so the article's coverage makes the sentences read for it look as likely to answer
# as an answer's (the pair reader reading the order's best sentences, the threshold chosen on dev fell from 0.31 to
# 0.27 and BBC dev refusals from 0.45 to 0.41; docs/evaluation.md).
ORDER_FEATURES = ("ranker", "article_lexical")
ANSWERABILITY_FEATURES = (
    "best", "margin", "best_dense", "best_lexical", "type_missing", "short_missing", "focus_missing", "count_missing",
    "unknown_names",
)
# Few features, each one that should make an answer more likely (or, unknown names, less). No feature says which
# kind of question it is: that would learn how the question writers phrased their unanswerable questions (many
# asked "how much did ... pay"), not whether the articles answer. Word-overlap features beyond `best_lexical` were
# dropped: near-miss questions reuse their article's words, so in a linear model they learned "the more the
# question matches a sentence, the less it is answered", which is true of the training questions, not of users'.


@dataclass(frozen=True)
class LinearModel:
    """A logistic model over named features, with the standardisation it was fitted with."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def score(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """Each row on its own (logistic)."""
        return 1.0 / (1.0 + np.exp(-self.score(rows)))

    def choice(self, rows: np.ndarray) -> np.ndarray:
        """The rows competing for one place (softmax)."""
        return _softmax(self.score(rows))

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(float(self.intercept), 6)}

    @classmethod
    def from_json(cls, data: dict, expected: tuple[str, ...]) -> LinearModel:
        if tuple(data["features"]) != expected:
            raise ValueError(f"the reader model was fitted on other features ({data['features']}); refit it with "
                             "python -m qa.evaluation.train_reader")
        return cls(tuple(data["features"]), np.asarray(data["mean"]), np.asarray(data["scale"]),
                   np.asarray(data["coef"]), float(data["intercept"]))


@dataclass(frozen=True)
class ReaderModel:
    ranker: LinearModel
    answerability: LinearModel
    refuse_below: float  # refuse when the probability that the articles answer is lower
    second_ratio: float  # quote a second sentence rated at least this share of the first
    # ... and only while the two together have at most this many words: without it, a corpus of long sentences would
    # force one ratio to choose between facts where sentences are short and length where they are long
    second_within_words: int = 10_000
    pair_sha256: str = ""  # of the pair reader's weights, fitted with this ranker ("": the ranker reads alone)
    pair_none: float = 0.0  # the pair reader's score of "none of the sentences it read answers" (in its weights file)
    # The share of the dev questions refused by the rules (the number, date and sum rules, the names unsaid) that the
    # articles do not answer: the confidence of such a refusal (the rules set the probability that the articles answer
    # to 0, which would make it 1, and they are not always right).
    rules_right: float = 1.0
    # Refuse when the article of the reader's best sentence mentions this many of the question's names nowhere (None:
    # never): an answer about someone or something else (`extractive.names_unsaid`).
    refuse_unsaid: int | None = None
    # Where no single span of the best sentence answers by the rules (`answer_types.short_answer`), the one of its
    # spans the pair reader scores highest leads the answer when it scores at least this (None: never).
    span_above: float | None = None
    # The share of the "who / what is X?" questions answered by a sentence that describes X whose answer was right, on
    # the train and dev splits of the sets of such questions: the confidence of such an answer (the models were never
    # fitted on them, and their probability says little of it).
    described_right: float | None = None
    # A conditional logit over ORDER_FEATURES, fitted with the ranker as it is: the order, with the pair reader's
    # scores, that the reader quotes the sentences by (None: the ranker's score alone).
    order: LinearModel | None = None
    # Maps (slope, intercept over the log-odds: `calibrated`) from the reader's probability that an answer is right,
    # and from its probability that the articles do not answer a question it refuses by the threshold, to the share of
    # such dev answers and refusals that were right; fitted last, on the reader's choices (None: as computed). The
    # product that an answer's probability is counts only its best sentence, so it understated the answers: on dev,
    # answers stated 0.58 and 0.66 were right (docs/evaluation.md).
    answer_calibration: tuple[float, float] | None = None
    refusal_calibration: tuple[float, float] | None = None

    def answer_confidence(self, answerable: float, p: float) -> float:
        """The probability that an answer quoting a sentence the reader gives probability `p` is right, when the
        articles answer with probability `answerable`."""
        return calibrated(answerable * p, self.answer_calibration)

    def refusal_confidence(self, answerable: float) -> float:
        """The probability that a refusal is right: for a rule's, how often the rules were right on dev."""
        return self.rules_right if by_the_rules(answerable) else calibrated(1.0 - answerable, self.refusal_calibration)

    @property
    def picks_spans(self) -> bool:
        """Whether the pair reader picks the span that leads an answer where the rules find none."""
        return bool(self.pair_sha256) and self.span_above is not None

    def to_json(self, about: dict) -> dict:
        return {"about": about, "ranker": self.ranker.to_json(), "answerability": self.answerability.to_json(),
                "refuse_below": round(self.refuse_below, 6), "second_ratio": round(self.second_ratio, 6),
                "second_within_words": self.second_within_words,
                "pair_sha256": self.pair_sha256, "pair_none": round(self.pair_none, 6),
                "rules_right": round(self.rules_right, 6), "refuse_unsaid": self.refuse_unsaid,
                "span_above": None if self.span_above is None else round(self.span_above, 6),
                "described_right": None if self.described_right is None else round(self.described_right, 6),
                "order": None if self.order is None else self.order.to_json(),
                "answer_calibration": _rounded(self.answer_calibration),
                "refusal_calibration": _rounded(self.refusal_calibration)}


def _rounded(platt: tuple[float, float] | None) -> list[float] | None:
    return None if platt is None else [round(float(x), 6) for x in platt]


def calibrated(p: float, platt: tuple[float, float] | None) -> float:
    """`p` through a Platt map (slope and intercept over its log-odds; None: `p` itself)."""
    return p if platt is None else 1.0 / (1.0 + math.exp(-(platt[0] * log_odds(p) + platt[1])))


def log_odds(p: float) -> float:
    """log(p / (1 - p)), with p kept off 0 and 1 (a rule's refusal is exactly 0)."""
    p = min(max(p, 1e-9), 1.0 - 1e-9)
    return math.log(p / (1.0 - p))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> ReaderModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ReaderModel(LinearModel.from_json(data["ranker"], RANKER_FEATURES),
                       LinearModel.from_json(data["answerability"], ANSWERABILITY_FEATURES),
                       float(data["refuse_below"]), float(data["second_ratio"]), int(data["second_within_words"]),
                       data.get("pair_sha256", ""), float(data.get("pair_none", 0.0)),
                       float(data.get("rules_right", 1.0)), data.get("refuse_unsaid"), data.get("span_above"),
                       data.get("described_right"),
                       LinearModel.from_json(data["order"], ORDER_FEATURES) if data.get("order") else None,
                       _platt(data.get("answer_calibration")), _platt(data.get("refusal_calibration")))


def _platt(value: list[float] | None) -> tuple[float, float] | None:
    return None if value is None else (float(value[0]), float(value[1]))


def pair_scores_for(question: str, model: ReaderModel) -> PairScores | None:
    """The bundled pair reader asked about `question` (None when the model does not use it)."""
    if not model.pair_sha256:
        return None
    reader = _bundled_pair_reader(model)
    return lambda found: reader.read(question, [c.text for c in found])


def span_scores_for(question: str, model: ReaderModel) -> SpanScores | None:
    """The bundled pair reader's reading of where the answer to `question` is in a sentence (None when the model
    does not use it)."""
    if not model.picks_spans:
        return None
    reader = _bundled_pair_reader(model)
    return lambda sentence, spans: reader.span_scores(question, sentence, spans)


def _bundled_pair_reader(model: ReaderModel):
    """The bundled pair reader, checked to be the one `model` was fitted with."""
    from qa.answer.pair_reader import pair_reader

    reader = pair_reader()
    reader.expect(model.pair_sha256)
    return reader


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    p: float  # the ranker's probability that this sentence holds the answer


@dataclass(frozen=True)
class Verdict:
    """The reader's verdict on one question."""

    ranked: list[Ranked]  # every candidate, best first
    chosen: list[Candidate]  # what the answer quotes (empty when refused)
    answerable: float  # the probability that the articles answer the question
    confidence: float  # the probability that the answer is right
    refused: bool


def short_of(verdict: Verdict, question: str, asked: Asked, model: ReaderModel,
             spans: SpanScores | None = None) -> str | None:
    """The span that leads the answer: from the best sentence, not from the one quoted first (the earlier of two
    from one article, often the one that sets the scene). The rules' span (`answer_types.short_answer`), or, where
    they find no single one, the span the pair reader scores highest, when it scores at least `model.span_above`."""
    if verdict.refused:
        return None
    best = verdict.ranked[0].candidate
    if before := named_before(best, asked):
        return before.short
    if best.short or spans is None or not model.picks_spans:
        return best.short
    return short_answer(asked, best.text, question, lambda found: _strongest(found, spans(best.text, [
        (span.start, span.end) for span in found]), model.span_above))


def _strongest(found: list[Span], scores: list[float], at_least: float) -> Span | None:
    """The span scored highest, if it scores at least `at_least`."""
    best = int(np.argmax(scores))
    return found[best] if scores[best] >= at_least else None


def ranker_rows(found: list[Candidate], asked: Asked) -> np.ndarray:
    """One row of RANKER_FEATURES per candidate."""
    if not found:
        return np.zeros((0, len(RANKER_FEATURES)))
    best_dense = max(c.dense for c in found)
    best_passage = max(c.passage_dense for c in found)
    best_lexical = max(c.lexical for c in found)
    rows = []
    for c in found:
        values = {
            "dense": c.dense, "dense_gap": c.dense - best_dense, "passage_dense": c.passage_dense,
            "passage_dense_gap": c.passage_dense - best_passage, "lexical": c.lexical,
            "lexical_gap": c.lexical - best_lexical, "lexical_context": c.lexical_with_context, "typed": c.typed,
            **{f"typed_{kind}": c.typed and asked.kind == kind for kind in KINDS},
            "focus": c.focus, "focus_missing": bool(asked.focus) and not c.focus,
            "focus_counted": c.focus_counted, "novelty": c.novelty,
            "names_found": c.names_found, "lexical_other": c.lexical_other, "bigrams": c.bigrams,
            "previous_lexical": c.previous_lexical, "previous_dense": c.previous_dense, "has_number": c.has_number,
            "has_date": c.has_date,
            "rank_score": c.rank_score, "passage_rank": 1.0 / (1 + c.passage_rank), "time_match": c.time_match,
            "fragment": c.fragment, "position": math.log1p(c.sentence.start_line), "words": math.log1p(c.words),
        }
        rows.append([float(values[name]) for name in RANKER_FEATURES])
    return np.asarray(rows)


def answerability_row(ranked: list[Ranked], asked: Asked, unknown_names: int) -> np.ndarray:
    """The ANSWERABILITY_FEATURES of a question's ranked candidates."""
    if not ranked:
        return np.zeros((1, len(ANSWERABILITY_FEATURES)))
    best = ranked[0].candidate
    values = {
        "best": ranked[0].p, "margin": ranked[0].p - (ranked[1].p if len(ranked) > 1 else 0.0),
        "best_dense": best.dense, "best_lexical": best.lexical_with_context,
        # what the question asks for and the best sentence lacks; a question that asks for no kind, no short answer
        # or no focus ("what did X say about Y?") lacks none, rather than all of them
        "type_missing": asked.kind is not None and not best.typed,
        "short_missing": asked.kind in SHORT_KINDS and best.short is None,
        "focus_missing": bool(asked.focus) and not best.focus,
        # "how many spectators ...?" answered by a sentence with numbers, none of them of spectators: a near-miss
        # often asks to count something its article mentions but never counts
        "count_missing": asked.kind == "number" and bool(asked.focus or asked.unit) and not best.focus_counted,
        "unknown_names": min(unknown_names, 3),
    }
    return np.asarray([[float(values[name]) for name in ANSWERABILITY_FEATURES]])


def answerability(ranking: Ranking, asked: Asked, unknown_names: int, model: ReaderModel) -> float:
    """The probability that the articles answer the question, from the ranker's list (`ranking.alone`) and the pair
    reader's probability that none of the sentences it read answers (`ranking.none`; None: it did not read); 0 when
    the question wants a number, a date or a sum of money and the ranker's first sentence holds none ("how many ...?"
    and no number: whatever that sentence says, it is not the answer), when the article of the reader's best
    sentence never mentions `model.refuse_unsaid` of the names the question asks about, or when it asks who someone is
    and no sentence says (`Candidate.describes`). The ranker's first sentence
    for the number rules, not the pair reader's: the pair reader's best span makes its first sentence hold a number
    more often, whether or not it is the one asked for, and on dev the rule reading it refused fewer unanswerable
    questions and more answerable ones (docs/evaluation.md). The reader's best sentence for the names: it is the one
    the answer would quote.

    The two probabilities are combined by their geometric mean, which nothing is fitted for: the answerability model
    is fitted on rankings of questions it was not fitted on (5 folds), which the pair reader, fitted once, cannot
    give it. On dev it refused more unanswerable questions within the false-refusal budget than either alone or a
    logistic regression over both (docs/evaluation.md, "A sixth read")."""
    ranked, none = ranking.alone, ranking.none
    if lacks_measure(ranked[0].candidate, asked):
        return 0.0
    if unsaid_refuses(ranking.ranked, model):
        return 0.0
    # "Who is X?" where no sentence read gives X a role or a description: news introduces a person by what they do,
    # and one it names bare (in a list of results, after "said") it does not say who is. A thing ("What is X?") is
    # described in too many ways for the patterns to know it is not ("the Khoda-Afarin Dam").
    if asked.described and asked.described.someone and not any(r.candidate.describes for r in ranked):
        return 0.0
    p = float(model.answerability.probability(answerability_row(ranked, asked, unknown_names))[0])
    # `none` is a softmax share, never exactly 1 unless it underflows; a logistic `p` is never 0. Kept above 0 so
    # that only a rule's refusal is 0 (`by_the_rules`).
    return p if none is None else max(math.sqrt(p * (1.0 - none)), 1e-12)


def lacks_measure(candidate: Candidate, asked: Asked) -> bool:
    """Whether the sentence lacks what a number, date or sum question asks for: a number or a date (MEASURED), a sum
    of money (MEASURED_IN)."""
    return asked.kind in MEASURED and not candidate.typed or asked.unit in MEASURED_IN and not candidate.focus_counted


def measured_first(ranked: list[Ranked], asked: Asked) -> list[Ranked]:
    """The reader's ranking with, first, the best of its PAIR_DEPTH first sentences that holds what a number, date or
    sum question asks for, when the best one does not: the reader's order can put first a sentence of the story asked
    about that gives no number ("Its boats cross the harbour every hour." for "How much does Acme charge for a car to
    cross the harbour?"), and such a sentence is no answer."""
    return _first_that(ranked, lambda c: not lacks_measure(c, asked))


def _first_that(ranked: list[Ranked], fits: Callable[[Candidate], bool]) -> list[Ranked]:
    """The ranking with, first, the best of its first PAIR_DEPTH sentences that `fits`, when the best one does not
    (and one does)."""
    if not ranked or fits(ranked[0].candidate):
        return ranked
    first = next((r for r in ranked[:PAIR_DEPTH] if fits(r.candidate)), None)
    return ranked if first is None else [first, *(r for r in ranked if r is not first)]


def unsaid_refuses(ranked: list[Ranked], model: ReaderModel) -> bool:
    """Whether the article of the reader's best sentence leaves as many of the question's names unsaid as make the
    reader refuse (`ReaderModel.refuse_unsaid`)."""
    return (model.refuse_unsaid is not None and bool(ranked)
            and len(ranked[0].candidate.names_unsaid) >= model.refuse_unsaid)


def by_the_rules(answerable: float) -> bool:
    """Whether this probability that the articles answer is a rule's refusal: `answerability` gives exactly 0 only
    then (a logistic probability never is)."""
    return answerable == 0.0


def refuses(answerable: float, threshold: float) -> bool:
    """Whether the reader refuses at this probability that the articles answer: below the threshold ("the articles
    do not answer" is then right as often as they do not), and always on a rule's refusal, even when the threshold
    chosen on dev is 0 itself."""
    return answerable < threshold or by_the_rules(answerable)


class Ranking(NamedTuple):
    alone: list[Ranked]  # the candidates as the ranker alone orders them
    ranked: list[Ranked]  # ... and as the reader does: in its order (`ordered`), with the pair reader's scores; a
    # number, date or sum question's best sentence that holds one first (`measured_first`)
    none: float | None  # the pair reader's probability that none of the sentences it read answers (None: not read)


def rank(found: list[Candidate], asked: Asked, model: ReaderModel, pair: PairScores | None = None) -> Ranking:
    """The candidates ranked by the ranker alone and by the reader, and whether the pair reader found an answer."""
    if not found:
        return Ranking([], [], None)
    z = model.ranker.score(ranker_rows(found, asked))
    alone = ranked_by(found, _softmax(z))
    reader_z = ordered(z, found, model)
    if pair is None or not model.pair_sha256:
        return Ranking(alone, measured_first(ranked_by(found, _softmax(reader_z)), asked), None)
    order = np.argsort(-z, kind="stable")
    # Where the question names a time that some articles were published in, the pair reader reads the best sentences
    # of those: it does not see dates, and its score would outweigh the ranker's `time_match` (a sentence of another
    # year that names the question's role holder outscored those of the year asked about). Not where an undated
    # sentence only mentions the time: the year is then often the question's context, not the answer's (on the BBC
    # dev questions, which are undated, reading only those lost 8 answers of 441).
    # When fewer than PAIR_DEPTH sentences are of that time, the best of the others fill the places left: reading
    # only one sentence (an article dated by a date it mentions, among undated ones) made "none of these" certain.
    # (A stable sort: those of the time first, each part in the ranker's order.)
    first = np.asarray(sorted(order, key=lambda i: not (found[i].time_match and found[i].published is not None)))
    first = first[:PAIR_DEPTH]
    scores = pair_scores(pair([found[i] for i in first]), asked)
    # A sentence the pair reader did not read counts as if it scored as low as the lowest it read.
    read_as = np.full(len(found), scores.min())
    read_as[first] = scores
    return Ranking(alone, measured_first(ranked_by(found, _softmax(reader_z + read_as)), asked),
                   none_answers(model.pair_none, scores))


def ordered(z: np.ndarray, found: list[Candidate], model: ReaderModel) -> np.ndarray:
    """The candidates' scores in the reader's order (`ReaderModel.order`): the ranker's scores `z` with how much of
    the question each one's article says."""
    if model.order is None:
        return z
    return model.order.score(np.column_stack([z, [c.article_lexical for c in found]]))


def none_answers(pair_none: float, scores: np.ndarray) -> float:
    """The pair reader's probability that none of the sentences it read answers: the share of its "none" score
    (`ReaderModel.pair_none`) in the softmax over that and the sentences' `scores`, as it was fitted."""
    return float(_softmax(np.r_[pair_none, scores])[0])


def pair_scores(read: np.ndarray, asked: Asked) -> np.ndarray:
    """Each sentence's score from the pair reader's rows (`PairReader.read`): its head's, plus its best span's when
    that counts (`reads_span`)."""
    return read[:, 0] + read[:, 1] if reads_span(asked) else read[:, 0]


def reads_span(asked: Asked) -> bool:
    """Whether the pair reader's best span counts in a sentence's score: when the question wants a short answer (a
    number, date, person, place or name). A reason or "what did X say" is answered by a sentence, not by a span of it
    (with spans for every question, 5-fold cross-validation on the bundled questions lost 7 points of top-1)."""
    return asked.kind in SHORT_KINDS


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def ranked_by(found: list[Candidate], probabilities: np.ndarray) -> list[Ranked]:
    """The candidates with their probabilities, best first."""
    order = sorted(range(len(found)), key=lambda i: -probabilities[i])
    return [Ranked(found[i], float(probabilities[i])) for i in order]


def passages_by_reading(passages: list[ScoredPassage], ranked: list[Ranked]) -> list[ScoredPassage]:
    """The passages read, as the reader ranks them: each scored by the probability that the answer is in it (the sum
    of its sentences' probabilities: they compete for one answer), best first. The reader judges the question and
    each sentence together, so this order finds the passage that answers more often than retrieval's fused one (on
    the dev questions, BBC hit@1 0.57 -> 0.72; docs/evaluation.md). A passage none of whose sentences was read (each
    a copy of one read before it) scores 0 and keeps its place among those."""
    holds: dict[str, float] = {}
    for r in ranked:
        holds[r.candidate.passage.id] = holds.get(r.candidate.passage.id, 0.0) + r.p
    scored = [replace(s, score=holds.get(s.passage.id, 0.0)) for s in passages]
    return sorted(scored, key=lambda s: -s.score)


def said_first(ranked: list[Ranked], asked: Asked) -> list[Ranked]:
    """The ranking with, first, the best of its first PAIR_DEPTH sentences whose article says every name the question
    asks about, when the best one's article leaves one unsaid ("When did Zarif meet Aliyev in Baku?": not the caption
    of another minister meeting Aliyev in Baku, from an article that never names Zarif), and that still holds what a
    number, date or sum question asks for (`measured_first`: "How much is the bank claiming?" is not answered by "The
    firm has sued 45 banks."). After the refusal rules, which read the best sentence as ranked."""
    return _first_that(ranked, lambda c: _says_all_asked(c, asked))


def _says_all_asked(candidate: Candidate, asked: Asked) -> bool:
    """Whether a sentence may be moved first: its article says every name the question asks about, and it holds
    what a number, date or sum question asks for."""
    return not candidate.names_unsaid and not lacks_measure(candidate, asked)


def spoken_first(ranked: list[Ranked], asked: Asked) -> list[Ranked]:
    """The ranking with, first, the best of its first PAIR_DEPTH sentences that the one whose words the question asks
    for says, when the best one is not theirs ("What did Raisi say to Bayramov?": not "For his part, Bayramov
    commented ..."), and that `said_first` would keep."""
    if not asked.speaker or not ranked:
        return ranked
    wanted, best = asked.speaker, ranked[0].candidate.speaker
    # Only against a sentence someone else says: a sentence that names no speaker may still be the one asked for
    # ("For his turn, the Iranian speaker referred to ..."); moving it for one that does lost answers on dev.
    if best is None or same_speaker(wanted, best):
        return ranked
    return _first_that(ranked, lambda c: c.speaker is not None and same_speaker(wanted, c.speaker)
                       and _says_all_asked(c, asked))


def named_before(best: Candidate, asked: Asked) -> Candidate | None:
    """For a question that asks who, answered by a sentence whose subject is a pronoun and that names nobody new ("He
    pointed to strategic cooperation in transit and energy." for "Which official called the cooperation
    strategic?"): the sentence before it in its article, when that one names someone the question does not
    (`Candidate.antecedent`), to be quoted too and to lead the answer with that name."""
    a = best.antecedent
    if best.short or a is None:
        return None
    return replace(best, passage=a.passage, sentence=a.sentence, short=a.name, antecedent=None)


def rewords(sentence: Candidate, other: Candidate) -> bool:
    """Whether a sentence says what another does in nearly the same words, as a follow-up story repeats its first
    ("Michael Howard, who had been due to welcome delegates ..." and "Conservative leader Michael Howard, who had been
    due to welcome delegates ..."): quoted second, it would add nothing. The sentences' terms, at least REWORDED of
    all they hold between them shared."""
    a, b = set(terms(sentence.text)), set(terms(other.text))
    return bool(a | b) and len(a & b) >= REWORDED * len(a | b)


def describing(ranked: list[Ranked]) -> Ranked | None:
    """"Who is X?" / "What is X?": the reader's best sentence that says what X is, which answers whatever the
    answerability (`read`): that was fitted on questions that ask for a fact, and sees a description only as a
    sentence that names X."""
    return next((r for r in ranked if r.candidate.describes), None)


def read(found: list[Candidate], asked: Asked, unknown_names: int, model: ReaderModel | None = None,
         pair: PairScores | None = None) -> Verdict:
    """The best sentence (and a close second) with the confidence that it answers, or a refusal. `pair`: the pair
    reader's scores for this question (`pair_scores_for`); without it, the ranker alone chooses."""
    model = model or load_model()
    ranking = rank(found, asked, model, pair)
    ranked = ranking.ranked
    if not ranked:  # nothing was found to answer from (a date filter no article falls in, an empty index)
        return Verdict([], [], 0.0, 1.0, True)
    answerable = answerability(ranking, asked, unknown_names, model)
    describes = describing(ranked)
    if describes is None and refuses(answerable, model.refuse_below):
        return Verdict(ranked, [], answerable, model.refusal_confidence(answerable), True)
    ranked = [describes, *(r for r in ranked if r is not describes)] if describes else \
        spoken_first(said_first(ranked, asked), asked)
    best = ranked[0]
    confidence = model.described_right if describes and model.described_right is not None else \
        model.answer_confidence(answerable, best.p)
    chosen = [best.candidate]
    if before := named_before(best.candidate, asked):
        chosen.append(before)
    elif (second := next((r for r in ranked[1:] if not rewords(r.candidate, best.candidate)), None)) and \
            second.p >= model.second_ratio * best.p and \
            best.candidate.words + second.candidate.words <= model.second_within_words:
        chosen.append(second.candidate)
    # Read in the article's order when both come from one article.
    lead = best.candidate.passage.doc
    chosen.sort(key=lambda c: (c.passage.doc != lead, c.passage.doc, c.sentence.start_line, c.sentence.start))
    return Verdict(ranked, chosen, answerable, confidence, False)
