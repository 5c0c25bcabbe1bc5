"""Facts that changed over time: the best answering sentences come from articles of different dates and give
different values for what the question asks (another name for the same role, another number for the same
quantity). The answer then shows each value with its article's date, newest first, and says the articles differ.

A number counts only from sentences that compete for the answer: they hold a number and score close to the best
one. A role's holder counts from any sentence read, or retrieved a little deeper, that names someone right after the
role the question names ("Iran's Foreign Minister Mohammad Javad Zarif"): such a sentence states who held the role
when, however well it answers the question as worded. Values are read narrowly (a name right after the role; a
number with its unit next to a word of the question), so an ordinary question that one article answers is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from typing import Callable

from qa.index import DEMONYMS, STOPWORDS, terms
from qa.temporal.dates import MONTHS
from qa.temporal.relative_dates import fmt_day

CLOSE = 0.15  # the first reading has at least this share of the best sentence's probability (the reader's softmax),
# the others of the first reading's: set by hand on the bundled changed-over-time questions (too few to fit)
WINDOW = 12  # among this many best sentences
MIN_DAYS = 28  # articles this far apart count as different times
MAX_READINGS = 3
SAME_NAME = 0.8  # surnames this similar are one person spelled two ways ("Raisi", "Raeisi")

_COUNTRY_TERMS = {terms(c)[0] for c in set(DEMONYMS.values())} | {terms(d)[0] for d in DEMONYMS}
_NOT_THE_ROLE = {"former", "deputy", "vice", "acting", "ex", "late", "assistant", "outgoing", "incoming"}
# ... and a role asked about with one of them ("Who is Iran's deputy foreign minister?") is named only with it.
_QUALIFIER_TERMS = {t for word in _NOT_THE_ROLE for t in terms(word)}
_TIME_TERMS = {t for month in MONTHS for t in terms(month)} | set(terms(
    "year month week day summer winter spring autumn current currently now today time"))
_NAME_WORD = r"[A-Z][\w'’-]*[a-z][\w'’-]*"
_NAME_AFTER = re.compile(rf"\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})")
_UNITS = {"km": "km", "kilometer": "km", "kilometre": "km", "kilometers": "km", "kilometres": "km", "mile": "mi",
          "miles": "mi", "%": "%", "percent": "%", "per cent": "%", "meter": "m", "metre": "m", "meters": "m",
          "metres": "m", "tonne": "t", "tonnes": "t", "ton": "t", "tons": "t"}
_NUMBER = re.compile(r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w.]*\d)(?:\s*-\s*|\s+)?"
                     r"(?P<unit>%|per cent|[a-z]+)?", re.I)
_WORD = re.compile(r"[\w'’-]+")
# "Who is Iran's foreign minister?", "And who was the president in 2021?": the question asks who holds a role. "Who
# did Iran's foreign minister meet?" names the role too, but asks for someone else.
_ASKS_HOLDER = re.compile(r"^\W*(?:(?:and|so|then|but)\s+)?(?:who|which\s+person)\s+(?:is|was|are|were|has\s+been|"
                          r"had\s+been|became|serves\s+as|served\s+as)\b", re.I)


@dataclass(frozen=True)
class Reading:
    candidate: object  # qa.answer.extractive.Candidate
    value: str  # as written: "Hossein Amir-Abdollahian", "700-kilometer"
    key: tuple  # what is compared: ("name", country of the role or None, surname) or ("number", unit, value)
    published: date


def _role_terms(question: str) -> list[str]:
    return [t for t in terms(question) if t not in _COUNTRY_TERMS]


def _country(word: str) -> str | None:
    found = terms(word)
    return found[0] if len(found) == 1 and found[0] in _COUNTRY_TERMS else None


def person_mentions(text: str, role: set[str]) -> list[tuple[str, str | None]]:
    """Names written right after the role ("Iranian Foreign Minister Hossein Amir-Abdollahian", "President of
    Azerbaijan Ilham Aliyev"), each with the country that qualifies the role, if any. A role with another
    qualifier ("Deputy Foreign Minister", "former president") is someone else's."""
    words = list(_WORD.finditer(text))
    found, i = [], 0
    while i < len(words):
        j, covered = i, set()
        while j < len(words) and (t := terms(words[j].group(0))) and set(t) <= role:
            covered.update(t)
            j += 1
        if j == i or len(covered) < min(2, len(role)) or role & _QUALIFIER_TERMS - covered:
            i += 1
            continue
        before = words[i - 1].group(0) if i else ""
        qualifier = _country(before)
        other_title = before.lower() in _NOT_THE_ROLE or (before[:1].isupper() and qualifier is None and i > 0
                                                          and text[words[i - 1].end():words[i].start()].strip() == "")
        at = words[j - 1].end()
        of = re.match(r"\s+of\s+(?:the\s+)?([A-Z][\w'’-]+)", text[at:])
        if of and _country(of.group(1)):
            qualifier, at = qualifier or _country(of.group(1)), at + of.end()
        after = _NAME_AFTER.match(text, at)
        if after and not other_title and not set(terms(after.group("name"))) & role:
            found.append((after.group("name"), qualifier))
        i = j
    return found


def person_value(text: str, question: str, known: dict[str, set[str]] | None = None) -> tuple[str, tuple] | None:
    """The person the sentence names in the role the question asks about, with the role's country: as written,
    or else as the other retrieved sentences qualify that name (`known`: surname -> countries). When the question
    names a country, the role must be that country's."""
    role = set(_role_terms(question))
    asked = {t for t in terms(question) if t in _COUNTRY_TERMS}
    if not role:
        return None
    for name, qualifier in person_mentions(text, role):
        surname = name.split()[-1].lower()
        if qualifier is None and len((known or {}).get(surname, ())) == 1:
            qualifier = next(iter(known[surname]))
        if asked and qualifier not in asked:
            continue  # "President Hassan Rouhani" may be any country's president: only a named country counts
        return name, ("name", qualifier, surname)
    return None


def _unit(word: str | None) -> str | None:
    if not word:
        return None
    word = word.lower()
    return _UNITS.get(word) or (terms(word) or [None])[0]


def number_value(text: str, question: str) -> tuple[str, tuple] | None:
    """A number of what the question asks about: its unit or one of the next few words is a word of the question
    other than a country ("700-kilometer border", "132 kilometers of borders"); never a number the question gives."""
    nouns = {t for t in terms(question) if t not in _COUNTRY_TERMS}
    asked_units = {_UNITS[w] for w in re.findall(r"[a-z]+|%", question.lower()) if w in _UNITS}
    given = set(re.findall(r"\d[\d,.]*", question))
    for m in _NUMBER.finditer(text):
        number = m.group("num")
        word = (m.group("unit") or "").lower()
        unit = _unit(word) if word and word not in STOPWORDS else None
        if number in given or (re.fullmatch(r"(19|20)\d\d", number) and word not in _UNITS):
            continue  # "in 2016" is a year, "2016 km" a distance
        following = set(terms(text[m.end(): m.end() + 60])[:4])
        if not ((unit and (unit in asked_units or unit in nouns)) or following & nouns):
            continue
        return text[m.start(): m.end()].strip(" -"), ("number", unit, float(number.replace(",", "")),
                                                      _measured(text, m.start(), m.end(), nouns))
    return None


def _measured(text: str, start: int, end: int, nouns: set[str]) -> tuple[str, ...]:
    """What a number measures: the words from the number to the first word of the question ("700-kilometer
    *border*", "132-kilometer Azerbaijan-Iran *border*"), and the noun that governs it through "of" ("the
    *occupation* of the 132-kilometer ... border"). Two numbers are the same quantity only when these agree."""
    words = terms(text[end:end + 80])[:4]
    head = next((i for i, t in enumerate(words) if t in nouns), None)
    phrase = words[:head + 1] if head is not None else words[:1]
    governor = re.search(r"([\w'’-]+)\s+of\s+(?:the\s+|a\s+|an\s+)?$", text[max(0, start - 60):start])
    return tuple(phrase) + (tuple(terms(governor.group(1))) if governor else ())


def _same(a: tuple, b: tuple) -> bool:
    if a[0] == "name" and b[0] == "name":
        return SequenceMatcher(None, a[2], b[2]).ratio() >= SAME_NAME
    return a == b


def comparable(a: tuple, b: tuple) -> bool:
    """The same role of the same country (unknown matches any), or the same unit."""
    if a[0] != b[0]:
        return False
    if a[0] == "name":
        return a[1] is None or b[1] is None or a[1] == b[1]
    return a[1] == b[1] and a[3] == b[3]  # the same unit, measuring the same thing


def asks_holder(question: str) -> bool:
    """Whether the question asks who holds a role ("Who is Iran's foreign minister?"), not what someone in the role
    did ("Who did Iran's foreign minister meet in Baku?"): only then are the people named in the role its answers."""
    return bool(_ASKS_HOLDER.match(question))


def _countries_of_names(candidates: list, question: str) -> dict[str, set[str]]:
    """surname -> the countries whose role (the one the question asks about) the sentences give that name."""
    role, known = set(_role_terms(question)), {}
    for candidate in candidates:
        for name, qualifier in person_mentions(candidate.text, role):
            if qualifier:
                known.setdefault(name.split()[-1].lower(), set()).add(qualifier)
    return known


def holder_answer(ranked: list, question: str) -> tuple[object, str] | None:
    """For a question that asks who holds a role: the best of the WINDOW first sentences that names someone in it,
    with the name, which is the short answer ("Azerbaijan's Foreign Minister Jeyhun Bayramov described ..." for "Who
    is Azerbaijan's foreign minister?", over a sentence about Iran's foreign minister that the reader rates higher).
    None when none does: the reader's choice stands."""
    if not asks_holder(question):
        return None
    # The question is the role, and the time at most: a sentence that names a "chief executive" does not answer "Who
    # is the chief executive of the firm that ...?" unless it says the rest too.
    role = {t for t in _role_terms(question) if t not in _TIME_TERMS and not t.isdigit()}
    known = _countries_of_names(ranked[:WINDOW], question)
    for candidate in ranked[:WINDOW]:
        if role <= set(terms(candidate.text)) and (found := person_value(candidate.text, question, known)):
            return candidate, found[0]
    return None


def names_holder(text: str, question: str) -> bool:
    """Whether the text names someone right after the role the question asks about (of any country)."""
    role = set(_role_terms(question))
    return bool(role) and bool(person_mentions(text, role))


def differing(ranked: list, kind: str | None, question: str, score: Callable[[object], float],
              published: Callable[[str], date | None], holders: list | None = None) -> list[Reading]:
    """The readings to show, newest first, when the best sentences disagree across time; [] otherwise.

    `ranked`: answer candidates, best first. `holders`: for a person question, the sentences of the pool read deeper
    that name someone in the role; given (even empty), every sentence of `ranked` and of `holders` that names the
    role's holder is a reading, whatever the reader made of it. Who held a role when is stated by a sentence like
    "Iran's Foreign Minister Mohammad Javad Zarif says ...", which may answer the question as worded worse than
    another sentence that names him without the role ("his Iranian counterpart, Mohammad Javad Zarif"), so that
    holder must not depend on the reader's probabilities. None: only the sentences close to the best count.
    """
    if kind not in ("person", "number") or not ranked or (kind == "person" and not asks_holder(question)):
        return []
    known = _countries_of_names(ranked + (holders or []), question) if kind == "person" else {}
    best_score = score(ranked[0])
    readings: list[Reading] = []
    for candidate in ranked[:WINDOW]:
        floor = CLOSE * (score(readings[0].candidate) if readings else best_score)
        if score(candidate) < floor or not candidate.typed:
            continue
        day = published(candidate.passage.doc)
        found = person_value(candidate.text, question, known) if kind == "person" else \
            number_value(candidate.text, question)
        if day is None or found is None:
            continue
        readings.append(Reading(candidate, found[0], found[1], day))
    if kind == "person" and holders is not None:
        taken = {id(r.candidate) for r in readings}
        for candidate in ranked + holders:
            day = published(candidate.passage.doc)
            if id(candidate) not in taken and day and (found := person_value(candidate.text, question, known)):
                taken.add(id(candidate))
                readings.append(Reading(candidate, found[0], found[1], day))
    if not readings:
        return []
    first = readings[0]
    shown = [first]
    for r in readings[1:]:
        if not all(comparable(s.key, r.key) for s in shown):
            continue
        if any(_same(r.key, s.key) for s in shown):
            continue
        if all(abs((r.published - s.published).days) >= MIN_DAYS for s in shown):
            shown.append(r)
        if len(shown) == MAX_READINGS:
            break
    if len(shown) < 2:
        return []
    return sorted(shown, key=lambda r: r.published, reverse=True)


def answer_text(readings: list[Reading], markers: list[int]) -> str:
    """Each reading with its article's date, newest first, under a line that says the articles differ."""
    lines = ["The articles give different answers at different times (newest first):"]
    for reading, n in zip(readings, markers):
        lines.append(f"{fmt_day(reading.published)}: {reading.candidate.text} [{n}]")
    return "\n\n".join(lines)


def note(readings: list[Reading]) -> str:
    values = "; ".join(f"{r.value} (article of {fmt_day(r.published)})" for r in readings)
    return f"The facts changed over time, or the articles differ: {values}."
