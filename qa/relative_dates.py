"""Relative dates in a sentence ("Monday", "September 27 last year", "earlier this month") resolved against the
publication date of its article, so a reader sees when things happened without changing the quote.

News reports what has happened, so a bare weekday is the latest such day on or before publication, and a day and
month with no year fall in the year before publication when they would otherwise lie after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from qa.dates import MONTHS, full_dates

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_PATTERNS = re.compile(
    rf"\b(?P<md>(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH}))"
    r"(?:\s+(?P<rel>last year|this year|next year))?\b"
    rf"|\b(?P<month_only>(?:in|since|until|by|late in|early in|late|early|mid-)\s*(?P<m3>{_MONTH}))\b(?!\s+\d)"
    r"|\b(?P<span>(?:earlier |later )?(?:this|last|next) (?:year|month|week))\b"
    rf"|\b(?P<weekday>{'|'.join(_WEEKDAYS)})\b"
    r"|\b(?P<near>yesterday|today|tomorrow)\b",
    re.I,
)


@dataclass(frozen=True)
class ResolvedDate:
    phrase: str
    value: str  # "27 September 2020", "January 2021", "2021"

    def __str__(self) -> str:
        return f"{self.phrase} = {self.value}"


def _fmt_day(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _month_name(month: int) -> str:
    return date(2000, month, 1).strftime("%B")


def resolve(sentence: str, published: date | None) -> list[ResolvedDate]:
    """The relative dates of `sentence`, resolved against `published`; none when the article has no date."""
    if published is None:
        return []
    absolute = [(m.start, m.end) for m in full_dates(sentence)]
    found = []
    for match in _PATTERNS.finditer(sentence):
        if any(s <= match.start() < e for s, e in absolute):
            continue  # "January 25, 2021" needs no help
        value = _value(match, published)
        if value:
            found.append(ResolvedDate(match.group(0), value))
    return found


def _value(match: re.Match, published: date) -> str | None:
    groups = match.groupdict()
    if groups["md"]:
        month = MONTHS[(groups["m1"] or groups["m2"]).lower()]
        day = int(groups["d1"] or groups["d2"])
        rel = (groups["rel"] or "").lower()
        year = published.year + {"last year": -1, "next year": 1}.get(rel, 0)
        try:
            value = date(year, month, day)
        except ValueError:
            return None
        if not rel and value > published:
            value = date(year - 1, month, day) if (month, day) != (2, 29) else value
        return _fmt_day(value)
    if groups["month_only"]:
        month = MONTHS[groups["m3"].lower()]
        year = published.year if month <= published.month else published.year - 1
        return f"{_month_name(month)} {year}"
    if groups["span"]:
        span = groups["span"].lower()
        shift = -1 if "last" in span else 1 if "next" in span else 0
        if span.endswith("year"):
            return str(published.year + shift)
        if span.endswith("month"):
            month_index = published.year * 12 + published.month - 1 + shift
            return f"{_month_name(month_index % 12 + 1)} {month_index // 12}"
        monday = published - timedelta(days=published.weekday()) + timedelta(weeks=shift)
        return f"week of {_fmt_day(monday)}"
    if groups["weekday"]:
        target = _WEEKDAYS.index(groups["weekday"].lower())
        back = (published.weekday() - target) % 7
        return _fmt_day(published - timedelta(days=back))
    if groups["near"]:
        shift = {"yesterday": -1, "today": 0, "tomorrow": 1}[groups["near"].lower()]
        return _fmt_day(published + timedelta(days=shift))
    return None
