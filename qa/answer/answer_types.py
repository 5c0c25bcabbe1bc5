"""What kind of answer a question wants, and whether a sentence holds one.

"When" wants a date, "how many/much/long" a number, "who" a person or body, "where" a place, "why" a reason.
A sentence that holds the wanted kind is preferred; one that only repeats the question's own date or number is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Callable

from qa.answer.speakers import REPORTING, asked_speaker
from qa.index import DEMONYMS, STOPWORDS, one_edit, terms
from qa.temporal import MONTH_WORDS, MONTHS, WEEKDAYS

# "What does a monthly pass cost?", "What did it cost to stage?": a sum (not "what did he say about the cost")
_COST_ASKED = (r"what (?:did|does|do|will|would|could) [^?,]*?(?<!\bthe )(?<!\ba )(?<!\bits )(?<!\btheir )"
               r"\bcost\b(?! of)")
# "By what score did France beat England?", "What was the final score?": a number, answered "18-17"
_SCORE_ASKED = (r"by what (score|margin)|"
                r"what (is |was |were )?(the )?((final|half-time|full-time|\w+-set) )?score(line)?s?")
_WANTS = [
    # "What time ...?" asks for a clock or a race time ("3pm", "0001 GMT", "2:15:25"): a number, not a date. "What
    # exact date" and "during which years" ask for dates.
    ("date", re.compile(r"\b(when|(what|which) ((exact|precise|specific) )?(date|day|year|month)s?|how long ago|"
                        r"since when)\b", re.I)),
    ("number", re.compile(rf"\b(how (many|much|long|far|big|large|old|often|fast|quickly|soon|tall|high|low|deep|wide|heavy)|what (is |was |are |were )?(the )?(number|percentage|share|proportion|fraction|amount|size|length|distance|value|price|population|cost|total|rate|figure|margin|times?)|by how much|{_SCORE_ASKED}|{_COST_ASKED})\b", re.I)),
    ("person", re.compile(r"\b(who|whom|whose|(which|what)( (?!(did|does|do|is|was|are|were)\b)\w+){0,2} (person|people|official|minister|leader|president|diplomat|man|woman|player|company|companies|body|organi[sz]ation|group|agency|firm|team|club|band|singer|actor|actress|spokesman|spokeswoman))\b", re.I)),
    ("place", re.compile(r"\b(where|(which|what)( (?!(did|does|do|is|was|are|were)\b)\w+){0,2} (city|country|countries|capital|place|region|town|venue|cities|state|province|nation))\b", re.I)),
    # "for what reason", "on what grounds", "what was the main cause of ..."
    ("reason", re.compile(r"\b(why|how come|what (caused|led to|prompted|reasons?|grounds|motives?)|"
                          r"what (is|was|are|were) the (\w+ )?(reasons?|causes?|motives?))\b", re.I)),
    # "Which comics ...", "what company ...": some other named thing, when none of the kinds above fits.
    ("name", re.compile(r"\b((which|what)\s+(?!(is|was|are|were|did|does|do|has|have|had|will|would|can|could|"
                        r"happened|made|kind|sort|type|else|about)\b)[a-z]|"
                        r"what (is|was|are|were) the (name|title)s?\b)", re.I)),
]
KINDS = tuple(kind for kind, _ in _WANTS)

# A year before 1900 only after a word that makes it one ("until 1857", not "1500 jobs"). The lookahead first, so
# that the eleven lookbehinds are tried only where such a year starts, not at every word (a fifth of _DATE's time).
_EARLIER_YEAR = r"(?=1[0-8]\d\d)(?:" + "|".join(rf"(?<=\b{word} )" for word in (
    "in", "until", "since", "from", "by", "before", "after", "between", "of", "to", "till")) + r")1[0-8]\d\d"
# A month alone only capitalised and after a word that makes it a time ("in October", "mid-February"; not "may"). As
# above, the lookahead first: the lookbehinds are tried only before a letter.
_BARE_MONTH = r"(?=[A-Z])(?:" + "|".join(rf"(?<=\b{word} )" for word in (
    "in", "since", "until", "by", "from", "before", "after", "during", "of", "early", "late", "last", "next")) + (
    r"|(?<=\bmid-))(?-i:" + "|".join(date(2000, month, 1).strftime("%B") for month in range(1, 13)) + ")")
_DATE = re.compile(  # the longer forms first: "18 December 2004" and "December 2004" are one date, not a year
    rf"\b(\d{{1,2}}\s+({MONTH_WORDS})\.?\s+(19|20)\d\d|({MONTH_WORDS})\.?\s+\d{{1,2}},?\s+(19|20)\d\d|"
    rf"({MONTH_WORDS})\.?\s+(19|20)\d\d|(19|20)\d0s|(19|20)\d\d|{_EARLIER_YEAR}|"
    rf"({MONTH_WORDS})\.?\s+\d{{1,2}}|\d{{1,2}}\s+({MONTH_WORDS})|{_BARE_MONTH}|"
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
_YEARS = re.compile(r"\b(1[89]|20)\d\d(s|'s)?\b")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]+")
# The prepositions a place follows: "held *in* Qom" (`holds`, `_placed`)
_PLACE_PREPOSITION = r"\b(?:in|at|to|from|near|inside|outside|across)\s+(?:the\s+)?"
_PLACE = re.compile(_PLACE_PREPOSITION + r"[A-Z][\w'’-]+")
_REASON = re.compile(r"\b(because|due to|as a result|owing to|in order to|so that|after|since|amid|following|"
                     r"led to|caused|prompted|reason)\b", re.I)


# A question word counts where a clause starts ("..., and when?"), not inside one ("what did he say when ..."); also
# after a preposition before which/whose/whom ("respondents in which country ...", "against which side"), after an
# adverb before how or what ("roughly how many ...", "roughly what share ..."), after a request ("explain why ...",
# "tell me when ..."), and "which" or "how many" inside a question (`wanted`).
PREPOSITIONS = (r"on|in|for|at|by|from|to|since|until|of|with|through|under|during|after|before|about|into|over|"
                 r"among|against|across|along|around|beyond|between|within|behind|beside|near|outside|inside|towards")
_CLAUSE_START = re.compile(rf"(?:^|(?P<comma>,)\s*|[.;:?!]\s*|\b(?:and|or|but)\s+|\b(?=(?:{PREPOSITIONS}) "
                           r"wh(?:ich|ose|om)\b)|(?P<inside>\b(?=which\b|how (?:many|much)\b))|"
                           r"(?P<request>\b(?:explain|describe|tell (?:me|us)|show (?:me|us)|find out)\s+"
                           r"(?=wh|how\b)))\W*"
                           r"(?:(?:exactly|roughly|approximately|about|around|precisely|just|so)\s+(?=(?:how|what)\b))?"
                           rf"(?:(?:{PREPOSITIONS})\s+)?", re.I)
QUESTION_WORDS = r"(?:who|whom|whose|what|which|when|where|why|how)"
_QUESTION_WORD = re.compile(rf"{QUESTION_WORDS}\b", re.I)


def wanted(question: str) -> str | None:
    """The kind the question's first question word asks for. A clause after a comma opens a new question only when
    no question word came before it ("According to the report, how many ..."); after one, it is a subordinate clause
    ("How many times had X blocked it, when Y ...?" asks for a number, not a date). A question that opens with a
    "when" clause of its own ("When Pernod Ricard bought a third of Seagram, which company took the rest?") asks what
    follows it: a date only when no question word follows ("When X visited Baku, what did Y say?" asks what Y said)."""
    asked_already, opening_when = False, None
    for start in _CLAUSE_START.finditer(question):
        if start.group("comma") and asked_already:
            continue
        # "which" or "how many" inside a question, and the question word of a request ("explain why ..."), ask only
        # where nothing was asked before them ("What did he tell me when ...?" asks no date); the first two only in a
        # question ("The airline flies to how many countries?"), not in a request ("Tell me about the deal which Iran
        # signed")
        inside, request = start.group("inside") is not None, start.group("request") is not None
        if (inside or request) and asked_already or inside and not question.rstrip().endswith("?"):
            continue
        kind = next((kind for kind, pattern in _WANTS if pattern.match(question, start.end())), None)
        if kind and start.start() == 0 and _WHEN_CLAUSE.match(question, start.end()):
            opening_when = kind
            continue
        if kind:
            return kind
        asked_already = asked_already or bool(_QUESTION_WORD.match(question, start.end()))
    return None if asked_already else opening_when


@dataclass(frozen=True)
class Described:
    """What "Who is X?" or "What is X?" asks to have described."""

    name: str  # "Sahiba Gafarova", "ECO", "3+3 format"
    someone: bool  # asked with "who": a person, whom a role before the name describes ("Speaker ... Gafarova")


def described(question: str) -> Described | None:
    """What a question asks to have described, when that is all it asks: "Sahiba Gafarova" of "Who is Sahiba
    Gafarova?" (her role, what she did: not another person's name), "ECO" of "what's the ECO", "3+3 format" of "What
    is the 3+3 format?", "Gordon Brown" of "Tell me who Gordon Brown is", "Bill Morris" of "Who is Bill Morris, who
    accused the parties ...?" (what follows the comma only says which one), "Abbas Araqchi" of "What post did Abbas
    Araqchi hold?" (a role is what "who is X?" is answered with). Not "Who is Iran's president?" nor "Who
    is the Speaker?" (they ask for a person), nor "What is the capital of Armenia?" or "What is the latest news on
    the border?" (they ask about something else)."""
    if found := _ROLE_ASKED.match(question):
        words, who = (found.group("r") or found.group("r2")).split(), True
    elif found := _DESCRIBE_ASKED.match(question):
        words = (found.group("x") or found.group("y") or found.group("z")).split()
        who = (found.group("who") or found.group("who2") or "what").lower() == "who"
    else:
        return None
    the = bool(words) and words[0].lower() in ("the", "a", "an")
    words = words[1:] if the else words
    named = [w[:1].isupper() or w[:1].isdigit() for w in words]
    if (not words or len(words) > 5 or (who and (the or not all(named))) or (not any(named) and (the or len(words) > 2))
            or len(words) == 1 and words[0].lower() in STOPWORDS):  # "What Is It?"
        return None
    for i, word in enumerate(words):  # a capitalised word is a name's, whatever it is elsewhere: "Theresa *May*"
        if _POSSESSIVE.search(word) or word in STOPWORDS and not (
                word in _NAME_PARTICLES and 0 < i < len(words) - 1 and named[i - 1] and named[i + 1]):
            return None
    return Described(" ".join(words), who)


