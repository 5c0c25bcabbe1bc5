"""Follow-up questions made to stand on their own (extractive mode; in LLM mode the model condenses them).

Three ways a question leans on the conversation:
- a pronoun ("When did *he* visit Tehran?"): "he", "she", "him", "his" and "her" stand for the person the previous
  answer was about: the name it answered with (unless it answered where, when or how much); else, after "who did
  ...?" or "which minister said ...?", the one its quote opens with ("*Zarif* made the remarks ..." for "Who visited
  Baku?"); else the person the previous question named (in full, or as the subject of its verb or its owner: "What
  did *Zarif* say?", "did *Glazer's* offer ..."; never a country); else the first full name in the sentence it
  quoted; the question is rewritten with that name and shown as "Read as: ...". The previous question is taken as
  it was read, so a third "he" still finds the person the first question named. A pronoun after a name of the
  question's own is that person's ("Who did Andy Roddick split from as *his* coach?");
- "it", "its", "they", "them" or "their" after "which company ...?", "who ...?" or "which film ...?" stand for the
  name the answer gave ("How much did *it* pay?" -> "How much did Baikal Finance Group pay?");
- an ellipsis ("What about Russia?", "And in Northern Ireland?"), a question that names nothing ("Which country
  stayed away?", "How long did the talks last?"), or "it" or "they" for what was asked about before ("How much does
  it cost in the US?"): such a question is retrieved together with the previous question's words.
A question that names its own subject ("Who bought Yuganskneftegaz?", "And who is Azerbaijan's foreign minister?")
stands alone, minus its "and".
"""

from __future__ import annotations

import functools
import re
from typing import Callable

from qa.answer.answer_types import AUXILIARY, PREPOSITIONS, QUESTION_WORDS, asked
from qa.index import DEMONYMS, STOPWORDS, name_runs, names
from qa.temporal import CALENDAR_WORDS

_PERSON_PRONOUN = re.compile(r"\b(he|she|him|his|her)\b", re.I)
_LEADING_CONJUNCTION = re.compile(r"^(and|but|so|also)\s+", re.I)
# A question of its own starts by asking, perhaps after a preposition ("At what price?", "In which city ...?", "Tell
# me ..."); what does not is a fragment of the one before ("And in Northern Ireland?", "The French?").
_ASKS = re.compile(rf"^\W*(?:(?:{PREPOSITIONS})\s+)?(?:{QUESTION_WORDS}|{AUXILIARY}|may|must|tell|name|list|give|show|"
                   r"describe|explain)\b", re.I)
_POINTS_BACK = re.compile(r"\b(there|that|this|those|these|the same|other)\b", re.I)
_SHORT_PART = 5  # words: "and which country stayed away?"
# What leans on the previous question whatever else it names: "What about Russia?", "How much does *it* cost in
# the US?" ("it" is the PSP asked about before, not the US).
_ELLIPSIS = re.compile(r"^(what about|how about|about)\b", re.I)
_THING_PRONOUN = re.compile(r"\b(it|its|they|them|their)\b", re.I)
_NO_ONE = ("place", "number", "date")  # the kinds of answer that name no person
# A person's full name: two or more capitalised words, with the particles names carry.
_FULL_NAME = re.compile(r"\b[A-Z][a-z'’-]+(?:\s+(?:(?:bin|al|de|van|von|der)\s+)?[A-Z][\w'’-]+)+")
_NOT_A_PERSON = re.compile(r"^(The|In|On|At|For|But|And|Earlier|Meanwhile|According|Which|What|Who|Whose|Whom|"
                           r"When|Where|Why|How)\b")


