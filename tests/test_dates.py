"""Dates: relative dates resolved against an article's date (a table of phrases, article dates and expected dates),
the dated events of every bundled article, and the date range a question names or a filter sets."""

from __future__ import annotations

from datetime import date

import pytest

from qa.ingest.chunking import chunk
from qa.ingest.loader import load_articles
from qa.temporal.relative_dates import resolve
from qa.temporal.sentence_dates import sentence_dates
from qa.temporal.time_scope import (
    DateRangeError,
    explicit_range,
    filter_range,
    from_question,
    in_range,
)
from qa.temporal.timeline import events
from qa.types import DateRange

JAN_2021 = date(2021, 1, 25)  # a Monday: the date of 000_5a93f3083e658345.txt
DEC_2021 = date(2021, 12, 23)  # a Thursday: 002_9be3c843f8453a3d.txt
MAR_2021 = date(2021, 3, 1)  # a Monday: 003_b5c2d4766fccff0a.txt
JUL_2022 = date(2022, 7, 6)  # a Wednesday: 004_5b03b3f6e3581bda.txt


# Relative dates: phrase, article date, expected value, expected first and last day ------------------------------
RELATIVE = [
    # the examples
    ("The conflict erupted on September 27 last year.", JAN_2021, "27 September 2020", date(2020, 9, 27), None),
    ("Zarif made the remarks in a Monday meeting.", JAN_2021, "25 January 2021", JAN_2021, None),
    ("The commission met earlier this month.", JAN_2021, "January 2021", date(2021, 1, 1), date(2021, 1, 31)),
    ("Earlier this year, tensions soared.", DEC_2021, "2021", date(2021, 1, 1), date(2021, 12, 31)),
    # weekdays: the latest such day on or before publication; "last" never the same day; "next" after it
    ("He arrived on Sunday.", JAN_2021, "24 January 2021", date(2021, 1, 24), None),
    ("They met on Wednesday.", DEC_2021, "22 December 2021", date(2021, 12, 22), None),
    ("They met on Thursday.", DEC_2021, "23 December 2021", DEC_2021, None),
    ("They met last Monday.", JAN_2021, "18 January 2021", date(2021, 1, 18), None),
    ("They will meet next Friday.", JAN_2021, "29 January 2021", date(2021, 1, 29), None),
    ("The talks resume next Monday.", MAR_2021, "8 March 2021", date(2021, 3, 8), None),
    # weeks, months and years around the article's date
    ("Talks were held last week.", DEC_2021, "week of 13 December 2021", date(2021, 12, 13), date(2021, 12, 19)),
    ("A deal is expected next week.", JUL_2022, "week of 11 July 2022", date(2022, 7, 11), date(2022, 7, 17)),
    ("Prices rose last month.", MAR_2021, "February 2021", date(2021, 2, 1), date(2021, 2, 28)),
    ("The vote is due next month.", DEC_2021, "January 2022", date(2022, 1, 1), date(2022, 1, 31)),
    ("It was signed later this month.", JUL_2022, "July 2022", date(2022, 7, 1), date(2022, 7, 31)),
    ("The war ended last year.", DEC_2021, "2020", date(2020, 1, 1), date(2020, 12, 31)),
    ("Elections are due next year.", JAN_2021, "2022", date(2022, 1, 1), date(2022, 12, 31)),
    ("Trade grew this year.", JUL_2022, "2022", date(2022, 1, 1), date(2022, 12, 31)),
    # "N units ago"
    ("The border was closed two years ago.", JAN_2021, "2019", date(2019, 1, 1), date(2019, 12, 31)),
    ("The plant opened 3 months ago.", JAN_2021, "October 2020", date(2020, 10, 1), date(2020, 10, 31)),
    ("He resigned ten days ago.", DEC_2021, "13 December 2021", date(2021, 12, 13), None),
    ("They spoke a week ago.", JUL_2022, "week of 27 June 2022", date(2022, 6, 27), date(2022, 7, 3)),
    # a month with no year: this year if it has begun, else last year
    ("The summit is held in March.", JAN_2021, "March 2020", date(2020, 3, 1), date(2020, 3, 31)),
    ("The summit was held in March.", JUL_2022, "March 2022", date(2022, 3, 1), date(2022, 3, 31)),
    ("They met late in November.", DEC_2021, "November 2021", date(2021, 11, 1), date(2021, 11, 30)),
    ("The escalation began in late September.", date(2020, 12, 10), "September 2020", date(2020, 9, 1),
     date(2020, 9, 30)),
    # a day and month with no year: never after the article
    ("The deal was signed on January 18.", JAN_2021, "18 January 2021", date(2021, 1, 18), None),
    ("The truce was signed on November 10.", JAN_2021, "10 November 2020", date(2020, 11, 10), None),
    ("They met on 4 July.", JUL_2022, "4 July 2022", date(2022, 7, 4), None),
    ("The forum opens on 1st of August next year.", JUL_2022, "1 August 2023", date(2023, 8, 1), None),
    # around the day itself
    ("He spoke yesterday.", MAR_2021, "28 February 2021", date(2021, 2, 28), None),
    ("The vote is today.", MAR_2021, "1 March 2021", MAR_2021, None),
    ("Results come tomorrow.", DEC_2021, "24 December 2021", date(2021, 12, 24), None),
]


