"""What the app does, apart from how it looks: one warm engine, answers, articles, uploads, evaluation, feedback.

The Gradio layer (qa/ui/app.py) only calls this. Questions run concurrently; an ingest (upload, removal, re-scan)
waits for the questions in flight, runs alone, refreshes the engine, and then lets questions through again, so no
answer is ever computed against a half-updated index.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from qa.config import Settings
from qa.index import StoreError
from qa.ingest import IngestBusy, SkippedFile, ingest, load_article
from qa.types import Answer, Article, TimelineEvent
from qa.ui import feedback, uploads
from qa.ui.render import DocInfo

log = logging.getLogger(__name__)


class RWLock:
    """Many readers or one writer; a waiting writer holds new readers back so it is not starved."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


@dataclass
class ChangeResult:
    ok: bool
    message: str
    doc: str | None = None
    summary: str = ""

    def to_json(self) -> dict:
        return {"ok": self.ok, "message": self.message, "doc": self.doc, "index": self.summary}


@dataclass
class EvalResult:
    name: str
    metrics: dict
    kinds: dict[str, dict]
    rows: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    missing_docs: int = 0

    def to_json(self) -> dict:
        return {"question_set": self.name, "metrics": self.metrics, "by_kind": self.kinds, "questions": self.rows,
                "questions_citing_unindexed_articles": self.missing_docs}


