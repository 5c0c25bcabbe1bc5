"""The Chroma side of the index: one client (embedded or server), and the collections the index is made of.

- `<name>_passages`: one record per passage, written through LlamaIndex's ChromaVectorStore;
- `<name>_sentences`: one vector per sentence, for sentence-level evidence when answering;
- `<name>_manifest`: one record per indexed article (content hash, title, date, outlet), so ingest is incremental
  and every process that shares a Chroma server sees the same catalogue.

Each collection records the embedding model that built it; opening it with another model is refused with a message
that names both and the rebuild command.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from qa.config import Settings
from qa.index.embedding import Embedder
from qa.types import Passage, Sentence


class StoreError(RuntimeError):
    pass


class EmptyIndexError(StoreError):
    """The index holds no article: a question cannot be searched for, so it is an error, never a refusal."""


class ModelMismatchError(StoreError):
    pass


class SupersededIndexError(ModelMismatchError):
    """The index was built by an earlier release's form of the configured model: the next ingest rebuilds it."""

    def __init__(self, name: str, built_with: str, model: str) -> None:
        super().__init__(f"the index '{name}' was built with {built_with!r}, an earlier form of {model!r}: "
                         "`qa ingest` rebuilds it")
        self.built_with, self.model = built_with, model


def chroma_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.server_mode:
        _bound_http_clients()
        bound = _http_timeout.set(settings.chroma_timeout_s)
        try:  # the constructor already talks to the server (user identity, tenant): under the time-out too
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
            client.heartbeat()
        except Exception as err:  # chromadb raises several types for a server that is not there
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port}: "
                f"{_why(err, settings)}. Start it with `chroma run --path DIR --port PORT`, or unset QA_CHROMA_HOST "
                "to use the local store."
            ) from err
        finally:
            _http_timeout.reset(bound)
        return client
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)
    except Exception as err:
        _forget_failed_client(settings.store_dir)
        raise StoreError(
            f"the index in {settings.store_dir} cannot be opened ({err}). Run `qa ingest --rebuild` to build it anew."
        ) from err


def close_client(client) -> None:
    """Let go of a client: for a server client, its HTTP connections are closed (chroma_client's clients close
    their httpx pools when their system stops). An embedded client is left open: chromadb shares one system per
    path in a process, and the process's other clients (an engine) may still be using it."""
    from chromadb.api.fastapi import FastAPI

    if isinstance(getattr(client, "_server", None), FastAPI):
        client.close()


# chromadb 1.5.9 builds the HTTP client of a server connection as `httpx.Client(timeout=None)`, inside the
# constructor that then makes its first requests, and never closes it: a hung server would make every request wait
# for ever, and each client opened and dropped would leave its connection pool behind. chromadb offers no setting
# for either and identifies a server client's implementation by its exact class name, so a subclass cannot stand in;
# the two methods are wrapped instead, once per process: a client built by chroma_client gets the configured
# time-out (connect, write, pool, and each read) from its first request on, and its pool is closed when the client
# is closed. Clients built elsewhere keep chromadb's behaviour. tests/test_server_mode.py checks both against a
# real server, so a chromadb that changes these internals fails there.
_http_timeout: contextvars.ContextVar[float | None] = contextvars.ContextVar("qa_chroma_http_timeout", default=None)
_bound_lock = threading.Lock()


def _bound_http_clients() -> None:
    import httpx
    from chromadb.api.fastapi import FastAPI

    with _bound_lock:
        if getattr(FastAPI, "_qa_bounded", False):
            return
        init, stop = FastAPI.__init__, FastAPI.stop

        def __init__(self, system) -> None:
            init(self, system)
            seconds = _http_timeout.get()
            if seconds is not None:
                self._session.timeout = httpx.Timeout(seconds)
                self._qa_close = True

        def stop_(self) -> None:
            stop(self)
            if getattr(self, "_qa_close", False):
                self._session.close()

        FastAPI.__init__, FastAPI.stop, FastAPI._qa_bounded = __init__, stop_, True