@pytest.mark.parametrize("sentence, published, value, first, last", RELATIVE)
def test_relative_dates(sentence, published, value, first, last):
    found = resolve(sentence, published)
    assert len(found) == 1, found
    assert found[0].value == value
    assert (found[0].first, found[0].last) == (first, last or first)
    assert sentence[found[0].start:found[0].end] == found[0].phrase  # the quote is never changed


def test_relative_dates_need_the_article_date_and_leave_full_dates_alone():
    assert resolve("They met on Monday.", None) == []
    assert resolve("They met on January 25, 2021.", JAN_2021) == []
    assert [str(r) for r in resolve("erupted on September 27 last year and ended on November 10", JAN_2021)] == [
        "September 27 last year = 27 September 2020", "November 10 = 10 November 2020"]


@pytest.mark.parametrize("sentence, expected", [
    ("In 2016, the two sides signed eleven memorandums.", [("2016", "2016")]),
    ("occupied by separatists since 1992 when they broke away", [("1992", "1992")]),
    ("The meeting in December 2021 went well.", [("December 2021", "December 2021")]),
    ("They met in Baku on December 23, 2021.", [("December 23, 2021", "23 December 2021")]),
    ("It killed some 2000 people and 30,000 fled.", []),  # numbers that are not years
    ("The 19th-century city had 2021 residents.", []),
])
def test_written_dates(sentence, expected):
    assert [(d.phrase, d.value) for d in sentence_dates(sentence, JAN_2021)] == expected


# The dated events of every bundled article: (line, phrase as written, date it means) ----------------------------
EVENTS = {
    "000_5a93f3083e658345.txt": {
        (2, "Monday", "25 January 2021"), (8, "1992", "1992"), (9, "September 27 last year", "27 September 2020"),
        (9, "November 10", "10 November 2020"), (14, "earlier this month", "January 2021"),
        (15, "January 18", "18 January 2021"), (16, "Monday", "25 January 2021"), (19, "Monday", "25 January 2021"),
        (23, "Sunday", "24 January 2021"),
    },
    "001_225c9696b388be00.txt": {
        (11, "Wednesday", "9 December 2020"), (13, "late September", "September 2020"),
        (23, "in November", "November 2020"),
    },
    "002_9be3c843f8453a3d.txt": {
        (5, "December 23, 2021", "23 December 2021"), (9, "Wednesday", "22 December 2021"),
        (13, "December 10", "10 December 2021"), (27, "Earlier this year", "2021"), (31, "in October", "October 2021"),
        (35, "Wednesday", "22 December 2021"), (37, "late in November", "November 2021"), (43, "last year", "2020"),
        (45, "this year", "2021"), (61, "December 23, 2021", "23 December 2021"),
    },
    "003_b5c2d4766fccff0a.txt": {
        (9, "Monday", "1 March 2021"), (15, "2016", "2016"), (17, "in November", "November 2020"),
    },
    "004_5b03b3f6e3581bda.txt": {
        (10, "July 4", "4 July 2022"), (14, "July 4", "4 July 2022"), (26, "July 4", "4 July 2022"),
        (44, "July 4", "4 July 2022"),
    },
}


@pytest.fixture(scope="module")
def bundled(bundled_articles):
    articles, _ = load_articles(bundled_articles, 5_000_000)
    return {a.doc: a for a in articles}


