"""The data types that carry articles, passages, questions and answers through the pipeline.

Defined once here and imported everywhere. Line numbers are 1-based and inclusive, and always refer to the file
exactly as stored on disk (see CONTRACT.md); character offsets are 0-based, end-exclusive.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True)
class Article:
    doc: str  # path relative to the articles folder, with "/" separators
    title: str
    published: date | None
    outlet: str | None
    lines: tuple[str, ...]  # the file's lines as stored, split on "\n"
    sha256: str  # of the raw bytes on disk
    skipped_lines: frozenset[int] = frozenset()  # 1-based numbers of boilerplate lines left out of the index

    def text_of(self, start_line: int, end_line: int) -> str:
        """The exact text of lines start_line..end_line, joined with "\\n"."""
        return "\n".join(self.lines[start_line - 1 : end_line])


# Slots: a process answering questions over 8,900 articles holds 44,204 passages and 184,460 sentences of these.
@dataclass(frozen=True, slots=True)
class Sentence:
    start: int  # offset into Passage.text
    end: int
    start_line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Passage:
    doc: str
    start_line: int
    end_line: int
    text: str  # == Article.text_of(start_line, end_line)
    sentences: tuple[Sentence, ...]

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.start_line}-{self.end_line}"

    def sentence_text(self, sentence: Sentence) -> str:
        return self.text[sentence.start : sentence.end]


# Files listed beside the one a passage or a quote was read from, when its text stands in several (a syndicated
# story): one that many files carry would otherwise crowd out the other passages and sources.
MAX_COPIES = 2


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    score: float
    # The same text in other files (a syndicated or copied story), oldest first: retrieval reads it once, and its
    # citations point at these too (qa/answer/copies.py)
    copies: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class Citation:
    n: int
    doc: str
    start_line: int
    end_line: int
    quote: str  # an exact substring of the file's lines start_line..end_line
    title: str = ""
    published: date | None = None
    outlet: str | None = None
    resolved_dates: tuple[str, ...] = ()  # relative dates in the quote, resolved against `published`
    supported: bool | None = None  # LLM mode: the sentences citing it passed the grounding check (answer/grounding)
    copy_of: int | None = None  # the citation whose quote this is, in another file that carries the same text

    def to_json(self) -> dict:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        data["resolved_dates"] = list(self.resolved_dates)
        for name in ("supported", "copy_of"):
            if data[name] is None:
                del data[name]
        return data


# The confidence from which an answer is shown as "likely" right (even odds on), else as "unsure"; `qa eval` reports
# how often each was right.
LIKELY = 0.5


def confidence_words(confidence: float | None) -> str | None:
    """The word the chat, the command line and the evaluation show for a confidence (None: it states none)."""
    if confidence is None:
        return None
    return "likely" if confidence >= LIKELY else "unsure"


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation]
    refused: bool
    passages: list[ScoredPassage]  # those read, best first by the reader's probability that the answer is in each
    mode: str  # "extractive" or "llm"
    timings_ms: dict[str, float] = field(default_factory=dict)
    related: list[ScoredPassage] = field(default_factory=list)  # offered for checking when refused
    notes: list[str] = field(default_factory=list)  # visible remarks: fallbacks, facts that changed over time
    id: str | None = None
    date_range: DateRange | None = None  # the time the sources were restricted to or ranked by
    confidence: float | None = None  # the reader's probability that the answer is right (extractive answers)
    short_answer: str | None = None  # the span that answers ("700-kilometer"), when the question asks for one
    read_as: str | None = None  # the question as rewritten from the conversation, when it was
    # What is wrong with a question that could not be asked (empty, too long, no word to search for, a date range that
    # is not one): nothing was searched, so it is no refusal (CONTRACT.md); `text` says the same to the reader.
    error: str | None = None
    # Set when a language model was asked (LLM mode): "outcome" (answered, refused, unsupported: nothing it said
    # held, unavailable: it failed), "sources_given", "sentences" (claims in its reply), "removed_claims",
    # "removed" ([{text, reason}]), "reply" (raw), "reason" (why it was unavailable).
    llm: dict | None = None

    def to_json(self) -> dict:
        """The answer object of CONTRACT.md (plus extra fields)."""
        data = {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "passages": [found for p in self.passages for found in _passage_json(p)],
            "related": [found for p in self.related for found in _passage_json(p)],
            "mode": self.mode,
            "notes": list(self.notes),
            "date_range": self.date_range.to_json() if self.date_range else None,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
        for name in ("confidence", "short_answer", "read_as", "error"):
            if getattr(self, name) is not None:
                data[name] = round(self.confidence, 4) if name == "confidence" else getattr(self, name)
        if self.llm is not None:
            data["sources_given"] = self.llm.get("sources_given", 0)
            data["removed_claims"] = self.llm.get("removed_claims", 0)
            data["llm"] = dict(self.llm)
        if self.id is not None:
            data = {"id": self.id, **data}
        return data


def _passage_json(scored: ScoredPassage) -> list[dict]:
    """The passage, then where its text stands in its first MAX_COPIES copies: retrieval found that text, and a reader
    (or a scorer) checking for a line of one copy finds it listed as the citations list it (qa/answer/copies.py)."""
    found = [{"doc": p.doc, "start_line": p.start_line, "end_line": p.end_line, "score": round(scored.score, 4)}
             for p in (scored.passage, *scored.copies[:MAX_COPIES])]
    for copy in found[1:]:
        copy["copy_of"] = scored.passage.doc
    return found


@dataclass(frozen=True)
class GoldSource:
    doc: str
    line: int


@dataclass(frozen=True)
class Question:
    """One line of a question set (CONTRACT.md, "Question set format")."""

    id: str
    question: str
    kind: str
    answerable: bool
    must: tuple[tuple[str, ...], ...]
    sources: tuple[GoldSource, ...]
    history: tuple[str, ...] = ()  # the questions asked before it in the same chat, oldest first (a follow-up)


@dataclass(frozen=True)
class DateRange:
    """A span of days a question is about: named in it ("in December 2021") or set as a filter (since/until).

    Either end may be open (None). `explicit`: set by the user as a filter, which restricts the sources; a range
    read from the question only ranks them.
    """

    first: date | None
    last: date | None
    phrase: str = ""  # the words of the question it was read from, or the filter as given
    explicit: bool = False

    def overlaps(self, first: date, last: date) -> bool:
        return (self.first is None or last >= self.first) and (self.last is None or first <= self.last)

    def to_json(self) -> dict:
        return {"since": self.first.isoformat() if self.first else None,
                "until": self.last.isoformat() if self.last else None,
                "phrase": self.phrase, "from": "filter" if self.explicit else "question"}

    def __str__(self) -> str:
        if self.first and self.last:
            return f"{self.first.isoformat()} to {self.last.isoformat()}"
        if self.first:
            return f"from {self.first.isoformat()} on"
        return f"up to {self.last.isoformat()}" if self.last else "any date"


@dataclass(frozen=True)
class TimelineEvent:
    """A sentence that mentions a date (written out or resolved), placed at that date."""

    first: date  # the range of days the date phrase means
    last: date
    when: str  # "27 September 2020", "January 2021", "2016"
    phrase: str  # as written in the sentence: "September 27 last year"
    doc: str
    start_line: int
    end_line: int
    quote: str  # the sentence, verbatim
    title: str = ""

    def to_json(self) -> dict:
        data = asdict(self)
        data["first"], data["last"] = self.first.isoformat(), self.last.isoformat()
        return data