_POST_WORD = r"(?:post|position|job|role|title|office)"  # what a person holds: "What post does X hold?"
_NAME_PARTICLES = ("of", "and", "the", "for", "to")  # inside a name: "Bank of England", "Passport to Paradise"
# "Who is X?", "what's the X", "Tell me who X is", "Who is X, quoted on ...?", "What does X do?"
_DESCRIBE_ASKED = re.compile(r"^\W*(?:(?:tell me|explain)\s+)?(?P<who>who|what)(?:['’]s|\s+(?:is|are|was|were))\s+"
                             r"(?P<x>[^?,;:]+?)\s*(?:,[^?]*)?\??\s*$|"
                             r"^\W*(?:tell me|explain)\s+(?P<who2>who|what)\s+(?P<y>[^?,;:]+?)\s+(?:is|are|was|were)\s*"
                             r"[.?]?\s*$|"
                             r"^\W*what\s+(?:does|do|did)\s+(?P<z>[^?,;:]+?)\s+do\s*\??\s*$", re.I)
# Someone's role, asked as "who is X?" asks: "What post does X hold?", "What was X's job?" (whatever time follows: "...
# when he spoke in Qom?")
_ROLE_ASKED = re.compile(rf"^\W*(?:what|which)\s+(?:\w+\s+)?{_POST_WORD}\s+(?:does|did|do|has|had|have)\s+"
                         r"(?P<r>[^?,;:]+?)\s+(?:hold|held|have|occupy|occupied)\b[^?]*\??\s*$|"
                         rf"^\W*what(?:['’]s|\s+(?:is|was))\s+(?P<r2>[^?,;:]+?)['’]s?\s+(?:\w+\s+)?{_POST_WORD}\s*"
                         r"\??\s*$", re.I)


# "When" followed by a subject, not by a verb ("when did", "when is"), opens a clause rather than asking.
_WHEN_CLAUSE = re.compile(r"when\s+(?!(?:and|or|did|does|do|is|was|are|were|will|would|has|have|had|can|could|"
                          r"should|shall|may|might|must)\b)[\w'’-]+[^,?]*,", re.I)


