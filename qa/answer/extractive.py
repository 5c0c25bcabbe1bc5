"""The offline answer: the sentence (or two) from the retrieved passages that answers the question, quoted verbatim.

`candidates` describes every sentence of the retrieved passages by the signals the reader (qa/answer/reader.py)
weighs: its dense similarity to the question (MiniLM vectors stored at ingest) and its passage's; the share of the
question's rare words it holds, alone or with the sentence before it (for "he", "the event"); whether it holds the
kind of answer the question wants (a date for "when", a number for "how many") and the question's focus ("how many
*spectators*"); what it adds to the question; where it stands in its article; the rank of its passage. The reader
turns them into a choice and a confidence; a refusal offers the closest passages instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable

import numpy as np

from qa.answer.answer_types import Asked, counts_focus, describes, holds, short_answer
from qa.answer.speakers import pronoun_subject, speaker
from qa.index import Retrieved, Vocabulary, name_runs, names, terms
from qa.temporal import CALENDAR_WORDS, resolve_relative
from qa.types import Citation, Passage, Sentence

REFUSAL_TEXT = "The articles do not answer this question."


@dataclass(frozen=True)
class Antecedent:
    """The sentence before one whose subject is a pronoun ("He pointed to ..."), and the name it gives that the
    question does not have: whom "who ...?" answered by the pronoun's sentence is about."""

    passage: Passage
    sentence: Sentence
    name: str


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    sentence: Sentence
    index: int
    dense: float
    passage_dense: float
    lexical: float
    lexical_with_context: float
    # ... of the whole article: the story asked about, whichever of its sentences gives the detail (a later one names
    # its subject by a description: "the 28-year-old world number one", "the Tory leader")
    article_lexical: float
    typed: bool
    rank_score: float
    passage_rank: int
    time_match: bool  # of the time the question names: its article was published then, or it mentions it
    published: date | None  # its article's publication date (None: the article has none)
    fragment: bool
    focus: float  # 1: the question's focus word is in the sentence, 0.5: only in the sentence before, 0: absent
    focus_counted: bool  # a number of what was asked: "12,500 *spectators*", "700-kilometer" for "how long is"
    short: str | None  # the span that answers on its own, when there is one (answer_types.short_answer)
    novelty: float  # the share of the sentence's terms that the question does not have
    names_found: float  # the share of the question's names the sentence (or the one before) mentions
    names_unsaid: tuple[str, ...]  # the question's names that its article never mentions (`names_unsaid`)
    lexical_other: float  # lexical coverage of the question's words other than its names (what it says about them)
    bigrams: float  # the share of the question's pairs of adjacent terms that the sentence holds as such
    previous_lexical: float  # the sentence before: its lexical coverage and dense similarity (answers often follow
    previous_dense: float  # the sentence that sets the question's scene)
    has_number: bool
    has_date: bool
    words: int
    describes: bool = False  # it says who or what a "Who is X?" question asks about is (answer_types.describes)
    speaker: str | None = None  # who says it, when it reports speech and the question asks whose words
    # (`speakers.speaker`)
    antecedent: Antecedent | None = None  # for a "who" question, whom its pronoun subject stands for

    @property
    def text(self) -> str:
        return self.passage.sentence_text(self.sentence)


@dataclass(frozen=True)
class TermWeights:
    """A question's distinct terms with their idf weights and indexed spelling variants, weighed once per question
    rather than once per sentence."""

    weighted: tuple[tuple[str, float, frozenset[str]], ...]
    total: float

    @classmethod
    def of(cls, question_terms: list[str], vocabulary: Vocabulary, variants: dict[str, set[str]]) -> TermWeights:
        weighted = []
        for term in dict.fromkeys(question_terms):
            # A word the index lacks weighs as much as its indexed spelling variant, or else as the rarest word.
            if vocabulary.df.get(term) or not variants.get(term):
                weight = vocabulary.idf(term)
            else:
                weight = max(vocabulary.idf(v) for v in variants[term])
            weighted.append((term, weight, frozenset(variants.get(term, ()))))
        return cls(tuple(weighted), sum(w for _, w, _ in weighted))

    def coverage(self, sentence_terms: set[str]) -> float:
        """The idf-weighted share of the question's terms found in the sentence (a spelling variant counts)."""
        if not self.total:
            return 0.0
        matched = sum(weight for term, weight, variants in self.weighted
                      if term in sentence_terms or not variants.isdisjoint(sentence_terms))
        return matched / self.total


