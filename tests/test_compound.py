"""A question that asks two or three things at once is answered one part at a time (qa/answer/compound.py)."""

from __future__ import annotations

from datetime import date

import pytest

from qa.answer import compound
from qa.types import Answer, Citation, Passage, ScoredPassage


@pytest.mark.parametrize("question, parts", [
    ("Where was the first 3+3 meeting held, and which capital will host the next one?",
     ["Where was the first 3+3 meeting held?", "Which capital will host the next one?"]),
    ("how many people died in the first war and how long did the second war last",
     ["How many people died in the first war?", "How long did the second war last?"]),
    ("Who chairs the committee; when was it set up?", ["Who chairs the committee?", "When was it set up?"]),
    ("How many deals were signed in 2016 and by what percentage did trade rise?",
     ["How many deals were signed in 2016?", "By what percentage did trade rise?"]),
    ("Which TV presenter said the minister would kick your cat? Which quiz show does she host?",
     ["Which TV presenter said the minister would kick your cat?", "Which quiz show does she host?"]),
    # the scene it sets comes with every part
    ("Susan Chepkemei was edged out in the marathon. Who beat her, and what did the commentator call the finish?",
     ["Susan Chepkemei was edged out in the marathon. Who beat her?",
      "Susan Chepkemei was edged out in the marathon. What did the commentator call the finish?"]),
    ("zarif went to baku. who did he meet there and what did they discuss?",
     ["zarif went to baku. Who did he meet there?", "zarif went to baku. What did they discuss?"]),
    # an abbreviation's full stop ends no scene
    ("How much did Mr. Glazer pay for the club, and who sold him the shares?",
     ["How much did Mr. Glazer pay for the club?", "Who sold him the shares?"]),
    ("Zarif's Baku trip: which day did he land and which day did he meet Aliyev?",
     ["Zarif's Baku trip: Which day did he land?", "Zarif's Baku trip: Which day did he meet Aliyev?"]),
    # question words that share a verb stay one question
    ("Which bank and which law firm left the bid team? And who replaced them?",
     ["Which bank and which law firm left the bid team?", "And who replaced them?"]),
])
def test_a_question_that_asks_several_things_is_split_where_each_begins(question, parts):
    assert compound.parts(question).texts == parts


@pytest.mark.parametrize("question", [
    "What did Zarif and Aliyev discuss in Baku?",  # "and" joins names, not questions
    "How and why did the talks fail?",  # a question word alone asks nothing of its own
    "What did he say and why?",
    "Where was the gadget show run by Stuff and What Hi-Fi? taking place?",  # a title, in capitals
    "At the show staged by Stuff? What Hi-Fi? in London, which machine was the main attraction?",
    "The village had no electricity? How was power produced for its telecentre?",  # the first piece asks nothing
    "Which firm bought the stake, and when?",
    "How many goals and how many points did he score?",  # the two ask about one verb
    "Which bank and which law firm left the bid team?",
    "Which two runners, and from which countries, trailed home behind her?",  # an aside between commas
    "Who won, and who came second, and who came third, and who came last?",  # more than a few: a list
])
def test_a_question_that_asks_one_thing_is_not_split(question):
    assert compound.parts(question) == compound.Parts("", [question])


def _answer(question, quotes, short=None, refused=False, confidence=0.5):
    citations = [Citation(n=i, doc=doc, start_line=line, end_line=line, quote=quote, published=date(2021, 1, 1))
                 for i, (doc, line, quote) in enumerate(quotes, start=1)]
    text = "The articles do not answer this question." if refused else \
        " ".join(f"{quote} [{c.n}]" for c, (_, _, quote) in zip(citations, quotes))
    passages = [ScoredPassage(Passage(doc=doc, start_line=line, end_line=line, text=quote, sentences=()), 1.0)
                for doc, line, quote in quotes]
    return Answer(question=question, text=f"{short} — {text}" if short else text, citations=citations,
                  refused=refused, passages=passages, mode="extractive", confidence=confidence, short_answer=short,
                  related=passages if refused else [])


