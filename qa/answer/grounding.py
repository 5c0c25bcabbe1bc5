"""Claim-level grounding: does a sentence of the model's answer say only what the sources it cites say?

A language model can cite a real source and still misstate it ("Bayramov visited Tehran in 2019 [1]" citing a
2022 sentence). `check_claim` reads one answer sentence (its markers already taken out) against the source
sentences it cites, and passes it only when:

- **Every key fact is in a cited source.** Numbers are compared as values: "1.2bn" = "1.2 billion" = "1,200
  million", "5%" = "5 percent", "two" = "2"; a currency the claim names must be the source's when the source names
  one. Dates are compared as ranges of days: a date the claim gives must hold a date of a cited source (written,
  or resolved against the article's date, or the article's publication date), so "in December 2021" is supported
  by "on Monday" in an article of 23 December 2021 and "in 2019" is not supported by "in 2022". Proper names
  (capitalised words inside the sentence, acronyms) are compared by their terms, so "Iranian" = "Iran", and a name
  of five letters or more may differ by one letter ("Raeisi" = "Raisi"). A claim that negates ("not", "never",
  "no longer") needs a cited source that negates too.
- **Enough of its words are.** Of the claim's other content words (qa/index `terms`: Snowball stems, stop words
  out, irregular verbs folded onto their base form), at least `CONTENT_SHARE` must occur in the cited sources;
  a word of the question counts half, since restating the question adds no claim.
- **Each citation pulls its weight.** A cited source that holds none of the claim's facts or words does not
  support it; it is dropped from the sentence (`Verdict.supporting` lists the ones that do).

This is a lexical check: cheap (well under a millisecond a sentence), explainable (`Verdict.reason` says what was
not found), and strict about what matters most in news answers: numbers, dates and names. It cannot see a claim
that swaps who did what to whom with the same words; docs/llm.md says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Sequence

from qa.index import STOPWORDS, terms
from qa.temporal import dates_in
from qa.types import Citation

CONTENT_SHARE = 0.5  # share of a claim's content words (question words half) that its sources must hold

# Irregular past forms that a stemmer leaves apart from their base ("met" / "meet").
_IRREGULAR = {
    "met": "meet", "held": "hold", "took": "take", "taken": "take", "won": "win", "went": "go", "gone": "go",
    "came": "come", "gave": "give", "given": "give", "made": "make", "began": "begin", "begun": "begin",
    "left": "leave", "found": "find", "sent": "send", "saw": "see", "seen": "see", "spoke": "speak",
    "spoken": "speak", "wrote": "write", "written": "write", "fell": "fall", "fallen": "fall", "rose": "rise",
    "risen": "rise", "grew": "grow", "grown": "grow", "paid": "pay", "sold": "sell", "bought": "buy",
    "brought": "bring", "thought": "think", "led": "lead", "ran": "run", "struck": "strike", "chose": "choose",
    "chosen": "choose", "became": "become", "kept": "keep", "lost": "lose", "built": "build", "broke": "break",
    "broken": "break", "flew": "fly", "flown": "fly", "drew": "draw", "drawn": "draw", "hit": "hit",
    "signed": "sign", "killed": "kill", "km": "kilometer", "kilometre": "kilometer", "kilometres": "kilometer",
    "kilometers": "kilometer", "metre": "meter", "metres": "meter", "kms": "kilometer",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|nobody|nothing|without|cannot)\b|n['’]t\b", re.I)

_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
}
_UNITS = {"one": 1, **{k: v for k, v in _NUMBER_WORDS.items() if v < 10}}
_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
           "k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "tn": 1e12}
_CURRENCIES = {"$": "usd", "us$": "usd", "usd": "usd", "dollar": "usd", "dollars": "usd", "£": "gbp", "gbp": "gbp",
               "pound": "gbp", "pounds": "gbp", "€": "eur", "eur": "eur", "euro": "eur", "euros": "eur",
               "rial": "irr", "rials": "irr", "manat": "azn", "manats": "azn", "rouble": "rub", "roubles": "rub",
               "ruble": "rub", "rubles": "rub", "yen": "jpy", "yuan": "cny"}
_TENS = "|".join(k for k, v in _NUMBER_WORDS.items() if v >= 20 and v % 10 == 0)
_NUMBER = re.compile(
    r"(?P<cur>US\$|[$£€]|\b(?:USD|GBP|EUR)\b)?\s?"
    r"(?:(?<![\w.,])(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])"
    rf"|\b(?P<words>(?:{_TENS})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|"
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    r"eighteen|nineteen|dozen)\b)"
    r"(?:(?P<abbr>k|m|mn|bn|tn)\b|[\s-]*(?P<scale>hundred|thousand|million|billion|trillion)\b)?"
    r"(?:\s*(?P<pct>%|percent\b|per\s+cent\b))?"
    r"(?:\s*(?P<cur2>dollars?|pounds?|euros?|rials?|manats?|roubles?|rubles?|yen|yuan)\b)?",
    re.I,
)


@dataclass(frozen=True)
class Number:
    value: float
    percent: bool
    currency: str | None
    text: str
    start: int
    end: int

    @property
    def year_like(self) -> bool:
        return (not self.percent and not self.currency and self.value.is_integer() and 1900 <= self.value <= 2099
                and self.text.strip().isdigit())


@dataclass(frozen=True)
class Verdict:
    supported: bool
    reason: str  # why not, in words for the user ("" when supported)
    supporting: tuple[int, ...]  # positions (in the cited list) of the sources that hold part of the claim


def numbers(text: str) -> list[Number]:
    """The numbers of a text with their value, percent sign and currency."""
    found = []
    for m in _NUMBER.finditer(text):
        if m.group("digits"):
            value = float(m.group("digits").replace(",", ""))
        else:
            words = m.group("words").lower().replace("-", " ").split()
            value = float(_NUMBER_WORDS[words[0]] + (_UNITS[words[1]] if len(words) > 1 else 0))
        scale = (m.group("abbr") or m.group("scale") or "").lower()
        value *= _SCALES.get(scale, 1)
        currency = m.group("cur") or m.group("cur2")
        found.append(Number(round(value, 6), bool(m.group("pct")),
                            _CURRENCIES.get(currency.lower()) if currency else None,
                            m.group(0).strip(), m.start("digits") if m.group("digits") else m.start("words"),
                            m.end()))
    return found


def _words(text: str) -> str:
    """Irregular verbs and unit spellings folded, so the stems of claim and source meet."""
    return _WORD.sub(lambda m: _IRREGULAR.get(m.group(0).lower(), m.group(0)), text)


@lru_cache(maxsize=4096)
def content_terms(text: str) -> frozenset[str]:
    return frozenset(t for t in terms(_words(text)) if not t.isdigit())


def _near(a: str, b: str) -> bool:
    """Spelling variants of a name: equal, or (five letters or more) one letter added, dropped or changed."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


