"""Misspelt words of a question corrected to the articles' spelling, before it is searched ("How long is the
*bordr*?" -> "... the border?"; the answer shows the question as read).

A word is corrected only when neither the articles nor an English dictionary know it: no article holds its stem
(`qa.index.terms`, so "texting" stands where the articles say "text") and the dictionary of `pyspellchecker` (an
English word list with frequencies, shipped in the package) does not list it. It becomes the most frequent English
word one edit away (a letter added, dropped, changed or two swapped) whose stem an article holds. Words that start
with a capital after the question's first word are names, left to retrieval's spelling variants of names
(`Vocabulary.variants`); so are words shorter than four letters, where one edit reaches too many words
("qwe" -> "we"). The dictionary spells the American way, so a British spelling the articles do not use is read as
theirs ("kilometres" -> "kilometers"); one they do use is never touched.
"""

from __future__ import annotations

import functools
import re

from qa.index import STOPWORDS, Vocabulary, terms

_WORD = re.compile(r"[A-Za-z]+")
SHORTEST = 4  # letters of the shortest word corrected


@functools.lru_cache(maxsize=1)
def _dictionary():
    from spellchecker import SpellChecker  # ~0.15 s to load: only once a question has a word no article holds

    return SpellChecker()


def corrected(question: str, vocabulary: Vocabulary) -> str:
    """The question with each misspelt word replaced by the articles' word it most likely stands for."""
    def in_articles(word: str) -> bool:
        return any(vocabulary.df.get(term) for term in terms(word))

    def replacement(match: re.Match) -> str:
        word = match.group()
        lower = word.lower()
        if (len(word) < SHORTEST or lower in STOPWORDS or word.isupper() or match.start() > 0 and word[0].isupper()
                or in_articles(lower)):
            return word
        dictionary = _dictionary()
        if lower in dictionary:
            return word
        # A question word is held by every article ("Wehn" -> "When"), though the index leaves it out.
        held = [w for w in dictionary.known(dictionary.edit_distance_1(lower)) if w in STOPWORDS or in_articles(w)]
        if not held:
            return word
        best = max(held, key=lambda w: (dictionary.word_frequency[w], w))
        return best.capitalize() if word[0].isupper() else best

    return _WORD.sub(replacement, question)
