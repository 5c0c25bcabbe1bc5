"""The Ask tab: the chat, the sources of the answer shown, and the article a citation opens.

Answers are produced in a worker thread; the tokens an LLM streams are shown as they arrive, an extractive answer
(one piece) appears at once. Each finished answer is kept in the `turns` state with its sources panel, so chips of
earlier answers still open their citations.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import gradio as gr

from qa.answer import QuestionError
from qa.config import PROJECT_ROOT
from qa.index import StoreError
from qa.types import Answer
from qa.ui import render
from qa.ui.assets import ARTICLE_JS, EVIDENCE_JS
from qa.ui.service import Service
from qa.ui.tabs.shared import Tab, article_view_html, mode_choice

log = logging.getLogger(__name__)

BUNDLED_EXAMPLES = [
    "How long is the border between Iran and Azerbaijan?",
    "Where was the first 3+3 meeting held?",
    "Who is Iran's foreign minister?",
    "Who won the 2018 football World Cup?",
]
GENERIC_EXAMPLES = ["What are these articles about?"]
RESTART = object()  # in the token queue: the text streamed so far is withdrawn
ANSWERING = {"api_visibility": "private", "concurrency_id": "answer", "concurrency_limit": 8}


def example_questions(service: Service) -> list[str]:
    manifest = service.manifest()
    bundled = {p.name for p in (PROJECT_ROOT / "store" / "articles").glob("*.txt")}
    if bundled and bundled <= set(manifest):
        return BUNDLED_EXAMPLES
    # Another corpus: take a few questions from a question set written for it, if there is one.
    from qa.evaluation import load_questions

    for path in service.question_sets():
        try:
            questions = load_questions(path)
        except ValueError:
            continue
        fitting = [q for q in questions if q.answerable and all(s.doc in manifest for s in q.sources)]
        if len(fitting) >= 3:
            step = max(1, len(fitting) // 3)
            picked = [q.question for q in fitting[::step][:3]]
            refusal = next((q.question for q in questions if not q.answerable), None)
            return picked + ([refusal] if refusal else [])
    return GENERIC_EXAMPLES


def chat_messages(turns: list[dict]) -> list[dict]:
    out = []
    for t in turns:
        out.append({"role": "user", "content": render.user_message_html(t["question"])})
        out.append({"role": "assistant", "content": t["message"]})
    return out


class AskTab(Tab):
    # Layout -------------------------------------------------------------------------------------------------------
    def build(self) -> None:
        service, settings = self.service, self.settings
        with gr.Tab("Ask", id="ask"):
            self.turns = gr.State([])
            with gr.Row(equal_height=False):
                with gr.Column(scale=5, min_width=340):
                    self.chatbot = gr.Chatbot(
                        elem_id="qa-chat", show_label=False, height=600, render_markdown=False,
                        sanitize_html=True, allow_tags=False, latex_delimiters=[], buttons=["copy"],
                        feedback_options=("Like", "Dislike"), layout="bubble",
                        placeholder="<b>Ask a question about the news articles.</b><br>"
                                    "Answers quote the articles and cite file and line.",
                        examples=[{"text": q} for q in example_questions(service)],
                    )
                    with gr.Row(equal_height=True):
                        self.question = gr.Textbox(
                            elem_id="qa-question", show_label=False, scale=6, max_lines=4,
                            placeholder="Ask about the articles…", container=False,
                        )
                        self.send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-send")
                    with gr.Accordion("Settings", open=False, elem_id="qa-settings"):
                        self.mode = mode_choice(self.shared)
                        self.top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to retrieve")
                        with gr.Row():
                            self.since = gr.Textbox(label="Sources from", placeholder="e.g. 2021 or 2021-06",
                                                    elem_id="qa-since", max_lines=1)
                            self.until = gr.Textbox(label="Sources until", placeholder="e.g. 2021-12-31",
                                                    elem_id="qa-until", max_lines=1)
                        self.show_passages = gr.Checkbox(False, label="Show retrieved passages with scores")
                with gr.Column(scale=4, min_width=270):
                    self.evidence = gr.HTML(render.evidence_placeholder_html(len(service.manifest())),
                                            elem_id="qa-evidence", js_on_load=EVIDENCE_JS)
                with gr.Column(scale=4, min_width=270):
                    self.article = gr.HTML(render.article_placeholder_html(), elem_id="qa-article",
                                           js_on_load=ARTICLE_JS)
        self._register()

    def _register(self) -> None:
        inputs = [self.question, self.turns, self.mode, self.top_k, self.show_passages, self.since, self.until]
        outputs = [self.chatbot, self.question, self.evidence, self.turns, self.article]
        self.question.submit(self.respond, inputs, outputs, **ANSWERING)
        self.send.click(self.respond, inputs, outputs, **ANSWERING)
        self.chatbot.example_select(self.pick_example, None, self.question, api_visibility="private").then(
            self.respond, inputs, outputs, **ANSWERING)
        self.chatbot.clear(self.new_chat, None, [self.chatbot, self.turns, self.evidence, self.article],
                           api_visibility="private")
        self.evidence.click(self.open_source, [self.turns], [self.evidence, self.article], api_visibility="private",
                            show_progress="hidden")
        self.chatbot.like(self.on_like, [self.turns], None, api_visibility="private")

    # Events -------------------------------------------------------------------------------------------------------
    def respond(self, message, turns_now, mode_now, k, passages_on, since_now, until_now):
        """Answer the question typed: show it, stream the answer's words while they come (an LLM's), then the
        answer with its chips, its sources, and the article of its first citation."""
        text = (message or "").strip()
        turns_now = list(turns_now or [])
        if not text:  # nothing to ask: the box says so rather than a turn of the chat
            gr.Warning("Type a question first: the question box is empty.", duration=4)
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        turn = len(turns_now)
        history = asked_before(turns_now)
        shown = chat_messages(turns_now) + [{"role": "user", "content": render.user_message_html(text)}]

        def partial(received: str, draft: bool = False) -> tuple:  # the chat with the answer so far; the rest as is
            chat = shown + [{"role": "assistant", "content": render.partial_message_html(received, draft)}]
            return chat, gr.skip(), gr.skip(), gr.skip(), gr.skip()

        yield partial("")[0], "", gr.skip(), gr.skip(), gr.skip()  # the question box is emptied

        tokens: queue.Queue = queue.Queue()
        outcome: dict = {}

        def work():
            try:
                outcome["answer"] = self.service.ask(text, history, k, mode_now, on_token=tokens.put, since=since_now,
                                                     until=until_now, on_restart=lambda: tokens.put(RESTART))
            except (QuestionError, StoreError) as err:  # the message says what is wrong; no traceback needed
                log.warning("answering %r: %s", text, err)
                outcome["error"] = err
            except Exception as err:  # shown in the chat; the server keeps running
                log.exception("answering %r", text)
                outcome["error"] = err
            finally:
                tokens.put(None)

        threading.Thread(target=work, daemon=True, name="qa-answer").start()
        received, last, draft = "", 0.0, False
        while (token := tokens.get()) is not None:
            if token is RESTART:  # the model failed mid-answer: its words so far are withdrawn at once
                received, last, draft = "", time.monotonic(), False
                yield partial("")
                continue
            received += token
            draft = getattr(token, "provisional", False)  # an LLM draft until the checked answer arrives
            if time.monotonic() - last > 0.05:
                last = time.monotonic()
                yield partial(received, draft)

        record = self.turn_record(text, turn, outcome.get("answer"), outcome.get("error"), bool(passages_on))
        turns_now.append(record)
        yield chat_messages(turns_now), gr.skip(), record["evidence"] or gr.skip(), turns_now, record["article"]

    def turn_record(self, question: str, turn: int, answer: Answer | None, error: Exception | None,
                    show_passages: bool) -> dict:
        """One finished turn as the chat keeps it: the question, the answer object (None when there is nothing to
        vote on or cite), the chat message, the sources panel and the article panel that go with it."""
        if answer is None:
            return {"question": question, "answer": None, "evidence": "",
                    "message": render.error_message_html(f"The question could not be answered: {error}"),
                    "article": render.article_placeholder_html("Nothing to show: the question could not be answered.")}
        evidence = render.evidence_html(answer, turn, self.service.lines_of, self.service.describe, show_passages)
        message = render.answer_message_html(answer, turn, self.settings.llm_model)
        if answer.error:
            return {"question": question, "answer": None, "evidence": evidence, "message": message,
                    "article": render.article_placeholder_html("Nothing to show: the question was not asked.")}
        if answer.citations:
            first = answer.citations[0]
            article = article_view_html(self.service, first.doc, first.start_line, first.end_line, first.quote)
        else:
            article = render.article_placeholder_html(
                "This answer cites no article. The closest passages, if any, are listed under Sources: click one "
                "to read it here.")
        return {"question": question, "answer": answer.to_json(), "evidence": evidence, "message": message,
                "article": article}

    def pick_example(self, evt: gr.SelectData):
        return evt.value["text"] if isinstance(evt.value, dict) else str(evt.value)

    def new_chat(self):
        return [], [], render.evidence_placeholder_html(len(self.service.manifest())), render.article_placeholder_html()

    def open_source(self, turns_now, evt: gr.EventData):
        """A chip or a source card was clicked: open its article at the cited lines (and bring back the sources of
        the answer it belongs to)."""
        data = getattr(evt, "_data", None) or {}
        turns_now = turns_now or []
        quote, shown_evidence, kind = "", gr.skip(), "cited"
        try:
            if "n" in data:
                t = turns_now[int(data["turn"])]
                c = next(c for c in (t["answer"] or {}).get("citations", []) if c["n"] == int(data["n"]))
                doc, start, end, quote = c["doc"], c["start_line"], c["end_line"], c.get("quote", "")
                if data.get("shown") != int(data["turn"]):  # a chip of an earlier answer: its sources come back
                    shown_evidence = t["evidence"]
            elif "doc" in data:
                doc, start, end = str(data["doc"]), int(data.get("start") or 0), int(data.get("end") or 0)
                kind = "related" if data.get("kind") == "related" else "passage"
            else:
                return gr.skip(), gr.skip()
        except (IndexError, KeyError, StopIteration, TypeError, ValueError):
            return gr.skip(), render.notice_html("That citation is no longer available (a new chat started).")
        return shown_evidence, article_view_html(self.service, doc, start, end, quote, kind=kind)

    def on_like(self, turns_now, data: gr.LikeData):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turns_now = turns_now or []
        turn = int(index) // 2
        if turn >= len(turns_now) or not turns_now[turn].get("answer"):
            return
        if data.liked is True or data.liked == "Like":
            vote = "up"
        elif data.liked is False or data.liked == "Dislike":
            vote = "down"
        else:  # a vote taken back
            return
        self.service.vote(turns_now[turn]["answer"], vote, asked_before(turns_now[:turn]))
        gr.Info("Thanks, your feedback was saved.", duration=3)


def asked_before(turns: list[dict]) -> list[str]:
    """The questions of these turns that were asked, oldest first: a turn's history, as it was answered and as its
    vote records it (a question that could not be asked is no context)."""
    return [t["question"] for t in turns if t.get("answer")]