def rewrite(question: str, history: list[str], previous_answer: Callable[[], tuple[str | None, str, str]],
            part: bool = False) -> str:
    """The question as it stands on its own. `previous_answer()` gives the previous question's (short answer, first
    quoted sentence, the question as it was read); it is only called when the question leans on the previous one.
    `part`: a later part of one compound question, not a message of a chat (see `_leans`)."""
    if not history:
        return question
    previous = functools.cache(previous_answer)  # answered again at most once
    own = _LEADING_CONJUNCTION.sub("", question)
    own = own[:1].upper() + own[1:] if own != question else question
    pronoun = _PERSON_PRONOUN.search(own)
    if pronoun and not _named_before(own, pronoun.start()) and (person := _person(*previous())):
        if _said_otherwise(pronoun.group(0), history[-1], previous()[2], person):
            person = _someone_else(*previous()[:2], person) or person
        # The name stands in the question's words; the previous question's would only dilute them ("When will
        # Gordon Brown deliver it?" finds its date alone, not with "what did he say about the budget").
        return _PERSON_PRONOUN.sub(lambda m: _replace(m.group(0), person), own, count=1)
    if (thing_pronoun := _THING_PRONOUN.search(own)) and (
            thing := _thing(*previous()) or (thing_pronoun.group(0).lower() in ("they", "them", "their")
                                             and _together(previous()[2]))):
        # "How much did *it* pay?" after "Which company bought ...?": the company the answer named; "What did *they*
        # talk about?" after "When did Zarif meet Aliyev?": the two
        return own[:thing_pronoun.start()] + _replace(thing_pronoun.group(0), thing) + own[thing_pronoun.end():]
    if (_ELLIPSIS.match(own) or not _ASKS.match(own)) and (whole := _substituted(own, own_question(previous()[2]))):
        return whole
    if not _leans(own, part) or len(own.split()) > 14:
        return own
    # The previous question as it was read and the one it leaned on, if any: "Who announced it? (Were they released?
    # Which truck drivers were detained?)". Not further back: a long run of short questions would bury this one.
    context = " ".join(q.strip() for q in _QUESTIONS.findall(previous()[2].replace("(", "").replace(")", ""))[:2])
    return f"{own} ({context})"


_QUESTIONS = re.compile(r"[^?]+\?|[^?]+$")
_WITH_CONTEXT = re.compile(r"^(.*?\?)\s+\(.*\)$", re.S)


def _substituted(fragment: str, before: str) -> str | None:
    """The question before with the fragment's words in place of the ones they stand for: a year for its year ("And
    in 2022?" after "Who was Iran's foreign minister in 2021?"), a place after the same preposition ("And in Northern
    Ireland?" for "in England, Scotland and Wales"), an owner for its owner ("And Mahindra's?" for "Maruti's"), a
    country for its country and a name for its only name ("What about Azerbaijan?", "And Araqchi?"). None when the
    fragment says something else, or the question before has no one thing it could stand for."""
    said = _WHAT_ABOUT.sub("", fragment).strip(" ?!.")
    said = said[:1].lower() + said[1:] if _LEADING_WORD.match(said) else said  # "In 2022" -> "in 2022"
    if not said or len(said.split()) > 5 or _ASKS.match(said):
        return None
    if year := _YEAR.fullmatch(_AFTER_PREPOSITION.sub("", said)):
        return _YEAR.sub(year.group(0), before) if len(_YEAR.findall(before)) == 1 else None
    if found := _AFTER_PREPOSITION.match(said):
        preposition, place = found.group(1), said[found.end():]
        spots = list(re.finditer(rf"\b(?i:{re.escape(preposition)})\s+(?:the\s+)?{_NAME_LIST}", before))
        if len(spots) != 1 or not re.fullmatch(_NAME_LIST, _THE.sub("", place)):
            return None
        return f"{before[:spots[0].start()]}{preposition} {place}{before[spots[0].end():]}"
    name = _THE.sub("", said)
    if not re.fullmatch(rf"{_NAME_LIST}(?:['’]s)?", name):
        return None
    if _POSSESSIVE_END.search(name):
        owners = list(re.finditer(rf"{_NAME_LIST}['’]s\b", before))
        return f"{before[:owners[0].start()]}{said}{before[owners[0].end():]}" if len(owners) == 1 else None
    country = name.lower() in _COUNTRY_WORDS
    runs = [m for m in re.finditer(_NAME_LIST, before) if m.start() > 0 and m.group(0).lower() not in CALENDAR_WORDS
            and (m.group(0).lower() in _COUNTRY_WORDS) == country]
    if len(runs) != 1:
        return None
    return f"{before[:runs[0].start()]}{said}{before[runs[0].end():]}"


