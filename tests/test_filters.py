"""Date filters inside the index: a since/until filter searches only the articles published in range, however many
out-of-range articles would rank above them, also in an index built before the date was stored as a number."""

from __future__ import annotations

from datetime import date

import pytest

from qa.answer.engine import Engine
from qa.index import DAY_KEY, DocFilter
from qa.ingest import sync
from qa.ingest.sync import ingest

QUESTION = "How much is the Harbour Bridge toll for cars?"
OLD_DOCS = {f"old_{n}.txt" for n in range(3)}


def _archive(folder):
    """70 articles of 2023 that match the question closely, and three of 2019 that answer it in other words."""
    folder.mkdir()
    for n in range(70):
        (folder / f"new_{n:02d}.txt").write_text(
            f"Harbour Bridge toll rises again\nPublished: {1 + n % 28} March 2023\n"
            f"The Harbour Bridge toll for cars is now {10 + n} dollars, the Harbour Bridge authority said.\n"
            f"The Harbour Bridge toll for cars was raised for the {n + 2}th time, and drivers of cars complained.\n",
            encoding="utf-8")
    for n in range(3):
        (folder / f"old_{n}.txt").write_text(
            f"Crossing fees set\nPublished: {5 + n} May 2019\n"
            f"The toll for cars on the harbour bridge is {3 + n} dollars, the city council decided.\n"
            "The fee will be reviewed next year.\n",
            encoding="utf-8")
    return folder


def _engine(tmp_path, settings_for):
    settings = settings_for(_archive(tmp_path / "articles"), tmp_path / "store", chroma_host=None,
                            answer_mode="extractive")
    ingest(settings)
    return Engine(settings)


@pytest.fixture(scope="module")
def engine(tmp_path_factory, settings_for):
    return _engine(tmp_path_factory.mktemp("filters"), settings_for)


def _premise(engine):
    """Without the filter, the 2019 articles are not among the top k x 3 that the filter used to be applied to."""
    pool = engine.retriever.retrieve(QUESTION, engine.settings.top_k * 3).passages
    assert not {p.passage.doc for p in pool} & OLD_DOCS


def test_the_date_is_stored_as_a_number(engine):
    passages = engine.collections.passages.get(where={"doc": "old_1.txt"}, include=["metadatas"])["metadatas"]
    assert passages
    assert {m[DAY_KEY] for m in passages} == {20190506}
    assert all(entry.day_key for entry in engine.manifest.values())


def test_a_filter_finds_in_range_articles_ranked_below_the_pool(engine):
    _premise(engine)
    answer = engine.ask(QUESTION, until="2019")
    assert not answer.refused, answer.text
    assert answer.citations and {c.doc for c in answer.citations} <= OLD_DOCS
    assert {p.passage.doc for p in answer.passages} <= OLD_DOCS
    retrieved = engine.retriever.retrieve(QUESTION, 8, DocFilter(None, date(2019, 12, 31)))
    assert {p.passage.doc for p in retrieved.passages} == OLD_DOCS


def test_each_search_keeps_to_the_range(engine):
    only = DocFilter(date(2019, 5, 6), date(2019, 5, 7))
    retriever = engine.retriever
    vector = retriever.embedder.embed([QUESTION])[0]
    where = retriever._where(only)
    docs = lambda pids: {retriever.tables.passages[pid].doc for pid in pids}  # noqa: E731
    assert docs(retriever._dense_passages(QUESTION, vector, where)) == {"old_1.txt", "old_2.txt"}
    terms, _ = retriever.expand("harbour dollars fee")
    assert docs(retriever._bm25(terms, retriever._mask(only))) == {"old_1.txt", "old_2.txt"}


def test_an_empty_range_says_so(engine):
    answer = engine.ask(QUESTION, since="2020", until="2022")
    assert answer.refused and answer.citations == [] and answer.passages == []
    assert "No article was published in the date range (2020-01-01 to 2022-12-31)." in answer.notes
    assert answer.confidence == 1.0  # nothing in the range: the refusal is sure


def test_an_index_without_the_numeric_date_filters_by_id(tmp_path, settings_for, monkeypatch):
    """Articles ingested before the number was stored: the filter matches them by their ids and manifest dates."""
    monkeypatch.setattr(sync, "_day", lambda article: {})
    entry = sync.ManifestEntry
    monkeypatch.setattr(sync, "ManifestEntry", lambda *a, **k: entry(*a, **{**k, "day_key": False}))
    engine = _engine(tmp_path, settings_for)
    assert not engine.collections.passages.get(where={DAY_KEY: {"$gte": 0}}, limit=1)["ids"]
    assert not any(e.day_key for e in engine.manifest.values())
    _premise(engine)
    answer = engine.ask(QUESTION, until="2019")
    assert not answer.refused and {c.doc for c in answer.citations} <= OLD_DOCS
    assert engine.ask(QUESTION, since="2020", until="2022").refused