@dataclass
class _Evidence:
    """What one cited source offers: its terms, numbers and date ranges (its own and its publication day)."""

    terms: frozenset[str]
    numbers: list[Number]
    dates: list[tuple[date, date]]
    negates: bool
    published: date | None

    @classmethod
    def of(cls, source: Citation) -> _Evidence:
        dates = [(d.first, d.last) for d in dates_in(source.quote, source.published)]
        return cls(content_terms(source.quote), numbers(source.quote), dates, bool(_NEGATION.search(source.quote)),
                   source.published)

    def has_term(self, term: str, fuzzy: bool = False) -> bool:
        return term in self.terms or (fuzzy and any(_near(term, t) for t in self.terms))

    def has_number(self, claimed: Number) -> bool:
        return any(n.value == claimed.value and (n.percent or not claimed.percent)
                   and (not claimed.currency or not n.currency or n.currency == claimed.currency)
                   for n in self.numbers)

    def within(self, first: date, last: date) -> bool:
        """A date of this source lies inside the claim's range (the claim is no more precise than its source). The
        article's own date counts for a month or a year ("in December 2021"), not for a day: an event reported on
        26 January did not necessarily happen then."""
        if self.published and first < last and first <= self.published <= last:
            return True
        return any(first <= a and b <= last for a, b in self.dates)


_COMMON_STARTERS = frozenset(terms(
    "according both however also yes meanwhile earlier later today yesterday tomorrow there here officials overall "
    "instead still then thus therefore despite although though while since after before during until answer sure "
    "based note summary response source sources article articles"))