def holds(kind: str | None, sentence: str, question: str) -> bool:
    """Whether `sentence` holds an answer of `kind` that the question does not already give."""
    if kind is None:
        return False
    if kind == "date":
        return _new_matches(_DATE, sentence, question)
    if kind == "number":  # a year or a decade is a date, not an amount
        return _new_matches(_NUMBER, _YEARS.sub(" ", sentence), question)
    if kind == "person":
        return _new_matches(_NAME, sentence, question) or bool(_TITLE.search(sentence))
    if kind == "place":
        return _new_matches(_PLACE, sentence, question) or _new_matches(_NAME, sentence, question)
    if kind == "reason":
        return bool(_REASON.search(sentence))
    if kind == "name":
        return any(word.lower() not in question.lower() for word in _CAPITALISED.findall(sentence, 1))
    return False


def describes(sentence: str, described: Described, by_surname: bool = False) -> bool:
    """Whether the sentence says who or what is `described` where it names it: after a description ("industry
    watchdog *Ofcom*", "Turkmenistan's capital of *Ashgabat*") or, for a person, a role ("Speaker of Azerbaijan's
    National Assembly *Sahiba Gafarova*"); before a description ("*Ofcom*, the media regulator,", "*Veritas* is a
    ..."); or as the short form of a name it spells out ("Economic Cooperation Organization (*ECO*)"). `by_surname`:
    a person is also found by surname alone ("billionaire *Abramovich*"), where the article names them in full
    (another Williams is someone else)."""
    words = described.name.split()
    forms = [described.name] + ([words[-1]] if by_surname and len(words) > 1 and all(w[:1].isupper() for w in words)
                                else [])
    for form in forms:
        for mention in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", sentence, re.I):
            before, after = sentence[:mention.start()], sentence[mention.end():]
            spelled_out = form.isupper() and _SPELLED_OUT.search(before)
            if _DESCRIBED_AFTER.match(after) or spelled_out or _KIND_OF_PLACE.search(before) or (
                    described.someone and _ROLE_BEFORE.search(before)):
                return True
            word = _WORD_BEFORE.search(before)
            if word and _DESCRIBING_NOUN.match(word.group(1)) and not (
                    word.group(1) in STOPWORDS or _VERB.match(word.group(1)) or _ER_VERB.match(word.group(1))):
                return True
    return False


def counts_focus(sentence: str, asked: Asked) -> bool:
    """Whether the sentence gives a number of what was asked: one just before the question's focus word ("246,570 ID
    fraud *cases*" for "how many cases"), or one in the unit of the measure asked for ("700-kilometer" for "how
    long is the border")."""
    if asked.unit == "money":
        return bool(_MONEY.search(sentence))
    if asked.unit == "age" and _BARE_AGE.search(sentence):
        return True
    if asked.unit:
        for number in _NUMBER_START.finditer(sentence):
            # the unit right after the number, or after one word that qualifies it ("19 nautical miles")
            if _UNITS[asked.unit].match(sentence, number.end()):
                return True
    if not asked.focus or not set(asked.focus) & set(terms(sentence)):  # one pass spares the word-by-word one
        return False
    words = re.findall(r"[\w'’.,%-]+", sentence)
    for i, word in enumerate(words):
        if set(terms(word)) & set(asked.focus) and (
                any(_NUMBER.search(w) for w in words[max(0, i - 3):i]) or re.match(r"\d[\d,.]*-", word)):
            return True  # "12,500 spectators", or one word: "a 10-week period" for "how many weeks"
    return False


_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty)"
_NUMBER_START = re.compile(rf"\d[\d,.]*|\b{_NUMBER_WORD}\b", re.I)  # a number a unit may follow: "19", "two"
# An age is often written without its unit: "John Houston, 54, was ...", "aged 54", "I was 18 when ..."
_BARE_AGE = re.compile(r"\b(?:aged|age of)\s\d{1,3}\b|,\s\d{1,3},|"
                       r"\b(?:was|is|turned|turns)\s\d{1,3}(?=\s+when\b|[.;])", re.I)
# Currencies written after their amount ("19,800 yen", "500m euros"): of a span (`_AMOUNT`) and of a sum (`_MONEY`)
_CURRENCY_AFTER = r"(?:dollars|pounds|euros|yen|yuan|rupees|francs|manats|rials|pence|cents)\b"
_PENCE = r"p\b"  # "950p a share", written onto its number ("3pm" is no sum: the p must end the word)
# A time as one span, before its numbers are read apart: a clock time ("3pm", "3.30pm", "15:00", "0001 GMT"), a race
# time ("2:15:25", "13:52.1") or a time in its units ("22 minutes 45 seconds", "9.87 seconds").
_TIME_UNITS = r"hours?|hrs?|minutes?|mins?|seconds?|secs?"
_TIME = (r"\b\d{1,2}(?::\d\d){1,2}(?:\.\d+)?(?:\s?[ap]m\b)?|\b\d{1,2}(?:\.\d\d)?\s?[ap]m\b|\b\d{4}\s(?:GMT|BST)\b|"
         rf"\b\d[\d.]*\s(?:{_TIME_UNITS})(?:\s\d[\d.]*\s(?:{_TIME_UNITS}))?\b")
# A score, or the scores of a match's sets: "18-17", "1-6 6-3 6-4 6-4"; or a range ("20-25%")
_SCORE = r"\b\d{1,3}[-–]\d{1,3}(?:,?\s\d{1,2}[-–]\d{1,2})*\b(?![-–]\d)%?"
# Spans that can answer on their own: a time, an amount with its currency and scale ("dollars 1.13bn", "£600m", "76%",
# "19,800 yen", "12,500 spectators"), a date, a run of capitalised words (a name). Every form of a time starts with a
# digit; the lookahead says so once, so that its four forms are not tried at every other character.
_AMOUNT = re.compile(
    rf"(?=\d)(?:{_TIME})|{_SCORE}|"
    r"(?:(?:dollars|pounds|euros|us\$|\$|£|€)\s?)?\d[\d,.]*(?:\s?%|\s?(?:per ?cent|km/h|kph|mph|bn|m|k|billion|million|thousand|"
    rf"trillion|hundred)\b|-[a-z]+\b|{_PENCE})?(?:\s{_CURRENCY_AFTER})?|"
    rf"\b(?:{_NUMBER_WORD}|hundreds?|thousands?|dozens?)\b(?:\sand\sa\s(?:half|quarter)\b)?"  # "two and a half million"
    r"(?:\s(?:million|billion|thousand|hundred|per ?cent)\b)?"
    rf"(?:\s{_CURRENCY_AFTER})?", re.I)
# A name as a short answer: one or more capitalised words, joined by the particles of places, organisations and
# surnames too ("Bank of England", "Dewsbury", "Nick Van den Brul", "Edwin van der Sar"). follow_up.py's person name
# needs two words: it looks for whom "he" or "she" is.
_FULL_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:of|for|the|de|bin|al|van|von|and|&)\s+)?"
                        r"(?:(?:den|der|del|la)\s+)?[A-Z][\w'’.-]*)*")
