"""`ask()`: the one code path from a question to an `Answer`, shared by the CLI, the Gradio app and the evaluation.

question -> (follow-up context) -> hybrid retrieval -> extractive answer, or the LLM's answer checked against the
same evidence, falling back to the extractive one with a visible note when the LLM cannot be used.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from datetime import date
from typing import Callable

from qa.answer import extractive
from qa.answer.answer_types import wanted
from qa.config import Settings, get_settings
from qa.index import ManifestEntry, Retriever, embedder_from_settings, server_errors
from qa.ingest import open_collections
from qa.temporal import changes, time_scope
from qa.types import Answer, Citation

MAX_QUESTION_CHARS = 2000
LLM_NOT_CONFIGURED = ("The LLM mode is not configured (set OPENAI_API_KEY or OPENAI_BASE_URL); "
                      "this is the offline extractive answer.")
_FOLLOW_UP = re.compile(
    r"^(and|but|what about|how about|which|who|where|when|why|how|did|does|was|were|is|are)\b.*"
    r"|.*\b(it|its|they|them|their|he|him|his|she|her|there|that|this|those|these|the same|other)\b",
    re.I,
)


class QuestionError(ValueError):
    """A question that cannot be answered as asked; the message says what is wrong."""


class Engine:
    """An open index and everything a question needs, kept warm between questions."""

    def __init__(self, settings: Settings | None = None, retrieval: str = "hybrid") -> None:
        self.settings = settings or get_settings()
        self.embedder = embedder_from_settings(self.settings)
        self.collections = open_collections(self.settings, self.embedder)
        self.retriever = Retriever(self.collections, self.embedder, self.settings.store_dir / "cache", retrieval)
        self._manifest: dict[str, ManifestEntry] = {}
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> None:
        """Pick up what an ingest changed."""
        with self._lock, server_errors(self.settings):
            self._manifest = self.collections.read_manifest()
            self.retriever.refresh(self._manifest)

    @property
    def manifest(self) -> dict[str, ManifestEntry]:
        return self._manifest

    def describe(self, doc: str) -> tuple[str, date | None, str | None]:
        entry = self._manifest.get(doc)
        return (entry.title, entry.published, entry.outlet) if entry else (doc, None, None)

    def published(self, doc: str) -> date | None:
        entry = self._manifest.get(doc)
        return entry.published if entry else None

    def ask(
        self,
        question: str,
        *,
        top_k: int | None = None,
        mode: str | None = None,
        history: list[str] | None = None,
        on_token: Callable[[str], None] | None = None,
        since: object = None,
        until: object = None,
        date_range: object = None,
        on_restart: Callable[[], None] | None = None,
    ) -> Answer:
        """Answer `question`. `on_token` receives the answer text as it is produced; `on_restart` is called when the
        text streamed so far is withdrawn (the language model failed mid-answer) and what follows replaces it.
        `since`/`until` (or `date_range=(since, until)`): a date, or "2021", "2021-12", "2021-12-23",
        "December 2021"; only sources in that range are used. Without them, a time the question names ranks them."""
        started = time.perf_counter()
        problem = question_problem(question)
        if not problem:
            try:
                explicit = time_scope.filter_range(since, until, date_range)
            except time_scope.DateRangeError as err:
                problem = f"The date range cannot be used: {err}."
        if problem:
            return Answer(question=question, text=problem, citations=[], refused=True, passages=[],
                          mode="extractive", timings_ms={"retrieve": 0.0, "answer": 0.0, "total": 0.0},
                          notes=[problem])
        question = clean_question(question)
        asked_for_llm = (mode or self.settings.answer_mode) == "llm"
        mode = resolve_mode(mode, self.settings)
        standalone = self._standalone(question, history or [], mode)
        scope = explicit or time_scope.from_question(standalone)  # a follow-up may take its time from the last question
        top_k = top_k or self.settings.top_k
        with server_errors(self.settings):
            retrieved = self.retriever.retrieve(standalone, top_k * time_scope.POOL if scope else top_k)
        pool = retrieved.passages
        if scope:
            retrieved.passages = time_scope.rank(pool, scope, self.published, top_k)
        retrieved_at = time.perf_counter()
        found = extractive.candidates(standalone, retrieved, retrieved.sentence_vectors, self.retriever.tables.vocabulary,
                                      self.published)
        if scope:
            found = time_scope.mark(found, scope, self.published)
        kind = wanted(standalone)
        # A name counts as known when any passage read mentions it, also one that the date range ranked out.
        unknown = extractive.unknown_names(standalone, dataclasses.replace(retrieved, passages=pool))
        selection = extractive.select(found, kind, unknown)
        readings = [] if selection.refused else changes.differing(
            sorted((c for c in found if c.time_match or not scope), key=lambda c: -c.score()), kind, standalone,
            lambda c: c.score(), self.published)
        citations = extractive.citations_for([r.candidate for r in readings] or selection.chosen, self.describe)
        if selection.refused:
            text = extractive.REFUSAL_TEXT
        elif readings:
            text = changes.answer_text(readings, [c.n for c in citations])
        else:
            text = extractive.answer_text(citations, kind)
        answer = Answer(
            question=question,
            text=text,
            citations=citations,
            refused=selection.refused,
            passages=retrieved.passages,
            mode="extractive",
            related=extractive.related(retrieved) if selection.refused else [],
            notes=[changes.note(readings)] if readings else [],
            date_range=scope,
        )
        if scope:
            answer.notes.extend(time_scope.notes(scope, selection.chosen, selection.refused))
        if mode == "llm":
            answer = self._llm_answer(answer, standalone, retrieved, on_token, on_restart, readings)
        else:
            if asked_for_llm:
                answer.notes.append(LLM_NOT_CONFIGURED)
            if on_token:
                on_token(answer.text)
        done = time.perf_counter()
        answer.timings_ms = {
            "retrieve": (retrieved_at - started) * 1000,
            "answer": (done - retrieved_at) * 1000,
            "total": (done - started) * 1000,
        }
        return answer

    def _standalone(self, question: str, history: list[str], mode: str) -> str:
        """The question made to stand on its own: condensed by the LLM in LLM mode, else by `with_context`."""
        if mode == "llm" and history:
            from qa.answer.llm import condense_question

            return condense_question([(earlier, "") for earlier in history], question, self.settings)
        return with_context(question, history)

    def _llm_answer(self, fallback: Answer, question: str, retrieved, on_token, on_restart, readings=()) -> Answer:
        """The language model's answer, each sentence checked against its sources; the extractive `fallback`, with a
        note, when the model cannot be used or nothing it said is supported. The time-scope, date-filter and
        changed-facts notes of the extractive answer are given for the model's answer too."""
        from qa.answer.llm import NO_SUPPORT_NOTE, LLMUnavailable, llm_answer

        sources = self._sources(retrieved)
        scope = fallback.date_range
        if scope and scope.explicit:  # a filter restricts sentences too, as in the extractive answer
            sources = [s for s in sources if time_scope.in_range(s.quote, s.published, scope)]
        try:
            result = llm_answer(question, sources, self.settings, on_token=on_token)
        except LLMUnavailable as err:
            fallback.llm = {"outcome": "unavailable", "reason": str(err), "sources_given": 0, "sentences": 0,
                            "removed_claims": 0, "removed": []}
            return _fall_back(fallback, f"The language model could not be used ({err}); this is the extractive "
                                        "answer.", on_token, on_restart)
        details = {"sources_given": result.sources_given, "sentences": result.sentences,
                   "removed_claims": len(result.removed), "removed": [r.to_json() for r in result.removed],
                   "reply": result.reply}
        if result.unsupported:
            fallback.llm = {"outcome": "unsupported", **details}
            return _fall_back(fallback, NO_SUPPORT_NOTE, on_token, on_restart,
                              [note for note in result.notes if note != NO_SUPPORT_NOTE])
        notes = list(result.notes)
        if readings:
            notes.append(changes.note(readings))
        if scope:
            notes.extend(time_scope.notes_for(
                scope, [time_scope.in_range(c.quote, c.published, scope) for c in result.citations], result.refused))
        return Answer(
            question=fallback.question,
            text=result.text,
            citations=result.citations,
            refused=result.refused,
            passages=fallback.passages,
            mode="llm",
            related=extractive.related(retrieved) if result.refused else [],
            notes=notes,
            date_range=fallback.date_range,
            llm={"outcome": "refused" if result.refused else "answered", **details},
        )

    def _sources(self, retrieved) -> list[Citation]:
        """Every sentence of the retrieved passages, best first, as the evidence an LLM may cite (the prompt budget
        takes as many as fit)."""
        from qa.answer.evidence import ranked_sources

        return ranked_sources(retrieved, self.describe)


