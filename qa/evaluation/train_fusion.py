"""Fit how retrieval fuses its rankings (qa/index/fusion.py) on the train split, and write qa/index/fusion.json.

    python -m qa.evaluation.train_fusion [--bbc ../shared/corpora/bbc] [--work store/chroma-train] [--out PATH]

It indexes the bundled articles and the BBC corpus (incrementally, under --work, as train_reader does), runs the three
searches once for every answerable train question, and tries every weight of BM25 and of the best-sentence ranking
in WEIGHTS (the dense ranking's weight is 1: only the ratios matter) with every k in KS. It keeps the fusion that puts
a gold passage among the first 5 (what hit@5 counts) and among the first top_k (what the reader reads) for the most
train questions, the two corpora counting alike; ties go to the first in the grid's order. It reports the same on the
dev questions, for the chosen fusion and for plain reciprocal rank fusion (all weights 1, k 60). Nothing reads the
test split. Deterministic: the same index and questions give the same file. Run it before
`python -m qa.evaluation.train_reader`, whose reader reads what retrieval returns.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

from qa.evaluation.train_reader import DEV, QUESTIONS, TRAIN, add_corpus_arguments, bbc_missing, engines
from qa.index.fusion import FUSION_PATH, RANKINGS, Fusion

WEIGHTS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
KS = (1, 2, 5, 10, 20, 60)
PLAIN = Fusion({name: 1.0 for name in RANKINGS}, 60)  # reciprocal rank fusion as usually defined
HIT_AT = 5


def searches(engine, sets: tuple[str, ...]) -> list[tuple[dict, set[str]]]:
    """(rankings, the texts of the gold passages) of each answerable question of the sets."""
    from qa.answer.engine import clean_question
    from qa.evaluation import load_questions

    tables = engine.retriever.tables
    found = []
    for name in sets:
        for q in load_questions(QUESTIONS / name):
            gold = {p.text for p in tables.passages.values()
                    if any(s.doc == p.doc and p.start_line <= s.line <= p.end_line for s in q.sources)}
            if q.answerable and gold:
                found.append((engine.retriever.search(clean_question(q.question)).rankings, gold))
    return found


def hits(engine, questions: list[tuple[dict, set[str]]], fusion: Fusion, depth: int) -> float:
    """The share of questions with a gold passage among the first `depth` passages retrieval returns (each text once,
    as it returns them: a copy of the gold passage under another name counts)."""
    from qa.index.retrieval import first_passages

    tables, found = engine.retriever.tables, 0
    for rankings, gold in questions:
        found += any(p.passage.text in gold
                     for p in first_passages(tables.passages, tables.metadata, fusion.fuse(rankings), depth))
    return found / max(len(questions), 1)


def fit(found: dict, split: dict[str, dict[str, list]], top_k: int) -> tuple[Fusion, dict]:
    """The grid's best fusion on the train questions, and the hits of it and of PLAIN on each split and corpus."""
    def score(fusion: Fusion, part: str) -> dict[str, dict[str, float]]:
        return {corpus: {f"hit@{HIT_AT}": round(hits(found[corpus], questions, fusion, HIT_AT), 3),
                         f"hit@{top_k}": round(hits(found[corpus], questions, fusion, top_k), 3)}
                for corpus, questions in split[part].items()}

    best, best_value = PLAIN, -1.0
    for bm25, best_sentence, k in itertools.product(WEIGHTS, WEIGHTS, KS):
        fusion = Fusion({"dense": 1.0, "bm25": bm25, "best_sentence": best_sentence}, k)
        value = sum(sum(v.values()) / 2 for v in score(fusion, "train").values()) / len(split["train"])
        if value > best_value:
            best, best_value = fusion, value
    return best, {"fitted": {part: score(best, part) for part in ("train", "dev")},
                  "plain_rrf": {part: score(PLAIN, part) for part in ("train", "dev")}}


def main(argv: list[str] | None = None) -> int:
    from qa.config import Settings

    parser = argparse.ArgumentParser(prog="python -m qa.evaluation.train_fusion", description=__doc__.split("\n\n")[0])
    add_corpus_arguments(parser)
    parser.add_argument("--out", type=Path, default=FUSION_PATH, help="the fusion file to write")
    args = parser.parse_args(argv)
    if bbc_missing(args):
        return 1
    found = engines(args.bbc, args.work)
    split = {part: {corpus: searches(found[corpus], sets[corpus]) for corpus in sets}
             for part, sets in (("train", TRAIN), ("dev", DEV))}
    top_k = Settings().top_k
    fusion, measured = fit(found, split, top_k)
    about = {"command": "python -m qa.evaluation.train_fusion", "weights_tried": list(WEIGHTS), "ks_tried": list(KS),
             "train_questions": {c: len(q) for c, q in split["train"].items()},
             "dev_questions": {c: len(q) for c, q in split["dev"].items()}, **measured}
    args.out.write_text(json.dumps(fusion.to_json(about), indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"weights": fusion.weights, "k": fusion.k, **measured}, indent=1))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
