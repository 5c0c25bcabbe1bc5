"""Time: the dates in sentences and questions, and what they do to answers.

`dates` reads calendar dates, `relative_dates` resolves "last Monday" against an article's date, `sentence_dates`
gives every date a sentence mentions as ranges of days; `time_scope` reads the time a question names or a filter
sets and ranks or restricts sources by it; `changes` finds facts that changed over time; `timeline` lists the dated
events across the articles.

Exports: `MONTHS`, `MONTH_WORDS`, `WEEKDAYS`, `CALENDAR_WORDS`, `full_dates`, `resolve_relative`, `dates_in` (every
date a sentence mentions), `DateRangeError`, `parse_bound`, `events`, and the modules `time_scope` and `changes`,
which the answer step calls step by step.
"""

from qa._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "MONTHS": "dates", "MONTH_WORDS": "dates", "WEEKDAYS": "dates", "CALENDAR_WORDS": "dates",
    "full_dates": "dates",
    "resolve_relative": "relative_dates:resolve", "dates_in": "sentence_dates:sentence_dates",
    "DateRangeError": "time_scope", "parse_bound": "time_scope", "events": "timeline",
    "time_scope": "time_scope:*", "changes": "changes:*",
})
__all__ = __dir__()
