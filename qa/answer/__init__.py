"""Answer: from a question to an `Answer`, the one path the CLI, the app and the evaluation share.

`engine` holds the warm index and runs question checks, misspelt words (`spelling`), follow-up context, retrieval
and the answer; `answer_types` says what a question asks for; `extractive` quotes the sentences that answer (the
offline default); `llm` asks any OpenAI-compatible model and checks its citations.

Exports: `Engine`, `get_engine`, `ready_engine`, `ask`, `QuestionError`, `resolve_mode`.
"""

from qa._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "Engine": "engine", "get_engine": "engine", "ready_engine": "engine", "ask": "engine",
    "QuestionError": "engine", "resolve_mode": "engine",
})
__all__ = __dir__()