_YEAR = re.compile(r"\b(19|20)\d\d\b")


def candidates(question: str, asked: Asked, retrieved: Retrieved, vectors: dict[str, np.ndarray],
               vocabulary: Vocabulary, published: Callable[[str], date | None],
               article_terms: Callable[[str], frozenset[str]],
               sentence_before: Callable[[Passage], tuple[Passage, Sentence] | None]) -> list[Candidate]:
    """Every sentence of the retrieved passages with its signals; a text seen twice (a copied article) once.
    `article_terms`: the terms of a whole article (`Retriever.article_terms`); `sentence_before`: the sentence before
    a passage in its article (`Retriever.sentence_before`)."""
    years = {m.group(0) for m in _YEAR.finditer(question)}
    question_terms = set(retrieved.terms)
    name_terms = {t for word in names(question) for t in terms(word)}
    weights = TermWeights.of(retrieved.terms, vocabulary, retrieved.variants)
    other_weights = TermWeights.of([t for t in retrieved.terms if t not in name_terms], vocabulary, retrieved.variants)
    question_bigrams = set(zip(retrieved.terms, retrieved.terms[1:]))
    unsaid, unsaid_in, covered_in = names_unsaid(question, retrieved.variants), {}, {}
    described_terms = frozenset(terms(asked.described.name)) if asked.described else frozenset()
    found, seen_texts = [], set()
    for rank, scored in enumerate(retrieved.passages):
        passage = scored.passage
        day = published(passage.doc)
        if passage.doc not in unsaid_in:
            said = article_terms(passage.doc)
            unsaid_in[passage.doc] = tuple(unsaid(said))
            covered_in[passage.doc] = weights.coverage(said)
        previous: set[str] = set()
        previous_lexical = previous_dense = 0.0
        # the sentence before, whom its "He added ..." may be (read only for a question that asks for someone's
        # words, `reader.spoken_first`, or who did something, `reader.named_before`)
        preceding = sentence_before(passage) if asked.speaker or asked.kind == "person" else None
        spoke = speaker(preceding[0].sentence_text(preceding[1]), None) if preceding and asked.speaker else None
        for index, sentence in enumerate(passage.sentences):
            text = passage.sentence_text(sentence)
            said_by = spoke = speaker(text, spoke) if asked.speaker else None
            antecedent = _antecedent(asked, text, preceding, question)
            preceding = passage, sentence
            sentence_terms = terms(text)
            own = set(sentence_terms)
            context, previous = own | previous, own
            vector = vectors.get(f"{passage.id}#{index}")
            dense = float(vector @ retrieved.query_vector) if vector is not None else 0.0
            lexical = weights.coverage(own)
            before = previous_lexical, previous_dense
            previous_lexical, previous_dense = lexical, dense
            # a credit line and a timestamp claim nothing, and a sentence of the question's own words ("Veritas?" for
            # "What is Veritas?") tells nothing it does not: none can answer
            if text in seen_texts or _CREDIT.fullmatch(text.strip()) or _TIMESTAMP.fullmatch(text.strip()) or \
                    own <= question_terms:
                continue
            seen_texts.add(text)
            found.append(
                Candidate(
                    passage=passage,
                    sentence=sentence,
                    index=index,
                    dense=dense,
                    passage_dense=retrieved.passage_similarity.get(passage.id, 0.0),
                    lexical=lexical,
                    lexical_with_context=weights.coverage(context),
                    article_lexical=covered_in[passage.doc],
                    typed=holds(asked.kind, text, question),
                    rank_score=scored.score,
                    passage_rank=rank,
                    time_match=bool(years) and (
                        (day is not None and str(day.year) in years) or any(y in text for y in years)
                    ),
                    published=day,
                    fragment=is_fragment(text),
                    focus=_share(asked.focus, own) or 0.5 * _share(asked.focus, context),
                    focus_counted=counts_focus(text, asked),
                    short=short_answer(asked, text, question),
                    novelty=sum(t not in question_terms for t in sentence_terms) / max(len(sentence_terms), 1),
                    names_found=_share(name_terms, context),
                    names_unsaid=unsaid_in[passage.doc],
                    lexical_other=other_weights.coverage(own),
                    bigrams=_share(question_bigrams, set(zip(sentence_terms, sentence_terms[1:]))),
                    previous_lexical=before[0],
                    previous_dense=before[1],
                    has_number=holds("number", text, question),
                    has_date=holds("date", text, question),
                    words=len(text.split()),
                    describes=bool(asked.described) and describes(
                        text, asked.described, described_terms <= article_terms(passage.doc)),
                    speaker=said_by,
                    antecedent=antecedent,
                )
            )
    return found


