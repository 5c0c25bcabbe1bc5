"""The dated events across the articles: every indexed sentence that mentions a date, written out or resolved
against its article's publication date, in date order, each with the lines it comes from.

A line that is only a dateline or a byline ("Dec 10, 2020, 5:46 PM", "By Nigar Bayramli July 6, 2022") is the
article's date, not an event, and is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date

from qa.temporal.sentence_dates import sentence_dates
from qa.types import Passage, TimelineEvent

MIN_WORDS = 4  # a sentence needs this many words besides its dates to say what happened


def events(passages: Iterable[Passage], describe: Callable[[str], tuple[str, date | None, str | None]]
           ) -> list[TimelineEvent]:
    """Events of the given passages, earliest first; `describe(doc)` gives (title, published, outlet)."""
    found = []
    for passage in passages:
        title, published, _ = describe(passage.doc)
        for sentence in passage.sentences:
            text = passage.sentence_text(sentence)
            mentioned = sentence_dates(text, published)
            if not mentioned:
                continue
            rest = text
            for d in reversed(mentioned):
                rest = rest[: d.start] + " " + rest[d.end :]
            if len(re.findall(r"[A-Za-z]{2,}", rest)) < MIN_WORDS:
                continue
            for d in mentioned:
                found.append(TimelineEvent(d.first, d.last, d.value, d.phrase, passage.doc, sentence.start_line,
                                           sentence.end_line, text, title))
    found.sort(key=lambda e: (e.first, e.last, e.doc, e.start_line))
    return found
