"""The offline answer: the sentence (or two) from the retrieved passages that answers the question, quoted verbatim.

Each candidate sentence is described by a few signals (`Features`): its dense similarity to the question (MiniLM
vectors stored at ingest) and its passage's; the share of the question's rare words it holds, alone or with the
sentence before it (for "he", "the event"); whether it holds the kind of answer the question wants (a date for
"when", a number for "how many"); whether its article's date matches a year the question names; and the rank of
its passage. When even the best sentence scores below the refusal threshold, the answer is a refusal that offers
the closest passages instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable

import numpy as np

from qa.answer.answer_types import holds, wanted
from qa.index import Retrieved, Vocabulary, names, terms
from qa.temporal import MONTHS, WEEKDAYS, resolve_relative
from qa.types import Citation, Passage, ScoredPassage, Sentence

REFUSAL_TEXT = "The articles do not answer this question."


@dataclass(frozen=True)
class Weights:
    """Calibrated on the question sets (docs/evaluation.md)."""

    dense: float = 0.20
    passage_dense: float = 0.30
    lexical: float = 0.25
    context: float = 0.85  # words found only in the sentence before count for less
    typed: float = 0.05
    rank: float = 0.0
    time: float = 0.10
    fragment: float = 0.80  # headlines and captions name a topic but rarely answer: prefer full sentences
    second_ratio: float = 0.80  # a second sentence is added when it scores almost as well as the first
    refuse_below: float = 0.34
    typed_window: int = 3  # a date or number must be among this many best sentences, or the answer is refused


WEIGHTS = Weights()


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    sentence: Sentence
    index: int
    dense: float
    passage_dense: float
    lexical: float
    lexical_with_context: float
    typed: bool
    rank_score: float
    time_match: bool
    fragment: bool

    @property
    def text(self) -> str:
        return self.passage.sentence_text(self.sentence)

    def score(self, w: Weights = WEIGHTS) -> float:
        value = (
            w.dense * self.dense
            + w.passage_dense * self.passage_dense
            + w.lexical * max(self.lexical, w.context * self.lexical_with_context)
            + w.typed * self.typed
            + w.rank * self.rank_score
            + w.time * self.time_match
        )
        return value * w.fragment if self.fragment else value


@dataclass(frozen=True)
class Selection:
    chosen: list[Candidate]
    best_score: float
    refused: bool


def lexical_coverage(question_terms: list[str], sentence_terms: set[str], vocabulary: Vocabulary,
                     variants: dict[str, set[str]]) -> float:
    """The idf-weighted share of the question's terms found in the sentence (a spelling variant counts)."""
    total = matched = 0.0
    for term in dict.fromkeys(question_terms):
        # A word the index lacks weighs as much as its indexed spelling variant, or else as the rarest word.
        if vocabulary.df.get(term) or not variants.get(term):
            weight = vocabulary.idf(term)
        else:
            weight = max(vocabulary.idf(v) for v in variants[term])
        total += weight
        if term in sentence_terms or variants.get(term, set()) & sentence_terms:
            matched += weight
    return matched / total if total else 0.0


_YEAR = re.compile(r"\b(19|20)\d\d\b")


def candidates(question: str, retrieved: Retrieved, vectors: dict[str, np.ndarray], vocabulary: Vocabulary,
               published: Callable[[str], date | None]) -> list[Candidate]:
    """Every sentence of the retrieved passages with its signals; a text seen twice (a copied article) once."""
    kind = wanted(question)
    years = {m.group(0) for m in _YEAR.finditer(question)}
    found, seen_texts = [], set()
    for scored in retrieved.passages:
        passage = scored.passage
        day = published(passage.doc)
        previous: set[str] = set()
        for index, sentence in enumerate(passage.sentences):
            text = passage.sentence_text(sentence)
            own = set(terms(text))
            context, previous = own | previous, own
            if text in seen_texts:
                continue
            seen_texts.add(text)
            vector = vectors.get(f"{passage.id}#{index}")
            found.append(
                Candidate(
                    passage=passage,
                    sentence=sentence,
                    index=index,
                    dense=float(vector @ retrieved.query_vector) if vector is not None else 0.0,
                    passage_dense=retrieved.passage_similarity.get(passage.id, 0.0),
                    lexical=lexical_coverage(retrieved.terms, own, vocabulary, retrieved.variants),
                    lexical_with_context=lexical_coverage(retrieved.terms, context, vocabulary, retrieved.variants),
                    typed=holds(kind, text, question),
                    rank_score=scored.score,
                    time_match=bool(years) and (
                        (day is not None and str(day.year) in years) or any(y in text for y in years)
                    ),
                    fragment=is_fragment(text),
                )
            )
    return found


