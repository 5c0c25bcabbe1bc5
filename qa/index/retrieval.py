"""Hybrid retrieval: dense search in Chroma (passages and sentences) fused with BM25, through LlamaIndex.

Dense vectors find paraphrases; BM25 finds the numbers, dates and names that MiniLM blurs. The rankings are fused
by reciprocal rank, which needs no score calibration between the two. Everything built from the collections
(the passage table, BM25, term statistics) is cached on disk under the store, keyed by the index's fingerprint,
so a new process does not rebuild it.

LlamaIndex builds both indexes (the passages are written through its ChromaVectorStore, the BM25 index is its
BM25Retriever's bm25s model) and answers both queries: a VectorStoreIndex retriever over the passage collection and
the persisted BM25Retriever. Its import is the largest single cost of a cold `qa ask` (docs/performance.md); the
sentence-level query goes to Chroma directly, as LlamaIndex keeps one vector per node.

A date filter (`DocFilter`: articles published between two days) is applied inside each search, not to its results:
the dense searches get a `where` on the publication date stored as a number (DAY_KEY; LlamaIndex metadata filters for
the passage search, a Chroma `where` for the sentence search), and BM25 scores only the in-range passages (a weight
mask over its corpus). So a filtered question searches only in-range articles, however many others rank above them.
Articles ingested before the number was stored are matched by their ids instead (their dates from the manifest).
"""

from __future__ import annotations

import logging
import pickle
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from qa.index.embedding import Embedder
from qa.index.lexical import Vocabulary, names, terms
from qa.index.store import DAY_KEY, Collections, day_number, get_all, passage_from_record
from qa.types import Passage, ScoredPassage

log = logging.getLogger(__name__)

CACHE_FORMAT = 3  # part of the cache folder's name: a change of what is pickled never reads an older cache
BM25_TOKEN = re.compile(r"(?u)\b\w+\b")  # how BM25 splits the term text of passages and questions alike
RRF_K = 60  # the usual constant of reciprocal rank fusion: flattens the head so no single ranking dominates
CANDIDATES = 30  # how deep each ranking is read before fusion
MODES = ("hybrid", "dense", "bm25")


@dataclass
class Retrieved:
    passages: list[ScoredPassage]
    query_vector: np.ndarray
    terms: list[str]  # the question's terms
    variants: dict[str, set[str]]  # indexed spelling variants of some of those terms
    passage_similarity: dict[str, float]  # passage id -> cosine to the question, for every returned passage
    sentence_vectors: dict[str, np.ndarray]  # "<passage id>#<n>" -> vector, for every returned passage's sentences


@dataclass(frozen=True)
class DocFilter:
    """Search only articles published from `first` through `last` (either may be None: open on that side)."""

    first: date | None = None
    last: date | None = None

    def covers(self, published: date | None) -> bool:
        return published is not None and (self.first is None or self.first <= published) and (
            self.last is None or published <= self.last)

    def day_clause(self) -> dict:
        """The Chroma `where` on the numeric publication date."""
        bounds = [{DAY_KEY: {op: day_number(day)}} for op, day in (("$gte", self.first), ("$lte", self.last)) if day]
        return bounds[0] if len(bounds) == 1 else {"$and": bounds}


@dataclass
class _Tables:
    passages: dict[str, Passage]
    metadata: dict[str, dict]
    vocabulary: Vocabulary
    bm25: object  # llama_index BM25Retriever over the passages' terms, or None for an empty index