_SHORT_KINDS = {"number": _AMOUNT, "date": _DATE, "person": _FULL_NAME, "place": _FULL_NAME, "name": _FULL_NAME}
SHORT_KINDS = tuple(_SHORT_KINDS)  # the kinds a short answer can be given for


@dataclass(frozen=True)
class Span:
    """A span of a sentence that could answer on its own: where it starts and ends in the sentence, and its text."""

    start: int
    end: int
    text: str


def short_answer(asked: Asked, sentence: str, question: str,
                 pick: Callable[[list[Span]], Span | None] | None = None) -> str | None:
    """The span of `sentence` that answers a question asking for a number, date, person, place or name, when there
    is exactly one span of that kind the question does not already give (or one just before the focus word: "12,500
    *spectators*"; a name just after it: "*guitarist* Patrick Walden"; a place after a preposition of place: "held
    *in* Qom"); else the one `pick` chooses among them, if any (the pair reader's reading of where the answer is:
    `reader.short_of`); else None. A question that asks for several names is answered by the one list of them there
    is; a number, with the unit or the focus word that follows it. The span is an exact substring of the sentence."""
    spans = short_spans(asked, sentence, question)
    named = _SHORT_KINDS.get(asked.kind or "") is _FULL_NAME
    listed = _lists(spans, sentence, asked.how_many) if asked.several and named else []
    if len(listed) == 1:  # "which countries ...?": the one list of names there is
        return listed[0].text
    if len(spans) == 1 and (not named or _beside_the_question(spans[0], sentence, question)
                            or asked.kind == "place" and _placed(spans[0], sentence)):
        span = spans[0]
    elif not (spans and pick and (span := pick(spans))):
        return None
    end = span.end
    if asked.kind == "number" and asked.unit in _UNITS:  # "132" -> "132 kilometers": the unit asked for follows
        unit = _UNITS[asked.unit].match(sentence, end)
        end = _WORD_REST.match(sentence, unit.end()).end() if unit else end
    text = sentence[span.start:end]
    if asked.kind == "number" and asked.focus:  # "12,500" -> "12,500 spectators" when the focus word follows
        after = re.match(r"\s+([\w'’-]+(?:\s+[\w'’-]+){0,2})", sentence[end:])
        if after and set(terms(after.group(1))) & set(asked.focus):
            words = after.group(1).split()
            last = next(i for i, w in enumerate(words) if set(terms(w)) & set(asked.focus))
            text += " " + " ".join(words[:last + 1])
    return text


def _lists(spans: list[Span], sentence: str, items: int | None = None) -> list[Span]:
    """The lists among the spans: two or more names joined by commas, "and" or "&" ("Armenia, Georgia, Russia and
    Turkey"), each as one span; of `items` names when the question says how many ("which *two* counties"). A list
    ends in "and" or "&": "Burnley, Lancashire" is one place."""
    ordered = sorted(spans, key=lambda s: s.start)
    runs: list[list[Span]] = []
    for span in ordered:
        if runs and _LIST_JOIN.fullmatch(sentence, runs[-1][-1].end, span.start):
            runs[-1].append(span)
        else:
            runs.append([span])
    return [Span(run[0].start, run[-1].end, sentence[run[0].start:run[-1].end]) for run in runs
            if len(run) > 1 and _LIST_END.search(sentence, run[-2].end, run[-1].end)
            # a name span may hold an "and" of its own: "Supergrass and Idlewild" is one span of two names
            and items in (None, sum(1 + len(_LIST_END.findall(s.text)) for s in run))]


_WORD_REST = re.compile(r"[\w/]*")  # the rest of a unit's word: "kilomet" -> "kilometers", "km" -> "km/h"
_LIST_JOIN = re.compile(r"\s*(?:,|,?\s+and|&)\s+")
_LIST_END = re.compile(r"\band\b|&")


def short_spans(asked: Asked, sentence: str, question: str) -> list[Span]:
    """The spans of `sentence` of the kind the question asks for that could answer it: what they add to the
    question (`_new_part`), outside brackets; of several, those next to the question's focus or in its unit, and a
    person's full names."""
    kind, focus = asked.kind, asked.focus
    pattern = _SHORT_KINDS.get(kind or "")
    if pattern is None:
        return []
    named = pattern is _FULL_NAME
    spans = [span for m in pattern.finditer(sentence) if not _in_brackets(sentence, m.start())
             and not (kind == "number" and _RATE_BASE.search(sentence, 0, m.start()))
             and (span := _new_part(m, question, named, whole=kind != "place"))]
    if kind == "number" and asked.unit:
        in_unit = [m for m in spans if counts_focus(m.text, asked)
                   or asked.unit in _UNITS and _UNITS[asked.unit].match(sentence, m.end)]
        # only a number in the unit asked for answers: a sum "how much did he give" (not "a majority of 167"), a
        # length "how long is the border" (not "five sets"); but an age is often written bare ("Lucy, 36,")
        spans = in_unit or spans if asked.unit == "age" else in_unit
    if kind == "number" and focus and len(spans) > 1:
        # the focus just after the span, or its last word ("171 *hours*", a time read with its unit)
        near = [m for m in spans if set(terms(m.text)[-1:] + terms(sentence[m.end:m.end + 30])[:3]) & set(focus)]
        spans = near or spans
    if named:  # a capitalised first word is as likely a common word ("Based on ...") as a name
        spans = [m for m in spans if not (m.start == 0 and " " not in m.text)]
    if kind == "person" and len(spans) > 1:  # a person is named in full; one capitalised word is more often a place
        spans = [m for m in spans if " " in m.text] or spans
    if kind == "person" or set(focus) & _ROLE_TERMS:  # "who ...?", "which *judge* ...?"
        # a person the question names by surname is no answer in full either ("Jeyhun Bayramov" for "which president
        # met Bayramov?"), unless that word is what the question asks for ("Kingfisher *Airlines*": which airline)
        given = _terms_of(question)
        surnames = given - set(focus)
        spans = [name for m in spans if not _asked_already(terms((name := _after_role(m)).text), given)
                 and not _asked_already(terms(name.text)[-1:], surnames)]
    if named and focus and len(spans) > 1:
        # of several names, the one the focus word stands before, as news puts a role or a kind before a name
        # ("which *president* ...?": "said a meeting between Iranian *President* Ebrahim Raeisi and ..." names two);
        # where the question asks for several ("which two acts ...?"), only if it names several itself ("pop *stars*
        # Robbie Williams and Kylie Minogue"): one of them would not answer
        led = [m for m in spans if (before := _LAST_WORD.search(sentence, 0, m.start))
               and set(terms(before.group(1))) & set(focus) and (not asked.several or _LIST_END.search(m.text))]
        spans = led or spans
    if kind == "place" and not asked.several and len(spans) > 1:
        # of several names, those a place's preposition stands before (`_placed`); not for several places, whose
        # list goes on without one
        spans = [m for m in spans if _placed(m, sentence)] or spans
    return spans


