"""The answers of the bundled question set in LLM mode with the small local model (docs/llm.md, "LLM mode
evaluated"), audited by the grounding table's rules: no sentence shown is unsupported by the citations it carries.

The file is the output of the reproduction commands in docs/llm.md (answer objects without their passage lists); this
test reads it, it does not run the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.answer.llm import audit

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "llm" / "answers-smollm2.jsonl"


@pytest.fixture(scope="module")
def answers() -> list[dict]:
    return [json.loads(line) for line in RESULTS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_answers_are_of_the_bundled_set_and_each_asked_the_model(answers):
    lines = (Path(__file__).parent.parent / "qa" / "evaluation" / "questions" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    ids = {json.loads(line)["id"] for line in lines if line.strip()}
    assert answers and {a["id"] for a in answers} <= ids and len({a["id"] for a in answers}) == len(answers)
    assert all(a.get("llm") for a in answers)


def test_no_sentence_shown_is_unsupported_by_its_citations(answers):
    problems = {a["id"]: audit(a) for a in answers}
    assert {k: v for k, v in problems.items() if v} == {}
    shown = [a for a in answers if a["mode"] == "llm" and not a["refused"]]
    for a in shown:
        assert a["citations"] and all(c["supported"] is True for c in a["citations"])


def test_what_was_removed_says_why_and_is_not_shown(answers):
    for a in answers:
        assert a["removed_claims"] == len(a["llm"]["removed"]) <= a["llm"]["sentences"]
        for removed in a["llm"]["removed"]:
            assert removed["reason"]
            if a["mode"] == "llm" and len(removed["text"]) > 20:
                assert removed["text"].rstrip(".") not in a["answer"]