class Retriever:
    def __init__(self, collections: Collections, embedder: Embedder, cache_dir: Path, mode: str = "hybrid") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}: use one of {', '.join(MODES)}")
        self.collections = collections
        self.embedder = embedder
        self.mode = mode
        self.cache_dir = cache_dir
        self._tables: _Tables | None = None
        self._fingerprint = ""
        self._vector_index = None
        self._vector_retriever = None
        # Articles whose records lack the numeric date (ingested before it was stored) -> their publication date;
        # a filter matches them by id. Empty once every article has been (re)ingested.
        self._undated_records: dict[str, date | None] = {}
        self._masks: dict[tuple, list[int]] = {}  # BM25 weight masks by (fingerprint, filter), the last few

    def reopen(self, collections: Collections) -> None:
        """Query these collections from now on (reopened after another process rebuilt the index: new ids)."""
        if collections.passages.id != self.collections.passages.id:
            self._vector_index = self._vector_retriever = None
        self.collections = collections

    # Tables ---------------------------------------------------------------------------------------------------
    def refresh(self, manifest: dict | None = None) -> None:
        """Reload the tables if the index changed since they were built (`manifest`: as just read, if at hand)."""
        if manifest is None:
            manifest = self.collections.read_manifest()
        fingerprint = self.collections.fingerprint(manifest)
        self._undated_records = {doc: e.published for doc, e in manifest.items() if not e.day_key}
        if self._undated_records:
            log.info("%d articles were indexed without the numeric date; date filters match them by id (re-ingest "
                     "with `qa ingest --rebuild` to filter on the date alone)", len(self._undated_records))
        if self._tables is None or fingerprint != self._fingerprint:
            self._tables = self._load_tables(fingerprint)
            self._fingerprint = fingerprint

    @property
    def tables(self) -> _Tables:
        if self._tables is None:
            self.refresh()
        return self._tables

    def _load_tables(self, fingerprint: str) -> _Tables:
        path = self.cache_dir / f"tables-v{CACHE_FORMAT}-{fingerprint}"
        if (path / "tables.pickle").exists():
            try:
                with open(path / "tables.pickle", "rb") as fh:
                    passages, metadata, vocabulary = pickle.load(fh)
                bm25 = _load_bm25(path / "bm25", len(passages)) if passages else None
                return _Tables(passages, metadata, vocabulary, bm25)
            except Exception as err:  # a damaged cache is rebuilt, never trusted
                log.warning("rebuilding the retrieval cache in %s: %s", path, err)

        got = get_all(self.collections.passages, ["documents", "metadatas"])
        passages, metadata = {}, {}
        for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
            passages[pid] = passage_from_record(text, meta)
            metadata[pid] = {k: meta[k] for k in ("doc", "title", "published", "outlet") if k in meta}
        df: Counter = Counter()
        term_texts = {}
        for pid, passage in passages.items():
            passage_terms = terms(passage.text)
            term_texts[pid] = " ".join(passage_terms)
            df.update(set(passage_terms))
        vocabulary = Vocabulary(df, len(passages))
        bm25 = None
        if passages:
            from llama_index.retrievers.bm25 import BM25Retriever

            logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import
            bm25 = BM25Retriever(nodes=_term_nodes(term_texts), **_bm25_options(len(passages)))
        try:
            path.mkdir(parents=True, exist_ok=True)
            if bm25 is not None:
                bm25.persist(str(path / "bm25"), show_progress=False)
            with open(path / "tables.pickle", "wb") as fh:
                pickle.dump((passages, metadata, vocabulary), fh)
            for old in self.cache_dir.glob("tables-*"):
                if old != path:
                    _remove_tree(old)
        except OSError as err:
            log.warning("cannot write the retrieval cache %s: %s", path, err)
        return _Tables(passages, metadata, vocabulary, bm25)

    # Queries --------------------------------------------------------------------------------------------------
    def expand(self, question: str) -> tuple[list[str], dict[str, set[str]]]:
        """The question's terms, and indexed spelling variants of its names and of the words the index lacks."""
        vocabulary = self.tables.vocabulary
        name_terms = {t for word in names(question) if len(word) > 3 for t in terms(word)}
        found = terms(question)
        variants = {}
        for term in found:
            if term in name_terms or vocabulary.df.get(term, 0) == 0:
                near = vocabulary.variants(term)
                if near:
                    variants[term] = near
        return found, variants

    def retrieve(self, question: str, top_k: int, only: DocFilter | None = None) -> Retrieved:
        """The top_k passages for the question; `only`: search only the articles published in that range."""
        tables = self.tables
        query_vector = self.embedder.embed([question])[0]
        query_terms, variants = self.expand(question)
        rankings: list[list[str]] = []
        mask = self._mask(only) if only is not None else None
        if not tables.passages or (mask is not None and not any(mask)):
            return Retrieved([], query_vector, query_terms, variants, {}, {})
        where = self._where(only) if only is not None else None
        if self.mode in ("hybrid", "dense"):
            rankings.append(self._dense_passages(question, query_vector, where))
            rankings.append(self._dense_sentences(query_vector, where))
        if self.mode in ("hybrid", "bm25"):
            expanded = query_terms + sorted({v for near in variants.values() for v in near})
            rankings.append(self._bm25(expanded, mask))
        fused: dict[str, float] = {}
        for ranking in rankings:
            for rank, pid in enumerate(ranking):
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank + 1)
        best_possible = len(rankings) / (RRF_K + 1)
        passages, seen_texts = [], set()
        for pid, score in sorted(fused.items(), key=lambda item: -item[1]):
            passage = tables.passages.get(pid)
            # The same text under another name (a syndicated or copied article) would take a second place of the
            # top k for nothing new: the best-ranked copy stands for all.
            if passage is None or passage.text in seen_texts:
                continue
            seen_texts.add(passage.text)
            passages.append(ScoredPassage(passage, score / best_possible))
            if len(passages) == top_k:
                break
        vectors = self.sentence_vectors(
            [f"{s.passage.id}#{i}" for s in passages for i in range(len(s.passage.sentences))]
        )
        return Retrieved(passages, query_vector, query_terms, variants, _similarity(passages, vectors, query_vector),
                         vectors)

    # Date filters inside the searches ----------------------------------------------------------------------------
    def _where(self, only: DocFilter) -> dict:
        """The Chroma `where` of a filter: the numeric date, or, for articles indexed without it, their ids."""
        clauses = [only.day_clause()]
        undated = sorted(doc for doc, published in self._undated_records.items() if only.covers(published))
        if undated:
            clauses.append({"doc": {"$in": undated}})
        return clauses[0] if len(clauses) == 1 else {"$or": clauses}

    def _mask(self, only: DocFilter) -> list[int]:
        """1 for each passage of BM25's corpus (in its order) that the filter keeps, else 0."""
        key = (self._fingerprint, only)
        if key not in self._masks:
            tables = self.tables
            keep = {pid for pid, meta in tables.metadata.items()
                    if meta.get("published") and only.covers(date.fromisoformat(meta["published"]))}
            corpus = tables.bm25.corpus if tables.bm25 is not None else []
            if len(self._masks) >= 8:
                self._masks.clear()
            self._masks[key] = [int(entry["node_id"] in keep) for entry in corpus]
        return self._masks[key]

    # Queries --------------------------------------------------------------------------------------------------
    def _dense_passages(self, question: str, query_vector: np.ndarray, where: dict | None = None) -> list[str]:
        """Passage ids, most similar first (`where`: only the passages it matches)."""
        from llama_index.core.schema import QueryBundle

        if self._vector_index is None:
            from llama_index.core import VectorStoreIndex
            from llama_index.vector_stores.chroma import ChromaVectorStore

            from qa.index.llamaindex_embedding import LlamaIndexEmbedding

            self._vector_index = VectorStoreIndex.from_vector_store(
                ChromaVectorStore(chroma_collection=self.collections.passages),
                embed_model=LlamaIndexEmbedding(self.embedder),
            )
            self._vector_retriever = self._vector_index.as_retriever(similarity_top_k=CANDIDATES)
        retriever = self._vector_retriever if where is None else self._vector_index.as_retriever(
            similarity_top_k=CANDIDATES, filters=_metadata_filters(where))
        # The question's vector is passed in, so LlamaIndex does not embed the question a second time.
        results = retriever.retrieve(QueryBundle(question, embedding=query_vector.tolist()))
        return [r.node.node_id for r in results]

    def _dense_sentences(self, query_vector: np.ndarray, where: dict | None = None) -> list[str]:
        """Passage ids ranked by their best sentence's similarity to the question."""
        got = self.collections.sentences.query(
            query_embeddings=[query_vector.tolist()], n_results=CANDIDATES * 2, include=["distances", "metadatas"],
            **({"where": where} if where is not None else {}),
        )
        return list(dict.fromkeys(meta["passage"] for meta in got["metadatas"][0]))

    def _bm25(self, query_terms: list[str], mask: list[int] | None = None) -> list[str]:
        """Passage ids by BM25 score, best first; passages that share no term with the query are left out, and with
        a `mask` those it leaves out (their scores are multiplied by 0)."""
        from llama_index.core.schema import QueryBundle

        bm25 = self.tables.bm25
        if bm25 is None or not BM25_TOKEN.search(" ".join(query_terms)):
            return []
        if mask is not None:
            from llama_index.retrievers.bm25 import BM25Retriever

            corpus = bm25.corpus  # a retriever built from nodes keeps its corpus itself, not in its bm25s model
            bm25 = BM25Retriever(existing_bm25=bm25.bm25, corpus_weight_mask=mask,
                                 **_bm25_options(len(self.tables.passages)))
            bm25.corpus = corpus
        return [r.node.node_id for r in bm25.retrieve(QueryBundle(" ".join(query_terms))) if r.score > 0]

    def sentence_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        got = self.collections.sentences.get(ids=ids, include=["embeddings"])
        return {sid: np.asarray(vec, dtype=np.float32) for sid, vec in zip(got["ids"], got["embeddings"])}


