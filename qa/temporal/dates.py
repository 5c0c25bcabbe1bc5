"""Finding calendar dates written in English news text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# Month names as a regex alternation, longest first so that "sept" is not read as "sep" + "t".
MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # in date.weekday() order
CALENDAR_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS)  # words that name a time, capitalised like names ("July")
_MONTH = rf"(?P<month>{MONTH_WORDS})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_PATTERNS = [
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),  # January 25, 2021 / Dec 10, 2020
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I),  # 01 March 2021
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b"),  # 2021-03-01
]


_WORDS = re.compile(r"[a-z]+")


def has_month_name(text: str) -> bool:
    """A cheap test that spares the costly patterns most sentences, which name no month."""
    return not MONTHS.keys().isdisjoint(_WORDS.findall(text.lower()))


@dataclass(frozen=True)
class DateMention:
    value: date
    start: int
    end: int


def full_dates(text: str) -> list[DateMention]:
    """Every date in `text` that names day, month and year, in order of appearance."""
    if not any(ch.isdigit() for ch in text):
        return []  # every pattern needs digits; most lines have none, and the patterns are costly
    patterns = _PATTERNS if has_month_name(text) else _PATTERNS[2:]
    found = []
    for pattern in patterns:
        for m in pattern.finditer(text):
            month = m.group("month")
            month_number = int(month) if month.isdigit() else MONTHS[month.lower()]
            try:
                value = date(int(m.group("year")), month_number, int(m.group("day")))
            except ValueError:
                continue
            found.append(DateMention(value, m.start(), m.end()))
    found.sort(key=lambda d: d.start)
    return found