def _antecedent(asked: Asked, text: str, preceding: tuple[Passage, Sentence] | None,
                question: str) -> Antecedent | None:
    """Whom the pronoun subject of a sentence stands for, for a question that asks who: the new name of the sentence
    before (`Antecedent`)."""
    if asked.kind != "person" or preceding is None or not pronoun_subject(text, asked.focus):
        return None
    passage, sentence = preceding
    text = passage.sentence_text(sentence)
    # who spoke in it ("Bayramov said ..."; the rules' spans leave out a name that opens a sentence), else its new name
    spoke = speaker(text, None)
    name = spoke if spoke and not set(terms(spoke)) <= set(terms(question)) else short_answer(asked, text, question)
    return Antecedent(passage, sentence, name) if name else None


def _share(wanted: tuple[str, ...] | set[str], found: set[str]) -> float:
    return sum(t in found for t in wanted) / len(wanted) if wanted else 0.0


_STEM = re.compile(r"[A-Za-z][A-Za-z-]*")  # a word without its possessive ending: "Armenia" of "armenia's"


def cased_as_in(question: str, passages: list[Passage]) -> str:
    """A question typed in lower case, each word written as these passages mostly write it inside their sentences
    ("who is armenia's foreign minister" -> "who is Armenia's foreign minister"): the reader finds the question's
    names by their capitals (`names_unsaid`, `unknown_names`, the `names_found` signal), as its questions were
    written. A question with a capital after its first letter is left as typed; headlines and captions, whose
    words are capitalised whatever they are, are not counted."""
    if question[1:] != question[1:].lower():
        return question
    written: dict[str, dict[str, int]] = {}
    for passage in passages:
        for sentence in passage.sentences:
            text = passage.sentence_text(sentence)
            if is_fragment(text):
                continue
            words = _STEM.findall(text)
            # A sentence's first word is capitalised whatever it is, unless a capitalised word follows ("Maria Lopez")
            for word in words[0 if len(words) > 1 and words[1][:1].isupper() else 1:]:
                forms = written.setdefault(word.lower(), {})
                forms[word] = forms.get(word, 0) + 1

    def as_written(match: re.Match) -> str:
        forms = written.get(match.group(0).lower())
        return max(forms, key=lambda form: (forms[form], form.islower())) if forms else match.group(0)

    return _STEM.sub(as_written, question)


def unknown_names(question: str, retrieved: Retrieved) -> list[str]:
    """Names in the question (capitalised, not the first word) that no retrieved passage mentions in any spelling."""
    retrieved_terms = set()
    for scored in retrieved.passages:
        retrieved_terms.update(terms(scored.passage.text))
    return [word for word in names(question) if _is_name(word) and not _mentioned(word, retrieved_terms,
                                                                                  retrieved.variants)]


def names_unsaid(question: str, variants: dict[str, set[str]]) -> Callable[[frozenset[str]], list[str]]:
    """The question's names that an article (its terms) mentions in none of their words and spellings; a run of
    capitalised words is one name ("William Hill"), so an article that says "Hill" mentions it."""
    # each name as the question writes it ("Tate & Lyle"), found by its words that are looked for as names
    runs = [(" ".join(run), kept) for run in name_runs(question) if (kept := [word for word in run if _is_name(word)])]
    return lambda article: [written for written, kept in runs
                            if not any(_mentioned(word, article, variants) for word in kept)]