def _placed(span: Span, sentence: str) -> bool:
    """Whether a preposition of place or a kind of place stands before the span: "held *in* Qom", "the *city of*
    Bogota"."""
    return bool(_AT_PLACE.search(sentence, 0, span.start) or _KIND_OF_PLACE.search(sentence, 0, span.start))


_LAST_WORD = re.compile(r"([\w'’-]+)\s+$")
_AT_PLACE = re.compile(_PLACE_PREPOSITION + "$", re.I)


# A role written before a name, as news writes them: "Santa Clara County Superior Court *Judge* James Kleinberg"
_ROLES = ("President", "Minister", "Secretary", "Chairman", "Chairwoman", "Chair", "Chief", "Director", "Ambassador",
          "Judge", "Justice", "Chancellor", "Governor", "Senator", "Mayor", "Speaker", "Commissioner", "Coach",
          "Manager", "Captain", "Editor", "Professor", "Executive", "Officer", "Spokesman", "Spokeswoman", "Leader")
_ROLE = re.compile(rf"\b(?:{'|'.join(_ROLES)})\s+(?=[A-Z])")
_ROLE_TERMS = frozenset(terms(" ".join(_ROLES)))  # a question's focus that asks for a person: "which *judge* ...?"
# `describes`: a description after the name (an apposition or a relative clause: "Ofcom, the regulator", "Glazer,
# who owns"; a bracket; "is a ..."), a name spelled out before its short form, a role before the name
# (", who said ..." tells what someone said, not who they are)
_DESCRIBED_AFTER = re.compile(rf"\s*(?:,\s+(?:a|an|the|who(?!\s+(?:also\s+)?{REPORTING})|which|whose|one|its|his|her|"
                              r"their|chief|head|former)\b|\((?:a|an|the|[a-z]{3,})\b|(?:is|was|are|were)\s+(?:a|an|the|"
                              r"one)\b)", re.I)
# a name spelled out, or a description, before an acronym in brackets: "Economic Cooperation Organization (ECO)",
# "the Dutch football federation (KNVB)"
_SPELLED_OUT = re.compile(r"\b[\w'’-]{3,}\s+\(\s*$")
_ROLE_BEFORE = re.compile(rf"\b(?:{'|'.join(_ROLES)})\b(?:\s+(?:(?:of|for|the|and)\s+)*[A-Z][\w'’.-]*){{0,6}}\s+$")
_KIND_OF_PLACE = re.compile(r"\b(?:capital|city|town|village|region|province|state|port|district|island|republic)"
                            r"\s+of\s+$", re.I)
_WORD_BEFORE = re.compile(r"(?<![.!?]\s)\b([a-z][a-z-]{2,})\s+$")
# A noun right before a name that says what it is: one that names a person by what they do ("*chairman*",
# "*sculptor*", "*billionaire*", "*spokeswoman*", "*analyst*") or a kind of body ("industry *watchdog* Ofcom",
# "low-cost *airline* Air Deccan"); not a verb ("*believe* Tony Blair", "*explains* Herbert Hansen"), an adverb or an
# adjective ("the *original* iPod")
_DESCRIBING_NOUN = re.compile(r"^(?:[a-z-]+(?:er|or|ist|ian|man|woman|ress|aire|ee)|[a-z-]*(?:ant|ent)(?<!want)"
                              r"(?<!meant)|executive|representative|analyst|chief|boss|coach|star|head|judge|tycoon|"
                              r"captain|champion|veteran|watchdog|regulator|firm|company|group|bank|agency|giant|"
                              r"airline|network|channel|site|website|magazine|party|union|club|band|duo|trio|body|"
                              r"charity|council|programme|show|service|scheme|system|device|console|brand|label)$")
# ... and the verbs and adverbs with those endings ("*remember* Sven-Goran Eriksson's side")
_ER_VERB = re.compile(r"^(?:remember|consider|offer|deliver|enter|order|suffer|wonder|gather|answer|discover|cover|"
                      r"recover|prefer|transfer|register|alter|lower|rather|together|however|whether|either|neither|"
                      r"another|later|sooner|further|better|present|represent|prevent|invent|resent|consent)$")


def _after_role(span: Span) -> Span:
    """A person's span from the name after the last role it holds: "James Kleinberg", "Tony Blair" (not "Prime
    Minister Tony Blair")."""
    roles = list(_ROLE.finditer(span.text))
    if not roles:
        return span
    cut = roles[-1].end()
    return Span(span.start + cut, span.end, span.text[cut:])


_NOT_NAMES = set(DEMONYMS) | set(MONTHS) | set(WEEKDAYS)  # capitalised, but not the name of who or where


def _new_part(match: re.Match, question: str, named: bool, whole: bool = False) -> Span | None:
    """What a matched span adds to the question: without the leading words the question already has, the clause
    words and titles before a name ("But", "Azerbaijan's Foreign Minister" before "Jeyhun Bayramov"), a possessive
    ending or closing full stop; None when nothing new is left, or only a nationality or a month ("French", "May").
    `whole`: a name keeps a first word the question has when it is a word of the name (`_before_the_name`)."""
    given = _terms_of(question)
    words = list(re.finditer(r"\S+", match.group(0)))
    while words and (words[0].group(0).lower() in _SPAN_NOISE or (named and len(words) > 1 and (
            _TITLE.fullmatch(words[0].group(0).strip(".,'’")) or set(terms(words[0].group(0))) <= given and (
                not whole or _before_the_name(words, at_start=match.start() + words[0].start() == 0))))):
        words.pop(0)
    if not words:
        return None
    start, end = match.start() + words[0].start(), match.start() + words[-1].end()
    text = match.string[start:end]
    trimmed = re.sub(r"(['’]s|\.)$", "", text) if named else text.rstrip(".,")
    end -= len(text) - len(trimmed)
    if not terms(trimmed) or _asked_already(terms(trimmed), given) or trimmed.lower() in _SPAN_NOISE:
        return None
    if named and " " not in trimmed and trimmed.lower() in _NOT_NAMES:
        return None
    return Span(start, end, trimmed)