def test_the_parts_answers_are_numbered_as_one_answer():
    first = _answer("Where?", [("a.txt", 3, "It met in Moscow."), ("a.txt", 4, "Georgia stayed away.")])
    second = _answer("Which capital?", [("b.txt", 9, "Tehran will host the next one.")], short="Tehran")
    answer = compound.combined("Where, and which capital?", ["Where?", "Which capital?"], [first, second],
                               {"total": 1.0})
    assert answer.text == ("It met in Moscow. [1] Georgia stayed away. [2]\n\n"
                           "Tehran — Tehran will host the next one. [3]")
    assert [(c.n, c.doc) for c in answer.citations] == [(1, "a.txt"), (2, "a.txt"), (3, "b.txt")]
    assert not answer.refused and answer.short_answer is None  # no one span answers both
    assert answer.confidence == pytest.approx(0.25)  # right when both are
    # each part's best passage first, as many as one part reads
    assert [(p.passage.doc, p.passage.start_line) for p in answer.passages] == [("a.txt", 3), ("b.txt", 9)]
    assert answer.notes == ["Answered as 2 questions: (1) Where? (2) Which capital?"]


def test_a_sentence_that_answers_two_parts_is_quoted_once():
    first = _answer("When did he land?", [("a.txt", 2, "He landed on Sunday and met Aliyev on Monday.")],
                    short="Sunday")
    second = _answer("When did he meet Aliyev?", [("a.txt", 2, "He landed on Sunday and met Aliyev on Monday.")],
                     short="Monday")
    answer = compound.combined("q", ["When did he land?", "When did he meet Aliyev?"], [first, second], {})
    assert answer.text == "Sunday — He landed on Sunday and met Aliyev on Monday. [1]\n\nMonday [1]"
    assert len(answer.citations) == 1


def test_a_part_answered_only_by_a_sentence_quoted_for_an_earlier_one_is_named():
    """"Where was the first 3+3 meeting held, and which country stayed away?": the second part's best sentence was
    the first part's, with no span of its own, and the answer said nothing of the second part."""
    quote = ("a.txt", 3, "The first meeting was held in Moscow on December 10.")
    first, second = _answer("Where?", [quote], short="Moscow"), _answer("Which country stayed away?", [quote])
    answer = compound.combined("q", ["Where?", "Which country stayed away?"], [first, second], {})
    assert answer.text == "Moscow — The first meeting was held in Moscow on December 10. [1]"
    assert "Answered by a sentence quoted above: Which country stayed away? [1]" in answer.notes


def test_a_part_the_articles_do_not_answer_is_named_and_all_refused_is_a_refusal():
    first = _answer("Where?", [("a.txt", 3, "It met in Moscow.")])
    refused = _answer("How much did it cost?", [], refused=True, confidence=0.9)
    answer = compound.combined("q", ["Where?", "How much did it cost?"], [first, refused], {})
    assert not answer.refused and answer.text == "It met in Moscow. [1]"
    assert "The articles do not answer: How much did it cost?" in answer.notes
    both = compound.combined("q", ["Who?", "How much?"], [_answer("Who?", [], refused=True),
                                                         _answer("How much?", [], refused=True)], {})
    assert both.refused and both.text == "The articles do not answer this question." and not both.citations


def test_each_part_is_answered_from_its_own_article(bundled_engine):
    """Asked as one question, the reader quoted one sentence and answered one part; each part now finds its own."""
    question = "how many people died in the first Karabakh war, and how long did the 2020 war last?"
    answer = bundled_engine.ask(question)
    assert not answer.refused
    assert "30,000" in answer.text and "six-week" in answer.text, answer.text
    assert len({c.doc for c in answer.citations}) == 2
    assert answer.notes[0].startswith("Answered as 2 questions")
    for c in answer.citations:  # each quote is the article's own text at the cited line
        lines = (bundled_engine.settings.articles_dir / c.doc).read_text(encoding="utf-8").splitlines()
        assert c.quote in lines[c.start_line - 1]


def test_a_later_part_reads_its_pronoun_as_the_person_the_first_part_asked_about(bundled_engine):
    answer = bundled_engine.ask("Who did Zarif meet in Baku, and what did he say about the Caucasus?")
    assert answer.read_as and "Zarif say about the Caucasus?" in answer.read_as, answer.read_as
    assert "Caucasus" in answer.text


def test_a_later_part_read_with_the_part_before_it_is_shown_as_asked(bundled_engine):
    """"..., and which are they?" is retrieved with the first part, but read as asked: the first part stands just
    before it, so "Read as" would only repeat it."""
    answer = bundled_engine.ask("How many South Caucasus countries make up one side of the 3+3 format, "
                                "and which are they?")
    assert answer.notes[0].startswith("Answered as 2 questions")
    assert answer.read_as is None, answer.read_as
