"""Hybrid retrieval: dense passage search in Chroma fused with BM25, through LlamaIndex, and with their candidates
ranked again by their best sentence.

Dense vectors find paraphrases; BM25 finds the numbers, dates and names that MiniLM blurs; a passage's best sentence
finds the one line on the question's subject in a passage about something else, which the passage's mean vector
blurs. The rankings are fused by weighted reciprocal rank (qa/index/fusion.py), which needs no score calibration
between them. Everything built from the collections (the passage table, BM25, term statistics, every sentence's
vector) is cached on disk under the store, keyed by the index's fingerprint, so a new process does not rebuild it.

The sentence vectors are read from that cache (a question reads the rows of its candidates, qa/index/vector_file.py),
never from the sentence collection: the first read of a Chroma collection loads its whole vector index
into the process (380 MB for the 184,460 sentences of 8,900 articles), and searching it over the whole archive found
no better passages than ranking the other two searches' candidates by their best sentence (docs/performance.md).
An ingest builds the cache, so that in embedded mode a process answering questions never opens the sentence index.

LlamaIndex builds both indexes (the passages are written through its ChromaVectorStore, the BM25 index is its
BM25Retriever's bm25s model) and answers both queries: a VectorStoreIndex retriever over the passage collection and
the persisted BM25Retriever. Its import is the largest single cost of a cold `qa ask` (docs/performance.md).

A date filter (`DocFilter`: articles published between two days) is applied inside each search, not to its results:
the dense search gets a `where` on the publication date stored as a number (DAY_KEY; LlamaIndex metadata filters),
and BM25 scores only the in-range passages (a weight mask over its corpus); the best-sentence ranking re-ranks their
candidates only. So a filtered question searches only in-range articles, however many others rank above them.
Articles ingested before the number was stored are matched by their ids instead (their dates from the manifest).
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.heap import release_free_heap
from qa.index.embedding import Embedder, as_asked
from qa.index.fusion import load_fusion
from qa.index.lexical import Vocabulary, names, terms
from qa.index.store import DAY_KEY, Collections, day_number, pages, passage_from_record
from qa.index.vector_file import VectorArray, VectorFile
from qa.types import Passage, ScoredPassage, Sentence

log = logging.getLogger(__name__)

CACHE_FORMAT = 6  # part of the cache folder's name: a change of what is cached, or of how, never reads an older cache
BM25_TOKEN = re.compile(r"(?u)\b\w+\b")  # how BM25 splits the term text of passages and questions alike
CANDIDATES = 30  # how deep each ranking is read before fusion
MODES = ("hybrid", "dense", "bm25")
ARTICLES_MEMO = 4096  # how many articles' terms are kept (`_Tables.article_terms`)


@dataclass
class Retrieved:
    passages: list[ScoredPassage]
    query_vector: np.ndarray
    terms: list[str]  # the question's terms
    variants: dict[str, set[str]]  # indexed spelling variants of some of those terms
    passage_similarity: dict[str, float]  # passage id -> cosine to the question, for every returned passage
    sentence_vectors: dict[str, np.ndarray]  # "<passage id>#<n>" -> vector, for every returned passage's sentences


@dataclass
class Searched:
    """A question's searches before fusion."""

    query_vector: np.ndarray
    terms: list[str]
    variants: dict[str, set[str]]
    rankings: dict[str, list[str]]  # ranking name (qa.index.fusion.RANKINGS) -> passage ids, best first


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
    first_row: dict[str, int]  # passage id -> the row of its first sentence in `vectors`; its others follow it
    vectors: VectorFile | VectorArray  # every sentence's vector

    def __post_init__(self) -> None:
        self._passages_of: dict[str, list[str]] | None = None  # article -> its passages' ids
        # An article's terms are read again by the next questions about it; a bounded memo keeps a large archive's
        # from piling up.
        self.article_terms = lru_cache(maxsize=ARTICLES_MEMO)(self._article_terms)

    def passages_of(self, doc: str) -> list[str]:
        """The ids of an article's passages."""
        if self._passages_of is None:
            passages_of: dict[str, list[str]] = {}
            for pid, passage in self.passages.items():
                passages_of.setdefault(passage.doc, []).append(pid)
            self._passages_of = passages_of
        return self._passages_of.get(doc, [])

    def _article_terms(self, doc: str) -> frozenset[str]:
        found: set[str] = set()
        for pid in self.passages_of(doc):
            found.update(terms(self.passages[pid].text))
            found.update(_title_terms(self.passages[pid], self.metadata[pid]))
        return frozenset(found)


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

    def article_terms(self, doc: str) -> frozenset[str]:
        """The terms of an article's every indexed passage and its title: whatever it mentions anywhere, against which
        the reader checks the names a question asks about (qa/answer/extractive.py, `names_unsaid`)."""
        return self.tables.article_terms(doc)

    def sentence_before(self, passage: Passage) -> tuple[Passage, Sentence] | None:
        """The last sentence of the article's passage before this one (None for its first): what a passage that opens
        with "He said ..." needs to say who spoke."""
        tables = self.tables
        earlier = [tables.passages[pid] for pid in tables.passages_of(passage.doc)
                   if tables.passages[pid].end_line < passage.start_line and tables.passages[pid].sentences]
        if not earlier:
            return None
        last = max(earlier, key=lambda p: p.end_line)
        return last, last.sentences[-1]

    def prepare(self, manifest: dict) -> None:
        """Build the cached tables of the index as `manifest` describes it, unless they are there already."""
        fingerprint = self.collections.fingerprint(manifest)
        if not (self._cache_path(fingerprint) / "tables.pickle").exists():
            release_free_heap()  # what an ingest freed (its vector memo, its write batches) before the build's peak
            self._load_tables(fingerprint)

    def _cache_path(self, fingerprint: str) -> Path:
        return self.cache_dir / f"tables-v{CACHE_FORMAT}-{fingerprint}"

    def _load_tables(self, fingerprint: str) -> _Tables:
        path = self._cache_path(fingerprint)
        if (path / "tables.pickle").exists():
            try:
                with open(path / "tables.pickle", "rb") as fh:
                    passages, metadata, vocabulary, first_row = pickle.load(fh)
                vectors = VectorFile(path / "sentences.npy")
                if len(vectors) != sum(len(p.sentences) for p in passages.values()):
                    raise ValueError(f"sentences.npy has {len(vectors)} rows, not one per indexed sentence")
                bm25 = _load_bm25(path / "bm25", list(passages)) if passages else None
                return _Tables(passages, metadata, vocabulary, bm25, first_row, vectors)
            except Exception as err:  # a damaged cache is rebuilt, never trusted
                log.warning("rebuilding the retrieval cache in %s: %s", path, err)

        passages, metadata = self._read_passages()
        release_free_heap()  # what reading the records freed, before the sentence vectors' array is made
        df: Counter = Counter()
        term_texts = {}
        for pid, passage in passages.items():
            passage_terms = terms(passage.text)
            df.update(set(passage_terms))
            term_texts[pid] = " ".join(passage_terms + _title_terms(passage, metadata[pid]))
        vocabulary = Vocabulary(df, len(passages))
        first_row, vectors = self._read_sentence_vectors(passages)
        bm25 = None
        if passages:
            from llama_index.retrievers.bm25 import BM25Retriever

            logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import
            bm25 = BM25Retriever(nodes=_term_nodes(term_texts), **_bm25_options(len(passages)))
            bm25.corpus = _IdCorpus(list(term_texts))
        try:
            path.mkdir(parents=True, exist_ok=True)
            if bm25 is not None:
                bm25.bm25.save(str(path / "bm25"))  # the bm25s model; its corpus is the passage ids, in order
            np.save(path / "sentences.npy", vectors)
            with open(path / "tables.pickle", "wb") as fh:  # written last: its presence means the cache is whole
                pickle.dump((passages, metadata, vocabulary, first_row), fh)
            vectors = VectorFile(path / "sentences.npy")  # from the file, as a later process reads them
            for old in self.cache_dir.glob("tables-*"):
                if old != path:
                    _remove_tree(old)
        except OSError as err:
            log.warning("cannot write the retrieval cache %s: %s", path, err)
        return _Tables(passages, metadata, vocabulary, bm25, first_row,
                       vectors if isinstance(vectors, VectorFile) else VectorArray(vectors))

    def _read_passages(self) -> tuple[dict[str, Passage], dict[str, dict]]:
        """Every passage, and its article's title, date and outlet, read a page at a time: the records as read, with
        LlamaIndex's copy of each node in its metadata, take several times the passages' size."""
        passages, metadata = {}, {}
        for page in pages(self.collections.passages, ["documents", "metadatas"]):
            for pid, text, meta in zip(page["ids"], page["documents"], page["metadatas"]):
                passages[pid] = passage_from_record(text, meta)
                metadata[pid] = {k: meta[k] for k in ("doc", "title", "published", "outlet") if k in meta}
        return passages, metadata

    def _read_sentence_vectors(self, passages: dict[str, Passage]) -> tuple[dict[str, int], np.ndarray]:
        """Every sentence's vector from the sentence collection, a page at a time into one array in which each
        passage's rows follow one another in sentence order. A passage missing any of its sentences' vectors is left
        out of `first_row` (it is still found, by its text and its mean vector)."""
        first_row, rows = {}, 0
        for pid, passage in passages.items():
            first_row[pid] = rows
            rows += len(passage.sentences)
        vectors = np.zeros((rows, self.embedder.dim), dtype=np.float32)
        filled = np.zeros(rows, dtype=bool)
        for page in pages(self.collections.sentences, ["embeddings"]):
            for sid, vector in zip(page["ids"], page["embeddings"]):
                pid, _, index = sid.rpartition("#")
                if pid in first_row and int(index) < len(passages[pid].sentences):
                    vectors[first_row[pid] + int(index)] = vector
                    filled[first_row[pid] + int(index)] = True
        complete = {pid: first for pid, first in first_row.items()
                    if filled[first : first + len(passages[pid].sentences)].all()}
        return complete, vectors

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

    def search(self, question: str, only: DocFilter | None = None) -> Searched:
        """The question's rankings of passage ids, before fusion; `only`: search only the articles published in that
        range."""
        tables = self.tables
        query_vector, query_terms, variants = self._query(question)
        searched = Searched(query_vector, query_terms, variants, {})
        mask = self._mask(only) if only is not None else None
        if not tables.passages or (mask is not None and not any(mask)):
            return searched
        where = self._where(only) if only is not None else None
        rankings = searched.rankings
        if self.mode in ("hybrid", "dense"):
            rankings["dense"] = self._dense_passages(question, query_vector, where)
        if self.mode in ("hybrid", "bm25"):
            expanded = query_terms + sorted({v for near in variants.values() for v in near})
            rankings["bm25"] = self._bm25(expanded, mask)
        if self.mode in ("hybrid", "dense"):
            found = list(dict.fromkeys(p for ranking in rankings.values() for p in ranking))
            rankings["best_sentence"] = self._by_best_sentence(query_vector, found)
        return searched

    def retrieve(self, question: str, top_k: int, only: DocFilter | None = None) -> Retrieved:
        """The top_k passages for the question; `only`: search only the articles published in that range."""
        searched = self.search(question, only)
        tables = self.tables
        passages = first_passages(tables.passages, tables.metadata, load_fusion().fuse(searched.rankings), top_k)
        vectors = self._sentence_vectors([s.passage for s in passages])
        return Retrieved(passages, searched.query_vector, searched.terms, searched.variants,
                         _similarity(passages, vectors, searched.query_vector), vectors)

    def read_for(self, retrieved: Retrieved, question: str) -> Retrieved:
        """The same passages, with the terms and the vector of another question to read their sentences by (a
        follow-up is searched for with the question before it, and read by its own words: `follow_up.reading`)."""
        query_vector, query_terms, variants = self._query(question)
        return dataclasses.replace(retrieved, query_vector=query_vector, terms=query_terms, variants=variants,
                                   passage_similarity=_similarity(retrieved.passages, retrieved.sentence_vectors,
                                                                  query_vector))

    def _query(self, question: str) -> tuple[np.ndarray, list[str], dict[str, set[str]]]:
        """What a question is searched for and read by: its vector, its terms and their spelling variants."""
        return self.embedder.embed([as_asked(question)])[0], *self.expand(question)

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
            ids = tables.bm25.corpus.ids if tables.bm25 is not None else []
            if len(self._masks) >= 8:
                self._masks.clear()
            self._masks[key] = [int(pid in keep) for pid in ids]
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

    def _by_best_sentence(self, query_vector: np.ndarray, candidates: list[str]) -> list[str]:
        """The candidates ranked by their best sentence's similarity to the question."""
        tables = self.tables
        best = {}
        for pid in candidates:
            first = tables.first_row.get(pid)
            if first is not None:
                count = len(tables.passages[pid].sentences)
                best[pid] = float(np.max(tables.vectors.rows(first, count) @ query_vector))
        return sorted(best, key=best.__getitem__, reverse=True)

    def _bm25(self, query_terms: list[str], mask: list[int] | None = None) -> list[str]:
        """Passage ids by BM25 score, best first; passages that share no term with the query are left out, and with
        a `mask` those it leaves out (their scores are multiplied by 0)."""
        from llama_index.core.schema import QueryBundle

        bm25 = self.tables.bm25
        if bm25 is None or not BM25_TOKEN.search(" ".join(query_terms)):
            return []
        if mask is not None:
            from llama_index.retrievers.bm25 import BM25Retriever

            corpus = bm25.corpus  # kept by the retriever, not by its bm25s model
            bm25 = BM25Retriever(existing_bm25=bm25.bm25, corpus_weight_mask=mask,
                                 **_bm25_options(len(self.tables.passages)))
            bm25.corpus = corpus
        return [r.node.node_id for r in bm25.retrieve(QueryBundle(" ".join(query_terms))) if r.score > 0]

    def _sentence_vectors(self, passages: list[Passage]) -> dict[str, np.ndarray]:
        """"<passage id>#<n>" -> vector, for each of these passages' sentences."""
        tables = self.tables
        vectors = {}
        for passage in passages:
            first = tables.first_row.get(passage.id)
            if first is not None:
                block = tables.vectors.rows(first, len(passage.sentences))
                vectors.update((f"{passage.id}#{i}", row) for i, row in enumerate(block))
        return vectors