class Service:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = RWLock()
        self._engine = None
        self._start_lock = threading.Lock()
        self._articles: OrderedDict[tuple[str, str], Article] = OrderedDict()
        self._articles_lock = threading.Lock()
        self._timeline: tuple[object, list[TimelineEvent]] = (None, [])  # (the tables it was built from, events)

    # The engine ---------------------------------------------------------------------------------------------------
    def start(self, announce: Callable[[str], None] = print) -> None:
        """Open the index; build it first when it is empty (the first run) or of an earlier release's model."""
        from qa.answer.engine import ready_engine

        with self._start_lock:
            if self._engine is not None:
                return
            engine = ready_engine(self.settings, announce)
            try:  # warm the caches, so the first real question is as quick as the rest
                engine.ask("warm up", mode="extractive")
            except Exception:  # noqa: BLE001 - warming is best effort
                log.debug("warm-up question failed", exc_info=True)
            self._engine = engine

    @property
    def engine(self):
        if self._engine is None:
            self.start()
        return self._engine

    @property
    def llm_available(self) -> bool:
        return self.settings.llm_configured

    def ask(self, question: str, history: list[str] | None = None, top_k: int | None = None,
            mode: str | None = None, on_token: Callable[[str], None] | None = None,
            on_restart: Callable[[], None] | None = None, since: str | None = None,
            until: str | None = None) -> Answer:
        top_k = int(top_k) if top_k else None
        if top_k is not None:
            top_k = max(1, min(50, top_k))
        history = [str(h) for h in (history or []) if str(h).strip()][-5:]
        with self.lock.read():
            return self.engine.ask(question, top_k=top_k, mode=mode or None, history=history, on_token=on_token,
                                   on_restart=on_restart, since=since or None, until=until or None)

    # Articles -----------------------------------------------------------------------------------------------------
    def manifest(self) -> dict:
        return dict(self.engine.manifest)

    def describe(self, doc: str) -> DocInfo:
        entry = self.engine.manifest.get(doc)
        return DocInfo(entry.title, entry.published, entry.outlet) if entry else DocInfo(doc, None, None)

    def article(self, doc: str) -> Article | None:
        """An indexed article as on disk, or None (unknown doc, or the file is gone). Never reads outside."""
        entry = self.engine.manifest.get(doc) if isinstance(doc, str) else None
        if entry is None:
            return None
        key = (doc, entry.sha256)
        with self._articles_lock:
            if key in self._articles:
                self._articles.move_to_end(key)
                return self._articles[key]
        root = self.settings.articles_dir
        path = root / doc
        try:
            if path.is_symlink() or not path.resolve().is_relative_to(root.resolve()) or not path.is_file():
                return None
            loaded = load_article(path, root, self.settings.max_file_bytes)
        except OSError:
            return None
        if isinstance(loaded, SkippedFile):
            return None
        with self._articles_lock:
            self._articles[key] = loaded
            while len(self._articles) > 64:
                self._articles.popitem(last=False)
        return loaded

    def lines_of(self, doc: str) -> tuple[str, ...] | None:
        article = self.article(doc)
        return article.lines if article else None

    def articles(self) -> list[dict]:
        rows = [
            {"doc": e.doc, "title": e.title, "published": e.published.isoformat() if e.published else None,
             "outlet": e.outlet, "passages": e.passages, "removable": uploads.removable(e.doc)}
            for e in self.engine.manifest.values()
        ]
        return sorted(rows, key=lambda r: (r["published"] is None, r["published"] or "", r["doc"]))

    def timeline(self) -> list[TimelineEvent]:
        """Every dated event of the indexed articles, earliest first (qa/temporal/timeline.py); rebuilt after an
        ingest."""
        from qa.temporal import events

        with self.lock.read():
            engine = self.engine
            tables = engine.retriever.tables
            with self._articles_lock:
                if self._timeline[0] is not tables:
                    self._timeline = (tables, events(tables.passages.values(), engine.describe))
                return self._timeline[1]

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> str:
        """Re-scan the articles folder; `progress(done, total)` after each batch of articles indexed."""
        with self.lock.write():
            report = ingest(self.settings, progress=progress or False)
            self.engine.refresh()
        return report.summary()

    def add_article(self, source: str | Path | None, name: str = "") -> ChangeResult:
        if not source:
            return ChangeResult(False, "Choose a file to upload first.")
        source = Path(source)
        try:
            known = {e.sha256: e.doc for e in self.engine.manifest.values()}
            saved = uploads.save_upload(source, name or source.name, self.settings.articles_dir,
                                        self.settings.max_file_bytes, known)
        except uploads.UploadError as err:
            return ChangeResult(False, f"Not added: {err}.")
        except OSError as err:
            return ChangeResult(False, f"Not added: the file could not be read or written ({err.strerror or err}).")
        try:
            summary = self.reindex()
        except (IngestBusy, StoreError) as err:
            return ChangeResult(False, f"Saved as {saved.doc} but not indexed yet: {err}. Re-scan the folder then.")
        entry = self.engine.manifest.get(saved.doc)
        if entry is None:  # the ingest skipped it after all
            saved.path.unlink(missing_ok=True)
            self.reindex()
            return ChangeResult(False, f"Not added: {saved.doc} could not be indexed.", summary=summary)
        renamed = ""
        if saved.renamed_from:
            renamed = f" ({saved.renamed_from} exists already, so it was saved under a new name)"
        return ChangeResult(True, f"Added {saved.doc}{renamed}: “{entry.title}”, {entry.passages} passages.",
                            saved.doc, summary)

    def remove_article(self, doc: str) -> ChangeResult:
        try:
            uploads.remove_upload(doc, self.settings.articles_dir)
        except uploads.UploadError as err:
            return ChangeResult(False, f"Not removed: {err}.")
        try:
            summary = self.reindex()
        except (IngestBusy, StoreError) as err:
            return ChangeResult(False, f"Deleted {doc}, but the index still holds it: {err}. Re-scan the folder then.")
        return ChangeResult(True, f"Removed {doc}.", doc, summary)

    # Feedback -----------------------------------------------------------------------------------------------------
    def vote(self, answer: dict, vote: object, history: list[str] | None = None) -> dict:
        return feedback.record(self.settings.store_dir, answer, vote, history)

    def export_feedback(self) -> tuple[Path, int, int]:
        folder = Path(tempfile.mkdtemp(prefix="qa-feedback-"))
        return feedback.export(self.settings.store_dir, folder / "feedback-questions.jsonl")

    # Evaluation ---------------------------------------------------------------------------------------------------
    def question_sets(self) -> list[Path]:
        """The question sets in `Settings.question_sets_dir` (`*.jsonl`; the `*.src.jsonl` sources are left out)."""
        folder = self.settings.question_sets_dir
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.glob("*.jsonl") if not p.name.endswith(".src.jsonl"))

    def question_sets_problem(self) -> str | None:
        """Why no question set can be offered, in words for the user; None when there is at least one."""
        folder = self.settings.question_sets_dir
        if not folder.is_dir():
            return (f"The question sets folder {folder} does not exist. Point QA_QUESTION_SETS_DIR at a folder of "
                    "question sets (*.jsonl, the CONTRACT.md format) and restart the app.")
        if not self.question_sets():
            return (f"The question sets folder {folder} holds no question set (*.jsonl, the CONTRACT.md format). "
                    "Add one there, or point QA_QUESTION_SETS_DIR at another folder.")
        return None

    def evaluate(self, name: str, mode: str | None = None,
                 progress: Callable[[int, int, str], None] | None = None) -> EvalResult:
        from qa.evaluation import answer_all, by_kind, load_questions, summarize

        sets = {p.name: p for p in self.question_sets()}
        if name not in sets:
            if not sets:
                raise ValueError(self.question_sets_problem())
            raise ValueError(f"unknown question set {name!r}; choose one of {', '.join(sets)}")
        questions = load_questions(sets[name])
        indexed = set(self.engine.manifest)
        missing = sum(1 for q in questions if q.sources and not any(s.doc in indexed for s in q.sources))
        run = answer_all(name, self, questions, mode=mode, progress=progress)
        answers, scores = run.answers, run.scores
        rows = []
        for q, data, score in zip(questions, answers, scores):
            passed = score.refused if not q.answerable else (score.facts and score.citation_hit and not score.refused)
            rows.append({
                "id": q.id, "kind": q.kind, "question": q.question, "pass": bool(passed),
                "answerable": q.answerable, "refused": score.refused,
                "facts": f"{score.groups_matched}/{score.groups}" if q.answerable else "",
                "cited_gold": score.citation_hit if q.answerable else None,
                "rank": score.rank, "ms": round(score.latency_ms, 1), "answer": data.get("answer", ""),
                "read_as": data.get("read_as"),
                "error": score.error,
            })
        if progress:
            progress(len(questions), len(questions), "done")
        return EvalResult(name, summarize(scores).to_json(), {k: m.to_json() for k, m in by_kind(scores).items()},
                          rows, answers, missing)
