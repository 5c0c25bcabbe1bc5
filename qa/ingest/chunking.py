"""Passages: runs of consecutive lines that never split a sentence, each knowing its file, lines and sentences."""

from __future__ import annotations

from qa.ingest.sentences import paragraph_lines, sentences_of
from qa.types import Article, Passage

# Chosen on the question sets (docs/evaluation.md): small passages keep the cited context tight and dense
# vectors focused; BM25 and the answer step work per sentence anyway.
TARGET_WORDS = 90


def _blocks(article: Article) -> list[tuple[int, int]]:
    """(first, last) line numbers of the indexable paragraphs; a hard-wrapped paragraph stays one block."""
    return [(p[0] + 1, p[-1] + 1) for p in paragraph_lines(list(article.lines), 1, article.skipped_lines)]


def chunk(article: Article, target_words: int | None = None) -> list[Passage]:
    target_words = target_words or TARGET_WORDS
    passages = []
    group: list[tuple[int, int]] = []
    words = 0

    def flush() -> None:
        nonlocal group, words
        if group:
            start, end = group[0][0], group[-1][1]
            lines = list(article.lines[start - 1 : end])
            passages.append(
                Passage(
                    doc=article.doc,
                    start_line=start,
                    end_line=end,
                    text="\n".join(lines),
                    sentences=sentences_of(lines, start, article.skipped_lines),
                )
            )
        group, words = [], 0

    for block in _blocks(article):
        # A boilerplate line between two blocks ends the passage: passages never contain chrome.
        if group and any(n in article.skipped_lines for n in range(group[-1][1] + 1, block[0])):
            flush()
        size = sum(len(article.lines[n - 1].split()) for n in range(block[0], block[1] + 1))
        if group and words + size > target_words:
            flush()
        group.append(block)
        words += size
    flush()
    return [p for p in passages if p.sentences]
