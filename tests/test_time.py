"""Time-aware answers over a real index of the bundled articles: facts that changed over time, a time named in
the question, and an explicit date filter."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from qa.temporal import time_scope
from qa.temporal.changes import (asks_holder, comparable, differing, holder_answer, number_value, person_mentions,
                                 person_value)


def _published(answer) -> list[date]:
    return [c.published for c in answer.citations]


# Facts that changed over time ----------------------------------------------------------------------------------
def test_a_role_held_by_different_people_at_different_times(bundled_engine):
    answer = bundled_engine.ask("Who is Iran's foreign minister?")
    assert not answer.refused
    text = answer.text
    assert "different answers at different times" in text
    assert "Amir-Abdollahian" in text and "Zarif" in text
    assert text.index("Amir-Abdollahian") < text.index("Zarif")  # newest first
    assert _published(answer) == sorted(_published(answer), reverse=True)
    assert len(set(_published(answer))) == len(answer.citations) >= 2
    for c in answer.citations:  # each shown with its date
        assert f"{c.published.day} {c.published:%B} {c.published.year}: " in text
    assert any("changed over time" in note and "Zarif" in note for note in answer.notes)


@pytest.mark.parametrize("question", [
    "Who is Azerbaijan's foreign minister?",  # the same person in every article
    "Who was Iran's foreign minister in January 2021?",  # the question picks the time
    "How many memorandums did Iran and Azerbaijan sign in 2016?",
    "How many people were killed in the war over Karabakh?",
    "How many Iranian truck drivers did Azerbaijan release?",
    "Where was the first 3+3 meeting held?",
    "Which Iranian official spoke at the conference in Qom?",
    "Who did Iran's foreign minister meet in Baku?",  # names the role, asks for someone else
    "Who did the Iranian foreign minister talk to by phone?",
])
def test_ordinary_questions_are_not_called_changes(bundled_engine, question):
    answer = bundled_engine.ask(question)
    assert "different answers at different times" not in answer.text
    assert not any("changed over time" in note for note in answer.notes)


@pytest.mark.parametrize("sentence, question, expected", [
    ("Iranian Foreign Minister Hossein Amir-Abdollahian met Aliyev.", "Who is Iran's foreign minister?",
     "Hossein Amir-Abdollahian"),
    ("Iran’s Foreign Minister Mohammad Javad Zarif says so.", "who is iran's foreign minister", "Mohammad Javad Zarif"),
    ("Iranian Deputy Foreign Minister Abbas Araqchi spoke.", "Who is Iran's foreign minister?", None),  # a deputy
    ("Azerbaijani President Ilham Aliyev said so.", "Who is Iran's president?", None),  # another country's
    ("He met President of Azerbaijan Ilham Aliyev.", "Who is Iran's president?", None),
    ("He met President of Azerbaijan Ilham Aliyev.", "Who is Azerbaijan's president?", "Ilham Aliyev"),
    ("He met President Hassan Rouhani.", "Who is Iran's president?", None),  # whose president, unsaid
    ("The former president Hassan Rouhani spoke.", "Who is the president?", None),
    ("Iranian Foreign Minister Hossein Amir-Abdollahian met Aliyev.", "Who is Iran's deputy foreign minister?", None),
    ("Iranian Deputy Foreign Minister Abbas Araqchi spoke.", "Who is Iran's deputy foreign minister?", "Abbas Araqchi"),
])
def test_person_readings(sentence, question, expected):
    found = person_value(sentence, question)
    assert (found[0] if found else None) == expected


@pytest.mark.parametrize("question, expected", [
    ("Who is Iran's foreign minister?", True),
    ("And who was the president of Azerbaijan in 2021?", True),
    ("Who has been the Iranian ambassador since 2020?", True),
    ("Who did Iran's foreign minister meet in Baku?", False),
    ("Which group does the former Home Office minister accuse of being anti-immigration?", False),
])
def test_a_holder_question_asks_who_is_in_the_role(question, expected):
    assert asks_holder(question) is expected


def test_a_holder_question_is_answered_by_the_sentence_that_names_the_holder(bundled_engine):
    """The reader rates a sentence about Iran's foreign minister close to the one that names Azerbaijan's; the answer
    is the one that names the holder of the role asked about, and the name leads it."""
    answer = bundled_engine.ask("Who is Azerbaijan's foreign minister?")
    assert answer.short_answer == "Jeyhun Bayramov" and answer.text.startswith("Jeyhun Bayramov — ")
    assert all("Bayramov" in c.quote for c in answer.citations)
    deputy = bundled_engine.ask("Who is Iran's deputy foreign minister?")
    assert deputy.short_answer == "Abbas Araqchi" and "different answers" not in deputy.text


def test_a_holder_answer_needs_the_whole_role():
    question = "Who is Azerbaijan's foreign minister?"
    iran = _sentence("Iranian Foreign Minister Hossein Amir-Abdollahian met Aliyev.", "a", 0.6)
    azerbaijan = _sentence("Azerbaijan's Foreign Minister Jeyhun Bayramov met Raisi.", "b", 0.4)
    assert holder_answer([iran, azerbaijan], question) == (azerbaijan, "Jeyhun Bayramov")
    assert holder_answer([iran], question) is None
    firm = "Who is the chief executive of the bank that bought the insurer?"
    assert holder_answer([_sentence("Chief executive John Smith said so.", "a", 1.0)], firm) is None
    assert holder_answer([azerbaijan], "Who did Azerbaijan's foreign minister meet?") is None


def test_person_mentions_name_the_country_of_the_role():
    assert person_mentions("meet Azeri President Ilham Aliyev and President Hassan Rouhani", {"presid"}) == [
        ("Ilham Aliyev", "azerbaijan"), ("Hassan Rouhani", None)]


@pytest.mark.parametrize("sentence, question, expected", [
    ("Tehran and Baku share a 700-kilometer border.", "How long is the border?", ("km", 700.0)),
    ("The liberation restored 132 kilometers of borders shared with Iran.", "How long is the border?", ("km", 132.0)),
    ("Tehran and Baku share a 700-kilometer border.", "How many truck drivers were released?", None),
    ("Trade rose 30% in the past year.", "By how much did trade grow, in percent?", ("%", 30.0)),
    ("In 2016 the two sides signed eleven memorandums.", "How many memorandums were signed?", None),  # a year
    ("The 700-kilometer border is long.", "Is the 700 km border long?", None),  # the question's own number
])
def test_number_readings(sentence, question, expected):
    found = number_value(sentence, question)
    assert (found[1][1:3] if found else None) == expected


def test_numbers_that_measure_different_things_are_no_change_over_time():
    """"Share a 700-kilometer border" and "the occupation of the 132-kilometer Azerbaijan-Iran border" are both
    kilometres of border, but not the same quantity; another length of the same border is."""
    question = "How long is the border between Iran and Azerbaijan?"
    whole = number_value("Tehran and Baku, which share a 700-kilometer border, are at odds.", question)[1]
    part = number_value("The liberation from the Armenian occupation of the 132-kilometer Azerbaijan-Iran border "
                        "creates new opportunities.", question)[1]
    other = number_value("The two countries share a 710-kilometer border.", question)[1]
    assert not comparable(whole, part)
    assert comparable(whole, other) and whole != other


def test_the_border_question_has_no_changed_facts_note(bundled_engine):
    answer = bundled_engine.ask("How long is the border between Iran and Azerbaijan?")
    assert "700" in answer.text and not any("changed" in note for note in answer.notes)


def _sentence(text: str, doc: str, p: float) -> SimpleNamespace:
    return SimpleNamespace(text=text, typed=True, passage=SimpleNamespace(doc=doc), p=p)


def test_a_role_holder_counts_whatever_the_reader_made_of_its_sentence():
    """The reader may rate a sentence that names the holder without the role far above the ones that state the
    role; the holders come from the sentences that state it, read or retrieved deeper."""
    days = {"old": date(2021, 1, 27), "new": date(2022, 2, 1), "newer": date(2022, 6, 1)}
    question = "Who is Iran's foreign minister?"
    best = _sentence("Bayramov met his Iranian counterpart, Mohammad Javad Zarif, in Tehran.", "old", 0.7)
    later = _sentence("Iranian Foreign Minister Hossein Amir-Abdollahian met Aliyev.", "new", 0.01)
    ranked = [best, later]
    earlier = _sentence("Iran's Foreign Minister Mohammad Javad Zarif says so.", "old", 0.0)  # retrieved deeper
    read = (ranked, "person", question, lambda c: c.p, days.get)
    assert differing(*read) == []  # by the reader's probabilities alone, one close reading
    shown = differing(*read, [earlier])
    assert [r.value for r in shown] == ["Hossein Amir-Abdollahian", "Mohammad Javad Zarif"]  # newest first
    again = _sentence("Iran's Foreign Minister Hossein Amir-Abdollahian spoke.", "newer", 0.0)
    assert differing(*read, [again]) == []  # the same holder at two times is no change


# A time named in the question -----------------------------------------------------------------------------------
@pytest.mark.parametrize("question, doc, name", [
    ("who was iran's foreign minister in january 2021", "000_5a93f3083e658345.txt", "Zarif"),
    ("Who was Iran's foreign minister in December 2021?", "002_9be3c843f8453a3d.txt", "Amir-Abdollahian"),
    ("Who was Iran's foreign minister in 2022?", "004_5b03b3f6e3581bda.txt", "Amir-Abdollahian"),
])
def test_a_time_in_the_question_ranks_the_sources(bundled_engine, question, doc, name):
    answer = bundled_engine.ask(question)
    assert answer.date_range is not None and not answer.date_range.explicit
    assert answer.passages[0].passage.doc == doc
    assert name in " ".join(p.passage.text for p in answer.passages if p.passage.doc == doc)
    assert answer.citations[0].doc == doc
    data = answer.to_json()
    assert data["date_range"]["from"] == "question" and data["date_range"]["phrase"].lower() in question.lower()


def test_a_time_no_source_covers_is_said(bundled_engine):
    answer = bundled_engine.ask("Who was Iran's foreign minister in 2019?")
    assert any("2019" in note and "another time" in note for note in answer.notes)


def test_an_answer_from_undated_sources_is_not_said_to_come_from_another_time():
    """An archive without publication dates (the BBC corpus) cannot say when an answer is from, only that its sources
    do not mention the time asked about."""
    scope = time_scope.from_question("What was the jobless rate in 2003?")
    assert time_scope.notes_for(scope, [False], refused=False) == [
        "No source is from “2003” or mentions a date in it; the answer comes from another time."]
    assert time_scope.notes_for(scope, [False], refused=False, undated=True) == [
        "The sources are not dated and do not mention “2003”: the answer may be about another time."]
    assert time_scope.notes_for(scope, [True], refused=False, undated=True) == []


def test_a_timestamp_line_is_never_quoted_as_an_answer(bundled_engine):
    """"Dec 10, 2020, 5:46 PM" (line 5 of one article) says when the article was put out, nothing of the story: it
    was quoted for "When did the 2020 Karabakh war end?". A line of date words and numbers alone is no answer."""
    from qa.answer.extractive import _TIMESTAMP

    for line in ("Dec 10, 2020, 5:46\u202fPM", "Publish Date : 01 March 2021 - 22:00", "Updated 14:02 GMT"):
        assert _TIMESTAMP.fullmatch(line)
    for sentence in ("The war ended on 10 November.", "Mark Dec 10", "Marching on"):
        assert not _TIMESTAMP.fullmatch(sentence)
    for question in ("When did the 2020 Karabakh war end?", "When was the article on Bayramov's visit published?"):
        answer = bundled_engine.ask(question)
        assert not any(c.doc.startswith("001_") and c.start_line == 5 for c in answer.citations), answer.text


def test_a_filtered_refusal_says_whether_any_article_is_in_the_range():
    """A filter over an archive without dates keeps nothing, and one over a range no article was published in
    keeps nothing either: neither is "no article in the range answers this", which says there were some."""
    scope = time_scope.explicit_range("2005", None)
    assert time_scope.notes_for(scope, [], refused=True, published=[None, None]) == [
        "No article has a publication date, so none is in the date range (from 2005-01-01 on): ask without the range."]
    assert time_scope.notes_for(scope, [], refused=True, published=[date(2004, 6, 1), None]) == [
        "No article was published in the date range (from 2005-01-01 on)."]
    assert time_scope.notes_for(scope, [], refused=True, published=[date(2005, 6, 1)]) == [
        "No article in the date range (from 2005-01-01 on) answers this."]
    assert time_scope.notes_for(scope, [True], refused=False, published=[date(2005, 6, 1)]) == []


def test_when_is_answered_from_the_article_that_names_who_the_question_asks_about(bundled_engine):
    """Another minister met Aliyev in Baku on a full date, in a caption of an article that never names Zarif; Zarif's
    meeting is "a Monday meeting", which his article's date resolves."""
    answer = bundled_engine.ask("When did Zarif meet Aliyev in Baku?")
    assert not answer.refused
    assert answer.citations[0].doc == "000_5a93f3083e658345.txt" and "Zarif" in answer.citations[0].quote
    assert "25 January 2021" in answer.text