def _why(err: BaseException, settings: Settings) -> str:
    """What went wrong talking to the server, in words: a time-out says how long was waited."""
    import httpx

    seen = err
    while seen is not None:
        if isinstance(seen, httpx.TimeoutException):
            return (f"no reply within {settings.chroma_timeout_s:g} s (QA_CHROMA_TIMEOUT_S); it may be hung or "
                    "overloaded")
        seen = seen.__cause__ or seen.__context__
    return str(err)


def _transport_error(err: BaseException) -> bool:
    import httpx

    return isinstance(err, httpx.TransportError)


@contextmanager
def server_errors(settings: Settings) -> Iterator[None]:
    """A Chroma server that went away or stopped answering mid-session becomes a StoreError that says so, instead
    of an HTTP library's exception. Nothing needs reopening: the client connects afresh on the next request, so once
    the server is back (same port, same data) questions are answered again without restarting the process."""
    import httpx

    try:
        yield
    except httpx.TransportError as err:  # refused, reset, cut off mid-reply, or no reply within the time-out
        raise StoreError(
            f"lost the connection to the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
            f"({_why(err, settings)}). Start it again with `chroma run --path DIR --port PORT`; questions work again "
            "as soon as it answers."
        ) from err
    except Exception as err:
        from chromadb.errors import ChromaError, NotFoundError

        if not (settings.server_mode and isinstance(err, ChromaError)):
            raise
        # Most likely the collections this process holds were dropped by another one (`qa ingest --rebuild`): a
        # request on them is then refused as not found, or, while the server is half-way through deleting them, as
        # broken ("Missing metadata segment"). The engine opens the new ones at its next version check.
        where = (f"the index '{settings.collection}' on the Chroma server at "
                 f"{settings.chroma_host}:{settings.chroma_port}")
        what = "was dropped by another process while this one used it" if isinstance(err, NotFoundError) else \
            "could not be read: the server refused the request"
        raise StoreError(
            f"{where} {what} ({err}). If another process is rebuilding it (`qa ingest --rebuild`), this one opens it "
            f"again within {settings.freshness_s:g} s (QA_FRESHNESS_S)."
        ) from err


def _forget_failed_client(store_dir: Path) -> None:
    """chromadb keeps one client system per path per process, and caches it before starting it: a start that fails
    (an unreadable database) leaves a broken system there, which every later open of the same path would reuse.
    Only a system no client holds (its reference count never went up) is dropped, so a working one shared by live
    clients is never touched. chromadb has no public call for this; a chromadb without the cache has nothing to
    forget."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient as Shared

        with Shared._refcount_lock:
            if not Shared._identifier_to_refcount.get(str(store_dir)):
                Shared._identifier_to_system.pop(str(store_dir), None)
    except (ImportError, AttributeError):
        pass


def move_aside(store_dir: Path) -> Path:
    """Rename a store folder that cannot be opened to `<store>.broken-<UTC timestamp>`, so a new one can be built."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    target = store_dir.with_name(f"{store_dir.name}.broken-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = store_dir.with_name(f"{store_dir.name}.broken-{stamp}-{n}")
    store_dir.rename(target)
    return target


# The publication date as a number, YYYYMMDD (2021-12-23 -> 20211223), in the metadata of every passage and sentence
# of a dated article, so that a date filter is a Chroma `where` ($gte/$lte). In a manifest record: 1 when the
# article's records carry it.
DAY_KEY = "published_day"