def select(found: list[Candidate], kind: str | None, unknown_names: list[str], w: Weights = WEIGHTS) -> Selection:
    """The best sentence (and a close second), or a refusal.

    Refused when the best score is low, when the question asks for a date or a number and none of the best
    sentences holds one, or when it names someone or something no retrieved passage mentions.
    """
    if not found:
        return Selection([], 0.0, True)
    ranked = sorted(found, key=lambda c: -c.score(w))
    best_score = ranked[0].score(w)
    typed = [c for c in ranked[: w.typed_window] if c.typed] if kind in ("date", "number") else ranked[:1]
    if best_score < w.refuse_below or not typed or unknown_names:
        return Selection([], best_score, True)
    # A date or number question is led by the best sentence that holds one, even if a sentence without scored higher.
    best = typed[0]
    rest = [c for c in ranked if c is not best]
    chosen = [best]
    if rest and rest[0].score(w) >= w.second_ratio * best_score:
        chosen.append(rest[0])
    # Read in the article's order when both come from one article.
    chosen.sort(key=lambda c: (c.passage.doc != best.passage.doc, c.passage.doc, c.sentence.start_line, c.sentence.start))
    return Selection(chosen, best_score, False)


_CALENDAR_WORDS = set(MONTHS) | set(WEEKDAYS)


def unknown_names(question: str, retrieved: Retrieved) -> list[str]:
    """Names in the question (capitalised, not the first word) that no retrieved passage mentions in any spelling."""
    retrieved_terms = set()
    for scored in retrieved.passages:
        retrieved_terms.update(terms(scored.passage.text))
    missing = []
    for word in names(question):
        if len(word) < 3 or word.lower() in _CALENDAR_WORDS or any(ch.isupper() for ch in word[1:]):  # dates, acronyms
            continue
        word_terms = terms(word)
        if word_terms and not any(
            t in retrieved_terms or retrieved.variants.get(t, set()) & retrieved_terms for t in word_terms
        ):
            missing.append(word)
    return missing


def is_fragment(text: str) -> bool:
    """A headline, caption or label rather than a sentence: no closing punctuation, or a photo credit."""
    return not re.search(r"[.!?][\"”’)]*$", text.rstrip()) or bool(re.search(r"\((photo|image|picture)\b", text, re.I))


def citations_for(chosen: list[Candidate], describe) -> list[Citation]:
    """Numbered citations for the chosen sentences; `describe(doc)` gives (title, published, outlet)."""
    citations = []
    for n, candidate in enumerate(chosen, start=1):
        title, published, outlet = describe(candidate.passage.doc)
        resolved = tuple(str(r) for r in resolve_relative(candidate.text, published))
        citations.append(
            Citation(
                n=n,
                doc=candidate.passage.doc,
                start_line=candidate.sentence.start_line,
                end_line=candidate.sentence.end_line,
                quote=candidate.text,
                title=title,
                published=published,
                outlet=outlet,
                resolved_dates=resolved,
            )
        )
    return citations


def answer_text(citations: list[Citation], kind: str | None) -> str:
    """The quotes with their markers; for a "when" question, relative dates resolved beside them."""
    parts = []
    for c in citations:
        part = f"{c.quote} [{c.n}]"
        if kind == "date" and c.resolved_dates:
            part += f" ({'; '.join(c.resolved_dates)})"
        parts.append(part)
    return " ".join(parts)


def related(retrieved: Retrieved, limit: int = 3) -> list[ScoredPassage]:
    return retrieved.passages[:limit]
