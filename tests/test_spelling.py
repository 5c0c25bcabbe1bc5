"""Which words of a question are read as misspelt, and what they become (qa/answer/spelling.py)."""

from collections import Counter

import pytest

from qa.answer.spelling import corrected
from qa.index import Vocabulary, terms

ARTICLE = """Iran and Azerbaijan share a border 700 kilometers long. The foreign minister visited Baku on Monday and met
the president; the visit was organised by the embassy. Araqchi said the talks would continue. Shares rose by 3%."""


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary(Counter(terms(ARTICLE)), 1)


@pytest.mark.parametrize("question, read_as", [
    ("How long is the bordr?", "How long is the border?"),  # a letter dropped
    ("When did the forign minister vist Baku?", "When did the foreign minister visit Baku?"),
    ("Wehn did the minister visit?", "When did the minister visit?"),  # two letters swapped, first word capitalised
    ("How many kilometres long is it?", "How many kilometers long is it?"),  # a British spelling the articles lack
])
def test_a_word_neither_the_articles_nor_english_know_becomes_the_articles_word(vocabulary, question, read_as):
    assert corrected(question, vocabulary) == read_as


@pytest.mark.parametrize("question", [
    "What did Araqchi say?",  # in the articles, in no dictionary
    "Who organised the visit?",  # the articles' British spelling, which the dictionary lacks
    "What did Araqhci say?",  # a name (capitalised): left to retrieval's spelling variants
    "Why did shares rise in Tehran?",  # English words the articles lack are not typos
    "Who won the trip?",  # nor when one letter away from a word the articles hold ("trip" ~ "strip")
    "asdkjh qwe zxc?",  # nothing one edit away: the question is refused as one about nothing in the articles
    "How much did the ABCD fund pay?",  # an acronym
])
def test_other_words_are_left_as_they_are(vocabulary, question):
    assert corrected(question, vocabulary) == question
