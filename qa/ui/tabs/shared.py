"""What the tabs share: the service and settings, the page header, and the few pieces more than one tab builds."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from qa.answer import resolve_mode
from qa.config import Settings
from qa.ui import render
from qa.ui.service import Service


@dataclass(frozen=True)
class Shared:
    """Passed to every tab: the service that does the work, the settings, and the page header (the article count,
    refreshed by the Articles tab when the index changes)."""

    service: Service
    settings: Settings
    header: gr.HTML


class Tab:
    """A tab of the app: `build()` lays it out inside the Blocks being built and registers its events, whose
    handlers are its methods."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.service = shared.service
        self.settings = shared.settings

    def build(self) -> None:
        raise NotImplementedError


def header_html(service: Service) -> str:
    count = len(service.manifest())
    return (
        '<div id="qa-header"><h1>Ask the news archive</h1>'
        f"<p>{count} articles indexed · every answer cites the exact lines it comes from · click a numbered chip or "
        "a source to read the article</p></div>"
    )


LLM_OFF = ("The LLM option is off: it needs OPENAI_API_KEY (a hosted model) or OPENAI_BASE_URL (a local server such "
           "as Ollama or llama.cpp) set before the app starts; docs/llm.md.")


def mode_choice(shared: Shared, **layout) -> gr.Radio:
    """The answer mode: offline extractive, or the configured LLM (only when one is configured, else saying what
    would enable it)."""
    service, settings = shared.service, shared.settings
    return gr.Radio(
        [("Offline extractive", "extractive"), (f"LLM ({settings.llm_model})", "llm")],
        value=resolve_mode(None, settings), label="Answer mode", interactive=service.llm_available,
        info=None if service.llm_available else LLM_OFF, **layout,
    )


def article_view_html(service: Service, doc: str, start: int = 0, end: int = 0, quote: str = "",
                      missing: str = "The article {doc} is no longer in the index.", kind: str = "cited") -> str:
    """The whole article `doc` with lines start..end highlighted (`kind`: what they are, see render.HIGHLIGHTS), or
    a notice when it is not in the index."""
    article = service.article(doc)
    if article is None:
        return render.notice_html(missing.format(doc=doc))
    return render.article_html(article, start, end, quote, service.describe(doc), kind)