def _before_the_name(words: list[re.Match], at_start: bool) -> bool:
    """Whether the first of a name span's words, one the question says, stands before the name rather than in it: a
    word with no terms ("With"), the sentence's first word (capitalised whatever it is: "*Bookmakers* Ladbrokes"), an
    owner ("*Azerbaijan's* Foreign Minister Jeyhun Bayramov"), or a word before a name of two capitalised words or more
    ("*Iranian* President Ebrahim Raisi"). A name that would be left with one word keeps it: "Jewish Chronicle" for
    "which newspaper ... his Jewish faith?", "Classic FM", "Reliance Energy", "BT Communicator"."""
    first = words[0].group(0)
    return not terms(first) or at_start or bool(re.search(r"['’]s$", first)) or \
        sum(w.group(0)[:1].isupper() for w in words[1:]) >= 2


def _asked_already(span_terms: list[str], given: set[str]) -> bool:
    """Whether the question says every word of a span, also in another spelling ("Diane Abbott" asks about the
    "Abbot" of a sentence that misspells her: that is not the answer). A misspelling keeps the first letter: "Venice"
    is not "Fenice"."""
    return all(t in given or len(t) >= 5 and any(t[0] == g[0] and one_edit(t, g) for g in given) for t in span_terms)


def _beside_the_question(span: Span, sentence: str, question: str, reach: int = 3) -> bool:
    """Whether a name stands within `reach` words of what the question says (apposition: "Foreign Minister Jeyhun
    Bayramov", "Bayramov, the foreign minister"), or the sentence repeats none of it. A name further away is more
    often someone else ("Azerbaijan's foreign minister met his Iranian counterpart, Mohammad Javad Zarif"): no
    short answer then, rather than a wrong one."""
    given = _terms_of(question)
    words = list(re.finditer(r"[\w'’-]+", sentence))
    inside = [i for i, w in enumerate(words) if span.start <= w.start() and w.end() <= span.end]
    # a word of the question inside the name ties it to the question: "BT Communicator" for "the BT program"
    around = [i for i, w in enumerate(words) if set(terms(w.group(0))) & given]
    return not inside or not around or min(abs(a - i) for a in around for i in inside) <= reach


# The base of a rate ("broadband users per *100 people*"), not an amount of anything.
_RATE_BASE = re.compile(r"\b(?:per|out of)\s+$", re.I)


def _in_brackets(text: str, at: int) -> bool:
    """Inside parentheses: a conversion or an aside ("dollars 11.5bn (pounds 6.1bn)"), not the answer."""
    return text.rfind("(", 0, at) > text.rfind(")", 0, at)


# Capitalised words that start clauses or stand for the reporter, not for an answer.
_SPAN_NOISE = {"he", "she", "it", "they", "the", "but", "and", "mr", "mrs", "ms", "dr", "in", "on", "at", "a", "an",
               "bbc", "i", "we", "this", "that", "however", "meanwhile"}


def _new_matches(pattern: re.Pattern, sentence: str, question: str) -> bool:
    asked = _matches_in(pattern, question)
    return any(m.group(0).lower() not in asked for m in pattern.finditer(sentence))


@lru_cache(maxsize=256)
def _terms_of(question: str) -> frozenset[str]:
    """The question's terms, read once per question rather than once per span of every candidate sentence."""
    return frozenset(terms(question))


@lru_cache(maxsize=256)
def _matches_in(pattern: re.Pattern, question: str) -> frozenset[str]:
    """The question's own matches, read once per question rather than once per candidate sentence."""
    return frozenset(m.group(0).lower() for m in pattern.finditer(question))


# The focus of a question is the noun its question word asks about: "how many *spectators*", "which *firm*", "what
# *price* did ...", "what is the *population* of ...". Without a parser: after "how many/much" the phrase runs to the
# first verb-like word or function word and its head is its last word ("how many Boeing 737-800 *jets* did ...");
# after "which/what" it is the first common noun ("which Premiership *club*"). Names and numbers are never the focus.
_FOCUS_AFTER = re.compile(
    r"\b(?:(?P<many>how (?:many|much))|which|what(?P<the>\s+(?:is|was|are|were)\s+the)?)\s+(?P<rest>.*)", re.I)
# -ed / -ing forms, more often verbs than nouns here
_PARTICIPLES = r"\w+ed|\w+ing"
# Words that end a noun phrase: function words, -ed / -ing forms, and the adverbs that stand between a subject and its
# verb ("which newspaper *first* claimed", "which firm *later* bought").
_PHRASE_END = (
    r"did|does|do|is|are|was|were|has|have|had|will|would|can|could|should|may|might|of|in|on|at|for|to|by|from|"
    r"with|that|which|who|whose|about|over|after|before|during|between|when|where|the|a|an|it|he|she|they|its|their|"
    r"his|her|"
    r"first|last|also|originally|initially|finally|eventually|recently|previously|later|ever|still|now|then|just|"
    rf"already|actually|reportedly|allegedly|currently|formerly|once|never|not|per|else|{_PARTICIPLES}")
_FOCUS_STOP = re.compile(rf"^(?:{_PHRASE_END})$", re.I)
# An -ed / -ing form right after the question word, before a common noun, qualifies it ("how many *elected* police
# commissioners", "which *leading* bank"): there it does not end the phrase ("which *called* Michael Howard's plans"
# still does).
_PARTICIPLE = re.compile(rf"^(?:{_PARTICIPLES})$", re.I)
# ... and so does an -ing form anywhere in the phrase: "the small UK *engineering* firm", "which US *banking* group"
_GERUND = re.compile(r"^\w+ing$", re.I)


@dataclass(frozen=True)
class Asked:
    """What a question asks for: the kind of answer, the terms of its focus, and the unit of a measure."""

    kind: str | None
    focus: tuple[str, ...]
    unit: str | None = None  # a key of _UNITS, or "money": "how long is the border" wants a length in km or miles
    several: bool = False  # it asks for more than one: "which *countries*", "which *two* bands"
    how_many: int | None = None  # how many, when it says: "which *two* counties" -> 2
    described: Described | None = None  # what "Who is X?" or "What is X?" asks to have described
    speaker: str | None = None  # whose words it asks for: "Raisi" of "What did Raisi say to Bayramov?"


