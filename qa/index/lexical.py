"""Words for lexical matching: one normalisation for the BM25 index, the query and sentence scoring.

Lower case, NFKC, apostrophes unified, possessives and stop words dropped, Snowball stems, and country adjectives
folded onto their country ("Azeri", "Azerbaijani" -> azerbaijan), so a question worded differently from the article
still meets it. Spelling variants of rare names ("Raisi"/"Raeisi") are found by `Vocabulary.variants`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import Stemmer

_STEMMER = Stemmer.Stemmer("english")
_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    """a an the and or but if of at by for with about against between into through during before after above below to
    from up down in out on off over under again further then once here there when where why how all any both each few
    more most other some such no nor not only own same so than too very s t can will just don should now is are was
    were be been being have has had having do does did doing i me my we our you your he him his she her it its they
    them their what which who whom this that these those am would could might must shall may also as per via
    tell told say says said please know get got let us like""".split()
)
# Country adjectives and their countries; both forms index as the country's stem.
DEMONYMS = {
    "azeri": "azerbaijan", "azerbaijani": "azerbaijan", "azerbaijanis": "azerbaijan", "iranian": "iran",
    "iranians": "iran", "persian": "iran", "armenian": "armenia", "armenians": "armenia", "russian": "russia",
    "russians": "russia", "turkish": "turkey", "turks": "turkey", "turkiye": "turkey", "georgian": "georgia",
    "israeli": "israel", "american": "america", "americans": "america", "british": "britain", "uk": "britain",
    "english": "england", "french": "france", "german": "germany", "chinese": "china", "japanese": "japan",
    "indian": "india", "pakistani": "pakistan", "afghan": "afghanistan", "iraqi": "iraq", "syrian": "syria",
    "saudi": "arabia", "egyptian": "egypt", "ukrainian": "ukraine", "european": "europe", "spanish": "spain",
    "italian": "italy", "irish": "ireland", "scottish": "scotland", "welsh": "wales", "australian": "australia",
    "canadian": "canada", "mexican": "mexico", "brazilian": "brazil", "korean": "korea", "turkmen": "turkmenistan",
    "kazakh": "kazakhstan", "uzbek": "uzbekistan", "dutch": "netherlands", "swiss": "switzerland",
    "swedish": "sweden", "norwegian": "norway", "danish": "denmark", "polish": "poland", "greek": "greece",
    "portuguese": "portugal", "belgian": "belgium", "austrian": "austria", "african": "africa",
}


@lru_cache(maxsize=65536)
def _term(word: str) -> str:
    word = DEMONYMS.get(word, word)
    return _STEMMER.stemWord(word)


def terms(text: str) -> list[str]:
    """The matchable terms of a text, in order."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"'s\b", "", text)
    return [_term(w) for w in _WORD.findall(text) if w not in STOPWORDS]


_NAME = re.compile(r"\b[A-Z][\w'’-]+")


def names(question: str) -> list[str]:
    """The capitalised words of a question after its first word: the names (and acronyms) it mentions."""
    return _NAME.findall(question, 1)


# A run of capitalised words, "&" or "of" within it: "Tate & Lyle", "Marks & Spencer" and "Isle of Wight" are one name
# each
_NAME_RUN = re.compile(r"\b[A-Z][\w'’-]+(?:[ \t]+(?:(?:&|of)[ \t]+)?[A-Z][\w'’-]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def name_runs(question: str) -> list[list[str]]:
    """The question's names, each a run of capitalised words ("William Hill" or "Six Nations" is one name, not two),
    not counting the first word of any of its sentences (a question may set its context first: "... in 2021.
    According to ...")."""
    return [run.split() for sentence in _SENTENCE_END.split(question) for run in _NAME_RUN.findall(sentence, 1)]


class Vocabulary:
    """Document frequencies of terms over the passages, and spelling neighbours of rare terms."""

    def __init__(self, df: Counter, documents: int) -> None:
        self.df = df
        self.documents = max(documents, 1)
        self._neighbours: dict[str, set[str]] | None = None

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.documents - df + 0.5) / (df + 0.5))

    def variants(self, term: str) -> set[str]:
        """Indexed terms one edit (a deleted or changed letter) away from a name-like term: Raisi ~ Raeisi."""
        if len(term) < 5 or term.isdigit():
            return set()
        if self._neighbours is None:
            self._neighbours = {}
            for word in self.df:
                if len(word) >= 4 and not word.isdigit():
                    for key in _deletions(word) | {word}:
                        self._neighbours.setdefault(key, set()).add(word)
        found = set()
        for key in _deletions(term) | {term}:
            found |= self._neighbours.get(key, set())
        found.discard(term)
        return {word for word in found if one_edit(word, term)}


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by exactly one inserted, deleted or changed letter (shared deletions allow two)."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) == 1 and any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
