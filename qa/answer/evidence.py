"""The evidence a language model is given: the sentences of the retrieved passages, best first.

A small local model reads a prompt at some 80-150 tokens a second on a CPU, so the prompt has a budget
(`Settings.llm_prompt_tokens`, applied in qa/answer/llm.py) and the sentences that fill it come in order of merit,
not in the order of the passages: each sentence scores its MiniLM similarity to the question (stored at ingest)
plus the share of the question's terms it holds (spelling variants count), with a small bonus for its passage's
retrieval rank. A sentence text seen twice (a copied article) is offered once.
"""

from __future__ import annotations

from dataclasses import replace

from qa.answer.extractive import Describe, cite
from qa.index import Retrieved, terms
from qa.types import Citation

RANK_BONUS = 0.1  # the first passage's sentences get this much, the k-th RANK_BONUS / k


def ranked_sources(retrieved: Retrieved, describe: Describe) -> list[Citation]:
    """Every sentence of the retrieved passages as a `Citation`, best first, numbered 1..N in that order."""
    asked = set(retrieved.terms)
    scored: list[tuple[float, int, Citation]] = []
    seen: set[str] = set()
    for rank, hit in enumerate(retrieved.passages, start=1):
        passage = hit.passage
        for index, sentence in enumerate(passage.sentences):
            quote = passage.sentence_text(sentence)
            if quote in seen:
                continue
            seen.add(quote)
            vector = retrieved.sentence_vectors.get(f"{passage.id}#{index}")
            dense = float(vector @ retrieved.query_vector) if vector is not None else \
                retrieved.passage_similarity.get(passage.id, 0.0)
            own = set(terms(quote))
            held = sum(1 for t in asked if t in own or retrieved.variants.get(t, set()) & own)
            score = dense + (held / len(asked) if asked else 0.0) + RANK_BONUS / rank
            scored.append((score, len(scored),
                           cite(0, passage.doc, sentence.start_line, sentence.end_line, quote, describe)))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [replace(citation, n=n) for n, (_, _, citation) in enumerate(scored, start=1)]