_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
# Names as a question lists them: "Northern Ireland", "England, Scotland and Wales"; not an owner's "'s"
_NAME_LIST = r"[A-Z][\w-]*(?:(?:,\s*|\s+and\s+|\s+)[A-Z][\w-]*)*"
_AFTER_PREPOSITION = re.compile(rf"^({PREPOSITIONS})\s+", re.I)
_LEADING_WORD = re.compile(rf"^(?:{PREPOSITIONS}|the)\b", re.I)
_THE = re.compile(r"^the\s+")
_WHAT_ABOUT = re.compile(r"^(?:what|how) about\s+", re.I)
_POSSESSIVE_END = re.compile(r"['’]s$")


def _leans(question: str, part: bool) -> bool:
    """Whether a question that no pronoun ties to a name leans on the one before: when it points back ("What about
    Russia?", "How much does *it* cost?"), or is a fragment, not a question of its own ("And in Northern Ireland?",
    "The French?"); a name and three words make a question stand alone ("Who bought Yuganskneftegaz?"). A chat's
    message that names nothing leans too ("Who won best actress?", "How long did the talks last?"), but a later part
    of one question is written with the first and says what it needs to ("..., and on what date was the first 3+3
    meeting held the following year?"): it leans only when short or when it points back ("..., and who chaired
    that meeting?"). Measured in docs/evaluation.md ("A twenty-eighth read")."""
    words = len(question.split())
    if _ELLIPSIS.match(question) or _THING_PRONOUN.search(question) or not _ASKS.match(question):
        return True
    if names(question) and words >= 3:
        return False
    return not part or words <= _SHORT_PART or bool(_POINTS_BACK.search(question))


def reading(question: str) -> str:
    """What a follow-up retrieved with the question before it is answered by: its own words, and the names of the
    question before, which say what story it is about ("Who was the referee? (Ireland's South Africa)"). Its other
    words say what that question asked, and read by them too, the answer was the sentence that answered it ("Who was
    the referee?" after "Who scored all of Ireland's points ...?" quoted the scorer). When the question before names
    nothing, all its words say what the story is ("Which country stayed away? (Where was the first 3+3 meeting
    held?)")."""
    own = own_question(question)
    if own == question:
        return question
    runs = [" ".join(run) for run in name_runs(question[len(own):].strip().strip("()"))]
    if not runs:
        return question
    known = own.lower()
    kept = [run for run in dict.fromkeys(runs) if run.lower() not in known]
    return f"{own} ({' '.join(kept)})" if kept else own


def own_question(question: str) -> str:
    """A question without the previous one that `rewrite` adds in brackets to retrieve it with: what it asks for is
    its own ("How many were sold? (When did it launch?)" asks for a number, not a date)."""
    found = _WITH_CONTEXT.match(question)
    return found.group(1) if found else question


def _person(short: str | None, quote: str, previous_question: str) -> str | None:
    # The name the previous answer led with, unless it answered where, when or how much: "Surrey's Lionhead Studios"
    # (for "Where is Peter Molyneux's studio based?") names no one "he" stands for.
    if asked(previous_question).kind not in _NO_ONE and (person := _first_full_name(short or "")):
        return person
    if _WHO_DID.match(previous_question):
        # "Who won the Australian Open?": the one who did it is the answer, never a name the question gives; the
        # quote's subject where a name opens it ("*Zarif* made the remarks in a meeting with President of
        # Azerbaijan Ilham Aliyev" answers "Who visited Baku?"), else the first full name it gives
        subject = _quote_subject(quote)
        return _in_full(subject, quote) if subject else _first_full_name(quote)
    # The one the previous question asked about: the subject of its verb ("What did *Zarif* say in Baku?", "How
    # much of Manchester United does *Glazer* own?"), else its first full name, else its only name; in full where
    # the quote names them so.
    if subject := _subject(previous_question):
        return _owner(_without_role(subject)) if " " in subject else _in_full(subject, quote)
    if person := _first_full_name(previous_question):
        return person
    # ... not a month or a weekday ("In *July* 2022 Amir-Abdollahian said ..."), nor a country or a place
    given = [w for w in names(previous_question) if _CAPITALISED.match(w) and w.lower() not in CALENDAR_WORDS
             and _POSSESSIVE.sub("", w).lower() not in _COUNTRY_WORDS
             and not re.search(rf"\b{_PLACE_BEFORE}\s+{re.escape(w)}\b", previous_question, re.I)]
    return _in_full(given[0], quote) if len(given) == 1 else _first_full_name(quote)