# An explicit filter ---------------------------------------------------------------------------------------------
def test_the_filter_restricts_the_sources(bundled_engine):
    answer = bundled_engine.ask("Who is Iran's foreign minister?", since="2022")
    assert not answer.refused and "Amir-Abdollahian" in answer.text
    assert all(c.published >= date(2022, 1, 1) for c in answer.citations)
    assert {p.passage.doc for p in answer.passages} == {"004_5b03b3f6e3581bda.txt"}
    assert answer.to_json()["date_range"] == {"since": "2022-01-01", "until": None, "phrase": "since 2022",
                                              "from": "filter"}


def test_an_earlier_range_answers_with_the_minister_of_that_time(bundled_engine):
    older = bundled_engine.ask("Who is Iran's foreign minister?", date_range=("2020-12", "2021-02"))
    assert "Zarif" in older.text and "Amir-Abdollahian" not in older.text
    assert all(date(2020, 12, 1) <= c.published <= date(2021, 2, 28) for c in older.citations)


def test_a_filter_nothing_falls_in_is_a_refusal_that_says_so(bundled_engine):
    answer = bundled_engine.ask("Who is Iran's foreign minister?", since="2019", until="2019-12")
    assert answer.refused and answer.citations == []
    assert any("date range" in note for note in answer.notes)


def test_a_bad_filter_is_answered_with_the_reason(bundled_engine):
    answer = bundled_engine.ask("Who is Iran's foreign minister?", since="2021-13")
    assert answer.error and "'2021-13' is not a date" in answer.text and not answer.refused
    answer = bundled_engine.ask("Who is Iran's foreign minister?", since="2022", until="2021")
    assert answer.error and "after until" in answer.text and not answer.refused
