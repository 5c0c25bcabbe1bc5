"""`ask()`: the one code path from a question to an `Answer`, shared by the CLI, the Gradio app and the evaluation.

question -> (misspelt words, follow-up context) -> hybrid retrieval -> extractive answer, or the LLM's answer checked
against the same evidence, falling back to the extractive one with a visible note when the LLM cannot be used.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterator

from qa.answer import compound, copies, extractive, follow_up, reader, spelling
from qa.answer.answer_types import Asked, asked
from qa.answer.extractive import Candidate
from qa.config import Settings, get_settings
from qa.index import (
    Collections,
    Control,
    DocFilter,
    EmptyIndexError,
    ManifestEntry,
    Retrieved,
    STOPWORDS,
    Retriever,
    Vocabulary,
    embedder_from_settings,
    server_errors,
)
from qa.ingest import open_collections
from qa.temporal import changes, time_scope
from qa.types import Answer, Citation, DateRange, ScoredPassage

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 2000
RELATED = 3  # passages a refusal shows, the reader's best first, for checking by hand
# Markup pasted into a question is not part of it: a script or style element with its code, and any other tag (a
# name after "<", so "3 < 5 > 2" is left alone).
_MARKUP = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)|</?[A-Za-z][\w:-]*(\s[^<>]*)?/?>",
                     re.IGNORECASE | re.DOTALL)
LLM_NOT_CONFIGURED = ("The LLM mode is not configured (set OPENAI_API_KEY or OPENAI_BASE_URL); "
                      "this is the offline extractive answer.")


@dataclass
class Evidence:
    question: str  # as it stands on its own (a follow-up carries its context)
    scope: DateRange | None  # the time the sources are restricted to or ranked by
    retrieved: Retrieved
    asked: Asked
    candidates: list[Candidate]
    unknown_names: int  # names in the question that no retrieved passage mentions
    pool: list[ScoredPassage]  # the passages retrieved, with those beyond the ones read when the pool was read deeper
    lists_holders: bool  # it asks who holds a role: the role's holders at other times are looked for in the pool
    named: str  # `question` as the sentences' signals read it, with its names' capitals (`extractive.cased_as_in`)


class QuestionError(ValueError):
    """A question that cannot be answered as asked; the message says what is wrong."""


class Engine:
    """An open index and everything a question needs, kept warm between questions."""

    def __init__(self, settings: Settings | None = None, retrieval: str = "hybrid") -> None:
        self.settings = settings or get_settings()
        self.embedder = embedder_from_settings(self.settings)
        self.collections = open_collections(self.settings, self.embedder)
        self.retriever = Retriever(self.collections, self.embedder, self.settings.cache_dir, retrieval)
        self._manifest: dict[str, ManifestEntry] = {}
        self._lock = threading.Lock()
        # Server mode: the index version the tables were built from, when it was last compared with the server's,
        # and the background refresh that another process's ingest started (keep_fresh).
        self._control = Control(self.collections.client, self.settings.collection) \
            if self.settings.server_mode else None
        self._version = ""
        self._checked = 0.0
        self._refreshing: threading.Thread | None = None
        self.refresh()

    def refresh(self) -> None:
        """Pick up what an ingest changed. In server mode the collections are opened again on the same client (a
        rebuild by another process gives them new ids), and the version read first, so a change made meanwhile is
        picked up by the next check."""
        with self._lock, server_errors(self.settings):
            if self._control is not None:
                version = self._control.version()
                self.collections = Collections(self.collections.client, self.settings.collection, self.embedder)
                self.retriever.reopen(self.collections)
            manifest = self.collections.read_manifest()
            self.retriever.refresh(manifest)
            self._manifest = manifest
            if self._control is not None:
                self._version, self._checked = version, time.monotonic()

    def keep_fresh(self) -> None:
        """Server mode: notice another process's ingest. At most every `freshness_s` seconds, one small read (the
        index version); when it changed, the tables are rebuilt in a background thread while questions go on being
        answered from the current ones, so a large index does not make a question wait for the rebuild."""
        if self._control is None or time.monotonic() - self._checked < self.settings.freshness_s:
            return
        self._checked = time.monotonic()
        if self._refreshing is not None and self._refreshing.is_alive():
            return
        with server_errors(self.settings):
            version = self._control.version()
        if version != self._version:
            self._refreshing = threading.Thread(target=self._refresh_quietly, name="qa-refresh", daemon=True)
            self._refreshing.start()

    def _refresh_quietly(self) -> None:
        try:
            self.refresh()
        except Exception as err:  # noqa: BLE001 - the next check tries again; questions use the current tables
            log.warning("could not pick up the changed index (%s); trying again at the next question", err)

    @property
    def manifest(self) -> dict[str, ManifestEntry]:
        return self._manifest

    def describe(self, doc: str) -> tuple[str, date | None, str | None]:
        entry = self._manifest.get(doc)
        return (entry.title, entry.published, entry.outlet) if entry else (doc, None, None)

    def published(self, doc: str) -> date | None:
        entry = self._manifest.get(doc)
        return entry.published if entry else None

    def published_dates(self) -> Iterator[date | None]:
        """Every article's publication date (None: undated), read only when a note needs them (a refused filter)."""
        return (entry.published for entry in self._manifest.values())

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
        self.keep_fresh()
        problem = question_problem(question)
        if not problem:
            try:
                explicit = time_scope.filter_range(since, until, date_range)
            except time_scope.DateRangeError as err:
                problem = f"The date range cannot be used: {err}."
        if problem:
            return _problem_answer(question, problem, started)
        if not self._manifest:
            if self.settings.server_mode:  # it may be half-way through another process's rebuild
                raise EmptyIndexError(
                    f"the index '{self.settings.collection}' on the Chroma server at {self.settings.chroma_host}:"
                    f"{self.settings.chroma_port} is empty: build it with `qa ingest`. If another process is "
                    f"rebuilding it (`qa ingest --rebuild`), this one sees it again within "
                    f"{self.settings.freshness_s:g} s (QA_FRESHNESS_S).")
            raise EmptyIndexError(f"the index at {self.settings.store_dir} is empty: build it with `qa ingest` "
                                  f"(articles folder: {self.settings.articles_dir})")
        question = clean_question(question)
        asked_for_llm = (mode or self.settings.answer_mode) == "llm"
        mode = resolve_mode(mode, self.settings)
        # In LLM mode the model answers every part from the evidence; the extractive reader quotes one answer's
        # sentences, so it answers each part in turn.
        split = compound.parts(question) if mode == "extractive" else compound.Parts("", [question])
        if len(split.questions) > 1:
            answer = self._ask_in_parts(question, split, started, top_k=top_k, mode=mode, history=history,
                                        since=since, until=until, date_range=date_range)
            if asked_for_llm:
                answer.notes.append(LLM_NOT_CONFIGURED)
            if on_token:
                on_token(answer.text)
            return answer
        found = self.evidence(question, top_k=top_k, history=history, mode=mode, explicit=explicit)
        words = searched_words(found.question)
        if not words:
            return _problem_answer(question, "The question has no words to search the articles for, only question "
                                             "words: what should it be about?", started, read_as=found.question)
        retrieved, scope = found.retrieved, found.scope
        retrieved_at = time.perf_counter()
        model = reader.load_model()
        verdict = reader.read(found.candidates, found.asked, found.unknown_names, model,
                              reader.pair_scores_for(found.question, model))
        nowhere = not in_any_article(retrieved, self.retriever.tables.vocabulary)
        if nowhere:  # whatever was retrieved answers another question: searched, and not there
            verdict = reader.Verdict(verdict.ranked, [], 0.0, 1.0, True)
        probability = {id(r.candidate): r.p for r in verdict.ranked}
        readings, chosen, confidence = [], verdict.chosen, verdict.confidence
        short = reader.short_of(verdict, found.question, found.asked, model,
                                reader.span_scores_for(found.question, model))
        if not verdict.refused:
            in_time = [r.candidate for r in verdict.ranked if r.candidate.time_match or not scope]
            # A question that names a time picks the holder itself; only one that asks who holds a role lists them.
            holders = self._pool_holders(found) if found.lists_holders and not scope else None
            readings = changes.differing(in_time, found.asked.kind, found.question, lambda c: probability[id(c)],
                                         self.published, holders)
            holder = changes.holder_answer(in_time, found.question) if found.lists_holders and not readings else None
            if holder:
                short = holder[1]
                if holder[0] is not chosen[0]:
                    chosen = [holder[0]]
                    confidence = model.answer_confidence(verdict.answerable, probability[id(holder[0])])
        citations = extractive.citations_for([r.candidate for r in readings] or chosen, self.describe)
        passages = reader.passages_by_reading(retrieved.passages, verdict.ranked)
        if verdict.refused:
            text = extractive.REFUSAL_TEXT
        elif readings:
            text = changes.answer_text(readings, [c.n for c in citations])
        else:
            text = extractive.answer_text(citations, found.asked.kind)
        # The span leads the answer only where the answer quotes its sentence: not over the values of several times.
        short = None if verdict.refused or readings else short
        if short:
            text = f"{short} — {text}"
        answer = Answer(
            question=question,
            text=text,
            citations=citations,
            refused=verdict.refused,
            passages=passages,
            mode="extractive",
            related=passages[:RELATED] if verdict.refused else [],
            notes=[changes.note(readings)] if readings else [],
            date_range=scope,
            confidence=confidence,
            short_answer=short,
            read_as=found.question if found.question != question else None,
        )
        if nowhere:
            answer.notes.append(f"None of the question's words ({', '.join(words)}) is in any article: check the "
                                "spelling, or ask about what the articles cover.")
        elif verdict.refused and reader.unsaid_refuses(verdict.ranked, model):
            answer.notes.append(extractive.unsaid_note(verdict.ranked[0].candidate.names_unsaid))
        if scope:
            answer.notes.extend(time_scope.notes(scope, chosen, verdict.refused, self.published_dates()))
        written = mode == "llm" and not nowhere  # nowhere: nothing in the articles for a model to write from
        if written:
            answer = self._llm_answer(answer, found.question, retrieved, on_token, on_restart, readings)
        elif asked_for_llm and mode != "llm":
            answer.notes.append(LLM_NOT_CONFIGURED)
        answer = copies.cite_copies(answer, retrieved.passages, self.describe)
        if on_token and not written:
            on_token(answer.text)
        done = time.perf_counter()
        answer.timings_ms = {
            "retrieve": (retrieved_at - started) * 1000,
            "answer": (done - retrieved_at) * 1000,
            "total": (done - started) * 1000,
        }
        return answer

    def _ask_in_parts(self, question: str, split: compound.Parts, started: float, *, history: list[str] | None,
                      **options) -> Answer:
        """`question` answered one part at a time (`compound`): the first as a turn of the conversation, each later
        one as a follow-up of the part before it, answered just now ("... and who did he meet there?"), unless the
        scene they share says who they are about."""
        pieces, answers = split.texts, []
        for i, piece in enumerate(pieces):
            if i and not split.scene:
                before = answers[-1]
                said = (before.short_answer, before.citations[0].quote if before.citations else "",
                        before.read_as or before.question)
                piece = follow_up.rewrite(piece, pieces[i - 1:i], lambda: said, part=True)
            answers.append(self.ask(piece, history=None if i else history, **options))
        total = (time.perf_counter() - started) * 1000
        retrieve = sum(a.timings_ms["retrieve"] for a in answers)
        return compound.combined(question, pieces, answers,
                                 {"retrieve": retrieve, "answer": total - retrieve, "total": total})

    def evidence(self, question: str, *, top_k: int | None = None, history: list[str] | None = None,
                 mode: str = "extractive", explicit: DateRange | None = None) -> Evidence:
        """What the reader weighs for a (clean) question: the passages retrieved and every sentence's signals."""
        vocabulary = self.retriever.tables.vocabulary
        standalone = self._standalone(spelling.corrected(question, vocabulary), history or [], mode)
        scope = explicit or time_scope.from_question(standalone)  # a follow-up may take its time from the last question
        top_k = top_k or self.settings.top_k
        asked_for = asked(follow_up.own_question(standalone))
        lists_holders = asked_for.kind == "person" and changes.asks_holder(standalone)
        with server_errors(self.settings):
            # A filter restricts inside the searches (only in-range articles are searched); a range read from the
            # question only ranks, over a pool read deeper. A question that asks who holds a role has its pool read
            # deeper for the role's holders at other times (`_pool_holders`); the reader reads the same top_k passages
            # as without it.
            only = DocFilter(explicit.first, explicit.last) if explicit and explicit.explicit else None
            deep = scope or lists_holders
            retrieved = self.retriever.retrieve(standalone, top_k * time_scope.POOL if deep else top_k, only)
        pool = retrieved.passages
        retrieved.passages = time_scope.rank(pool, scope, self.published, top_k) if scope else pool[:top_k]
        # The sentences' signals read the question's names by their capitals: a question typed in lower case is read
        # as the passages write its words.
        named = extractive.cased_as_in(standalone, [scored.passage for scored in retrieved.passages])
        if named != standalone:
            asked_for = asked(follow_up.own_question(named))
        if (reading := follow_up.reading(named)) != named:  # a follow-up read with the question before it
            named, retrieved = reading, self.retriever.read_for(retrieved, reading)
        found = extractive.candidates(named, asked_for, retrieved, retrieved.sentence_vectors, vocabulary,
                                      self.published, self.retriever.article_terms, self.retriever.sentence_before)
        if asked_for.described and not scope and not any(c.describes for c in found):
            found = self._described_deeper(found, named, asked_for, retrieved, top_k, only)
        if scope:
            found = time_scope.mark(found, scope, self.published)
        # A name counts as known when any passage read mentions it, also one that the date range ranked out.
        unknown = extractive.unknown_names(
            named, dataclasses.replace(retrieved, passages=pool if scope else retrieved.passages))
        return Evidence(standalone, scope, retrieved, asked_for, found, len(unknown), pool, lists_holders, named)

    def _described_deeper(self, found: list[Candidate], named: str, asked_for: Asked, retrieved: Retrieved,
                          top_k: int, only: DocFilter | None) -> list[Candidate]:
        """"Who is X?" where no passage read says who X is: the passages that name X most are not always the ones
        that describe X ("Time Warner chairman Richard Parsons" ranks below stories that quote him), so the next
        passages retrieval ranks (as deep as a date range reads) are searched for a sentence that does; those
        sentences are read too, and their passages returned with the others."""
        deeper = self.retriever.retrieve(named, top_k * time_scope.POOL, only)
        describing = [c for c in extractive.candidates(named, asked_for, deeper, deeper.sentence_vectors,
                                                       self.retriever.tables.vocabulary, self.published,
                                                       self.retriever.article_terms, self.retriever.sentence_before)
                      if c.describes and c.passage_rank >= top_k]
        ids = {c.passage.id for c in describing}
        retrieved.passages += [scored for scored in deeper.passages if scored.passage.id in ids]
        retrieved.sentence_vectors.update(deeper.sentence_vectors)
        retrieved.passage_similarity.update(deeper.passage_similarity)
        return found + describing

    def _pool_holders(self, found: Evidence) -> list[Candidate]:
        """The sentences of the dated passages retrieved beyond those read that name someone in the role asked about."""
        read = {scored.passage.id for scored in found.retrieved.passages}
        naming = [scored for scored in found.pool if scored.passage.id not in read
                  and self.published(scored.passage.doc) and changes.names_holder(scored.passage.text, found.question)]
        if not naming:
            return []
        beyond = dataclasses.replace(found.retrieved, passages=naming)
        return extractive.candidates(found.named, found.asked, beyond, beyond.sentence_vectors,
                                     self.retriever.tables.vocabulary, self.published, self.retriever.article_terms,
                                     self.retriever.sentence_before)

    def _standalone(self, question: str, history: list[str], mode: str) -> str:
        """The question made to stand on its own: condensed by the LLM in LLM mode, else by `follow_up.rewrite`."""
        if mode == "llm" and history:
            from qa.answer.llm import condense_question

            return condense_question([(earlier, "") for earlier in history], question, self.settings)
        return follow_up.rewrite(question, history, lambda: self._previous_answer(history))

    def _previous_answer(self, history: list[str]) -> tuple[str | None, str, str]:
        """The last question's short answer, first quoted sentence and the question as it was read, answered again
        (it costs a few ms)."""
        previous = self.ask(history[-1], history=history[:-1], mode="extractive")
        return (previous.short_answer, previous.citations[0].quote if previous.citations else "",
                previous.read_as or history[-1])

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
                scope, [time_scope.in_range(c.quote, c.published, scope) for c in result.citations], result.refused,
                all(c.published is None for c in result.citations), self.published_dates()))
        return Answer(
            question=fallback.question,
            text=result.text,
            citations=result.citations,
            refused=result.refused,
            passages=fallback.passages,
            mode="llm",
            related=fallback.passages[:RELATED] if result.refused else [],
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
    if not re.search(r"\w", clean_question(question)):
        return "The question holds only markup (HTML tags or a script), no words to search the articles for."
    return None


def searched_words(question: str) -> list[str]:
    """The question's words beyond its question words and other stop words, each once: what it can be searched
    for. None ("What?", "What is it?") is a question to ask again, not one to answer."""
    return list(dict.fromkeys(w for w in re.findall(r"[\w'’-]+", question) if w.lower() not in STOPWORDS))


def in_any_article(retrieved: Retrieved, vocabulary: Vocabulary) -> bool:
    """Whether any of the question's terms, or a spelling one letter away, is in an article: read from what retrieval
    searched for (`Retrieved.terms`, and the indexed `variants` it found for the terms no article holds). A keyboard
    mash, a question in a script the index does not read (Persian, say: it has no terms at all) or one wholly about
    something else is not: what retrieval returned for it would answer another question."""
    return any(term in vocabulary.df or term in retrieved.variants for term in retrieved.terms)


def _problem_answer(question: str, problem: str, started: float, read_as: str | None = None) -> Answer:
    """The answer to a question that cannot be asked or searched for: what is wrong with it, as an error, not a
    refusal (nothing was searched)."""
    total = (time.perf_counter() - started) * 1000
    return Answer(question=question, text=problem, citations=[], refused=False, passages=[], mode="extractive",
                  timings_ms={"retrieve": total, "answer": 0.0, "total": total}, error=problem,
                  read_as=read_as if read_as != question else None)


def clean_question(question: str) -> str:
    """Markup and control characters out, white space folded."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in _MARKUP.sub(" ", question)).split())


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


def ready_engine(settings: Settings | None = None, announce: Callable[[str], None] | None = None) -> Engine:
    """The warm engine, with the index built first when it is empty (the first run) or was built by an earlier
    release's form of the bundled embedding model (after an upgrade), as `qa ask` and the app do."""
    from qa.index import SupersededIndexError
    from qa.ingest import ingest

    settings = settings or get_settings()
    say = announce or (lambda message: None)
    try:
        engine = get_engine(settings)
    except SupersededIndexError as err:
        say(f"{err} ...")
        engine = None
    if engine is None or not engine.manifest:
        if engine is not None:
            say(f"The index is empty: building it from {settings.articles_dir} (first run) ...")
        report = ingest(settings, progress=announce is not None)
        engine = engine or get_engine(settings)
        engine.refresh()
        say(f"Index built: {report.summary()}")
        for skipped in report.skipped:
            say(f"  skipped {skipped.doc}: {skipped.reason}")
    return engine


def ask(question: str, **options) -> Answer:
    """Answer one question with the configured index, building it first if it is empty:
    `qa.ask("...", top_k=6, mode="extractive")`."""
    settings = options.pop("settings", None)
    return ready_engine(settings).ask(question, **options)
