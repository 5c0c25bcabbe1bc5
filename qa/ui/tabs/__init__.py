"""The tabs of the Gradio app, one module each: `ask` (the chat, its sources and the article they open),
`articles` (the indexed articles, uploads, removal, re-scan), `timeline` (the dated events), `evaluate` (run a
question set) and `feedback` (the votes and their export). Each module builds its tab and registers its own events;
`qa.ui.app.build_app` composes them. What the tabs share is passed in explicitly as a `Shared` (the `Service`, the
settings, the page header).

Exports: `Shared`, `AskTab`, `ArticlesTab`, `TimelineTab`, `EvaluateTab`, `FeedbackTab`, `header_html`.
"""

from qa._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "Shared": "shared", "header_html": "shared", "AskTab": "ask", "ArticlesTab": "articles",
    "TimelineTab": "timeline", "EvaluateTab": "evaluate", "FeedbackTab": "feedback",
})
__all__ = __dir__()