def _said_otherwise(pronoun: str, typed: str, read: str, person: str) -> bool:
    """Whether the question before called `person` by a pronoun of the other sex: "his" after "Who did *she* invite
    to Baku?", read as "Who did Sahiba Gafarova invite to Baku?", is not Gafarova."""
    male = pronoun.lower() in ("he", "him", "his")
    other = re.search(r"\b(she|her|hers)\b" if male else r"\b(he|him|his)\b", typed, re.I)
    return bool(other) and person in read and person not in typed


def _someone_else(short: str | None, quote: str, person: str) -> str | None:
    """The person the previous answer named who is not `person`: its short answer, else a full name its quote gives
    ("She also invited Iranian Parliament Speaker *Mohammad Baqer Qalibaf* to travel to Baku")."""
    names_given = [_first_full_name(short or "")] + [
        _owner(_without_role(m.group(0))) for m in _FULL_NAME.finditer(quote) if not _NOT_A_PERSON.match(m.group(0))]
    return next((name for name in names_given if name and name.split()[-1] not in person), None)


def _named_before(question: str, at: int) -> bool:
    """Whether someone is named in full before `at`: "Who did *Andy Roddick* split from as his coach?" (his is his)."""
    return _first_full_name(question[:at]) is not None


def _thing(short: str | None, quote: str, previous_question: str) -> str | None:
    """What "it" or "they" stands for: the name the previous answer gave for "which company ...?", "which film
    ...?" (not a place: "it" after "Where is the summit?" is the summit)."""
    kind = asked(previous_question).kind
    if kind in ("person", "name") and short and short[:1].isupper() and not any(ch.isdigit() for ch in short):
        return short
    return None


def _together(previous_question: str) -> str | None:
    """Who "they" are when the question before named two or three (not months, nor places: "in Baku", "visit
    Baku"): "Zarif and Aliyev" for "When did Zarif meet Aliyev in Baku?", "Iran and Azerbaijan" for "What did Iran
    and Azerbaijan sign?"."""
    asked_before = own_question(previous_question)
    kept = [name for name in (" ".join(run) for run in name_runs(asked_before))
            if _POSSESSIVE.sub("", name).lower() not in CALENDAR_WORDS
            and not re.search(rf"\b{_TO_A_PLACE}\s+(?:the\s+)?{re.escape(name)}\b", asked_before, re.I)]
    if len(kept) not in (2, 3):
        return None
    return f"{', '.join(kept[:-1])} and {kept[-1]}"


def _in_full(surname: str, quote: str) -> str:
    return next((_without_role(m.group(0)) for m in _FULL_NAME.finditer(quote) if m.group(0).split()[-1] == surname),
                surname)


_AUXILIARIES = rf"(?:{AUXILIARY}|may|must)"
# "Who" as the subject of its verb ("Who visited Baku?"), not its object ("Who did Zarif meet?") nor "who is X"; so
# is "which" with its noun ("Which Conservative MP defected ...?", "Which minister said ...?"; not "Which seat does
# he hold?")
_WHO_DID = re.compile(rf"^\W*(?:who|which(?:\s+(?!{_AUXILIARIES}\b)[\w'’-]+){{1,3}}?)\s+(?!{_AUXILIARIES}\b)[a-z]",
                      re.I)


