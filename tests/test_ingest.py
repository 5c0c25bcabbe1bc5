"""Ingest into a real Chroma store: line provenance, incremental updates, bad files, model mismatch, symlinks."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest

from qa.index.embedding import embedder_from_settings
from qa.index.store import ModelMismatchError
from qa.ingest.chunking import chunk
from qa.ingest.loader import ARTICLE_FORM, load_article
from qa.ingest.sync import ingest, open_collections

FIVE = [
    "000_5a93f3083e658345.txt",
    "001_225c9696b388be00.txt",
    "002_9be3c843f8453a3d.txt",
    "003_b5c2d4766fccff0a.txt",
    "004_5b03b3f6e3581bda.txt",
]


def passages_in(collections) -> dict[str, tuple[str, dict]]:
    got = collections.passages.get(include=["documents", "metadatas"])
    return {pid: (text, meta) for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"])}


def sentence_records(collections) -> dict[str, dict]:
    got = collections.sentences.get(include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"]))


class CountingEmbed:
    """Wraps an embedder's `embed` to count the texts it is asked to embed."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.real = embedder.embed
        self.texts = 0

    def __call__(self, texts):
        self.texts += len(texts)
        return self.real(texts)


@pytest.fixture
def counting_embed(settings_for, bundled_articles, tmp_path, monkeypatch):
    embedder = embedder_from_settings(settings_for(bundled_articles, tmp_path))  # the process-wide instance
    counter = CountingEmbed(embedder)
    monkeypatch.setattr(embedder, "embed", counter)
    return counter


ONE = "001_225c9696b388be00.txt"


@pytest.fixture
def one_article(tmp_path, bundled_articles):
    """A folder holding one bundled article: enough where the test is not about the corpus."""
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / ONE).write_bytes((bundled_articles / ONE).read_bytes())
    return folder


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, bundled_articles, settings_for):
    """The five bundled articles ingested once into a store that tests only read."""
    settings = settings_for(bundled_articles, tmp_path_factory.mktemp("indexed") / "chroma")
    report = ingest(settings)
    return settings, report


# Provenance -----------------------------------------------------------------------------------------------------
def test_first_ingest_report(indexed):
    _, report = indexed
    assert report.articles == 5
    assert report.changed == 5
    assert report.removed == 0
    assert report.skipped == []
    assert report.passages > 20
    assert "5 articles" in report.summary() and "5 changed" in report.summary()


def test_every_passage_is_its_lines_on_disk(indexed, bundled_articles):
    settings, report = indexed
    records = passages_in(open_collections(settings))
    assert len(records) == report.passages
    assert {meta["doc"] for _, meta in records.values()} == set(FIVE)
    for pid, (text, meta) in records.items():
        lines = (bundled_articles / meta["doc"]).read_text(encoding="utf-8").split("\n")
        start, end = int(meta["start_line"]), int(meta["end_line"])
        assert 1 <= start <= end <= len(lines)
        assert text == "\n".join(lines[start - 1 : end]), pid
        assert pid == f"{meta['doc']}:{start}-{end}"


def test_every_sentence_is_inside_its_passage_lines(indexed, bundled_articles):
    from qa.index.store import passage_from_record

    settings, _ = indexed
    collections = open_collections(settings)
    records = passages_in(collections)
    sentence_ids = set(sentence_records(collections))
    total = 0
    for pid, (text, meta) in records.items():
        passage = passage_from_record(text, meta)
        lines = (bundled_articles / passage.doc).read_text(encoding="utf-8").split("\n")
        assert passage.sentences
        for index, sentence in enumerate(passage.sentences):
            quote = passage.sentence_text(sentence)
            assert quote.strip() == quote and quote
            assert passage.start_line <= sentence.start_line <= sentence.end_line <= passage.end_line
            assert quote in "\n".join(lines[sentence.start_line - 1 : sentence.end_line])
            assert f"{pid}#{index}" in sentence_ids
            total += 1
    assert total == len(sentence_ids)