def unsaid_note(unsaid: tuple[str, ...]) -> str:
    """What a refusal says when the article of the best sentence found never mentions these names of the question."""
    listed = unsaid[0] if len(unsaid) == 1 else f"{', '.join(unsaid[:-1])} or {unsaid[-1]}"
    return f"The article closest to an answer never mentions {listed}."


def _is_name(word: str) -> bool:
    """Whether a capitalised word of a question is looked for as a name: not a month or weekday, nor an acronym
    (spelt out in many articles), nor a short word."""
    return len(word) >= 3 and word.lower() not in CALENDAR_WORDS and not any(ch.isupper() for ch in word[1:])


def _mentioned(word: str, found: set[str] | frozenset[str], variants: dict[str, set[str]]) -> bool:
    """Whether any of these terms is one of the word's, in any indexed spelling (a word with no terms counts)."""
    word_terms = terms(word)
    return not word_terms or any(t in found or variants.get(t, set()) & found for t in word_terms)


# "Dec 10, 2020, 5:46 PM", "Publish Date : 01 March 2021 - 22:00", "Updated 14:02 GMT": when an article was put out,
# a line of its own that says nothing of the story (it was quoted for "When did the 2020 war end?")
_STAMP_WORD = (r"(?:(?i:publish(?:ed)?|date|updated|posted|last|modified|on|at|am|pm|a\.m\.|p\.m\.|gmt|bst|utc|"
               r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
               r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b\.?|\d+)")
_TIMESTAMP = re.compile(rf"{_STAMP_WORD}(?:[\s,.:|/-]+{_STAMP_WORD})*[\s.]*")
# "(Photo by IRNA)", "Picture: Reuters/AFP": a credit names its source in a few capitalised words
_CREDIT = re.compile(r"\(?(?i:photo|image|picture)s?(?: (?i:credit))?:?\s+(?:(?i:by)\s+)?"
                     r"[A-Z][\w&/-]*(?:\s+[A-Z][\w&/-]*){0,4}\)?\.?")


def is_fragment(text: str) -> bool:
    """A headline, caption or label rather than a sentence: no closing punctuation (before the link a tweet ends
    with: "... benefiting all. pic.twitter.com/PPGNYGFkYK"), or a photo credit."""
    text = _TRAILING_LINK.sub("", text.rstrip())
    return not re.search(r"[.!?][\"”’)]*$", text) or bool(re.search(r"\((photo|image|picture)\b", text, re.I))


_TRAILING_LINK = re.compile(r"\s+(?:https?://|www\.|pic\.twitter\.com/)\S+$", re.I)


Describe = Callable[[str], tuple[str, date | None, str | None]]  # doc -> (title, published, outlet)


def cite(n: int, doc: str, start_line: int, end_line: int, quote: str, describe: Describe) -> Citation:
    """Citation n of `quote` at those lines of `doc`, with the file's title, date and outlet, and the relative dates
    in the quote resolved against that date."""
    title, published, outlet = describe(doc)
    return Citation(n=n, doc=doc, start_line=start_line, end_line=end_line, quote=quote, title=title,
                    published=published, outlet=outlet,
                    resolved_dates=tuple(str(r) for r in resolve_relative(quote, published)))


def citations_for(chosen: list[Candidate], describe: Describe) -> list[Citation]:
    """Numbered citations for the chosen sentences."""
    return [cite(n, c.passage.doc, c.sentence.start_line, c.sentence.end_line, c.text, describe)
            for n, c in enumerate(chosen, start=1)]


def answer_text(citations: list[Citation], kind: str | None) -> str:
    """The quotes with their markers; for a "when" question, relative dates resolved beside them."""
    parts = []
    for c in citations:
        part = f"{c.quote} [{c.n}]"
        if kind == "date" and c.resolved_dates:
            part += f" ({'; '.join(c.resolved_dates)})"
        parts.append(part)
    return " ".join(parts)
