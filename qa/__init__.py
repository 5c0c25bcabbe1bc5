"""Question answering over news articles, with every claim cited to the exact lines it comes from."""

from qa.types import Answer, Article, Citation, Passage, Question


def ask(question: str, **options) -> Answer:
    """Answer one question over the configured index; see `qa.answer.engine.Engine.ask` for the options."""
    from qa.answer import (
        ask as _ask,  # imported late: `import qa` stays cheap for the CLI
    )

    return _ask(question, **options)


__all__ = ["Answer", "Article", "Citation", "Passage", "Question", "ask"]