def test_manifest_holds_metadata(indexed):
    settings, _ = indexed
    manifest = open_collections(settings).read_manifest()
    assert sorted(manifest) == FIVE
    assert manifest["001_225c9696b388be00.txt"].title == "Azerbaijan Determined to Expand Ties With Iran"
    assert manifest["002_9be3c843f8453a3d.txt"].published.isoformat() == "2021-12-23"


def test_reingest_changes_nothing_and_embeds_nothing(indexed, counting_embed):
    settings, first = indexed
    report = ingest(settings)
    assert report.changed == 0 and report.removed == 0
    assert report.articles == 5 and report.passages == first.passages
    assert "0 changed" in report.summary()
    assert counting_embed.texts == 0


class Untouchable:
    """Stands for a collection that must not be read."""

    def __getattr__(self, name):
        raise AssertionError(f"the sentence collection was read ({name})")


def test_questions_are_answered_without_reading_the_sentence_collection(one_article, tmp_path, settings_for,
                                                                        monkeypatch):
    """The first read of a Chroma collection loads its whole vector index into the process: the ingest builds the
    sentence vectors' cache, so a process answering questions never opens the sentence index."""
    from qa.answer import engine as engine_module

    settings = settings_for(one_article, tmp_path / "chroma")
    ingest(settings)
    opened = engine_module.open_collections

    def without_sentences(*args, **kwargs):
        collections = opened(*args, **kwargs)
        collections.sentences = Untouchable()
        return collections

    monkeypatch.setattr(engine_module, "open_collections", without_sentences)
    answer = engine_module.Engine(settings).ask("How long is the border between Iran and Azerbaijan?")
    assert not answer.refused and answer.citations, answer.text


def test_the_cached_sentence_vectors_are_the_collection_s(indexed):
    """Every passage's rows in the retrieval cache are its sentences' vectors as stored in Chroma, in order."""
    from qa.answer import Engine

    settings, _ = indexed
    tables = Engine(settings).retriever.tables
    got = open_collections(settings).sentences.get(include=["embeddings"])
    stored = dict(zip(got["ids"], got["embeddings"]))
    assert set(tables.first_row) == set(tables.passages)
    for pid, first in tables.first_row.items():
        count = len(tables.passages[pid].sentences)
        expected = [stored[f"{pid}#{i}"] for i in range(count)]
        assert (tables.vectors.rows(first, count) == expected).all(), pid


