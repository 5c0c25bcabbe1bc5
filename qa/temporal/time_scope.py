"""The time a question is about, and sources restricted or ranked by it.

A range comes from the question itself ("in 2022", "in December 2021", "before the 2021 meeting", "between 2020
and 2021", "in the summer of 2022") or from an explicit filter (`since`/`until`). A sentence is in range when its
article was published in the range, or when a date it mentions (qa/temporal/sentence_dates.py) overlaps the range: a 2021
report of a 2016 agreement belongs to 2021 and to 2016.

A filter restricts: passages and sentences out of range are left out. A range read from the question only ranks,
because the question may name the time of something the articles report without a date, and the reading of a
question can be wrong: in-range passages come first and in-range sentences score the time weight of the answer step.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
from typing import Callable, Iterable

from qa.temporal.dates import MONTH_WORDS, MONTHS, full_dates
from qa.temporal.relative_dates import month_range, year_range
from qa.temporal.sentence_dates import sentence_dates
from qa.types import DateRange, Passage, ScoredPassage

OUT_OF_RANGE = 0.5  # a passage out of the question's range keeps half its retrieval score
POOL = 3  # with a range, retrieval reads this many times top_k passages before ranking or filtering by date (and
# for a person question, before looking for the role's other holders: qa/answer/engine.py)

_YEAR = r"(?P<year>(?:19|20)\d\d)"
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}
_PARTS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12), "start": (1, 3), "beginning": (1, 3), "middle": (5, 8),
          "end": (10, 12)}
_EXPRESSIONS = [
    re.compile(rf"\b(?:the\s+)?(?P<season>spring|summer|autumn|fall|winter)\s+(?:of\s+)?{_YEAR}\b", re.I),
    re.compile(rf"\b(?:the\s+)?(?P<part>early|mid|late|start|beginning|middle|end)(?:-|\s+)(?:of\s+)?{_YEAR}\b", re.I),
    re.compile(rf"\b(?P<month>{MONTH_WORDS})\.?,?\s+(?:of\s+)?{_YEAR}\b", re.I),
    re.compile(rf"\b{_YEAR}\b(?![-.,]?\d)(?!\s*(?:%|percent|km|kilomet|people|troops|years?\b))", re.I),
]
_EVENT = re.compile(r"\bthe\s+$", re.I)  # "the 2021 meeting": an event of that year, not the whole year
_BEFORE = re.compile(r"\b(before|prior to|until|till|up to|by|earlier than)\s+(?:the\s+)?$", re.I)
_AFTER = re.compile(r"\b(after|since|from|later than)\s+(?:the\s+)?$", re.I)


class DateRangeError(ValueError):
    """A date filter that cannot be read; the message names the value and the accepted forms."""


# Reading ranges ---------------------------------------------------------------------------------------------------
def _span_of(match: re.Match) -> tuple[date, date]:
    year = int(match.group("year"))
    groups = match.groupdict()
    if groups.get("season"):
        season = groups["season"].lower()
        if season == "winter":  # December of the year before through February
            return date(year - 1, 12, 1), month_range(year, 2)[1]
        a, b = _SEASONS[season]
        return month_range(year, a)[0], month_range(year, b)[1]
    if groups.get("part"):
        a, b = _PARTS[groups["part"].lower()]
        return month_range(year, a)[0], month_range(year, b)[1]
    if groups.get("month"):
        return month_range(year, MONTHS[groups["month"].lower()])
    return year_range(year)


def _expressions(question: str) -> list[tuple[int, int, date, date]]:
    """Every time expression of the question: (start, end, first day, last day), in order; where two overlap, the
    more precise reading (a full date, a season, a month) wins over a bare year."""
    found = [(m.start, m.end, m.value, m.value) for m in full_dates(question)]
    for pattern in _EXPRESSIONS:
        for m in pattern.finditer(question):
            if not any(s < m.end() and m.start() < e for s, e, _, _ in found):
                found.append((m.start(), m.end(), *_span_of(m)))
    return sorted(found)


def from_question(question: str) -> DateRange | None:
    """The range of days a question names, or None. Relative words ("last year") are left alone: a question has no
    date of its own to resolve them against."""
    expressions = _expressions(question)
    if not expressions:
        return None
    start, end = expressions[0][0], expressions[-1][1]
    first, last = min(e[2] for e in expressions), max(e[3] for e in expressions)
    if len(expressions) == 1:
        s, e, first, last = expressions[0]
        before = question[max(0, s - 20):s]
        event = bool(_EVENT.search(before)) and bool(re.match(r"\s+[\w+]", question[e:]))
        if bound := _BEFORE.search(before):
            start = s - len(bound.group(0))
            # "before 2021" ends the day before 2021; "by 2021", "before the 2021 meeting" may reach into 2021.
            strict = bound.group(1).lower() in ("before", "prior to", "earlier than") and not event
            first, last = None, first - timedelta(1) if strict else last
        elif bound := _AFTER.search(before):
            start = s - len(bound.group(0))
            strict = bound.group(1).lower() in ("after", "later than") and not event
            first, last = last + timedelta(1) if strict else first, None
    phrase = question[start:end].strip()
    return DateRange(first, last, phrase, explicit=False)


_ISO = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?$")


def parse_bound(value: object, name: str, end: bool) -> date | None:
    """A filter bound: a date, or text "2021", "2021-12", "2021-12-23", "December 2021" or "23 December 2021".

    A year or month as `until` means its last day, as `since` its first.
    """
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        m = _ISO.match(text)
        if m:
            year = int(m.group("year"))
            if m.group("day"):
                return date(year, int(m.group("month")), int(m.group("day")))
            if m.group("month"):
                span = month_range(year, int(m.group("month")))
            else:
                span = year_range(year)
            return span[1] if end else span[0]
        full = full_dates(text)
        if len(full) == 1 and full[0].end - full[0].start >= len(text) - 1:
            return full[0].value
        written = _expressions(text)
        if len(written) == 1 and written[0][1] - written[0][0] >= len(text) - 1:
            return written[0][3] if end else written[0][2]
    except ValueError:
        pass
    raise DateRangeError(f"{name}: {text!r} is not a date; write YYYY, YYYY-MM, YYYY-MM-DD or e.g. 'December 2021'")


def explicit_range(since: object = None, until: object = None) -> DateRange | None:
    """The filter range, or None when neither bound is given."""
    first, last = parse_bound(since, "since", end=False), parse_bound(until, "until", end=True)
    if first is None and last is None:
        return None
    if first and last and first > last:
        raise DateRangeError(f"since ({first.isoformat()}) is after until ({last.isoformat()})")
    phrase = " to ".join(str(v).strip() for v in (since, until) if v not in (None, "")) if first and last else (
        f"since {str(since).strip()}" if first else f"until {str(until).strip()}")
    return DateRange(first, last, phrase, explicit=True)


def filter_range(since: object = None, until: object = None, date_range: object = None) -> DateRange | None:
    """The explicit filter: since/until, or `date_range` = (since, until) or a DateRange; None when not given."""
    if isinstance(date_range, DateRange):
        return date_range
    if date_range is not None:
        if since is not None or until is not None:
            raise DateRangeError("give either date_range or since/until, not both")
        bounds = tuple(date_range)
        if len(bounds) != 2:
            raise DateRangeError(f"date_range must be (since, until), not {date_range!r}")
        since, until = bounds
    return explicit_range(since, until)


def notes(scope: DateRange, chosen: list, refused: bool, published: Iterable[date | None] = ()) -> list[str]:
    """What the reader should know about the range: nothing in a filter answered (or nothing is in it), or the
    answer lies outside the time the question names. `published`: every article's publication date."""
    return notes_for(scope, [c.time_match for c in chosen], refused, all(c.published is None for c in chosen),
                     published)


