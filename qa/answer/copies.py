"""Citing a quote in every file that carries it.

News collections hold the same story under several names (a wire story, a corrected or re-headlined copy).
Retrieval reads such a passage once, from its oldest file, and keeps the others as its `copies`
(`retrieval.first_passages`). A citation of it then points at the same lines in each copy too, so the reader sees
every file that says it. A follow-up story often repeats a sentence of the first word for word in a passage of its
own; when another passage read for the question holds the quote as written, it is cited there too. The copies
follow the answer's citations, numbered after them, each marked with the citation it repeats (`copy_of`), and their
markers stand beside that citation's in the text: "... [1][3]".
"""

from __future__ import annotations

import dataclasses
import re

from qa.answer.extractive import Describe, cite
from qa.types import MAX_COPIES, Answer, Citation, ScoredPassage

# The fewest words of a quote that is looked for in other articles' passages: shorter ones ("he said", "It was not
# the first time.") are common phrases, not one text repeated.
COPIED_WORDS = 8
_MARKER = re.compile(r"\[(\d+)\]")


def cite_copies(answer: Answer, passages: list[ScoredPassage], describe: Describe) -> Answer:
    """The answer with each citation also made where its quote stands in other files (`_copies_of`; each with its
    own file's title, date and outlet; checked as the citation it repeats was, in LLM mode)."""
    extra: list[Citation] = []
    beside: dict[int, list[int]] = {}  # a citation's number -> its copies' numbers
    n = max((c.n for c in answer.citations), default=0)
    cited = {(c.doc, c.start_line, c.end_line) for c in answer.citations}  # a line the answer cites already
    for c in answer.citations:
        read = next((s for s in passages if s.passage.doc == c.doc
                     and s.passage.start_line <= c.start_line and c.end_line <= s.passage.end_line), None)
        others = [where for where in _copies_of(c, read, passages) if where not in cited]
        for doc, start_line, end_line in others[:MAX_COPIES]:
            n += 1
            extra.append(dataclasses.replace(cite(n, doc, start_line, end_line, c.quote, describe),
                                             supported=c.supported, copy_of=c.n))
            beside.setdefault(c.n, []).append(n)
    if not extra:
        return answer
    text = _MARKER.sub(lambda m: m.group(0) + "".join(f"[{k}]" for k in beside.get(int(m.group(1)), ())),
                       answer.text)
    return dataclasses.replace(answer, text=text, citations=answer.citations + extra)


def _copies_of(c: Citation, read: ScoredPassage | None, passages: list[ScoredPassage]) -> list[tuple[str, int, int]]:
    """Where else the citation's quote stands (file, first and last line): the same lines in each copy of the passage
    it was read from, then each other passage read, from another file, that holds the quote as written."""
    # The same text has the same lines: a line keeps its place counted from the passage's first.
    found = [(copy.doc, c.start_line + copy.start_line - read.passage.start_line,
              c.end_line + copy.start_line - read.passage.start_line) for copy in (read.copies if read else ())]
    if len(c.quote.split()) < COPIED_WORDS:
        return found
    for scored in passages:
        passage, at = scored.passage, scored.passage.text.find(c.quote)
        if at < 0 or passage.doc == c.doc or any(doc == passage.doc for doc, _, _ in found):
            continue
        first = passage.start_line + passage.text.count("\n", 0, at)
        found.append((passage.doc, first, first + c.quote.count("\n")))
    return found