def _quote_subject(quote: str) -> str | None:
    opening = _OPENING_NAME.match(quote)
    if not opening or _NOT_A_PERSON.match(opening.group(1)) or opening.group(1).lower() in _COUNTRY_WORDS | STOPWORDS:
        return None
    return opening.group(1)


# A sentence that opens with one capitalised word before a verb in the past, perhaps after a phrase that describes
# it ("Zarif made ...", "Roche, a former Davis Cup player, won ..."), not "The talks ..." nor "Iran said" (a country
# is no one "he" or "she" stands for).
_OPENING_NAME = re.compile(r"^\W*([A-Z][a-z'’-]+)(?:,[^,]{1,80},)?\s+(?:[a-z]+ed|said|says|told|tells|made|met|went|"
                           r"gave|took|wrote|spoke|held|left|led|won|sent|came|saw|became|brought|bought|sold)\b")
_COUNTRY_WORDS = frozenset(DEMONYMS) | frozenset(DEMONYMS.values())
# A word written as a name is ("Zarif", "Amir-Abdollahian"), not an acronym ("UK")
_CAPITALISED = re.compile(r"^[A-Z][a-z'’]+(?:-[A-Z]?[a-z'’]+)*$")
# "in *Baku*": a place, not a person ("to" and "on" are not only before places: "what happened to Glazer?")
_PLACE_BEFORE = r"(?:in|at|from|into|near|across|outside|inside|around)"
_TO_A_PLACE = rf"(?:{_PLACE_BEFORE}|visit(?:s|ed|ing)?)"  # "visit *Baku*": a place, not someone "they" are


def _first_full_name(text: str) -> str | None:
    return next((_owner(_without_role(m.group(0))) for m in _FULL_NAME.finditer(text)
                 if not _NOT_A_PERSON.match(m.group(0))), None)


def _owner(name: str) -> str:
    """"Zarif's Baku" (of "Zarif's Baku trip") -> "Zarif": a run of capitalised words ends at an owner's "'s"."""
    owner = _OWNER.match(name)
    return owner.group(1) if owner else name


_OWNER = re.compile(r"^(.+?)['’]s\s")


def _subject(question: str) -> str | None:
    found = _SUBJECT.search(question)
    subject = _POSSESSIVE.sub("", found.group(1)) if found else ""
    return subject if subject and subject.lower() not in _COUNTRY_WORDS else None


# A name right after an auxiliary is the question's subject: "When did *Bayramov* visit", "Where was *Zarif* going",
# "Why has *Gordon Brown* resigned", "How much of it does *Glazer* own"; or its owner ("How much did *Glazer's* offer
# cut the debt"), but not a country ("did *Iran's* minister").
_SUBJECT = re.compile(r"\b(?i:did|does|do|was|is|were|are|has|have|had|will|would|can|could)\s+"
                      r"([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)")
_POSSESSIVE = re.compile(r"['’]s?$")


_ROLE_WORD = re.compile(r"^(Minister|President|Secretary|Chancellor|Chairman|Chairwoman|Speaker|Chief|Executive|"
                        r"Director|General|Governor|Mayor|Senator|Ambassador|Spokesman|Spokeswoman|Leader|Commissioner|"
                        r"Manager|Coach|Captain|King|Queen|Prince|Mr|Mrs|Ms|Dr|Sir)$")


def _without_role(name: str) -> str:
    """"Azerbaijan's Foreign Minister Jeyhun Bayramov" -> "Jeyhun Bayramov": what stands before the last title, and
    a country before a full name ("President of *Azerbaijan* Ilham Aliyev", read as one run of capitalised words)."""
    words = name.split()
    cut = max((i + 1 for i, word in enumerate(words[:-2]) if _ROLE_WORD.match(word)), default=0)
    if len(words) - cut > 2 and words[cut].lower() in _COUNTRY_WORDS:
        cut += 1
    return " ".join(words[cut:])


def _replace(pronoun: str, person: str) -> str:
    return f"{person}'s" if pronoun.lower() in ("his", "its", "their") else person
