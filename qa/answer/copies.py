"""Citing a quote in every file that carries it.

News collections hold the same story under several names (a wire story, a corrected or re-headlined copy).
Retrieval reads such a passage once, from its oldest file, and keeps the others as its `copies`
(`retrieval.first_passages`). A citation of it then points at the same lines in each copy too, so the reader sees
every file that says it. The copies follow the answer's citations, numbered after them, each marked with the
citation it repeats (`copy_of`), and their markers stand beside that citation's in the text: "... [1][3]".
"""

from __future__ import annotations

import dataclasses
import re

from qa.answer.extractive import Describe, cite
from qa.types import Answer, Citation, ScoredPassage

# Files cited beside the one read, per quote: a story that many files carry would otherwise crowd out the sources.
MAX_COPIES = 2
_MARKER = re.compile(r"\[(\d+)\]")


def cite_copies(answer: Answer, passages: list[ScoredPassage], describe: Describe) -> Answer:
    """The answer with each citation of a copied passage also made in its copies (each with its own file's title,
    date and outlet; checked as the citation it repeats was, in LLM mode)."""
    extra: list[Citation] = []
    beside: dict[int, list[int]] = {}  # a citation's number -> its copies' numbers
    n = max((c.n for c in answer.citations), default=0)
    for c in answer.citations:
        read = next((s for s in passages if s.passage.doc == c.doc
                     and s.passage.start_line <= c.start_line and c.end_line <= s.passage.end_line), None)
        for copy in read.copies[:MAX_COPIES] if read else ():
            # The same text has the same lines: a line keeps its place counted from the passage's first.
            shift = copy.start_line - read.passage.start_line
            n += 1
            extra.append(dataclasses.replace(
                cite(n, copy.doc, c.start_line + shift, c.end_line + shift, c.quote, describe),
                supported=c.supported, copy_of=c.n))
            beside.setdefault(c.n, []).append(n)
    if not extra:
        return answer
    text = _MARKER.sub(lambda m: m.group(0) + "".join(f"[{k}]" for k in beside.get(int(m.group(1)), ())),
                       answer.text)
    return dataclasses.replace(answer, text=text, citations=answer.citations + extra)