def day_number(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


@dataclass(frozen=True)
class ManifestEntry:
    doc: str
    sha256: str
    title: str
    published: date | None
    outlet: str | None
    passages: int
    # Whether this article's passages and sentences carry the publication date as a number (DAY_KEY), which date
    # filters inside Chroma read; an article ingested before that carries only the ISO date.
    day_key: bool = False
    # The form of reading articles it was indexed with (`loader.ARTICLE_FORM`; 1 for a record written before forms
    # were recorded): an article read by an earlier form is read again by the next ingest.
    form: int = 1


# The sentence collection holds the sentence vectors but is never searched: they are read once into the retrieval
# cache (qa/index/retrieval.py). Chroma builds a vector index over every collection all the same, so this one's graph
# is built cheaply (10 candidates and 4 neighbours instead of 100 and 16: a write of its records costs about half).
# An existing collection keeps the configuration it was created with.
UNSEARCHED = {"hnsw": {"space": "cosine", "ef_construction": 10, "max_neighbors": 4}}


# Documents named in one `where={"doc": {"$in": ...}}` query: a bounded statement however many articles change.
DOCS_PER_QUERY = 200


class Collections:
    """The three collections of one index, opened for one embedding model."""

    def __init__(self, client, name: str, embedder: Embedder) -> None:
        from qa.index.chroma_embedding import ChromaEmbeddingFunction

        self.client = client
        self.name = name
        self.model = model = embedder.name
        meta = {"embedding_model": model, "hnsw:space": "cosine"}
        function = ChromaEmbeddingFunction(embedder)
        try:
            self.passages = client.get_or_create_collection(
                f"{name}_passages", metadata=meta, embedding_function=function
            )
            self.sentences = client.get_or_create_collection(
                f"{name}_sentences", metadata={"embedding_model": model}, configuration=UNSEARCHED,
                embedding_function=function,
            )
            self.manifest = client.get_or_create_collection(f"{name}_manifest", metadata={"embedding_model": model})
        except Exception as err:
            if _transport_error(err):  # the server, not the index: server_errors says so
                raise
            raise StoreError(f"cannot open the index collections '{name}_*': {err}. Run `qa ingest --rebuild`.") from err
        for collection in (self.passages, self.sentences, self.manifest):
            built_with = (collection.metadata or {}).get("embedding_model")
            if built_with and built_with in getattr(embedder, "replaces", ()):
                raise SupersededIndexError(name, built_with, model)
            if built_with and built_with != model:
                raise ModelMismatchError(
                    f"the index '{name}' was built with the embedding model {built_with!r}, but {model!r} is "
                    f"configured. Run `qa ingest --rebuild` to rebuild it with {model!r}, or set QA_EMBEDDING back."
                )

    # The manifest -----------------------------------------------------------------------------------------------
    def read_manifest(self) -> dict[str, ManifestEntry]:
        got = get_all(self.manifest, ["metadatas"])
        entries = {}
        for doc, meta in zip(got["ids"], got["metadatas"]):
            entries[doc] = ManifestEntry(
                doc=doc,
                sha256=meta["sha256"],
                title=meta.get("title", ""),
                published=date.fromisoformat(meta["published"]) if meta.get("published") else None,
                outlet=meta.get("outlet") or None,
                passages=int(meta.get("passages", 0)),
                day_key=bool(meta.get(DAY_KEY)),
                form=int(meta.get("form", 1)),
            )
        return entries

    def write_manifest(self, entries: list[ManifestEntry]) -> None:
        if not entries:
            return
        self.manifest.upsert(
            ids=[e.doc for e in entries],
            embeddings=[[1.0] for _ in entries],  # the manifest is looked up by id only
            metadatas=[
                {
                    "sha256": e.sha256,
                    "title": e.title,
                    "published": e.published.isoformat() if e.published else "",
                    "outlet": e.outlet or "",
                    "passages": e.passages,
                    "form": e.form,
                    **({DAY_KEY: 1} if e.day_key else {}),
                }
                for e in entries
            ],
        )

    def remove_docs(self, docs: list[str]) -> None:
        """Delete every passage, sentence and manifest record of these documents."""
        for begin in range(0, len(docs), DOCS_PER_QUERY):
            batch = docs[begin : begin + DOCS_PER_QUERY]
            where = {"doc": {"$in": batch}}
            self.passages.delete(where=where)
            self.sentences.delete(where=where)
            self.manifest.delete(ids=batch)

    def sentence_vectors(self, docs: list[str]) -> dict[str, np.ndarray]:
        """The indexed sentences of these documents, by their text, with their vectors (by this collection's model:
        `__init__` refuses any other)."""
        texts: dict[str, str] = {}  # sentence id -> its text, as `sync._index_batch` numbers them
        for begin in range(0, len(docs), DOCS_PER_QUERY):
            got = self.passages.get(where={"doc": {"$in": docs[begin : begin + DOCS_PER_QUERY]}},
                                    include=["documents", "metadatas"])
            for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                passage = passage_from_record(text, meta)
                for index, sentence in enumerate(passage.sentences):
                    texts[f"{pid}#{index}"] = passage.sentence_text(sentence)
        ids = list(texts)
        vectors: dict[str, np.ndarray] = {}
        for begin in range(0, len(ids), PAGE):
            got = self.sentences.get(ids=ids[begin : begin + PAGE], include=["embeddings"])
            for sid, vector in zip(got["ids"], got["embeddings"]):
                vectors[texts[sid]] = np.asarray(vector, dtype=np.float32)
        return vectors

    def fingerprint(self, manifest: dict[str, ManifestEntry] | None = None) -> str:
        """Changes whenever the indexed content changes: used to key caches built from the collections.
        `manifest`: the manifest as just read, so that a caller holding it does not read it again. An article's text
        and also what was read from it (title, date, outlet, and the form of reading that read them): a release that
        reads the same file anew rewrites its passages' metadata, and a cache keyed by the text alone kept the old
        (an index of the BBC corpus built by an earlier form served 261 passages a publication date that its articles,
        read again, no longer have).
        """
        entries = self.read_manifest() if manifest is None else manifest
        read = sorted((doc, entry.sha256, entry.form, entry.title, entry.published.isoformat() if entry.published
                       else None, entry.outlet) for doc, entry in entries.items())
        return hashlib.sha256(json.dumps([self.model, read]).encode()).hexdigest()[:16]


# Chroma reads a whole collection with one SQL statement that binds a variable per record, and SQLite allows 32,766:
# a collection of 44,204 passages (the BBC corpus four times over) could not be read in one call.
PAGE = 10_000


def pages(collection, include: list[str]):
    """Every record of a collection, a page at a time (Chroma's `get` result for each), in Chroma's order."""
    read = 0
    while True:
        page = collection.get(include=include, limit=PAGE, offset=read)
        yield page
        read += len(page["ids"])
        if len(page["ids"]) < PAGE:
            return


def get_all(collection, include: list[str]) -> dict[str, list]:
    """Every record of a collection, read a page at a time, in Chroma's order."""
    got: dict[str, list] = {"ids": [], **{key: [] for key in include}}
    for page in pages(collection, include):
        for key in got:
            got[key].extend(page[key])
    return got


def drop_index(client, name: str) -> None:
    for suffix in ("passages", "sentences", "manifest"):
        try:
            client.delete_collection(f"{name}_{suffix}")
        except Exception:  # absent already: nothing to drop
            pass


def sentences_to_json(sentences: tuple[Sentence, ...]) -> str:
    return json.dumps([[s.start, s.end, s.start_line, s.end_line] for s in sentences])


def sentences_from_json(raw: str) -> tuple[Sentence, ...]:
    return tuple(Sentence(*values) for values in json.loads(raw))


def passage_from_record(text: str, meta: dict) -> Passage:
    return Passage(
        doc=meta["doc"],
        start_line=int(meta["start_line"]),
        end_line=int(meta["end_line"]),
        text=text,
        sentences=sentences_from_json(meta["sentences"]),
    )
