"""`qa ingest`: bring the index in line with the articles folder, incrementally, keyed by content hash.

Per article the order is: delete its old records, add the new ones, then record its hash in the manifest. A run
killed at any point leaves at worst an article whose hash is not recorded, which the next run redoes in full, so
nothing is duplicated or lost.

One ingest writes an index at a time. A local store is locked with `flock` on `<store>/ingest.lock`; an index on a
Chroma server with a lease stored in the server itself (qa/index/control.py), which the ingest renews while it runs
and checks before every batch it writes, and which lapses by itself if the ingest is killed. Either way a second
ingest stops with a message, or waits for the lock up to `wait` seconds. In server mode every ingest that changed
the index bumps its version record, which processes answering questions watch (Engine.keep_fresh).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.config import Settings
from qa.index import (
    Collections,
    DAY_KEY,
    Control,
    Embedder,
    EmbeddingPool,
    LockBusy,
    LockLost,
    ManifestEntry,
    MiniLMEmbedder,
    Retriever,
    ServerLock,
    StoreError,
    SupersededIndexError,
    chroma_client,
    close_client,
    day_number,
    drop_index,
    embedder_from_settings,
    move_aside,
    sentences_to_json,
    server_errors,
    workers_wanted,
)
from qa.ingest.chunking import chunk
from qa.ingest.loader import ARTICLE_FORM, SkippedFile, article_files, doc_id, load_article
from qa.types import Article, Passage

log = logging.getLogger(__name__)

BATCH_ARTICLES = 64
LOCK_FILE = "ingest.lock"
# Sentences repeated across articles (bylines, stock phrases, syndicated or re-published text: 8.5% of the BBC
# corpus's sentences) are embedded once per run. Bounded so that a huge corpus cannot grow it without limit:
# 200k vectors of 384 float32 is about 300 MB.
VECTOR_CACHE_ENTRIES = 200_000


class IngestBusy(StoreError):
    """Another ingest holds the store's lock."""


@dataclass
class IngestReport:
    articles: int = 0  # indexed after the run
    passages: int = 0
    changed: int = 0  # added or edited
    removed: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    sentences: int = 0  # sentences of the changed articles
    embedded: int = 0  # of those, distinct texts the model ran on (repeats are embedded once)

    def summary(self) -> str:
        text = (
            f"{self.articles} articles, {self.passages} passages, {self.changed} changed, {self.removed} removed"
            f", {len(self.skipped)} skipped in {self.seconds:.1f} s"
        )
        return text


def open_collections(settings: Settings, embedder: Embedder | None = None) -> Collections:
    embedder = embedder or embedder_from_settings(settings)
    with server_errors(settings):
        return Collections(chroma_client(settings), settings.collection, embedder)