@dataclass(frozen=True)
class Wording:
    """How the sources write words: `proper`, words written with a capital inside a sentence (names, as lower-case
    stems); `common`, the stems of words written in lower case (and the question's). A capitalised first word of a
    claim is a name unless it is a common word."""

    proper: frozenset[str]
    common: frozenset[str]

    @classmethod
    def of(cls, texts: Sequence[str], question: str = "") -> Wording:
        proper, common = set(), set(terms(question.lower())) | _COMMON_STARTERS
        for text in texts:
            for m in _WORD.finditer(text):
                word = m.group(0)
                if not word[0].isupper():
                    common.update(terms(word))
                elif m.start() > 0 and not _STARTS_SENTENCE.search(text, 0, m.start()):
                    proper.update(terms(word))
        return cls(frozenset(proper), frozenset(common))


_HONORIFICS = {"mr", "mrs", "ms", "dr", "prof", "sir", "madam"}
_STARTS_SENTENCE = re.compile(r"(?:^|[.!?:\"“(•]|^\s*[-*])\s*$")


def _names(claim: str, wording: Wording) -> list[tuple[str, int]]:
    """The claim's proper names with where they start: capitalised words and acronyms inside the sentence, and
    a capitalised first word unless the sources write it in lower case (a common word)."""
    names = []
    for m in _WORD.finditer(claim):
        word = m.group(0).strip("'’")
        low = word.lower()
        if not word[:1].isupper() or low in STOPWORDS or low in _HONORIFICS or len(word) < 2:
            continue
        word_terms = set(terms(word))
        first = bool(_STARTS_SENTENCE.search(claim, 0, m.start()))
        if first and not (word_terms & wording.proper) and word_terms <= wording.common:
            continue
        names.append((word, m.start()))
    return names


def check_claim(claim: str, cited: Sequence[Citation], question: str = "", wording: Wording | None = None) -> Verdict:
    """Whether the sources `cited` support `claim` (one answer sentence, markers removed); see the module doc."""
    if not cited:
        return Verdict(False, "it cites no source", ())
    evidence = [_Evidence.of(source) for source in cited]
    wording = wording or Wording.of([source.quote for source in cited], question)
    supporting: set[int] = set()

    def holders(test) -> set[int]:
        return {i for i, e in enumerate(evidence) if test(e)}

    # Dates: each range the claim gives must hold a date of a cited source.
    claimed_dates = dates_in(claim, None)
    in_dates = [(d.start, d.end) for d in claimed_dates]
    for d in claimed_dates:
        found = holders(lambda e, d=d: e.within(d.first, d.last))
        if not found:
            return Verdict(False, f"the date “{d.phrase}” is not in its sources", ())
        supporting |= found

    # Numbers (outside the dates just checked); a year-like number may also be a source's year.
    for n in numbers(claim):
        if any(s <= n.start < e for s, e in in_dates):
            continue
        found = holders(lambda e, n=n: e.has_number(n) or (n.year_like and e.within(
            date(int(n.value), 1, 1), date(int(n.value), 12, 31))))
        if not found:
            return Verdict(False, f"the number “{n.text.strip()}” is not in its sources", ())
        supporting |= found

    # Names, by their terms; spelling variants of longer names count.
    name_terms: set[str] = set()
    for name, at in _names(claim, wording):
        if any(s <= at < e for s, e in in_dates):
            continue
        for term in terms(name):
            found = holders(lambda e, t=term: e.has_term(t, fuzzy=True))
            if not found:
                return Verdict(False, f"the name “{name}” is not in its sources", ())
            supporting |= found
            name_terms.add(term)

    if _NEGATION.search(claim) and not any(e.negates for e in evidence):
        return Verdict(False, "it says “not” where its sources do not", ())

    # Content words: enough of them in the sources, the question's own words counting half.
    words = content_terms(claim) - name_terms
    asked = content_terms(question) if question else frozenset()
    if words:
        held = {w for w in words if holders(lambda e, w=w: e.has_term(w))}
        share = (len(held) + 0.5 * len((words - held) & asked)) / len(words)
        if share < CONTENT_SHARE or not (held or supporting):
            missing = ", ".join(sorted(words - held)[:4])
            return Verdict(False, f"its words ({missing}) are not in its sources", ())
        for w in held:
            supporting |= holders(lambda e, w=w: e.has_term(w))
    if not supporting:
        return Verdict(False, "nothing it says is in its sources", ())
    return Verdict(True, "", tuple(sorted(supporting)))
