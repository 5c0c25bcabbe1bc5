"""The named API endpoints of the app, for gradio_client (docs/ui.md lists them). The chat's own UI events stay
private; these are the public surface: /ask, /index_info, /timeline, /articles, /article, /upload_article, /remove_article,
/feedback, /question_sets, /evaluate."""

from __future__ import annotations

import gradio as gr

from qa.answer import QuestionError
from qa.index import StoreError
from qa.ui import render
from qa.ui.service import Service


class Endpoints:
    def __init__(self, service: Service) -> None:
        self.service = service

    def register(self) -> None:
        """Add the endpoints to the Blocks being built."""
        gr.api(self.ask, api_name="ask", concurrency_id="answer", concurrency_limit=8)
        gr.api(self.index_info, api_name="index_info", concurrency_limit=None)
        gr.api(self.articles, api_name="articles", concurrency_limit=None)
        gr.api(self.timeline, api_name="timeline", concurrency_limit=None)
        gr.api(self.article, api_name="article", concurrency_limit=None)
        gr.api(self.remove_article, api_name="remove_article")
        gr.api(self.feedback, api_name="feedback")
        gr.api(self.question_sets, api_name="question_sets", concurrency_limit=None)
        gr.api(self.evaluate, api_name="evaluate", concurrency_id="evaluate", concurrency_limit=1)
        # An upload needs a file component to carry the file; these stay hidden.
        api_file = gr.File(visible=False, type="filepath")
        api_name = gr.Textbox(visible=False)
        api_result = gr.JSON(visible=False)
        api_button = gr.Button(visible=False)
        api_button.click(self.upload_article, [api_file, api_name], api_result, api_name="upload_article")

    def ask(self, question: str, history: list[str] | None = None, top_k: int = 0, mode: str = "", since: str = "",
            until: str = "") -> dict:
        """Answer a question. `history`: the previous user questions, oldest first, for follow-ups.
        `top_k`: passages to retrieve (0: the configured default). `mode`: "extractive", "llm" or "" (default).
        `since`, `until`: only sources in this date range ("2021", "2021-12", "2021-12-23"; "" for open).
        Returns the answer object of CONTRACT.md."""
        try:
            return self.service.ask(question, history or [], top_k or None, mode or None, since=since or None,
                                    until=until or None).to_json()
        except (QuestionError, StoreError) as err:
            raise gr.Error(render.esc(err)) from None

    def index_info(self) -> dict:
        """Which index this app answers from: store_dir, collection, chroma_host, chroma_port. `qa ask` sends its
        question here only when it names the index the command would open itself."""
        from qa.remote import index_identity

        return index_identity(self.service.settings)

    def timeline(self) -> list[dict]:
        """Every sentence of the indexed articles that mentions a date, earliest first: first, last (ISO days
        the date may mean), when, phrase, doc, start_line, end_line, quote, title."""
        return [e.to_json() for e in self.service.timeline()]

    def articles(self) -> list[dict]:
        """Every indexed article: doc, title, published (ISO date or null), outlet, passages, removable."""
        return self.service.articles()

    def article(self, doc: str, start_line: int = 0, end_line: int = 0) -> str:
        """The article `doc` as HTML with numbered lines, lines start_line..end_line highlighted (0: none).
        Article text is always escaped."""
        found = self.service.article(doc)
        if found is None:
            raise gr.Error(f"unknown article {render.esc(repr(doc))}")
        return render.article_html(found, start_line, end_line, info=self.service.describe(doc))

    def upload_article(self, file: str | None, filename: str) -> dict:
        """Add an article: the file, and optionally the name to store it under (made safe). Returns
        {ok, message, doc, index}."""
        return self.service.add_article(file, filename or "").to_json()

    def remove_article(self, doc: str) -> dict:
        """Remove an uploaded article (uploads/NAME) and re-index. Returns {ok, message, doc, index}."""
        return self.service.remove_article(doc).to_json()

    def feedback(self, answer: dict, vote: str, history: list[str] | None = None) -> dict:
        """Record a vote ("up" or "down") on an answer object as returned by /ask. `history`: the questions asked
        before it, as given to /ask (a follow-up's). Returns the saved line."""
        try:
            return self.service.vote(answer, vote, history)
        except ValueError as err:
            raise gr.Error(render.esc(err)) from None

    def question_sets(self) -> list[str]:
        """The question sets the /evaluate endpoint can run (file names in the folder QA_QUESTION_SETS_DIR)."""
        return [p.name for p in self.service.question_sets()]

    def evaluate(self, question_set: str, mode: str = "") -> dict:
        """Run a question set; returns metrics, metrics by kind and a pass/fail row per question."""
        try:
            return self.service.evaluate(question_set, mode or None).to_json()
        except ValueError as err:
            raise gr.Error(render.esc(err)) from None
