"""What an article's text says about itself: boilerplate lines, title, publication date and outlet.

Every rule here is about the shapes news pages take in general (bylines, datelines, share buttons, site names),
not about particular articles.
"""

from __future__ import annotations

import re
from datetime import date

from qa.temporal import full_dates

_DOMAIN = r"(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|ir|az|uk|co|info|news|tv|io|ru|tr|am|de|fr|in)"
_BOILERPLATE = [
    re.compile(rf"^\s*{_DOMAIN}\s*$", re.I),  # a bare site name
    re.compile(r"^\s*(share|tweet|email|print|follow us|subscribe|sign up|log ?in|register|advertisement|"
               r"related( articles| news| stories)?|read more|more on this|comments?|share this( article| story)?|"
               r"download (our|the) app|all rights reserved.*|copyright\b.*|©.*)\s*:?\s*$", re.I),
    re.compile(r"^\s*\d+\s+(persons?|comments?|views?|shares?|likes?)\s*$", re.I),  # counters
    re.compile(r"^\s*(news|story|article|post)\s*(id|code|no\.?|number)\s*[:#]?\s*\d+\s*$", re.I),
    re.compile(r"^[\w’' ]{1,40}\blogo\s*$", re.I),
    re.compile(r"^\s*[\w ]{1,25}(\s*[/»›>|]\s*[\w ]{1,25}){1,4}\s*$"),  # breadcrumbs: News / Politics
    re.compile(r"^\s*(last )?(updated?|modified)\s*:?.*\d{4}.*$", re.I),
    re.compile(r"website can (also )?be accessed|alternate addresses|follow us on|join our|subscribe to our", re.I),
    re.compile(r"^[^A-Za-z0-9]*$"),  # punctuation only (rules, bullets); blank lines are handled apart
    re.compile(r"^\s*(source|via)\s*:\s*\S+(\s+\S+){0,9}\s*$", re.I),  # a credit line: Source: Coastal Herald
]
_TERMINAL = re.compile(r"[.!?\"”’:)]\s*$")


def boilerplate_lines(lines: list[str]) -> frozenset[int]:
    """1-based numbers of lines that are page chrome rather than the article."""
    skipped = set()
    for number, line in enumerate(lines, start=1):
        if line.strip() and any(p.search(line) for p in _BOILERPLATE):
            skipped.add(number)
    # Short unpunctuated lines that follow page chrome near the end of the page are chrome too ("Press TV News Roku").
    tail_from = next((n for n in sorted(skipped) if n > len(lines) * 0.7), None)
    if tail_from is not None:
        for number in range(tail_from + 1, len(lines) + 1):
            line = lines[number - 1]
            if line.strip() and len(line.split()) <= 6 and not _TERMINAL.search(line):
                skipped.add(number)
    return frozenset(skipped)


_NOT_A_TITLE = re.compile(r"[.!?][\"”’]?\s*$|\.\s+[A-Z]|https?://|www\.|\S+\.com/|@\w|^\s*(by|publish(ed)?)\b", re.I)


def title_of(lines: list[str], skipped: frozenset[int], fallback: str) -> str:
    """The headline: the first short unpunctuated line near the top, else the start of the first sentence."""
    candidates = [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip() and n not in skipped]
    for number, text in candidates[:4]:
        words = text.lstrip("# ").split()
        if 2 <= len(words) <= 20 and not _NOT_A_TITLE.search(text) and not full_dates(text):
            return text.lstrip("# ").rstrip(":").strip()
    if candidates:
        first = candidates[0][1]
        return first if len(first) <= 100 else first[:97].rsplit(" ", 1)[0] + "…"
    return fallback


# A label right before a date: "Publish Date : 01 March 2021", "Posted on May 5, 2021"; not "a book published this
# week says ... on 7 March 2003"
_PUBLISHED_CUE = re.compile(r"\b(publish(ed)?( date| on)?|posted( on)?|date)\s*:?\s*$", re.I)
_BYLINE = re.compile(r"^\s*by\s+[A-Z]", re.I)
_UPDATED = re.compile(r"\b(last )?(updated?|modified)\b", re.I)
# The page's own stamps in its text: a photo caption's credit ("(Photo by IRNA)", "Picture: AFP") or an embedded
# post's signature ("— Javad Zarif (@JZarif) January 25, 2021")
_STAMP = re.compile(r"\b(?:photo|picture|image)s?\s*(?:by\b|credit\b|:)|\(@\w+\)", re.I)


def published_date(lines: list[str]) -> date | None:
    """The publication date: a labelled one, else a byline or dateline near the top, else the latest date of a
    photo caption or an embedded post (what the page was made with happened before it was published). None when the
    only dates are in the article's sentences: those are the dates of the events it reports, which may be years
    before it ("since the attacks of 11 September 2001"), and a wrong date would misplace its relative dates too.
    """
    labelled, header, stamped = [], [], []
    for number, line in enumerate(lines, start=1):
        mentions = full_dates(line)
        if not mentions or _UPDATED.search(line):
            continue
        value = mentions[0].value
        if _PUBLISHED_CUE.search(line[: mentions[0].start]):
            labelled.append(value)
        elif number <= 12 and (_BYLINE.match(line) or len(line.split()) <= 8):
            header.append(value)
        elif _STAMP.search(line):
            stamped.extend(m.value for m in mentions)
    for group in (labelled, header):
        if group:
            return group[0]
    return max(stamped) if stamped else None


_OUTLET_PATTERNS = [
    # Source: The Island Times, 4 June 2022 (a credit line of at most ten words, as _BOILERPLATE skips it)
    re.compile(r"^\s*(?i:source|via)\s*:\s*(?P<name>[A-Z0-9][\w .&'’-]{0,58}?)\s*(?:[,;|(–—][^.!?]{0,40})?$"),
    re.compile(r"^\s*(?P<name>[A-Z][\w ]{1,30}?)[’']s website\b"),  # Press TV's website can be accessed
    re.compile(r"^\s*(?P<name>[A-Z][A-Za-z]+(?:[A-Z][a-z]+)+):\s+\S"),  # EghtesadOnline: Azerbaijan's ...
    re.compile(r"^\s*(?:www\.)?(?P<name>[a-z0-9-]+\.(?:[a-z]{2,4}))\s*$", re.I),  # kayhan.ir
    re.compile(r"(?:©|copyright)\s*(?:\d{4}\s*)?(?P<name>[A-Z][\w .&-]{1,40})", re.I),
]


def outlet_of(lines: list[str]) -> str | None:
    """The outlet that published the article, where the page names itself."""
    for pattern in _OUTLET_PATTERNS:
        for line in lines:
            match = pattern.search(line)
            if match:
                return match.group("name").strip()
    return None