@pytest.mark.parametrize("doc", sorted(EVENTS))
def test_dated_events_of_each_bundled_article(bundled, doc):
    article = bundled[doc]
    found = events(chunk(article), lambda d: (article.title, article.published, article.outlet))
    assert {(e.start_line, e.phrase, e.when) for e in found} == EVENTS[doc]
    for e in found:
        assert e.quote in article.text_of(e.start_line, e.end_line) and e.phrase in e.quote
    assert [e.first for e in found] == sorted(e.first for e in found)
    # datelines and bylines are the article's date, not events
    assert not any(e.quote.startswith(("Dec 10, 2020", "By Nigar", "Publish Date", "Last update")) for e in found)


# Date ranges ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question, first, last", [
    ("Who was Iran's foreign minister in December 2021?", date(2021, 12, 1), date(2021, 12, 31)),
    ("who was iran's foreign minister in january 2021", date(2021, 1, 1), date(2021, 1, 31)),
    ("What did Bayramov say in 2022?", date(2022, 1, 1), date(2022, 12, 31)),
    ("What happened on July 4, 2022?", date(2022, 7, 4), date(2022, 7, 4)),
    ("who was president before 2021", None, date(2020, 12, 31)),
    ("What was agreed before the 2021 meeting?", None, date(2021, 12, 31)),  # some day in 2021: the year may count
    ("What changed after 2020?", date(2021, 1, 1), None),
    ("What changed after the 2020 war?", date(2020, 1, 1), None),
    ("Which deals were signed since March 2021?", date(2021, 3, 1), None),
    ("Who was Azerbaijan's foreign minister in the summer of 2022?", date(2022, 6, 1), date(2022, 8, 31)),
    ("How did relations stand in late 2021?", date(2021, 9, 1), date(2021, 12, 31)),
    ("Which presidents met Bayramov in 2020 and 2022?", date(2020, 1, 1), date(2022, 12, 31)),
    ("What happened between 2020 and 2021?", date(2020, 1, 1), date(2021, 12, 31)),
])
def test_range_named_in_a_question(question, first, last):
    found = from_question(question)
    assert found is not None and not found.explicit
    assert (found.first, found.last) == (first, last)
    assert found.phrase and found.phrase.lower() in question.lower()


@pytest.mark.parametrize("question", [
    "How long is the border between Iran and Azerbaijan?",
    "What did Zarif say last year?",  # a question has no date to resolve "last year" against
    "How many people did the 2000 troops protect?",
    "Is the 3+3 format about 6 countries?",
])
def test_no_range_in_a_question(question):
    assert from_question(question) is None


def test_filter_bounds():
    assert (explicit_range("2021", "2021-06").first, explicit_range("2021", "2021-06").last) == (
        date(2021, 1, 1), date(2021, 6, 30))
    assert explicit_range(None, "2020").last == date(2020, 12, 31)
    assert explicit_range("December 2021", None).first == date(2021, 12, 1)
    assert explicit_range(date(2021, 3, 1), "2021-03-01").explicit
    assert explicit_range("", "") is None and filter_range() is None
    assert filter_range(date_range=("2021", "2022")).last == date(2022, 12, 31)


@pytest.mark.parametrize("since, until, message", [
    ("2021-13", None, "since: '2021-13' is not a date"),
    ("yesterday", None, "since: 'yesterday' is not a date"),
    (None, "31/12/2021", "until: '31/12/2021' is not a date"),
    ("2022", "2021", "since (2022-01-01) is after until (2021-12-31)"),
])
def test_bad_filter_bounds_are_named(since, until, message):
    with pytest.raises(DateRangeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        explicit_range(since, until)


def test_a_sentence_is_in_range_by_its_article_or_by_the_dates_it_mentions():
    december, in_2020 = DateRange(date(2021, 12, 1), date(2021, 12, 31)), DateRange(date(2020, 1, 1), date(2020, 12, 31))
    assert in_range("The ministers met in Baku.", DEC_2021, december)  # reported then
    assert in_range("The two fought a six-week war last year.", DEC_2021, december)
    assert in_range("The two fought a six-week war last year.", DEC_2021, in_2020)  # about then
    assert not in_range("The ministers met in Baku.", DEC_2021, in_2020)
    assert in_range("In 2016 they signed eleven memorandums.", DEC_2021, DateRange(date(2016, 1, 1), date(2016, 12, 31)))
    assert not in_range("The ministers met in Baku.", None, december)  # no date at all