def test_a_damaged_sentence_vector_cache_is_rebuilt(one_article, tmp_path, settings_for, caplog):
    from qa.answer import Engine

    settings = settings_for(one_article, tmp_path / "chroma")
    ingest(settings)
    question = "How long is the border between Iran and Azerbaijan?"
    before = Engine(settings).ask(question)
    (cached,) = settings.cache_dir.glob("tables-*/sentences.npy")
    cached.write_bytes(cached.read_bytes()[: len(cached.read_bytes()) // 2])
    with caplog.at_level(logging.WARNING):
        after = Engine(settings).ask(question)
    assert "rebuilding the retrieval cache" in caplog.text
    assert after.text == before.text and after.citations == before.citations
    tables = Engine(settings).retriever.tables
    assert tables.vectors.shape == (sum(len(p.sentences) for p in tables.passages.values()), 384)


def test_other_embedding_model_is_refused(indexed):
    settings, _ = indexed
    other = settings.model_copy(update={"embedding": "openai"})  # constructing the client needs no network
    with pytest.raises(ModelMismatchError) as caught:
        open_collections(other)
    message = str(caught.value)
    assert "all-MiniLM-L6-v2-onnx-int8" in message
    assert "openai:text-embedding-3-small" in message
    assert "qa ingest --rebuild" in message


def test_index_of_an_earlier_form_of_the_bundled_model_is_rebuilt(one_article, settings_for, tmp_path, caplog):
    """An index built by an earlier release (its vectors from the float32 arithmetic of the same model) is not
    refused after an upgrade: the next ingest builds it again."""
    settings = settings_for(one_article, tmp_path / "chroma")
    ingest(settings)
    collections = open_collections(settings)
    earlier = embedder_from_settings(settings).replaces[0]
    for collection in (collections.passages, collections.sentences, collections.manifest):
        collection.modify(metadata={"embedding_model": earlier})
    with pytest.raises(ModelMismatchError):
        open_collections(settings)
    with caplog.at_level(logging.WARNING, logger="qa.ingest.sync"):
        report = ingest(settings)
    assert report.changed == 1 and report.articles == 1
    assert f"built with {earlier}" in caplog.text
    assert open_collections(settings).passages.metadata["embedding_model"] == embedder_from_settings(settings).name


def test_an_article_read_by_an_earlier_form_is_read_again(one_article, settings_for, tmp_path):
    """A release that reads articles differently (a title, a date) reads them again at the next ingest, whose hash
    has not changed; the one after changes nothing."""
    from dataclasses import replace

    settings = settings_for(one_article, tmp_path / "chroma")
    ingest(settings)
    collections = open_collections(settings)
    [entry] = collections.read_manifest().values()
    assert entry.form == ARTICLE_FORM
    collections.write_manifest([replace(entry, published=None, form=ARTICLE_FORM - 1)])
    report = ingest(settings)
    assert report.changed == 1 and report.articles == 1
    assert report.sentences > 0 and report.embedded == 0  # its text is the same: the vectors it had are kept
    [entry] = open_collections(settings).read_manifest().values()
    assert entry.form == ARTICLE_FORM and entry.published is not None
    assert ingest(settings).changed == 0


def test_what_an_article_is_read_as_again_reaches_the_retrieval_cache(one_article, settings_for, tmp_path):
    """An index whose earlier form read no date for an article, and whose retrieval cache was built then: once the
    article is read again (same text, now dated), a question's passages carry the date, not the cached absence (the
    cache was keyed by the articles' texts alone, so a date filter and the time notes read stale dates)."""
    from dataclasses import replace

    from qa.answer import Engine

    settings = settings_for(one_article, tmp_path / "chroma")
    ingest(settings)
    collections = open_collections(settings)
    [entry] = collections.read_manifest().values()
    ids = collections.passages.get(where={"doc": entry.doc}, include=[])["ids"]
    collections.passages.update(ids=ids, metadatas=[{"published": ""}] * len(ids))  # as the earlier form wrote it
    collections.write_manifest([replace(entry, published=None, form=ARTICLE_FORM - 1)])
    assert {Engine(settings).retriever.tables.metadata[pid]["published"] for pid in ids} == {""}
    assert ingest(settings).changed == 1  # read again: dated now
    tables = Engine(settings).retriever.tables
    assert {tables.metadata[pid]["published"] for pid in ids} == {entry.published.isoformat()}


def test_asking_an_index_of_an_earlier_form_of_the_model_rebuilds_it_first(one_article, settings_for, tmp_path):
    """`qa ask`, `qa.ask()` and the app open the index through `ready_engine`: after an upgrade they rebuild it and
    answer, instead of stopping at the model mismatch."""
    from qa.answer.engine import ready_engine

    settings = settings_for(one_article, tmp_path / "chroma")
    ingest(settings)
    earlier = embedder_from_settings(settings).replaces[0]
    for collection in (open_collections(settings).passages, open_collections(settings).manifest):
        collection.modify(metadata={"embedding_model": earlier})
    said = []
    answer = ready_engine(settings, said.append).ask("What did Bayramov describe Iran as?")
    assert any(earlier in line and "rebuilds it" in line for line in said), said
    assert any(line.startswith("Index built: 1 articles") for line in said), said
    assert not answer.refused and "friendly neighbor" in answer.text


def test_cli_reports_model_mismatch_without_traceback(indexed, monkeypatch, capsys):
    from qa import cli
    from qa.config import get_settings

    settings, _ = indexed
    monkeypatch.setenv("QA_STORE_DIR", str(settings.store_dir))
    monkeypatch.setenv("QA_ARTICLES_DIR", str(settings.articles_dir))
    monkeypatch.setenv("QA_EMBEDDING", "openai")
    get_settings.cache_clear()
    try:
        assert cli.main(["ingest", "--quiet"]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "qa ingest --rebuild" in err
    assert "Traceback" not in err


# Incremental updates --------------------------------------------------------------------------------------------
def _passages(articles_dir, doc):
    return chunk(load_article(articles_dir / doc, articles_dir, 5_000_000))


def _expected_ids(articles_dir, doc) -> set[str]:
    return {p.id for p in _passages(articles_dir, doc)}


def _sentence_texts(articles_dir, doc) -> dict[str, str]:
    """The article's sentences by their index ids, with their texts."""
    return {f"{p.id}#{i}": p.sentence_text(s) for p in _passages(articles_dir, doc) for i, s in enumerate(p.sentences)}


def test_edit_add_delete(articles_copy, tmp_path, settings_for, counting_embed):
    settings = settings_for(articles_copy, tmp_path / "chroma")
    ingest(settings)
    collections = open_collections(settings)

    # Edit: a new paragraph near the top shifts every line of 000; no old passage id may survive.
    doc = "000_5a93f3083e658345.txt"
    path = articles_copy / doc
    old_ids = _expected_ids(articles_copy, doc)
    old_texts = _sentence_texts(articles_copy, doc)
    path.write_text("Breaking update\n\nAn added first paragraph about the Caspian Sea.\n\n" + path.read_text("utf-8"),
                    encoding="utf-8")
    counting_embed.texts = 0
    report = ingest(settings)
    assert (report.changed, report.removed, report.articles) == (1, 0, 5)
    # Only the sentences the edit added are embedded; the others keep their vectors, which are the model's for
    # their text wherever they moved.
    new_texts = _sentence_texts(articles_copy, doc)
    assert counting_embed.texts == len(set(new_texts.values()) - set(old_texts.values())) > 0
    stored_vectors = collections.sentences.get(ids=list(new_texts), include=["embeddings"])
    assert sorted(stored_vectors["ids"]) == sorted(new_texts)
    computed = counting_embed.real([new_texts[sid] for sid in stored_vectors["ids"]])
    assert np.allclose(np.asarray(stored_vectors["embeddings"]), computed, atol=1e-6)
    new_ids = _expected_ids(articles_copy, doc)
    records = passages_in(collections)
    stored = {pid for pid, (_, meta) in records.items() if meta["doc"] == doc}
    assert stored == new_ids
    assert not (old_ids - new_ids) & set(records)
    assert {sid.rpartition("#")[0] for sid, m in sentence_records(collections).items() if m["doc"] == doc} == new_ids
    for pid in stored:
        text, meta = records[pid]
        lines = path.read_text("utf-8").split("\n")
        assert text == "\n".join(lines[int(meta["start_line"]) - 1 : int(meta["end_line"])])

    # Add, in a subfolder: the doc id is the relative path with "/".
    (articles_copy / "extra").mkdir()
    (articles_copy / "extra" / "new.txt").write_text(
        "Caspian talks resume\n\nThe Caspian summit opened in Ashgabat on Tuesday with five leaders.\n", "utf-8")
    report = ingest(settings)
    assert (report.changed, report.removed, report.articles) == (1, 0, 6)
    assert "extra/new.txt" in collections.read_manifest()
    assert any(meta["doc"] == "extra/new.txt" for _, meta in passages_in(collections).values())

    # Delete: every record of the article goes.
    (articles_copy / "003_b5c2d4766fccff0a.txt").unlink()
    report = ingest(settings)
    assert (report.changed, report.removed, report.articles) == (0, 1, 5)
    gone = "003_b5c2d4766fccff0a.txt"
    assert gone not in collections.read_manifest()
    assert all(meta["doc"] != gone for _, meta in passages_in(collections).values())
    assert all(meta["doc"] != gone for meta in sentence_records(collections).values())
    assert report.passages == len(passages_in(collections))


def test_rebuild_starts_clean(one_article, tmp_path, settings_for):
    settings = settings_for(one_article, tmp_path / "chroma")
    first = ingest(settings)
    collections = open_collections(settings)
    collections.passages.add(ids=["stale:1-1"], documents=["stale"], embeddings=[[0.1] * 384],
                             metadatas=[{"doc": "stale.txt", "start_line": 1, "end_line": 1, "sentences": "[]"}])
    report = ingest(settings, rebuild=True)
    assert report.changed == 1 and report.articles == 1 and report.passages == first.passages
    records = passages_in(open_collections(settings))
    assert "stale:1-1" not in records and len(records) == first.passages


def test_bad_files_skipped_and_nothing_lost(articles_copy, tmp_path, settings_for, caplog):
    settings = settings_for(articles_copy, tmp_path / "chroma", max_file_bytes=100_000)
    first = ingest(settings)

    (articles_copy / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4)
    (articles_copy / "empty.txt").write_bytes(b"")
    (articles_copy / "latin1.txt").write_bytes(
        "Caf\u00e9 owners in Baku\n\nThe caf\u00e9 owners of Baku met on Friday.\n".encode("cp1252"))
    (articles_copy / "oversized.txt").write_text("Baku is a city on the Caspian Sea. " * 4000, encoding="utf-8")
    # An indexed article replaced by garbage keeps its indexed version.
    (articles_copy / "004_5b03b3f6e3581bda.txt").write_bytes(b"\x00\x01\x02" * 100)
    with caplog.at_level(logging.WARNING):
        report = ingest(settings)

    skipped = {s.doc: s.reason for s in report.skipped}
    assert sorted(skipped) == ["004_5b03b3f6e3581bda.txt", "binary.txt", "empty.txt", "oversized.txt"]
    for name in ("binary.txt", "empty.txt", "oversized.txt", "latin1.txt", "004_5b03b3f6e3581bda.txt"):
        assert name in caplog.text
    manifest = open_collections(settings).read_manifest()
    assert sorted(manifest) == sorted(FIVE + ["latin1.txt"])
    assert report.changed == 1 and report.removed == 0
    assert report.passages > first.passages
    docs = {meta["doc"] for _, meta in passages_in(open_collections(settings)).values()}
    assert docs == set(FIVE) | {"latin1.txt"}


def test_symlinks_are_not_followed(one_article, tmp_path, settings_for):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret memo\n\nThe zanzibarite password is hunter2.\n", encoding="utf-8")
    os.symlink(outside / "secret.txt", one_article / "link.txt")
    os.symlink(outside, one_article / "linked_dir")
    settings = settings_for(one_article, tmp_path / "chroma")
    report = ingest(settings)
    assert report.articles == 1
    collections = open_collections(settings)
    assert sorted(collections.read_manifest()) == [ONE]
    assert all("zanzibarite" not in text for text, _ in passages_in(collections).values())


def test_progress_is_reported_article_by_article_batch(articles_copy, tmp_path, settings_for):
    """What the app's re-scan shows: (done, to index) from 0 to all, and nothing when nothing changed."""
    settings = settings_for(articles_copy, tmp_path / "chroma")
    seen: list[tuple[int, int]] = []
    report = ingest(settings, progress=lambda done, total: seen.append((done, total)))
    assert report.changed == 5
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    seen.clear()
    ingest(settings, progress=lambda done, total: seen.append((done, total)))
    assert seen == []  # nothing to index, nothing to show