def _fall_back(fallback: Answer, why: str, on_token, on_restart, notes: list[str] = ()) -> Answer:
    """The extractive answer instead of the model's, saying why; what the model streamed is withdrawn."""
    fallback.notes.extend([*notes, why])
    if on_restart:  # whatever the model streamed is not the answer
        on_restart()
    if on_token:
        on_token(fallback.text)
    return fallback


def question_problem(question: str) -> str | None:
    """What is wrong with a question that cannot be asked, in words for the user; None when it is fine."""
    if not isinstance(question, str) or not question.strip():
        return "Please type a question: the question was empty."
    if len(question) > MAX_QUESTION_CHARS:
        return f"The question is too long ({len(question):,} characters; the limit is {MAX_QUESTION_CHARS:,})."
    if not re.search(r"\w", question):
        return "The question has no words in it."
    return None


def clean_question(question: str) -> str:
    """Control characters out, white space folded."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in question).split())


def with_context(question: str, history: list[str]) -> str:
    """A follow-up that leans on the previous question carries that question's words along.

    "Which country stayed away?" after "Where was the first 3+3 meeting held?" is retrieved as both together;
    a question that names its own subject is left alone.
    """
    if not history:
        return question
    has_own_subject = len(re.findall(r"\b[A-Z][\w'’-]+", question[1:])) >= 2
    if has_own_subject or not _FOLLOW_UP.match(question) or len(question.split()) > 14:
        return question
    return f"{question} ({history[-1]})"


def resolve_mode(mode: str | None, settings: Settings) -> str:
    """The mode a question is answered in: the one asked for, else the configured one. "auto" and "llm" become
    "extractive" when no language model is configured (nothing would answer; the offline answer is the honest one)."""
    wanted = mode or settings.answer_mode
    if wanted not in ("extractive", "llm", "auto"):
        raise QuestionError(f"unknown answer mode {wanted!r}: use extractive, llm or auto")
    return "llm" if wanted != "extractive" and settings.llm_configured else "extractive"


_engines: dict[tuple, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(settings: Settings | None = None, retrieval: str = "hybrid") -> Engine:
    """One warm engine per process and configuration."""
    settings = settings or get_settings()
    key = (str(settings.store_dir), settings.chroma_host, settings.chroma_port, settings.collection, retrieval)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = Engine(settings, retrieval)
        return _engines[key]


def ask(question: str, **options) -> Answer:
    """Answer one question with the configured index: `qa.ask("...", top_k=6, mode="extractive")`."""
    settings = options.pop("settings", None)
    return get_engine(settings).ask(question, **options)