def _similarity(passages: list[ScoredPassage], vectors: dict[str, np.ndarray],
                query_vector: np.ndarray) -> dict[str, float]:
    """Cosine similarity of each returned passage's vector to the question, whichever ranking found it.

    A passage's vector is the normalised mean of its sentences' vectors (qa/ingest/sync.py), so it comes from the sentence
    vectors the answer step needs anyway, without another round trip to Chroma. The answer step reads it in every
    retrieval mode, so that comparing modes compares retrieval alone.
    """
    similarity = {}
    for scored in passages:
        rows = [vectors[key] for i in range(len(scored.passage.sentences))
                if (key := f"{scored.passage.id}#{i}") in vectors]
        if rows:
            mean = np.mean(rows, axis=0)
            similarity[scored.passage.id] = float(mean @ query_vector) / max(float(np.linalg.norm(mean)), 1e-12)
    return similarity


def _metadata_filters(where: dict):
    """LlamaIndex's metadata filters for a Chroma `where` of the forms _where builds ($and, $or, $gte, $lte, $in),
    which its ChromaVectorStore turns back into the same `where`."""
    from llama_index.core.vector_stores import FilterCondition, FilterOperator, MetadataFilter, MetadataFilters

    operators = {"$gte": FilterOperator.GTE, "$lte": FilterOperator.LTE, "$in": FilterOperator.IN}
    (key, value), = where.items()
    if key in ("$and", "$or"):
        return MetadataFilters(filters=[_metadata_filters(c) for c in value],
                               condition=FilterCondition.AND if key == "$and" else FilterCondition.OR)
    (op, operand), = value.items()
    return MetadataFilters(filters=[MetadataFilter(key=key, value=operand, operator=operators[op])])


def _bm25_options(passages: int) -> dict:
    return {
        "skip_stemming": True,  # the text is already terms
        "token_pattern": BM25_TOKEN.pattern,
        "similarity_top_k": min(CANDIDATES, passages),
    }


def _load_bm25(path: Path, passages: int):
    """The persisted BM25Retriever. Built from its bm25s model rather than `from_persist_dir`, which restores only
    top-k: it would stem the (already stemmed) query terms and split them differently from the index it loads."""
    import bm25s
    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import
    return BM25Retriever(existing_bm25=bm25s.BM25.load(str(path), load_corpus=True), **_bm25_options(passages))


def _term_nodes(term_texts: dict[str, str]):
    from llama_index.core.schema import TextNode

    return [TextNode(id_=pid, text=text) for pid, text in term_texts.items()]


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
