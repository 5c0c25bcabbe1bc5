"""The project's embedder seen by Chroma, as an embedding function.

It wraps the same `Embedder` as LlamaIndex's view (qa/index/llamaindex_embedding.py). Kept apart from that module so that
opening the store does not import LlamaIndex, which costs about two seconds at start-up.
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from qa.index.embedding import Embedder, get_embedder


@register_embedding_function
class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of the project's embedder (Chroma's own default would download a model at run time)."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder or get_embedder("minilm")

    def __call__(self, input: Documents) -> Embeddings:
        return list(self._embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "qa-embedder"

    def default_space(self) -> str:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": self._embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "ChromaEmbeddingFunction":
        """The function a collection was stored with, from the model name `get_config` recorded ("openai:<model>"
        or the bundled model's name; the OpenAI key and base URL come from the environment, never the store)."""
        kind, _, model = config.get("model", "").partition(":")
        return ChromaEmbeddingFunction(get_embedder("openai", model) if kind == "openai" and model else None)