@contextlib.contextmanager
def ingest_lock(store_dir: Path, wait: float = 0.0):
    """An exclusive `flock` on `<store_dir>/ingest.lock` (released when the process ends, however it ends). Two
    ingests writing one local store at once would duplicate each other's work; the second waits up to `wait`
    seconds, then is refused."""
    store_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(store_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline, told = time.monotonic() + wait, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    waited = f" (waited {wait:g} s)" if wait else ""
                    raise IngestBusy(f"another ingest is running on {store_dir}{waited}; wait for it to finish, "
                                     "or run `qa ingest --wait SECONDS`") from None
                if not told:
                    log.warning("waiting up to %g s: another ingest is running on %s", wait, store_dir)
                    told = True
                time.sleep(min(0.5, left))
        yield
    finally:
        os.close(fd)  # closing releases the lock


def ingest(settings: Settings, rebuild: bool = False, progress=False, wait: float = 0.0) -> IngestReport:
    """Bring the index in line with the articles folder. `progress`: True for a terminal bar, or a function of
    (articles done, articles to index). `wait`: seconds to wait for another ingest's lock."""
    if not settings.articles_dir.is_dir():
        raise FileNotFoundError(f"articles folder not found: {settings.articles_dir} (set QA_ARTICLES_DIR)")
    if settings.server_mode:
        with server_errors(settings):
            return _ingest_on_server(settings, rebuild, progress, wait)
    with contextlib.ExitStack() as held:
        held.enter_context(ingest_lock(settings.store_dir, wait))
        return _ingest(settings, rebuild, progress, relock=lambda: held.enter_context(ingest_lock(settings.store_dir)))


def _ingest_on_server(settings: Settings, rebuild: bool, progress: bool, wait: float) -> IngestReport:
    """The ingest under the server's lease, on one HTTP client that is closed afterwards; the version bumped."""
    client = chroma_client(settings)
    try:
        control = Control(client, settings.collection)
        where = (f"the index '{settings.collection}' on the Chroma server at "
                 f"{settings.chroma_host}:{settings.chroma_port}")
        lock = ServerLock(control, settings.ingest_lock_ttl_s, where=where)

        def waiting(holder) -> None:
            log.warning("waiting up to %g s: another ingest is writing to %s (%s)", wait, where,
                        holder.describe(time.time()))

        try:
            lock.acquire(wait, on_wait=waiting)
        except LockBusy as err:
            raise IngestBusy(str(err)) from None
        try:
            def publish() -> None:
                lock.check()
                control.bump_version(lock.owner)

            return _ingest(settings, rebuild, progress, client=client, guard=lock.check, publish=publish)
        finally:
            lock.release()
    finally:
        close_client(client)


def _open_for_ingest(settings: Settings, rebuild: bool, relock) -> object:
    """The Chroma client. With --rebuild, a local store that cannot be opened at all is moved aside and replaced."""
    try:
        return chroma_client(settings)
    except StoreError:
        if not rebuild or settings.server_mode:
            raise
    broken = move_aside(settings.store_dir)
    log.warning("the index in %s could not be opened: moved it aside to %s and building a new one",
                settings.store_dir, broken)
    relock()  # the lock file moved with the old folder: take the new folder's
    return chroma_client(settings)


def _nothing() -> None:
    pass


def _ingest(settings: Settings, rebuild: bool, progress: bool, relock=None, client=None, guard=_nothing,
            publish=_nothing) -> IngestReport:
    """`guard()` is called before every write and raises when this run may no longer write (a lost lease);
    `publish()` tells readers that the index changed (after a rebuild's drop, and at the end of a run that wrote)."""
    started = time.perf_counter()
    articles_dir = settings.articles_dir
    embedder = embedder_from_settings(settings)
    client = client or _open_for_ingest(settings, rebuild, relock)
    collections = None
    if not rebuild:
        try:
            collections = Collections(client, settings.collection, embedder)
        except SupersededIndexError as err:
            # An earlier release's form of the same model: its vectors are close to, not the same as, this one's,
            # and questions are embedded by this one, so the index is built again rather than refused.
            log.warning("the index was built with %s, an earlier form of %s: rebuilding it", err.built_with, err.model)
            rebuild = True
    if rebuild:
        guard()
        drop_index(client, settings.collection)
        collections = Collections(client, settings.collection, embedder)
        publish()  # readers reopen the new, empty collections instead of failing on the dropped ones
    manifest = collections.read_manifest()

    report = IngestReport()
    on_disk: dict[str, str] = {}
    to_index = []
    for path in article_files(articles_dir):
        doc = doc_id(path, articles_dir)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as err:
            report.skipped.append(SkippedFile(doc, f"cannot read: {err.strerror or err}"))
            continue
        on_disk[doc] = digest
        if doc not in manifest or manifest[doc].sha256 != digest or manifest[doc].form != ARTICLE_FORM:
            to_index.append(path)

    gone = [doc for doc in manifest if doc not in on_disk and not any(s.doc == doc for s in report.skipped)]
    bar = _progress(len(to_index), progress)
    pool = None
    try:
        if gone:
            guard()
            collections.remove_docs(gone)
            report.removed = len(gone)
        pool = EmbeddingPool(embedder, workers_wanted()) if isinstance(embedder, MiniLMEmbedder) else None
        cache = VectorCache(pool or embedder, VECTOR_CACHE_ENTRIES)
        _index_all(to_index, articles_dir, settings, collections, cache, report, bar, guard)
        report.sentences, report.embedded = cache.requested, cache.embedded
        del cache  # its vectors are written: let them go before the tables below are built
    except LockLost:
        raise  # another writer may hold the index now: tell nobody anything
    except BaseException:
        if report.changed or report.removed:
            _publish_anyway(publish)  # what was written before the failure is complete per article
        raise
    finally:
        if pool:
            pool.close()
        if bar:
            bar.close()
    if report.changed or report.removed:
        publish()

    final = collections.read_manifest()
    if not settings.server_mode:
        # The tables questions are answered from, built here rather than by the first process that answers: reading
        # the sentence vectors loads the sentence collection's whole vector index into the process, which a writing
        # ingest has loaded anyway and a process answering questions should never hold.
        Retriever(collections, embedder, settings.cache_dir).prepare(final)
    report.articles = len(final)
    report.passages = sum(e.passages for e in final.values())
    report.seconds = time.perf_counter() - started
    return report


def _publish_anyway(publish) -> None:
    try:
        publish()
    except Exception as err:  # noqa: BLE001 - the failure being raised matters more
        log.warning("could not record the new index version (%s); other processes see the change after the next "
                    "ingest", err)


class VectorCache:
    """The embedder behind a bounded text -> vector memo for one ingest run (oldest entries dropped first)."""

    def __init__(self, embedder: Embedder, entries: int) -> None:
        self.embedder = embedder
        self.entries = entries
        self._vectors: dict[str, np.ndarray] = {}
        self.requested = 0  # sentences asked for
        self.embedded = 0  # sentences the model actually ran on

    def embed(self, texts: list[str]) -> np.ndarray:
        self.requested += len(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        fresh = dict(zip(missing, self.embedder.embed(missing))) if missing else {}
        self.embedded += len(missing)
        out = np.stack([fresh[t] if t in fresh else self._vectors[t] for t in texts]) if texts else \
            np.zeros((0, self.embedder.dim), dtype=np.float32)
        self.remember(fresh)
        return out

    def remember(self, vectors: dict[str, np.ndarray]) -> None:
        """Vectors computed by this model (just now, or for an article's indexed sentences): served, not embedded."""
        self._vectors.update(vectors)
        while len(self._vectors) > self.entries:
            del self._vectors[next(iter(self._vectors))]


def _index_all(to_index: list[Path], articles_dir: Path, settings: Settings, collections: Collections,
               cache: VectorCache, report: IngestReport, bar, guard=_nothing) -> None:
    for begin in range(0, len(to_index), BATCH_ARTICLES):
        batch = []
        for path in to_index[begin : begin + BATCH_ARTICLES]:
            result = load_article(path, articles_dir, settings.max_file_bytes)
            if isinstance(result, SkippedFile):
                log.warning("skipped %s: %s", result.doc, result.reason)
                report.skipped.append(result)  # an older indexed version, if any, stays
            else:
                batch.append(result)
        _index_batch(collections, cache, batch, guard)
        report.changed += len(batch)
        if bar:
            bar.update(min(BATCH_ARTICLES, len(to_index) - begin))


def _progress(total: int, progress):
    """What shows progress: `progress` is True for a terminal bar (on long runs only), or a function called with
    (articles done, articles to index) after each batch (the app's progress bar, with its time left)."""
    if callable(progress):
        return _Reporter(total, progress) if total else None
    if not progress or total < 2 * BATCH_ARTICLES:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="article", desc="indexing")


class _Reporter:
    """A callback seen as a progress bar."""

    def __init__(self, total: int, report) -> None:
        self.total, self.done, self.report = total, 0, report
        report(0, total)

    def update(self, n: int) -> None:
        self.done += n
        self.report(self.done, self.total)

    def close(self) -> None:
        pass


def _index_batch(collections: Collections, embedder: VectorCache, articles: list[Article], guard=_nothing) -> None:
    if not articles:
        return
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    passages_by_article = [chunk(a) for a in articles]
    # An article indexed before (edited, or read by an earlier form of the loader) keeps the vectors of the sentences
    # it still has: an upgrade that reads articles differently need not run the model over the whole collection again.
    embedder.remember(collections.sentence_vectors([a.doc for a in articles]))
    sentence_texts, sentence_ids, sentence_meta = [], [], []
    for article, passages in zip(articles, passages_by_article):
        for p_index, passage in enumerate(passages):
            for s_index, sentence in enumerate(passage.sentences):
                sentence_texts.append(passage.sentence_text(sentence))
                sentence_ids.append(f"{passage.id}#{s_index}")
                sentence_meta.append({"doc": article.doc})  # what deletes go by; the id names the passage and the place in it
    vectors = embedder.embed(sentence_texts)

    # A passage's vector is the mean of its sentences' vectors: the same embedding work covers both levels.
    nodes = []
    row = 0
    for article, passages in zip(articles, passages_by_article):
        for passage in passages:
            count = len(passage.sentences)
            mean = vectors[row : row + count].mean(axis=0)
            row += count
            metadata = _passage_metadata(article, passage)
            nodes.append(
                TextNode(
                    id_=passage.id,
                    text=passage.text,
                    embedding=(mean / max(float(np.linalg.norm(mean)), 1e-12)).tolist(),
                    metadata=metadata,
                    excluded_embed_metadata_keys=list(metadata),
                    excluded_llm_metadata_keys=list(metadata),
                )
            )

    guard()
    collections.remove_docs([a.doc for a in articles])
    ChromaVectorStore(chroma_collection=collections.passages).add(nodes)
    for begin in range(0, len(sentence_ids), 4000):
        end = begin + 4000
        collections.sentences.add(
            ids=sentence_ids[begin:end], embeddings=vectors[begin:end], metadatas=sentence_meta[begin:end]
        )
    guard()  # the manifest entry is what makes an article count as done: never written without the lock
    collections.write_manifest(
        [
            ManifestEntry(a.doc, a.sha256, a.title, a.published, a.outlet, len(p), day_key=True, form=ARTICLE_FORM)
            for a, p in zip(articles, passages_by_article)
        ]
    )


def _passage_metadata(article: Article, passage: Passage) -> dict:
    return {
        "doc": article.doc,
        "start_line": passage.start_line,
        "end_line": passage.end_line,
        "sentences": sentences_to_json(passage.sentences),
        "title": article.title,
        "published": article.published.isoformat() if article.published else "",
        "outlet": article.outlet or "",
        **_day(article),
    }


def _day(article: Article) -> dict:
    """The publication date as a number, which date filters inside Chroma compare (none for an undated article)."""
    return {DAY_KEY: day_number(article.published)} if article.published else {}
