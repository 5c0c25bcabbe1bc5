"""Index: the Chroma store, the embedding model, word normalisation and hybrid retrieval.

`store` opens the three collections of an index (passages, sentences, manifest) embedded or on a Chroma server;
`control` holds, on a Chroma server, the ingest lock (a renewed lease) and the index version that readers watch;
`embedding` is the offline MiniLM model (or OpenAI's), run with int8 arithmetic (`int8_model` derives that form once),
seen by LlamaIndex and Chroma through two adapters and run in worker processes for large ingests (`embedding_pool`);
`lexical` is the one word normalisation for BM25 and scoring;
`retrieval` fuses dense passages, dense sentences and BM25 through LlamaIndex.

Exports: `Retriever`, `Retrieved`, `Collections`, `ManifestEntry`, `StoreError`, `EmptyIndexError`,
`ModelMismatchError`, `SupersededIndexError`, `chroma_client`,
`server_errors`, `close_client`, `drop_index`, `move_aside`, `sentences_to_json`, `Control`, `ServerLock`, `LockBusy`,
`LockLost`, `Embedder`, `MiniLMEmbedder`, `EmbeddingPool`,
`workers_wanted`, `get_embedder`, `embedder_from_settings`, `LlamaIndexEmbedding`, `MAX_TOKENS`, `TOKENIZER_PATH`,
`Vocabulary`, `terms`, `one_edit`, `names`, `name_runs`, `STOPWORDS`, `DEMONYMS`, `DAY_KEY`, `day_number`,
`DocFilter`.
"""

from qa._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "Retriever": "retrieval", "Retrieved": "retrieval",
    "Collections": "store", "ManifestEntry": "store", "StoreError": "store", "EmptyIndexError": "store",
    "ModelMismatchError": "store", "SupersededIndexError": "store",
    "chroma_client": "store", "server_errors": "store", "drop_index": "store", "move_aside": "store",
    "sentences_to_json": "store", "close_client": "store", "DAY_KEY": "store", "day_number": "store",
    "DocFilter": "retrieval",
    "Control": "control", "ServerLock": "control", "LockBusy": "control", "LockLost": "control",
    "Embedder": "embedding", "MiniLMEmbedder": "embedding", "get_embedder": "embedding",
    "embedder_from_settings": "embedding", "MAX_TOKENS": "embedding", "TOKENIZER_PATH": "embedding",
    "EmbeddingPool": "embedding_pool", "workers_wanted": "embedding_pool",
    "LlamaIndexEmbedding": "llamaindex_embedding",
    "Vocabulary": "lexical", "terms": "lexical", "one_edit": "lexical", "names": "lexical", "name_runs": "lexical",
    "STOPWORDS": "lexical", "DEMONYMS": "lexical",
})
__all__ = __dir__()
