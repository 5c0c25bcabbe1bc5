"""A question that asks two or three things at once, answered one part at a time (extractive mode).

"Where was the first 3+3 meeting held, and which capital will host the next one?" needs two sentences, often from
two articles: the reader chooses the one sentence that best answers a question (and a close second), so asked as one
question it answers one part and drops the other. `parts` splits such a question where a new question begins ("...,
and which ...", "...; when ...", "...? Who ..."); the engine answers each part in turn, a later one as a follow-up
of the part before it (so "he" there is the one that part asked about), and `combined` puts the answers together:
each part's quotes in turn, numbered as one answer, with the parts the articles do not answer named in a note.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import NamedTuple

from qa.answer import follow_up
from qa.answer.answer_types import AUXILIARY, PREPOSITIONS, QUESTION_WORDS
from qa.types import Answer, Citation, ScoredPassage

MAX_PARTS = 3  # more than this is a list of things to find, not questions to answer in turn
MIN_WORDS = 3  # "How and why ...": a question word alone is not a question of its own

_WH = QUESTION_WORDS  # "who", "what", ... "how"
_ASKS = re.compile(rf"\b{_WH}\b|^{AUXILIARY}\b", re.I)
# Where a new question begins inside a sentence: "..., and which capital ...", "... and who was ...", "... and by
# what percentage ...", "...; when ..."; in lower case: a capitalised "What" there starts a title ("the show run by
# Stuff and What Hi-Fi?")
_PREPOSITION = rf"(?:{PREPOSITIONS})"
_JOINED = re.compile(rf"(?:,\s*|\s+)and\s+(?=(?:{_PREPOSITION}\s+)?{_WH}\b)|;\s+(?=(?:{_PREPOSITION}\s+)?{_WH}\b)")
# ... but not an aside between commas ("Which two runners, and from which countries, trailed home behind her?")
_ASIDE = re.compile(rf"^(?:{_PREPOSITION}\s+)?{_WH}(?:\s+[\w'’-]+){{0,2}},")
# ... nor after a question word and the noun it asks about, which share the verb that follows: "which bank and which
# PR firm quit his bid team?", "how many goals and how many points did he score?"
_VERB_FOLLOWS = re.compile(r"\b(?:which|whose|how\s+(?:many|much))(?:\s+[\w'’-]+){1,2}$", re.I)
# ... and after a question mark: "... kick your cat? Which quiz show does she host?"
_ASKED_AGAIN = re.compile(r"(?<=\?)\s+(?=[A-Z])")
# A question mark before a lower-case word is inside a title ("the show run by Stuff? What Hi-Fi? taking place"):
# such a text is not split at its question marks.
_TITLE_MARK = re.compile(r"\?\s+[a-z]")
# The scene a question sets before it asks: sentences that end in a full stop (not an abbreviation's: "Mr.", "U.S.")
# or an exclamation mark, before a capital or a question word typed in lower case, or a label before a colon
# ("Zarif's Baku trip: which day did he land ...?").
_SCENE = re.compile(r"^(.*(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\b[A-Z])[.!])\s+"
                    rf"(?=[A-Z]|(?i:{_WH})\b)|^([^?:]*):\s+(?=(?i:{_WH})\b)")


class Parts(NamedTuple):
    scene: str  # what the question sets out before it asks, given with every part ("Zarif's Baku trip:"); or ""
    questions: list[str]  # the questions it asks: one, or MAX_PARTS at most

    @property
    def texts(self) -> list[str]:
        """Each part as it is answered: with the scene."""
        return [f"{self.scene} {q}".strip() for q in self.questions]


def parts(question: str) -> Parts:
    """The questions `question` asks, and the scene it sets for them; the question alone when it asks one thing."""
    scene, asking = _scene(question.strip())
    if not scene and "?" not in asking[:-1]:
        pieces = _split_joined(asking)
    else:
        pieces = []
        for piece in _ASKED_AGAIN.split(asking) if not _TITLE_MARK.search(asking) else [asking]:
            pieces.extend(_split_joined(piece))
    # A piece that asks nothing ("The village had no electricity?") sets the scene for the next one.
    merged: list[str] = []
    for piece in pieces:
        if merged and not _asks(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    if len(merged) < 2 or len(merged) > MAX_PARTS or not all(_asks(p) for p in merged):
        return Parts("", [question])
    return Parts(scene, [_as_question(p) for p in merged])


def _scene(text: str) -> tuple[str, str]:
    """The scene set before the question (may be empty) and the question."""
    found = _SCENE.match(text)
    if not found:
        return "", text
    scene = found.group(1) or f"{found.group(2)}:"
    return scene, text[found.end():]


def _split_joined(sentence: str) -> list[str]:
    pieces = [p.strip(" ,;") for p in _JOINED.split(sentence)]
    return pieces if all(_asks(p) for p in pieces) and not any(_ASIDE.match(p) for p in pieces[1:]) \
        and not any(_VERB_FOLLOWS.search(p) for p in pieces[:-1]) else [sentence]


def _asks(piece: str) -> bool:
    return len(piece.split()) >= MIN_WORDS and bool(_ASKS.search(piece))


def _as_question(piece: str) -> str:
    piece = piece[:1].upper() + piece[1:]
    return piece if piece.endswith("?") else f"{piece.rstrip('.!')}?"


def combined(question: str, pieces: list[str], answers: list[Answer], timings_ms: dict[str, float]) -> Answer:
    """One answer to `question` from the answers to its parts: their quotes in turn (a sentence quoted for two parts
    is quoted once, and cited again by its number), their citations numbered as one list, the passages each part
    read best interleaved, and a note naming each part the articles do not answer. Refused when every part is."""
    answered = [(p, a) for p, a in zip(pieces, answers) if not a.refused and not a.error]
    given = [a for _, a in answered]
    unanswered = [p for p, a in zip(pieces, answers) if a.refused]
    unasked = [f"{p} ({a.error})" for p, a in zip(pieces, answers) if a.error]
    citations: list[Citation] = []
    texts: list[str] = []
    again: list[str] = []  # parts answered by a sentence quoted for an earlier part, with no span of their own
    for part, answer in answered:
        numbers: dict[int, int] = {}
        fresh = False
        for c in answer.citations:
            same = next((kept for kept in citations if (kept.doc, kept.start_line, kept.end_line, kept.quote) ==
                         (c.doc, c.start_line, c.end_line, c.quote)), None)
            if same is None:
                same = replace(c, n=len(citations) + 1, copy_of=numbers.get(c.copy_of) if c.copy_of else None)
                citations.append(same)
                fresh = True
            numbers[c.n] = same.n
        if fresh:
            texts.append(re.sub(r"\[(\d+)\]", lambda m: f"[{numbers.get(int(m.group(1)), int(m.group(1)))}]",
                                answer.text))
        elif answer.short_answer:  # its sentence is quoted already: its own short answer, pointing there
            texts.append(f"{answer.short_answer} [{numbers[answer.citations[0].n]}]")
        else:  # said, so that the part does not look left out
            again.append(f"{part} [{numbers[answer.citations[0].n]}]")
    notes = [f"Answered as {len(pieces)} questions: " + " ".join(f"({i}) {p}" for i, p in enumerate(pieces, 1))]
    if given and unanswered:
        notes.append("The articles do not answer: " + " ".join(unanswered))
    if unasked:
        notes.append("Not asked: " + " ".join(unasked))
    if again:
        notes.append("Answered by a sentence quoted above: " + " ".join(again))
    for answer in answers:
        notes.extend(n for n in answer.notes if n not in notes)
    first = given[0] if given else answers[0]
    confidences = [a.confidence for a in answers]
    # Each part as it was read (a pronoun in full), without the part before it that an elliptical one was retrieved
    # with: that part is shown just before it.
    read = [follow_up.own_question(a.read_as or a.question) for a in answers]
    return Answer(
        question=question,
        text="\n\n".join(texts) if given else first.text,  # a paragraph for each part
        citations=citations,
        refused=not given,
        passages=_interleaved([a.passages for a in answers]),
        mode=first.mode,
        timings_ms=timings_ms,
        related=[] if given else first.related,
        notes=notes,
        date_range=first.date_range,
        # the answer is right when every part's answer (or refusal) is
        confidence=None if None in confidences else math.prod(confidences),
        short_answer=None,  # no one span answers every part
        read_as=" ".join(read) if read != pieces else None,
    )


def _interleaved(lists: list[list[ScoredPassage]]) -> list[ScoredPassage]:
    """Each part's best passage, then each one's second, ..., each passage once, as many as the longest list."""
    seen, out, depth = set(), [], max(map(len, lists), default=0)
    for rank in range(depth):
        for passages in lists:
            if rank < len(passages):
                p = passages[rank].passage
                if (p.doc, p.start_line, p.end_line) not in seen:
                    seen.add((p.doc, p.start_line, p.end_line))
                    out.append(passages[rank])
    return out[:depth]