def first_passages(passages: dict[str, Passage], metadata: dict[str, dict], fused: list[tuple[str, float]],
                   top_k: int) -> list[ScoredPassage]:
    """The first top_k passages of a fused ranking (ids with scores, best first), each text once.

    The same text under another name (a syndicated or copied article) would take a second place of the top k for
    nothing new: it takes the place of its best-ranked copy, and is read from its original, the copy published first
    (then the first by name), with the others as its `copies` (cited beside it: qa/answer/copies.py). Which copy ranks
    first is a near tie between identical texts that any change of weights can flip; the original does not move."""
    copies: dict[str, list[str]] = {}  # text -> the ids found with it, in the order of the first
    for pid, _ in fused:
        passage = passages.get(pid)
        if passage is not None:
            copies.setdefault(passage.text, []).append(pid)
    scores = dict(fused)

    def age(pid: str) -> tuple[str, str]:
        return metadata.get(pid, {}).get("published") or "9999", pid  # undated copies after dated ones

    first = []
    for pids in list(copies.values())[:top_k]:
        original, *others = sorted(pids, key=age)
        first.append(ScoredPassage(passages[original], scores[pids[0]], tuple(passages[pid] for pid in others)))
    return first


def _similarity(passages: list[ScoredPassage], vectors: dict[str, np.ndarray],
                query_vector: np.ndarray) -> dict[str, float]:
    """Cosine similarity of each returned passage's vector to the question, whichever ranking found it.

    A passage's vector is the normalised mean of its sentences' vectors (qa/ingest/sync.py), so it comes from the
    sentence vectors the answer step reads anyway, without a read from Chroma. The answer step reads it in every
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


def _title_terms(passage: Passage, metadata: dict) -> list[str]:
    """The terms of the passage's article title, for BM25, unless the passage holds the title itself. A headline
    names the story; a later paragraph of it often names only the detail ("the club", "he said"), so a question
    that names the story and asks for that detail matches the paragraph by both (docs/architecture.md)."""
    title = metadata.get("title") or ""
    return terms(title) if title and title not in passage.text else []


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


def _load_bm25(path: Path, ids: list[str]):
    """The persisted BM25Retriever. Built from its bm25s model rather than `from_persist_dir`, which restores only
    top-k: it would stem the (already stemmed) query terms and split them differently from the index it loads."""
    import bm25s
    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import
    retriever = BM25Retriever(existing_bm25=bm25s.BM25.load(str(path)), **_bm25_options(len(ids)))
    retriever.corpus = _IdCorpus(ids)
    return retriever


def _term_nodes(term_texts: dict[str, str]):
    from llama_index.core.schema import TextNode

    return [TextNode(id_=pid, text=text) for pid, text in term_texts.items()]


class _IdCorpus(Sequence):
    """BM25Retriever's corpus, which it reads to return hit number i as the node of corpus[i]. Built from nodes, it
    keeps each whole (the term text again, as JSON), which every process would load from the cache (37 MB at 8,900
    articles) for nothing: the passage table has the text. This one holds the ids, in BM25's order, and makes an
    empty node with the passage's id when asked."""

    def __init__(self, ids: list[str]) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> dict:
        from llama_index.core.schema import TextNode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        return node_to_metadata_dict(TextNode(id_=self.ids[index]), remove_text=True)


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