# The verbs between "how much" and the verb it asks about: "how much *did* he pay", "how much *is* it costing"
AUXILIARY = r"(?:is|are|was|were|did|does|do|will|would|could|can|should|might|has|have|had)"
# "How long is the border" asks for a length, "how long did the war last" for a duration.
_MEASURES = [
    ("score", re.compile(rf"\b(?:{_SCORE_ASKED})\b", re.I)),
    # "How fast did output grow?" asks for a rate of change, a percentage, not a speed
    ("percent", re.compile(r"\b(what|which) (percentage|proportion|share of)\b|\bhow many per ?cent\b|\bhow fast\b[^?]*\b"
                           r"(grow|grew|grown|rise|rose|risen|expand|expanded|increase|increased|fall|fell|fallen|"
                           r"decline|declined|shrink|shrank|shrunk)\b", re.I)),
    ("speed", re.compile(r"\bhow fast\b|\bwhat (is |was )?(the |its |their )?(top |average |maximum )?speed\b", re.I)),
    # "how long is the border?", not "how long was the jail term?" nor "how long will the talks last?"
    ("length", re.compile(r"\bhow (long (is|was|are|were|will)\b[^?]*\b(border|frontier|line|railway|railroad|road|"
                          r"motorway|highway|pipeline|river|bridge|tunnel|wall|fence|coast|coastline|runway|track|"
                          r"route|canal|corridor|cable|queue|stretch)s?\b|far\b|wide\b|tall\b|high\b|deep\b)|"
                          # "what is the length of the border?", not "what length of contract ...?" (a duration)
                          r"\bwhat (is|was|are|were) (the|its|their) (total |overall )?"
                          r"(length|distance|height|width|depth)\b", re.I)),
    ("time", re.compile(r"\b(what|which) (is |was |are |were )?(the )?times?\b", re.I)),
    ("duration", re.compile(r"\bhow (long|much time)\b", re.I)),
    ("age", re.compile(r"\bhow old\b", re.I)),
    # A sum paid or raised: "how much did X pay for Y", "how much is X paying", "how much compensation is he seeking"
    # want an amount of money, not any number. The verb must follow "how much" and its auxiliary: "how much *time*
    # did he spend" asks for a duration, "how much *gas* did they sell" or "how much *weight* did he lose" for a
    # quantity.
    ("money", re.compile(rf"\b{_COST_ASKED}|\bhow much\s+(?:(?:in\s+)?(?:(?!{AUXILIARY}\b)[a-z'’-]+\s+){{0,2}}(?:money|cash|"
                         r"compensation|damages|funding|funds|debt|profits?|revenues?|capital|tax(?:es)?|fines|fees|"
                         r"costs|pay|pensions?|salary|wages?|rent|bonus|spending)\b|"
                         # a rate or a sum's worth before the auxiliary: "how much extra a month will they pay", "how
                         # much per tonne does it cost", "how much worth of machines has he sold"
                         r"(?:(?:more|less|extra|worth of\b[^?]*?|(?:a|an|per|each|every) [a-z]+(?: of [a-z]+)?)\s+)*"
                         rf"{AUXILIARY}\b[^?]*\b"
                         r"(?:pay|paying|paid|cost|costing|costs|spend|spent|sell|sold|raise|raised|earn|earned|worth|"
                         r"charge|charging|charged|fine|fined|bid|offer|offered|invest|investing|invested|donate|"
                         r"donated|owe|owed|borrow|borrowed|lend|lending|lent|bill|billed|sue|suing|sued|give|gave|"
                         r"given|make|made|lose|lost|receive|received|collect|collected|pledge|pledged|"
                         # "spending" and "selling" are nouns as often as verbs: "how much did *spending* rise"
                         r"(?:spending|selling) (?:to|on|for))\b)", re.I)),
]
# ... and so does a question whose focus is a sum ("what *price* per share", "what was the transfer *fee*"); not one
# that only mentions one ("which minister said ... raise fuel *prices*", "which *firm* paid the highest price"), nor
# one where the word qualifies its focus ("which budget *airline*").
_SUM_FOCUS = re.compile(r"^(?:price|fee|fine|salary|salaries|wage|budget|sum)s?$", re.I)
_MONEY = re.compile(r"(?:dollars?|pounds?|euros?|yen|yuan|rupees?|francs?|manats?|rials?|us\$|\$|£|€)\s?\d|"
                    rf"\d[\d,.]*\s?(?:bn|m|k|billion|million|thousand)?\s?{_CURRENCY_AFTER}|\d[\d,.]*{_PENCE}|"
                    # a sum in words: "five pounds", "two million dollars"
                    rf"\b(?:{_NUMBER_WORD}|hundreds?|thousands?|millions?|billions?)\s"
                    rf"(?:(?:hundred|thousand|million|billion)\s)?{_CURRENCY_AFTER}", re.I)
# The unit after a number, read from the number's end: "700-kilometer", "19 nautical miles", "1.35km/h".
_UNIT_START = r"(?:-|\s?(?:[a-z]+\s)?)"
_UNITS = {
    "length": re.compile(_UNIT_START + r"(kilomet|kms?\b|mile|met(re|er)|feet\b|foot\b|inch|yard|centimet|cm\b)",
                         re.I),
    "speed": re.compile(_UNIT_START + r"(km/h|kph\b|mph\b|miles? (an|per) hour|kilomet\w+ (an|per) hour|knots?\b)",
                        re.I),
    "percent": re.compile(_UNIT_START + r"(%|per ?cent\b)", re.I),
    "score": re.compile(r"[-–]\d"),
    "duration": re.compile(_UNIT_START + r"(second|minute|hour|day|week|month|year|decade|centur)", re.I),
    "age": re.compile(_UNIT_START + r"(year|-year-old)", re.I),
    # a clock time or a race time, read from its first number: "3pm", "0001 GMT", "2:15:25", "9.87 seconds"
    "time": re.compile(rf"(:\d\d|\s?(am|pm|a\.m\.|p\.m\.|gmt|bst|{_TIME_UNITS})\b)", re.I),
}


# "What's the population ...?" asks what "What is the population ...?" asks: the patterns above read the long form.
_CONTRACTED = re.compile(r"\b(what|who|where|when|which|why|how)['’](s|re)\b", re.I)


def asked(question: str) -> Asked:
    question = _CONTRACTED.sub(lambda m: f"{m.group(1)} {'is' if m.group(2).lower() == 's' else 'are'}", question)
    unit = next((name for name, pattern in _MEASURES if pattern.search(question)), None)
    about = described(question)  # "Who is X?" asks for no kind of answer: for what describes X
    kind = None if about else wanted(question)
    # a reason is asked for as a clause: "what *reason* did they give" names the kind, not a thing to find
    head = None if kind == "reason" else _focus_head(question)
    if kind is None and head and _NUMBER_HEAD.match(head):  # "what was the UK inflation *rate*?": a number
        kind = "number"
    if unit is None and head and _SUM_FOCUS.match(head):
        unit = "money"
    count = _A_FEW.search(question)
    how_many = _COUNTS[count.group("n").lower()] if count else None
    several = bool(head and _PLURAL.search(head)) or how_many is not None
    return Asked(kind, tuple(terms(head)) if head else (), unit, several, how_many, None if kind else about,
                 asked_speaker(question))


