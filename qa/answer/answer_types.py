"""What kind of answer a question wants, and whether a sentence holds one.

"When" wants a date, "how many/much/long" a number, "who" a person or body, "where" a place, "why" a reason.
A sentence that holds the wanted kind is preferred; one that only repeats the question's own date or number is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.index import terms
from qa.temporal import MONTH_WORDS, WEEKDAYS

_WANTS = [
    ("date", re.compile(r"\b(when|what (date|day|year|month|time)|which (date|day|year|month)|how long ago|since when)\b", re.I)),
    ("number", re.compile(r"\b(how (many|much|long|far|big|large|old|often)|what (number|percentage|share|proportion|amount|size|length|distance|value|price)|by how much)\b", re.I)),
    ("person", re.compile(r"\b(who|whom|whose|(which|what)( \w+){0,2} (person|people|official|minister|leader|president|diplomat|man|woman|player|company|companies|body|organi[sz]ation|group|agency|firm|team|club|band|singer|actor|spokesman))\b", re.I)),
    ("place", re.compile(r"\b(where|(which|what)( \w+){0,2} (city|country|countries|capital|place|region|town|venue|cities|state|province|nation))\b", re.I)),
    ("reason", re.compile(r"\b(why|for what reason|what (caused|led to|prompted)|how come)\b", re.I)),
]
KINDS = tuple(kind for kind, _ in _WANTS)

_DATE = re.compile(
    rf"\b((19|20)\d\d|({MONTH_WORDS})\.?\s+\d{{1,2}}|\d{{1,2}}\s+({MONTH_WORDS})|"
    rf"({'|'.join(WEEKDAYS)})|(last|next|this|earlier this|later this) "
    r"(year|month|week)|yesterday|today|tomorrow)\b",
    re.I,
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|dozens|hundreds?|thousands?|"
    r"millions?|billions?|half|twice|double|percent)\b",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z'’-]+(?:\s+(?:[A-Z][a-z'’-]+|bin|al|de|van|von))+")
_TITLE = re.compile(r"\b(president|minister|spokes(man|woman|person)|speaker|secretary|chairman|chief|director|"
                    r"ambassador|official|mr|mrs|ms|dr|king|queen|prince|general|council|ministry|agency|company)\b", re.I)
_PLACE = re.compile(r"\b(in|at|to|from|near|inside|outside|across)\s+(the\s+)?[A-Z][\w'’-]+")
_REASON = re.compile(r"\b(because|due to|as a result|owing to|in order to|so that|after|since|amid|following|"
                     r"led to|caused|prompted|reason)\b", re.I)


# A question word counts where a clause starts ("..., and when?"), not inside one ("what did he say when ...").
_CLAUSE_START = re.compile(r"(?:^|[,.;:?!]\s*|\b(?:and|or|but)\s+)\W*(?:(?:on|in|for|at|by|from|to|since|until|of|with)\s+)?", re.I)


def wanted(question: str) -> str | None:
    starts = [m.end() for m in _CLAUSE_START.finditer(question)]
    for kind, pattern in _WANTS:
        if any(pattern.match(question, start) for start in starts):
            return kind
    return None


def holds(kind: str | None, sentence: str, question: str) -> bool:
    """Whether `sentence` holds an answer of `kind` that the question does not already give."""
    if kind is None:
        return False
    if kind == "date":
        return _new_matches(_DATE, sentence, question)
    if kind == "number":
        return _new_matches(_NUMBER, sentence, question)
    if kind == "person":
        return _new_matches(_NAME, sentence, question) or bool(_TITLE.search(sentence))
    if kind == "place":
        return _new_matches(_PLACE, sentence, question) or _new_matches(_NAME, sentence, question)
    if kind == "reason":
        return bool(_REASON.search(sentence))
    return False


def _new_matches(pattern: re.Pattern, sentence: str, question: str) -> bool:
    asked = {m.group(0).lower() for m in pattern.finditer(question)}
    return any(m.group(0).lower() not in asked for m in pattern.finditer(sentence))


# The focus of a question is the noun its question word asks about: "how many *spectators*", "which *firm*", "what
# *price* did ...", "what is the *population* of ...". Without a parser: after "how many/much" the phrase runs to the
# first verb-like word or function word and its head is its last word ("how many Boeing 737-800 *jets* did ...");
# after "which/what" it is the first common noun ("which Premiership *club*"). Names and numbers are never the focus.
_FOCUS_AFTER = re.compile(
    r"\b(?:(?P<many>how (?:many|much))|which|what(?:\s+(?:is|was|are|were)\s+the)?)\s+(?P<rest>.*)", re.I)
_FOCUS_STOP = re.compile(
    r"^(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could|should|may|might|of|in|on|at|for|to|by|from|"
    r"with|that|which|who|about|over|after|before|during|between|when|where|the|a|an|it|he|she|they|its|their|his|her|"
    r"\w+ed|\w+ing)$",
    re.I)


@dataclass(frozen=True)
class Asked:
    """What a question asks for: the kind of answer and the terms of its focus."""

    kind: str | None
    focus: tuple[str, ...]


def asked(question: str) -> Asked:
    return Asked(wanted(question), tuple(_focus_terms(question)))


def _focus_terms(question: str) -> list[str]:
    match = _FOCUS_AFTER.search(question)
    if not match:
        return []
    nouns = []
    for word in re.findall(r"[\w'’-]+", match.group("rest"))[:4]:
        if word[:1].isupper() or word[:1].isdigit():
            continue
        if _FOCUS_STOP.match(word):
            break
        nouns.append(word)
        if not match.group("many"):
            break
    return terms(nouns[-1]) if nouns else []
