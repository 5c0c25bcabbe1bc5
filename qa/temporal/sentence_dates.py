"""Every date a sentence mentions, as a range of days: full dates ("December 23, 2021"), months of a year
("December 2021"), years ("in 2016", "since 1992") and relative dates resolved against the article's publication
date ("Monday", "last year").

The scope of a question (qa/temporal/time_scope.py), the facts that changed over time (qa/temporal/changes.py) and the timeline of
events (qa/temporal/timeline.py) all read a sentence's dates from here.
"""

from __future__ import annotations

import re
from datetime import date

from qa.temporal.dates import MONTH_WORDS, MONTHS, full_dates, has_month_name
from qa.temporal.relative_dates import (
    ResolvedDate,
    fmt_day,
    month_range,
    resolve,
    year_range,
)

_MONTH_YEAR = re.compile(rf"\b(?P<month>{MONTH_WORDS})\.?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I)
# A bare number is read as a year only where a year is expected: after "in", "since", ... or before punctuation.
_YEAR = re.compile(
    r"(?:\b(?:in|since|until|by|from|before|after|during|early|late|mid-?|year|of|to|between|and)\s+)"
    r"(?P<a>(?:19|20)\d\d)\b(?![-.,]?\d)|\b(?P<b>(?:19|20)\d\d)(?=[,.;:)]|['’]s\b|\s*$)(?![.,]\d)",
    re.I,
)

_ANY_YEAR = re.compile(r"(?:19|20)\d\d")


def sentence_dates(text: str, published: date | None) -> list[ResolvedDate]:
    """The dates `text` mentions, in order; relative ones only when `published` is known."""
    found: list[ResolvedDate] = []
    if not any(ch.isdigit() for ch in text):
        return resolve(text, published)  # no written date or year without a digit

    def free(start: int, end: int) -> bool:
        return not any(d.start < end and start < d.end for d in found)

    for m in full_dates(text):
        found.append(ResolvedDate(text[m.start:m.end], fmt_day(m.value), m.value, m.value, m.start, m.end))
    for m in _MONTH_YEAR.finditer(text) if has_month_name(text) else ():
        if free(m.start(), m.end()):
            month, year = MONTHS[m.group("month").lower()], int(m.group("year"))
            first, last = month_range(year, month)
            found.append(ResolvedDate(m.group(0), f"{first:%B} {year}", first, last, m.start(), m.end()))
    for m in _YEAR.finditer(text) if _ANY_YEAR.search(text) else ():
        group = "a" if m.group("a") else "b"
        start, end = m.start(group), m.end(group)
        if free(start, end):
            year = int(m.group(group))
            found.append(ResolvedDate(m.group(group), str(year), *year_range(year), start, end))
    for r in resolve(text, published):
        if free(r.start, r.end):
            found.append(r)
    found.sort(key=lambda d: d.start)
    return found
