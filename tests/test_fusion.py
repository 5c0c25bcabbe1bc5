"""Weighted reciprocal rank fusion of the retrieval rankings (qa/index/fusion.py)."""

from __future__ import annotations

import json

import pytest

from qa.index.fusion import FUSION_PATH, RANKINGS, Fusion, load_fusion
from qa.index.retrieval import first_passages
from qa.types import Passage, Sentence


def test_a_passage_first_in_every_ranking_scores_one_and_the_weights_order_the_rest():
    fusion = Fusion({"dense": 1.0, "bm25": 4.0, "best_sentence": 1.5}, 1)
    fused = fusion.fuse({"dense": ["a", "d"], "bm25": ["a", "b"], "best_sentence": ["a", "d"]})
    scores = dict(fused)
    assert [pid for pid, _ in fused] == ["a", "b", "d"]
    assert scores["a"] == pytest.approx(1.0)
    # second in BM25 alone (4/3) outranks second in the two others (1/3 + 1.5/3)
    assert scores["b"] == pytest.approx((4.0 / 3) / (6.5 / 2))
    # a ranking left out (BM25 alone, in bm25 mode) is scored against its own best
    assert dict(fusion.fuse({"bm25": ["b", "a"]}))["b"] == pytest.approx(1.0)
    assert fusion.fuse({}) == []


def test_the_shipped_fusion_is_the_one_its_command_chose_over_plain_rrf():
    fusion = load_fusion()
    assert set(fusion.weights) == set(RANKINGS) and all(weight > 0 for weight in fusion.weights.values())
    about = json.loads(FUSION_PATH.read_text(encoding="utf-8"))["about"]
    assert about["command"] == "python -m qa.evaluation.train_fusion"
    for corpus, fitted in about["fitted"]["train"].items():  # chosen on train: never worse there than plain RRF
        plain = about["plain_rrf"]["train"][corpus]
        assert fitted["hit@5"] + fitted["hit@8"] >= plain["hit@5"] + plain["hit@8"]


def test_a_story_filed_twice_is_listed_once_in_its_best_place_and_cited_from_its_original():
    story = "The harbour bridge reopened on Monday after eight months of repairs."
    passages = {pid: Passage(pid.split(":")[0], 3, 3, text, (Sentence(0, len(text), 3, 3),))
                for pid, text in (("b-copy.txt:3-3", story), ("a-original.txt:3-3", story),
                                  ("c-budget.txt:3-3", "The council agreed a budget of 12m pounds."),
                                  ("d-later.txt:3-3", story))}
    metadata = {"b-copy.txt:3-3": {"published": "2021-05-02"}, "a-original.txt:3-3": {"published": "2021-05-02"},
                "c-budget.txt:3-3": {"published": "2021-05-01"}, "d-later.txt:3-3": {"published": "2021-05-09"}}
    fused = [("d-later.txt:3-3", 0.9), ("c-budget.txt:3-3", 0.7), ("b-copy.txt:3-3", 0.6), ("a-original.txt:3-3", 0.2)]
    first = first_passages(passages, metadata, fused, 2)
    # the story takes its best copy's place and score, cited from the copy published first (then first by name)
    assert [(s.passage.doc, s.score) for s in first] == [("a-original.txt", 0.9), ("c-budget.txt", 0.7)]
    # ... and it keeps the other files that carry it, oldest first, for its citations (qa/answer/copies.py)
    assert [c.doc for c in first[0].copies] == ["b-copy.txt", "d-later.txt"] and first[1].copies == ()
    undated = {pid: {} for pid in metadata} | {"d-later.txt:3-3": {"published": "2021-05-09"}}
    assert first_passages(passages, undated, fused, 1)[0].passage.doc == "d-later.txt"  # dated before undated
