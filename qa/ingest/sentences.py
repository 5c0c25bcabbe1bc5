"""Sentence spans inside a run of lines, with offsets that map back to the exact lines on disk.

A line break ends a sentence unless the next line starts in lower case (a hard-wrapped paragraph); a blank line
always does. Inside a line, a sentence ends at . ! or ? (plus closing quotes or brackets) followed by a space and
a capital, a digit or an opening quote, except after common abbreviations and initials.
"""

from __future__ import annotations

import re

from qa.types import Sentence

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "col", "lt", "sgt", "capt", "cmdr", "adm", "maj", "rep", "sen",
    "gov", "pres", "jr", "sr", "inc", "ltd", "co", "corp", "plc", "vs", "etc", "no", "nos", "vol", "fig", "approx",
    "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft",
    "rev", "hon", "messrs", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m",
}
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at text[dot] belongs to an abbreviation or an initial rather than ending a sentence."""
    if text[dot] != ".":
        return False
    match = _WORD_BEFORE.search(text, 0, dot)
    if not match:
        return False
    word = match.group(1).lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and text[match.start()].isupper())


def split_line(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in one paragraph of text, stripped of surrounding white space."""
    spans = []
    start = 0
    for match in _END.finditer(text):
        if _is_abbreviation(text, match.start()):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def paragraph_lines(lines: list[str], first_line: int, skip: frozenset[int] = frozenset()) -> list[list[int]]:
    """Indexes into `lines` of each paragraph: a blank or skipped line ends one, and a hard-wrapped paragraph goes on
    while the next line starts in lower case. The one rule for paragraphs, shared by sentences and passages."""
    paragraphs: list[list[int]] = [[]]
    for i, line in enumerate(lines):
        if first_line + i in skip or not line.strip():
            paragraphs.append([])
        elif paragraphs[-1] and line.lstrip()[:1].islower():
            paragraphs[-1].append(i)
        else:
            paragraphs.append([i])
    return [p for p in paragraphs if p]


def sentences_of(lines: list[str], first_line: int, skip: frozenset[int] = frozenset()) -> tuple[Sentence, ...]:
    """Sentences of the text "\\n".join(lines), whose first line is line number `first_line` on disk.

    Lines whose numbers are in `skip` hold no sentences. Offsets are into the joined text.
    """
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1

    paragraphs = paragraph_lines(lines, first_line, skip)

    joined = "\n".join(lines)
    result = []
    for para in paragraphs:
        begin = offsets[para[0]]
        end = offsets[para[-1]] + len(lines[para[-1]])
        chunk = joined[begin:end]
        for s, e in split_line(chunk):
            abs_s, abs_e = begin + s, begin + e
            start_line = first_line + joined.count("\n", 0, abs_s)
            end_line = first_line + joined.count("\n", 0, abs_e - 1)
            result.append(Sentence(abs_s, abs_e, start_line, end_line))
    return tuple(result)
