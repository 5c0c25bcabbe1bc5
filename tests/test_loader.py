"""Loading articles: metadata, boilerplate that never renumbers lines, sentence spans, HTML, and bad files."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from qa.ingest.chunking import chunk
from qa.ingest.loader import SkippedFile, load_article, load_articles
from qa.ingest.sentences import sentences_of, split_line
from qa.types import Article

MAX = 5_000_000

EXPECTED = {
    "000_5a93f3083e658345.txt": (date(2021, 1, 25), "Zarif", None),
    "001_225c9696b388be00.txt": (date(2020, 12, 10), "Azerbaijan Determined to Expand Ties With Iran", "EghtesadOnline"),
    "002_9be3c843f8453a3d.txt": (date(2021, 12, 23), "Iran, Azerbaijan oppose foreign interference in regional affairs",
                                 "Press TV"),
    "003_b5c2d4766fccff0a.txt": (date(2021, 3, 1), "Karabakh", "kayhan.ir"),
    "004_5b03b3f6e3581bda.txt": (date(2022, 7, 6),
                                 "Azerbaijani Territories Will Not Be Used By Any Country To Act Against Iran", None),
}


@pytest.fixture(scope="module")
def bundled(bundled_articles) -> dict[str, Article]:
    articles, skipped = load_articles(bundled_articles, MAX)
    assert skipped == []
    return {a.doc: a for a in articles}


def test_all_five_articles_load(bundled):
    assert sorted(bundled) == sorted(EXPECTED)


@pytest.mark.parametrize("doc", sorted(EXPECTED))
def test_metadata(bundled, doc):
    published, title_part, outlet = EXPECTED[doc]
    article = bundled[doc]
    assert article.published == published
    assert title_part in article.title
    assert 10 <= len(article.title) <= 120
    assert not article.title.startswith(("0 Persons", "News", "kayhan", "Last update"))
    if outlet is not None:
        assert article.outlet == outlet


@pytest.mark.parametrize("doc", sorted(EXPECTED))
def test_lines_are_the_file_on_disk(bundled, bundled_articles, doc):
    on_disk = (bundled_articles / doc).read_text(encoding="utf-8").split("\n")
    assert list(bundled[doc].lines) == on_disk


@pytest.mark.parametrize(
    "doc, line, text",
    [
        ("001_225c9696b388be00.txt", 1, "0 Persons"),
        ("001_225c9696b388be00.txt", 6, "News ID: 34262"),
        ("002_9be3c843f8453a3d.txt", 72, "www.presstv.ir"),
        ("002_9be3c843f8453a3d.txt", 74, "SHARE THIS ARTICLE"),
        ("003_b5c2d4766fccff0a.txt", 1, "kayhan.ir"),
        ("004_5b03b3f6e3581bda.txt", 3, "Newsroom logo"),
    ],
)
def test_boilerplate_skipped_without_renumbering(bundled, doc, line, text):
    article = bundled[doc]
    assert article.lines[line - 1].strip() == text  # still there, at its own line number
    assert line in article.skipped_lines
    for passage in chunk(article):
        assert text not in passage.text or not (passage.start_line <= line <= passage.end_line)
        for sentence in passage.sentences:
            assert not (sentence.start_line <= line <= sentence.end_line)


def test_article_text_is_not_skipped(bundled):
    article = bundled["002_9be3c843f8453a3d.txt"]
    line = next(n for n, text in enumerate(article.lines, 1) if "700-kilometer border" in text)
    assert line == 27
    assert line not in article.skipped_lines


# Sentences ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith went to Washington. He arrived on Monday.",
         ["Mr. Smith went to Washington.", "He arrived on Monday."]),
        ("The U.S. State Department said so. It added more.",
         ["The U.S. State Department said so.", "It added more."]),
        ("J. R. R. Tolkien wrote it. He died in 1973.", ["J. R. R. Tolkien wrote it.", "He died in 1973."]),
        ("Dr. Jones met Gen. Smith at 5 p.m. on Monday. They talked.",
         ["Dr. Jones met Gen. Smith at 5 p.m. on Monday.", "They talked."]),
        ('"We will win," he said. "Nothing stops us." Then he left.',
         ['"We will win," he said.', '"Nothing stops us."', "Then he left."]),
        ("He said: “The talks went well.” The minister agreed.",
         ["He said: “The talks went well.”", "The minister agreed."]),
        ("Prices rose 3.5 percent. Next year they may fall.", ["Prices rose 3.5 percent.", "Next year they may fall."]),
        ("Is it true? Yes! It is.", ["Is it true?", "Yes!", "It is."]),
    ],
)
def test_split_line(text, expected):
    assert [text[s:e] for s, e in split_line(text)] == expected


def test_sentences_keep_line_numbers():
    lines = ["First line of a", "wrapped paragraph. Second one.", "", "Another.", "SHARE THIS"]
    sentences = sentences_of(lines, 10, skip=frozenset({14}))
    joined = "\n".join(lines)
    assert [joined[s.start : s.end] for s in sentences] == [
        "First line of a\nwrapped paragraph.", "Second one.", "Another."]
    assert [(s.start_line, s.end_line) for s in sentences] == [(10, 11), (11, 11), (13, 13)]


# HTML -----------------------------------------------------------------------------------------------------------
PAGE = """<!doctype html>
<html><head><title>Talks in Baku &amp; Tehran</title>
<script>var tracker = "SCRIPTTEXT";</script><style>p { color: red }</style></head>
<body>
<nav><a href="/">Home</a> <a href="/news">NAVTEXT</a></nav>
<header>SITE HEADER TEXT</header>
<article>
<h1>Talks in Baku</h1>
<p>The ministers met in Baku on Monday.   They agreed to
expand trade.</p>
<p>The next meeting is in Tehran &amp; will be in May.</p>
</article>
<footer>FOOTERTEXT &copy; 2024</footer>
</body></html>
"""


def test_html_chrome_stripped(tmp_path):
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    article = load_article(tmp_path / "page.html", tmp_path, MAX)
    assert isinstance(article, Article)
    text = "\n".join(article.lines)
    for chrome in ("SCRIPTTEXT", "NAVTEXT", "SITE HEADER TEXT", "FOOTERTEXT", "color: red"):
        assert chrome not in text
    assert "The ministers met in Baku on Monday. They agreed to expand trade." in article.lines
    assert "The next meeting is in Tehran & will be in May." in article.lines
    assert article.title == "Talks in Baku & Tehran"
    passages = chunk(article)
    assert passages and all(p.text == article.text_of(p.start_line, p.end_line) for p in passages)


@pytest.mark.parametrize("text, outlet, title", [
    ("Festival breaks its record\nSource: Zanzibar Daily News\n\nThe festival drew 4,321 visitors, organisers said.\n",
     "Zanzibar Daily News", "Festival breaks its record"),
    ("Source: Coastal Herald\nFerry strike ends after three days\n\nThe strike ended on Tuesday, the union said.\n",
     "Coastal Herald", "Ferry strike ends after three days"),
    ("Keepers return to Pemba\n\nSource: The Island Times, 4 June 2022\n\nThree keepers returned on Friday.\n",
     "The Island Times", "Keepers return to Pemba"),
    ("Keepers return\n\nSource: the ministry said the figures were wrong and would be revised next week.\n", None,
     "Keepers return"),  # a sentence that begins with "Source:" is text, not a credit line
])
def test_a_source_line_names_the_outlet_and_is_not_text(tmp_path, text, outlet, title):
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    article = load_article(tmp_path / "a.txt", tmp_path, MAX)
    assert (article.outlet, article.title) == (outlet, title)
    sentences = [p.sentence_text(s) for p in chunk(article) for s in p.sentences]
    assert any(s.startswith("Source:") for s in sentences) == (outlet is None)


BODY = ("Ministers met again to discuss the rebate, which has been debated since the summit of 4 June 2001, when "
        "leaders agreed to review it, and since the budget deal of 12 December 2002, officials said on Tuesday.")


@pytest.mark.parametrize("text, published", [
    ("Rebate talks resume\n\nPublished: 3 March 2005\n\n" + BODY, date(2005, 3, 3)),
    ("Rebate talks resume\n\nBy Ann Lee, 3 March 2005\n\n" + BODY, date(2005, 3, 3)),
    # a caption's credit or an embedded post's signature is the page's own stamp
    ("Rebate talks resume\n\n" + BODY + "\n\nThe ministers in Brussels on 2 March 2005. (Photo by AFP)\n",
     date(2005, 3, 2)),
    ("Rebate talks resume\n\n" + BODY + "\n\nTalks resume today. — Ann Lee (@annlee) March 2, 2005\n", date(2005, 3, 2)),
    # the dates of the events an article reports are not when it was published: none is better than a wrong one
    ("Rebate talks resume\n\n" + BODY + "\n", None),
    ("Rebate talks resume\n\n" + BODY + " A book published this week says the deal was agreed on 7 March 2003.\n",
     None),
])
def test_the_publication_date_is_the_pages_own(tmp_path, text, published):
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    assert load_article(tmp_path / "a.txt", tmp_path, MAX).published == published


# Bad files ------------------------------------------------------------------------------------------------------
def test_bad_files_are_named_and_skipped(tmp_path, caplog):
    (tmp_path / "good.txt").write_text("Good headline\n\nA sentence about Baku. Another one.\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Café headline\n\nThe café in Baku opened.\n".encode("cp1252"))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("\n   \n\t\n", encoding="utf-8")
    (tmp_path / "huge.txt").write_text("word " * 400, encoding="utf-8")
    (tmp_path / "notes.csv").write_text("not,an,article\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        articles, skipped = load_articles(tmp_path, max_bytes=1000)

    loaded = {a.doc: a for a in articles}
    assert sorted(loaded) == ["good.txt", "latin1.txt"]
    assert "The café in Baku opened." in loaded["latin1.txt"].lines
    reasons = {s.doc: s.reason for s in skipped}
    assert sorted(reasons) == ["binary.txt", "blank.txt", "empty.txt", "huge.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "too large" in reasons["huge.txt"] and "QA_MAX_FILE_BYTES" in reasons["huge.txt"]
    assert all(isinstance(s, SkippedFile) for s in skipped)
    logged = caplog.text
    for name in ("latin1.txt", "binary.txt", "empty.txt", "huge.txt"):
        assert name in logged
    assert "UTF-8" in logged


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="QA_ARTICLES_DIR"):
        load_articles(tmp_path / "nope", MAX)