_NUMBER_HEAD = re.compile(r"^(?:number|percentage|proportion|fraction|amount|size|value|price|population|cost|total|"
                          r"rate|margin)s?$", re.I)
_A_FEW = re.compile(r"\b(?:which|what)\s+(?P<n>two|three|four|five|six|both)\b", re.I)
_COUNTS = {"two": 2, "both": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def _focus_head(question: str) -> str | None:
    """The head of the noun phrase after the question word, or after "what is the name of": its last
    plural ("how many US broadband *lines* come through cable"), else its last word ("which Labour election
    *strategist* was"). The phrase ends at a function word, at a word ending in -ed or -ing (but for one before a
    common noun, an -ed word only right after the question word: "how many *elected* police *commissioners*", "the
    small UK *engineering* firm"), at a comma, at a word after the noun that is a verb (followed by a determiner or a
    name: "which *film* took the award", "which *actress* plays Sophie Scholl"; or a common one: "which *team* goes
    through"), after a word followed by a rate ("how much *gas* a year"), and after a possessive, whose owner is what
    "which" asks about ("which France *player's* penalties")."""
    match = _FOCUS_AFTER.search(question)
    if not match:
        return None
    rest = match.group("rest")
    # "what is the name of the new search *engine*": a name is what every name question asks for; its focus is what
    # the name is of
    rest = _NAME_OF.sub("", rest, count=1) if match.group("the") else rest
    # "what kind of *corridors*": the kind is what every such question asks for; its focus is the thing it is of
    rest = _KIND_OF.sub("", rest, count=1)
    # the phrase ends at a comma or a bracket ("which fund manager, the biggest shareholder, ...")
    following = re.findall(r"[\w'’-]+", re.split(r"[,;:()]", rest)[0])
    words = following[:5]
    nouns = []
    for i, word in enumerate(words):
        if (_GERUND.match(word) or i == 0 and _PARTICIPLE.match(word)) and i + 1 < len(words) \
                and words[i + 1].islower() and not _FOCUS_STOP.match(words[i + 1]):
            continue
        rate = i + 2 < len(words) and _RATE.match(f"{words[i + 1]} {words[i + 2]}")
        if _FOCUS_STOP.match(word) or (nouns and word[:1].islower() and (
                _VERB.match(word) or (not rate and _takes_object(following, i)))):
            break
        if not (word[:1].isupper() or word[:1].isdigit() or _NUMBER.fullmatch(word)):
            nouns.append(word)
            # "which France *player's* penalties" asks for a player; "what was the *player's* excuse" for an excuse,
            # and "which victims' *campaigner*" for a campaigner
            if _POSSESSIVE.search(word) and not match.group("the"):
                break
        if rate:  # "how many foreign *workers* a year": the noun before a rate ends the phrase
            break
    plurals = [word for word in nouns if _PLURAL.search(word)]
    return (plurals or nouns or [None])[-1]


_NAME_OF = re.compile(r"^(?:names?|titles?)\s+of\s+(?:(?:the|a|an|his|her|its|their|this|that)\s+)?", re.I)
_KIND_OF = re.compile(r"^(?:kinds?|types?|sorts?)\s+of\s+(?:(?:the|a|an)\s+)?", re.I)


def _takes_object(words: list[str], i: int) -> bool:
    """Whether words[i], after the phrase's noun, is a verb before its object: it is followed (after a particle:
    "which court threw *out* ...") by a determiner ("which film *took* the award"), or by a name that ends the phrase
    or owns what follows ("which club *beat* Chelsea 2-1", "which actress *plays* Sophie Scholl in ...", "which
    collector *bought* Jimi Hendrix's guitar"). A name followed by a noun qualifies it instead ("which senior
    Azerbaijani officials"), and so does an acronym's plural ("which ethnic minority MPs")."""
    j = i + 1 + (i + 1 < len(words) and bool(_PARTICLE.match(words[i + 1])))
    if j >= len(words):
        return False
    if _DETERMINER.match(words[j]):  # but "that" after a noun starts a clause about it: "the trojan that infects"
        return words[j].lower() != "that"
    end = j
    while end < len(words) and words[end][:1].isupper():
        end += 1
    if end == j or _ACRONYM_PLURAL.match(words[end - 1]):
        return False
    return (bool(_POSSESSIVE.search(words[end - 1])) or end == len(words) or bool(_FOCUS_STOP.match(words[end]))
            or words[end][:1].isdigit())


_PARTICLE = re.compile(r"^(?:out|up|off|down|away)$", re.I)
_POSSESSIVE = re.compile(r"['’]s$")
# Common verbs whose forms end in no -ed or -ing, after the phrase's noun ("which team *goes* through", "which
# executive *said* shoppers ...", "which company *paid* fines"); not the forms that are as often nouns ("which
# television *show*", "which pay *rise*"). Before its noun such a word may qualify it, so it ends the phrase only after.
_VERB = re.compile(r"^(?:say|says|said|tell|tells|told|met|paid|take|takes|took|come|comes|came|goes|went|makes|made|"
                   r"won|give|gives|gave|get|gets|got|see|sees|saw|left|led|ran|put|puts|beat|beats|bought|sells|sold|"
                   r"bring|brings|brought|become|becomes|became|keeps|kept|loses|lost|holds|held|found|think|thinks|"
                   r"thought|spent|sends|sent|built|begin|begins|began|stood|felt|seeks|sought|rose|fell|wrote|"
                   r"written)$", re.I)
_ACRONYM_PLURAL = re.compile(r"^[A-Z]{2,}s$")
_DETERMINER = re.compile(r"^(?:the|a|an|his|her|its|their|this|that|these|those|our|my|your)$", re.I)
# A rate after a noun ("how many foreign workers *a year*"), not a verb's object
_RATE = re.compile(r"^(?:a|an|each|every) (?:year|month|week|day|night|hour|minute|second|season|game|match)$", re.I)
# (not a possessive: "which X Factor *winner's* single")
_PLURAL = re.compile(r"(?<![su'’])s$|^(?:people|men|women|children|police|staff)$", re.I)
