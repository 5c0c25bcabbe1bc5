"""The "LlamaIndex defaults" baseline that `qa eval --compare` measures our pipeline against.

What a newcomer gets from the LlamaIndex quick start, with only the embedding model swapped for ours so that the
comparison is about chunking, retrieval and answering rather than the model: `SentenceSplitter()` with its defaults
(1024 tokens, 200 overlap), an in-memory `VectorStoreIndex`, and a retriever with the default `similarity_top_k=2`.

LlamaIndex's default query engine needs an LLM, which we do not have offline, so the baseline's answer is a fixed,
minimal reader that is not tuned to any question set: the sentence of the top node that shares the most distinct
words with the question (ties: the earlier sentence). It is cited as the whole top node, line range mapped back from
the node's `start_char_idx`/`end_char_idx` - the chunk-level citation LlamaIndex gives. The baseline never refuses:
the default stack has no notion of "not in the articles".

Nothing here touches the network: the splitter's tokenizer (tiktoken) and NLTK data come from the caches that
llama-index-core ships in `llama_index/core/_static`, and the embedder is our bundled MiniLM.
"""

from __future__ import annotations

import re
import time

from qa.config import Settings
from qa.index import LlamaIndexEmbedding, get_embedder
from qa.ingest import load_articles
from qa.types import Answer, Article, Citation, Passage, ScoredPassage

SIMILARITY_TOP_K = 2  # LlamaIndex's default for `as_retriever()`
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"\w+")
# A generic English stop list, so "the" and "of" do not decide which sentence is chosen.
_STOP = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its of on or that the their there this "
    "to was were what when where which who whom whose why will with".split()
)


class LlamaIndexBaseline:
    """Index the articles the LlamaIndex-default way; `ask()` returns an `Answer` like `Engine.ask` does."""

    name = "LlamaIndex defaults"

    def __init__(self, settings: Settings) -> None:
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        articles, _skipped = load_articles(settings.articles_dir, settings.max_file_bytes)
        self.articles: dict[str, Article] = {a.doc: a for a in articles}
        documents = [Document(text="\n".join(a.lines), id_=a.doc) for a in articles]
        index = VectorStoreIndex.from_documents(
            documents,
            transformations=[SentenceSplitter()],
            embed_model=LlamaIndexEmbedding(get_embedder("minilm")),
        )
        self.retriever = index.as_retriever(similarity_top_k=SIMILARITY_TOP_K)
        self.nodes = len(index.docstore.docs)  # chunks embedded, for the benchmark's passages/s

    def ask(self, question: str, **_options) -> Answer:
        started = time.perf_counter()
        nodes = self.retriever.retrieve(question)
        retrieved_at = time.perf_counter()
        passages = [ScoredPassage(self._passage(n.node), float(n.score or 0.0)) for n in nodes]
        citations, text = [], "No passage was retrieved."
        if passages:
            top = passages[0].passage
            sentence = best_sentence(question, top.text)
            article = self.articles[top.doc]
            citations = [Citation(n=1, doc=top.doc, start_line=top.start_line, end_line=top.end_line,
                                  quote=sentence, title=article.title, published=article.published,
                                  outlet=article.outlet)]
            text = f"{sentence} [1]"
        done = time.perf_counter()
        return Answer(
            question=question,
            text=text,
            citations=citations,
            refused=False,
            passages=passages,
            mode="llamaindex-default",
            timings_ms={
                "retrieve": (retrieved_at - started) * 1000,
                "answer": (done - retrieved_at) * 1000,
                "total": (done - started) * 1000,
            },
        )

    def _passage(self, node) -> Passage:
        """The node as a `Passage` with line numbers in the file on disk (whole file if offsets are missing)."""
        article = self.articles[node.ref_doc_id]
        full = "\n".join(article.lines)
        start, end = node.start_char_idx, node.end_char_idx
        if start is None or end is None:  # LlamaIndex could not find the chunk verbatim in the document
            start, end = 0, len(full)
        start_line, end_line = lines_of_span(full, start, end)
        return Passage(doc=article.doc, start_line=start_line, end_line=end_line,
                       text=article.text_of(start_line, end_line), sentences=())


def lines_of_span(text: str, start: int, end: int) -> tuple[int, int]:
    """1-based inclusive line range of the characters text[start:end] (end exclusive), counting "\\n" before each."""
    last = max(start, end - 1)
    return text.count("\n", 0, start) + 1, text.count("\n", 0, last) + 1


def best_sentence(question: str, text: str) -> str:
    """The sentence of `text` sharing the most distinct non-stop words with `question`; the first one on ties."""
    wanted = {w for w in _WORD.findall(question.lower()) if w not in _STOP}
    best, best_overlap = "", -1
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        if not sentence:
            continue
        overlap = len(wanted & set(_WORD.findall(sentence.lower())))
        if overlap > best_overlap:
            best, best_overlap = sentence, overlap
    return best