def notes_for(scope: DateRange, cited_in_range: list[bool], refused: bool, undated: bool = False,
              published: Iterable[date | None] = ()) -> list[str]:
    """`notes`, given whether each source the answer quotes is in the range (LLM answers have no candidates), and
    whether none of them has a publication date: then the answer's time is not known, only not said."""
    if scope.explicit:
        return [_filter_refusal(scope, list(published))] if refused else []
    if not refused and cited_in_range and not any(cited_in_range):
        if undated:
            return [f"The sources are not dated and do not mention “{scope.phrase}”: the answer may be about "
                    "another time."]
        return [f"No source is from “{scope.phrase}” or mentions a date in it; the answer comes from another time."]
    return []


def _filter_refusal(scope: DateRange, published: list[date | None]) -> str:
    """Why a filtered question was refused: no article is dated (a filter cannot keep any), none was published in
    the range, or those that were do not answer."""
    if published and not any(published):
        return f"No article has a publication date, so none is in the date range ({scope}): ask without the range."
    if published and not any(day and scope.overlaps(day, day) for day in published):
        return f"No article was published in the date range ({scope})."
    return f"No article in the date range ({scope}) answers this."


# Applying them ---------------------------------------------------------------------------------------------------
def in_range(text: str, published: date | None, scope: DateRange) -> bool:
    """Whether a sentence belongs to the time of `scope`: its article was published then, or it mentions a date
    then. ("According to the January 2021 report, when did the war start?" is answered by a January 2021 sentence
    about September 2020.)"""
    if published is not None and scope.overlaps(published, published):
        return True
    return any(scope.overlaps(d.first, d.last) for d in sentence_dates(text, published))


def passage_in_range(passage: Passage, published: date | None, scope: DateRange) -> bool:
    return any(in_range(passage.sentence_text(s), published, scope) for s in passage.sentences)


def rank(passages: list[ScoredPassage], scope: DateRange, published: Callable[[str], date | None],
         top_k: int) -> list[ScoredPassage]:
    """A filter keeps only passages in range; a question's range moves them ahead of the others."""
    kept = []
    for scored in passages:
        inside = passage_in_range(scored.passage, published(scored.passage.doc), scope)
        if inside:
            kept.append(scored)
        elif not scope.explicit:
            kept.append(dataclasses.replace(scored, score=scored.score * OUT_OF_RANGE))
    kept.sort(key=lambda s: -s.score)
    return kept[:top_k]


def mark(found: list, scope: DateRange, published: Callable[[str], date | None]) -> list:
    """Answer candidates (qa.answer.extractive.Candidate) with the time signal read from the range: a filter drops those
    out of range; a question's range gives the time weight to those in range (instead of the plain year match)."""
    marked = []
    for candidate in found:
        inside = in_range(candidate.text, published(candidate.passage.doc), scope)
        if scope.explicit and not inside:
            continue
        marked.append(dataclasses.replace(candidate, time_match=inside))
    return marked
