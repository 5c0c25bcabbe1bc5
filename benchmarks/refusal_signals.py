"""How well each refusal signal separates answerable from unanswerable dev questions (docs/evaluation.md, "A sixth
read"):

    python benchmarks/refusal_signals.py [--bbc ../shared/corpora/bbc] [--work store/chroma-train]

Indexes and asks the dev questions as `python -m qa.evaluation.train_reader` does and reads them with the shipped
reader (its ranker, answerability model and pair reader, all fitted on train). For each corpus it prints the ROC AUC
of: the answerability model's probability, the pair reader's probability that one of the sentences it read answers
(1 - "none"), what the reader reads (`reader.answerability`: their geometric mean), their minimum, and a logistic
regression over both (5-fold on dev); and the refusals and false refusals at the threshold
`train_reader.choose_threshold` picks on dev for each. The rules' refusals count for all of them.

Last, the wording check: each dev question read against the same eight bland sentences that answer nothing. An AUC
there near 0.5 says the "none" score reads the sentences, not how the question is worded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's qa package

from qa.answer import reader  # noqa: E402
from qa.answer.pair_reader import pair_reader  # noqa: E402
from qa.evaluation import train_reader as T  # noqa: E402

BLAND = ["The weather was mild for the time of year.", "Officials said more details would follow later.",
         "The meeting lasted for several hours.", "Reporters gathered outside the building.",
         "It was not the first time the issue had come up.", "Many people followed the news closely.",
         "The statement was published on the website.", "Further talks are expected."]


def main() -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    T.add_corpus_arguments(parser)
    args = parser.parse_args()
    if T.bbc_missing(args):
        return 1
    found = T.engines(args.bbc, args.work)
    dev = [e for corpus, sets in T.DEV.items() for e in T.collect(corpus, sets, found[corpus])]
    model = reader.load_model()
    pairs = T.PairScoresOf(pair_reader())
    p, answered, shipped = [], [], []
    for e in dev:
        alone, _, none = reader.rank(e.candidates, e.asked, model, pairs(e))
        p.append(reader.answerability(alone, e.asked, e.unknown_names, model) if alone else 0.0)
        answered.append(1.0 - none if none is not None else 0.0)
        shipped.append(reader.answerability(alone, e.asked, e.unknown_names, model, none) if alone else 0.0)
    p, answered, shipped = np.asarray(p), np.asarray(answered), np.asarray(shipped)
    ruled = np.asarray([reader.by_the_rules(linear) for linear in p])
    y = np.asarray([e.answerable for e in dev])
    corpora = np.asarray([e.corpus for e in dev])
    folds = np.asarray([T.fold_of(e) for e in dev])
    logit = lambda q: np.log(np.clip(q, 1e-9, 1) / np.clip(1 - q, 1e-9, 1))  # noqa: E731
    both = np.c_[logit(p), logit(answered)]
    stacked = np.zeros(len(dev))
    for fold in range(T.FOLDS):
        fitted = LogisticRegression().fit(both[folds != fold], y[folds != fold])
        stacked[folds == fold] = fitted.predict_proba(both[folds == fold])[:, 1]
    signals = {"answerability model": p, "pair reader, 1 - none": answered,
               "geometric mean (shipped)": shipped, "minimum": np.minimum(p, answered),
               "logistic over both (5-fold on dev)": stacked}
    print("signal | corpus | AUC | refusal | false refusals (at the threshold chosen on dev)")
    for name, signal in signals.items():
        signal = np.where(ruled, 0.0, signal)
        threshold = T.choose_threshold(dev, list(zip(signal, y)))
        refused = np.asarray([reader.refuses(s, threshold) for s in signal])
        for corpus in sorted(set(corpora)):
            k = corpora == corpus
            print(f"{name} | {corpus} | {roc_auc_score(y[k], signal[k]):.3f} | {refused[k & ~y].mean():.3f} | "
                  f"{refused[k & y].mean():.3f}")
    read = pair_reader()
    bland = []
    for e in dev:
        scores = reader.pair_scores(read.read(e.question, BLAND), e.asked)
        bland.append(1.0 - reader.none_answers(model.pair_none, scores))
    bland = np.asarray(bland)
    for corpus in sorted(set(corpora)):
        k = corpora == corpus
        print(f"bland sentences, 1 - none | {corpus} | {roc_auc_score(y[k], bland[k]):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
