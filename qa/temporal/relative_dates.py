"""Relative dates in a sentence ("Monday", "September 27 last year", "earlier this month", "two years ago")
resolved against the publication date of its article, so a reader sees when things happened without changing the
quote.

News reports what has happened, so a bare weekday is the latest such day on or before publication, and a day or a
month with no year falls in the year before publication when it would otherwise lie after it. Each resolved date is
a range of days (`first`..`last`): one day, a week, a month or a year, as precise as the phrase is.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from qa.temporal.dates import MONTH_WORDS, MONTHS, WEEKDAYS, full_dates

_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_COUNT = r"\d{1,3}|" + "|".join(sorted(_COUNTS, key=len, reverse=True))
_PATTERNS = re.compile(
    rf"\b(?P<md>(?P<m1>{MONTH_WORDS})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{MONTH_WORDS}))"
    r"(?:\s+(?P<rel>last year|this year|next year))?\b"
    rf"|\b(?P<month_only>(?:in|since|until|by|late in|early in|late|early|mid-)\s*(?P<m3>{MONTH_WORDS}))\b(?!\s+\d)"
    rf"|\b(?P<ago>(?P<count>{_COUNT})\s+(?P<unit>day|week|month|year)s?\s+ago)\b"
    r"|\b(?P<span>(?:earlier |later )?(?:this|last|next) (?:year|month|week))\b"
    rf"|\b(?P<weekday>(?:(?P<wrel>last|next|this)\s+)?(?P<wd>{'|'.join(WEEKDAYS)}))\b"
    r"|\b(?P<near>yesterday|today|tomorrow)\b",
    re.I,
)


# Words without which no pattern can match: checked first, because most sentences have none and the patterns,
# with their many case-insensitive alternatives, cost a hundred times more than this check.
_TRIGGERS = frozenset(MONTHS) | frozenset(WEEKDAYS) | {"yesterday", "today", "tomorrow", "year", "month", "week",
                                                        "ago"}
_WORDS = re.compile(r"[a-z]+")


def may_hold_dates(text: str) -> bool:
    return not _TRIGGERS.isdisjoint(_WORDS.findall(text.lower()))


@dataclass(frozen=True)
class ResolvedDate:
    phrase: str
    value: str  # "27 September 2020", "January 2021", "2021"
    first: date  # the range of days the phrase may mean
    last: date
    start: int = 0  # where the phrase is in the sentence
    end: int = 0

    def __str__(self) -> str:
        return f"{self.phrase} = {self.value}"


def fmt_day(d: date) -> str:
    """A day as the resolved dates show it: "27 September 2020"."""
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _month_name(month: int) -> str:
    return date(2000, month, 1).strftime("%B")


def month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def resolve(sentence: str, published: date | None) -> list[ResolvedDate]:
    """The relative dates of `sentence`, resolved against `published`; none when the article has no date."""
    if published is None or not may_hold_dates(sentence):
        return []
    absolute = [(m.start, m.end) for m in full_dates(sentence)]
    found = []
    for match in _PATTERNS.finditer(sentence):
        if any(s <= match.start() < e for s, e in absolute):
            continue  # "January 25, 2021" needs no help
        resolved = _value(match, published)
        if resolved:
            value, first, last = resolved
            found.append(ResolvedDate(match.group(0), value, first, last, match.start(), match.end()))
    return found


def _day(d: date) -> tuple[str, date, date]:
    return fmt_day(d), d, d


def _month(year: int, month: int) -> tuple[str, date, date]:
    return (f"{_month_name(month)} {year}", *month_range(year, month))


def _value(match: re.Match, published: date) -> tuple[str, date, date] | None:
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
        return _day(value)
    if groups["month_only"]:
        month = MONTHS[groups["m3"].lower()]
        return _month(published.year if month <= published.month else published.year - 1, month)
    if groups["ago"]:
        count = groups["count"].lower()
        n = int(count) if count.isdigit() else _COUNTS[count]
        unit = groups["unit"].lower()
        if unit == "day":
            return _day(published - timedelta(days=n))
        if unit == "week":
            monday = published - timedelta(days=published.weekday(), weeks=n)
            return f"week of {fmt_day(monday)}", monday, monday + timedelta(days=6)
        if unit == "month":
            index = published.year * 12 + published.month - 1 - n
            return _month(index // 12, index % 12 + 1)
        return (str(published.year - n), *year_range(published.year - n))
    if groups["span"]:
        span = groups["span"].lower()
        shift = -1 if "last" in span else 1 if "next" in span else 0
        if span.endswith("year"):
            return (str(published.year + shift), *year_range(published.year + shift))
        if span.endswith("month"):
            index = published.year * 12 + published.month - 1 + shift
            return _month(index // 12, index % 12 + 1)
        monday = published - timedelta(days=published.weekday()) + timedelta(weeks=shift)
        return f"week of {fmt_day(monday)}", monday, monday + timedelta(days=6)
    if groups["weekday"]:
        target = WEEKDAYS.index(groups["wd"].lower())
        rel = (groups["wrel"] or "").lower()
        if rel == "next":
            return _day(published + timedelta(days=(target - published.weekday() - 1) % 7 + 1))
        back = (published.weekday() - target) % 7
        if rel == "last" and back == 0:
            back = 7  # "last Monday" said on a Monday is a week ago
        return _day(published - timedelta(days=back))
    if groups["near"]:
        shift = {"yesterday": -1, "today": 0, "tomorrow": 1}[groups["near"].lower()]
        return _day(published + timedelta(days=shift))
    return None
