"""The Gradio app: chat with cited answers, the articles, an evaluation runner and feedback.

    python app.py [--host 127.0.0.1] [--port 7860] [--share]     # or: qa serve, or qa.ui.app.serve()

Layout and events only; the work is in qa/ui/service.py, the HTML in qa/ui/render.py. docs/ui.md describes the tabs,
the API endpoints (for gradio_client) and the security defaults.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no phoning home
# Gradio's queue keeps a record of the last 10,000 events and, after every event, rebuilds a pandas summary of all of
# them for its monitoring page (which this app does not enable): measured 12 ms of CPU per event with 100 records,
# 48 ms with 10,000, so a long-running app got slower as it aged. Keep one record and never summarise.
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(2**62))

import argparse
import ipaddress
import json
import logging
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path

import gradio as gr

from qa.answer import QuestionError, resolve_mode
from qa.config import Settings, get_settings
from qa.index import StoreError
from qa.ingest import IngestBusy
from qa.ui import render
from qa.ui.assets import ARTICLE_JS, CSS, EVIDENCE_JS, TIMELINE_JS
from qa.ui.service import Service

log = logging.getLogger(__name__)

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
BUNDLED_EXAMPLES = [
    "How long is the border between Iran and Azerbaijan?",
    "Where was the first 3+3 meeting held?",
    "What did Zarif say about the Caucasus?",
    "Who won the 2018 football World Cup?",
]
GENERIC_EXAMPLES = ["What are these articles about?"]
UPLOAD_CAP_EXTRA = 1_000_000  # gradio refuses bigger uploads outright; ours give the reason up to the limit
RESTART = object()  # in the token queue: the text streamed so far is withdrawn


class UnsafeLaunch(SystemExit):
    pass


# Helpers ------------------------------------------------------------------------------------------------------------
def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def auth_from_env() -> tuple[str, str] | None:
    """QA_AUTH=user:password, or None. A malformed value is an error, not silently no auth."""
    value = os.environ.get("QA_AUTH", "")
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise UnsafeLaunch("QA_AUTH must look like user:password")
    return user, password


def check_exposure(host: str, share: bool) -> tuple[str, str] | None:
    """The auth to use. Refuses to expose the app beyond this machine without QA_AUTH."""
    auth = auth_from_env()
    if (share or not is_loopback(host)) and auth is None:
        what = "--share (a public gradio.live link)" if share else f"--host {host} (reachable from other machines)"
        raise UnsafeLaunch(
            f"refusing to start with {what} without a password: set QA_AUTH=user:password, "
            "or bind to 127.0.0.1 (the default)."
        )
    return auth


def example_questions(service: Service) -> list[str]:
    manifest = service.manifest()
    from qa.config import PROJECT_ROOT

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


def _messages(turns: list[dict]) -> list[dict]:
    out = []
    for t in turns:
        out.append({"role": "user", "content": render.user_message_html(t["question"])})
        out.append({"role": "assistant", "content": t["message"]})
    return out


def _article_rows(service: Service) -> list[list]:
    return [[a["title"], a["published"] or "—", a["outlet"] or "—", a["passages"], a["doc"]]
            for a in service.articles()]


def _timeline(service: Service) -> str:
    return render.timeline_svg([(e.doc, e.title, e.published, e.outlet) for e in service.manifest().values()])


def _removable(service: Service) -> list[str]:
    return [a["doc"] for a in service.articles() if a["removable"]]


def _header(service: Service) -> str:
    count = len(service.manifest())
    return (
        '<div id="qa-header"><h1>Ask the news archive</h1>'
        f"<p>{count} articles indexed · every answer cites the exact lines it comes from · click a numbered chip or "
        "a source to read the article</p></div>"
    )


# The app ------------------------------------------------------------------------------------------------------------
def build_app(settings: Settings | None = None, service: Service | None = None) -> gr.Blocks:
    settings = settings or get_settings()
    service = service or Service(settings)
    service.start()
    llm_label = f"LLM ({settings.llm_model})"
    examples = example_questions(service)

    with gr.Blocks(title="News QA", analytics_enabled=False, fill_width=True) as demo:
        demo.qa_service = service  # for tests and embedding
        header = gr.HTML(_header(service))
        turns = gr.State([])

        with gr.Tabs():
            # Ask ----------------------------------------------------------------------------------------------------
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=380):
                        chatbot = gr.Chatbot(
                            elem_id="qa-chat", show_label=False, height=600, render_markdown=False,
                            sanitize_html=True, allow_tags=False, latex_delimiters=[], buttons=["copy"],
                            feedback_options=("Like", "Dislike"), layout="bubble",
                            placeholder="<b>Ask a question about the news articles.</b><br>"
                                        "Answers quote the articles and cite file and line.",
                            examples=[{"text": q} for q in examples],
                        )
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                elem_id="qa-question", show_label=False, scale=6, max_lines=4, autofocus=True,
                                placeholder="Ask about the articles…", container=False,
                            )
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-send")
                        with gr.Accordion("Settings", open=False, elem_id="qa-settings"):
                            mode = gr.Radio(
                                [("Offline extractive", "extractive"), (llm_label, "llm")],
                                value=resolve_mode(None, settings), label="Answer mode",
                                interactive=service.llm_available,
                                info=None if service.llm_available else
                                "LLM mode needs OPENAI_API_KEY or OPENAI_BASE_URL (see docs/configuration.md).",
                            )
                            top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to retrieve")
                            with gr.Row():
                                since = gr.Textbox(label="Sources from", placeholder="e.g. 2021 or 2021-06",
                                                   elem_id="qa-since", max_lines=1)
                                until = gr.Textbox(label="Sources until", placeholder="e.g. 2021-12-31",
                                                   elem_id="qa-until", max_lines=1)
                            show_passages = gr.Checkbox(False, label="Show retrieved passages with scores")
                    with gr.Column(scale=4, min_width=320):
                        evidence = gr.HTML(render.evidence_placeholder_html(len(service.manifest())),
                                           elem_id="qa-evidence", js_on_load=EVIDENCE_JS)
                    with gr.Column(scale=4, min_width=320):
                        article_view = gr.HTML(render.article_placeholder_html(), elem_id="qa-article",
                                               js_on_load=ARTICLE_JS)

            # Articles -----------------------------------------------------------------------------------------------
            with gr.Tab("Articles", id="articles") as articles_tab:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        timeline = gr.HTML(_timeline(service), elem_id="qa-timeline")
                        table = gr.Dataframe(
                            _article_rows(service), headers=["Title", "Date", "Outlet", "Passages", "File"],
                            datatype=["str", "str", "str", "number", "str"], interactive=False, wrap=True,
                            label="Indexed articles (click a row to read it)", elem_id="qa-articles", max_height=420,
                            column_widths=["38%", "12%", "14%", "12%", "24%"],
                        )
                    with gr.Column(scale=2):
                        gr.Markdown("### Add an article")
                        upload = gr.File(label=f"A .txt, .md or .html file, up to {settings.max_file_bytes:,} bytes",
                                         file_types=[".txt", ".md", ".html", ".htm"], type="filepath",
                                         elem_id="qa-upload")
                        save_as = gr.Textbox(label="Save as (optional)", placeholder="name.txt",
                                             info="Stored in uploads/ under a safe name; an existing file is never "
                                                  "replaced.")
                        add = gr.Button("Add and index", variant="primary")
                        gr.Markdown("### Remove an uploaded article")
                        remove_choice = gr.Dropdown(_removable(service), value=None, label="Uploaded article",
                                                    allow_custom_value=False)
                        remove = gr.Button("Remove and re-index", variant="stop")
                        rescan = gr.Button("Re-scan the articles folder")
                        change_status = gr.HTML(elem_id="qa-change-status")
                browse_view = gr.HTML(render.article_placeholder_html(), js_on_load=ARTICLE_JS)

            # Timeline -----------------------------------------------------------------------------------------------
            with gr.Tab("Timeline", id="timeline") as timeline_tab:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5):
                        gr.Markdown("Every sentence of the articles that mentions a date, in date order; relative "
                                    "dates (“Monday”, “last year”) are resolved against the article's publication "
                                    "date. Click an event to read it in its article.")
                        events_view = gr.HTML(elem_id="qa-events", js_on_load=TIMELINE_JS)
                    with gr.Column(scale=4):
                        event_article = gr.HTML(render.article_placeholder_html(), elem_id="qa-event-article",
                                                js_on_load=ARTICLE_JS)

            # Evaluate -----------------------------------------------------------------------------------------------
            with gr.Tab("Evaluate", id="evaluate"):
                sets = [p.name for p in service.question_sets()]
                with gr.Row():
                    set_choice = gr.Dropdown(sets, value=sets[0] if sets else None, label="Question set",
                                             info="tests/questions/*.jsonl (CONTRACT.md format)", scale=3)
                    eval_mode = gr.Radio([("Offline extractive", "extractive"), (llm_label, "llm")],
                                         value=resolve_mode(None, settings), label="Answer mode",
                                         interactive=service.llm_available, scale=2)
                    run = gr.Button("Run evaluation", variant="primary", scale=1)
                eval_note = gr.Markdown()
                with gr.Row(equal_height=False):
                    metrics_view = gr.HTML(min_height=60, scale=3)
                    kinds_view = gr.HTML(scale=2)
                eval_table = gr.Dataframe(
                    headers=["result", "id", "kind", "question", "facts", "cited gold", "rank", "ms"],
                    datatype=["str", "str", "str", "str", "str", "str", "str", "number"],
                    interactive=False, wrap=True, label="Per question", max_height=560,
                    column_widths=["7%", "7%", "11%", "47%", "7%", "8%", "6%", "7%"],
                )
                eval_file = gr.File(label="Answers (JSONL, one answer object per line)", interactive=False,
                                    height=90, visible=False)

            # Feedback -----------------------------------------------------------------------------------------------
            with gr.Tab("Feedback", id="feedback") as feedback_tab:
                gr.Markdown(
                    "Thumbs up / down under an answer are saved to `feedback.jsonl` in the index folder. "
                    "**Export** turns upvoted answers into a draft question set (CONTRACT.md format): the cited lines "
                    "become `sources`, numbers and names from the cited sentences become `must` (review before use); "
                    "an upvoted refusal becomes an unanswerable question."
                )
                feedback_counts = gr.Markdown()
                with gr.Row():
                    export = gr.Button("Export feedback as a question set", variant="primary", scale=1)
                    export_file = gr.File(label="Question set (JSONL)", interactive=False, height=90, scale=2,
                                          visible=False)
                feedback_table = gr.Dataframe(headers=["time (UTC)", "vote", "question", "answer"],
                                              datatype=["str", "str", "str", "str"], interactive=False, wrap=True,
                                              label="Latest feedback", max_height=420,
                                              column_widths=["16%", "7%", "32%", "45%"])

        # Events: Ask ------------------------------------------------------------------------------------------------
        def respond(message, turns_now, mode_now, k, passages_on, since_now, until_now):
            text = (message or "").strip()
            turns_now = list(turns_now or [])
            if not text:
                yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
                return
            turn = len(turns_now)
            history = [t["question"] for t in turns_now]
            shown = _messages(turns_now) + [{"role": "user", "content": render.user_message_html(text)}]
            yield shown + [{"role": "assistant", "content": render.partial_message_html("")}], "", gr.skip(), gr.skip()

            tokens: queue.Queue = queue.Queue()
            outcome: dict = {}

            def work():
                try:
                    outcome["answer"] = service.ask(text, history, k, mode_now, on_token=tokens.put,
                                                    since=since_now, until=until_now, on_restart=lambda: tokens.put(RESTART))
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
                    yield (shown + [{"role": "assistant", "content": render.partial_message_html("")}],
                           gr.skip(), gr.skip(), gr.skip())
                    continue
                if len(token) > 120 and not received:  # a whole answer at once (extractive): reveal it briefly
                    words = token.split(" ")
                    step = max(1, len(words) // 8)
                    for end in range(step, len(words), step):
                        yield (shown + [{"role": "assistant",
                                         "content": render.partial_message_html(" ".join(words[:end]))}],
                               gr.skip(), gr.skip(), gr.skip())
                        time.sleep(0.03)
                received += token
                draft = getattr(token, "provisional", False)  # an LLM draft until the checked answer arrives
                if time.monotonic() - last > 0.05:
                    last = time.monotonic()
                    yield (shown + [{"role": "assistant", "content": render.partial_message_html(received, draft)}],
                           gr.skip(), gr.skip(), gr.skip())

            answer = outcome.get("answer")
            if answer is None:
                err = outcome.get("error")
                record = {"question": text, "answer": None, "evidence": "",
                          "message": render.error_message_html(f"The question could not be answered: {err}")}
                turns_now.append(record)
                yield _messages(turns_now), gr.skip(), gr.skip(), turns_now
                return
            record = {
                "question": text,
                "answer": answer.to_json(),
                "message": render.answer_message_html(answer, turn, settings.llm_model),
                "evidence": render.evidence_html(answer, turn, service.lines_of, service.describe, bool(passages_on)),
            }
            turns_now.append(record)
            yield _messages(turns_now), gr.skip(), record["evidence"], turns_now

        chat_inputs = [question, turns, mode, top_k, show_passages, since, until]
        chat_outputs = [chatbot, question, evidence, turns]
        question.submit(respond, chat_inputs, chat_outputs, api_visibility="private", concurrency_id="answer",
                        concurrency_limit=8)
        send.click(respond, chat_inputs, chat_outputs, api_visibility="private", concurrency_id="answer",
                   concurrency_limit=8)

        def pick_example(evt: gr.SelectData):
            return evt.value["text"] if isinstance(evt.value, dict) else str(evt.value)

        chatbot.example_select(pick_example, None, question, api_visibility="private").then(
            respond, chat_inputs, chat_outputs, api_visibility="private", concurrency_id="answer",
            concurrency_limit=8)

        def new_chat():
            return [], [], render.evidence_placeholder_html(len(service.manifest())), render.article_placeholder_html()

        chatbot.clear(new_chat, None, [chatbot, turns, evidence, article_view], api_visibility="private")

        def open_source(turns_now, evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            turns_now = turns_now or []
            quote, shown_evidence = "", gr.skip()
            try:
                if "n" in data:
                    t = turns_now[int(data["turn"])]
                    c = next(c for c in (t["answer"] or {}).get("citations", []) if c["n"] == int(data["n"]))
                    doc, start, end, quote = c["doc"], c["start_line"], c["end_line"], c.get("quote", "")
                    shown_evidence = t["evidence"]
                elif "doc" in data:
                    doc, start, end = str(data["doc"]), int(data.get("start") or 0), int(data.get("end") or 0)
                else:
                    return gr.skip(), gr.skip()
            except (IndexError, KeyError, StopIteration, TypeError, ValueError):
                return gr.skip(), render.notice_html("That citation is no longer available (a new chat started).")
            article = service.article(doc)
            if article is None:
                return shown_evidence, render.notice_html(f"The article {doc} is no longer in the index.")
            return shown_evidence, render.article_html(article, start, end, quote, service.describe(doc))

        evidence.click(open_source, [turns], [evidence, article_view], api_visibility="private",
                       show_progress="hidden")

        def on_like(turns_now, data: gr.LikeData):
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
            service.vote(turns_now[turn]["answer"], vote)
            gr.Info("Thanks, your feedback was saved.", duration=3)

        chatbot.like(on_like, [turns], None, api_visibility="private")

        # Events: Articles -------------------------------------------------------------------------------------------
        def refreshed(result: dict):
            text = render.status_html(result["ok"], result["message"], result.get("index") or "")
            return (text, _article_rows(service), _timeline(service),
                    gr.Dropdown(choices=_removable(service), value=None), _header(service))

        change_outputs = [change_status, table, timeline, remove_choice, header]

        def add_ui(path, name):
            return refreshed(service.add_article(path, name or "").to_json()) + (None, "")

        add.click(add_ui, [upload, save_as], change_outputs + [upload, save_as], api_visibility="private")

        def remove_ui(doc):
            if not doc:
                return refreshed({"ok": False, "message": "Choose an uploaded article to remove."})
            return refreshed(service.remove_article(doc).to_json())

        remove.click(remove_ui, [remove_choice], change_outputs, api_visibility="private")

        def rescan_ui():
            try:
                return refreshed({"ok": True, "message": "Articles folder re-scanned.", "index": service.reindex()})
            except (IngestBusy, StoreError) as err:
                return refreshed({"ok": False, "message": f"Not re-scanned: {err}"})

        rescan.click(rescan_ui, None, change_outputs, api_visibility="private")

        def browse(evt: gr.SelectData):
            row = evt.row_value or []
            doc = str(row[-1]) if row else ""
            article = service.article(doc)
            if article is None:
                return render.notice_html(f"The article {doc} is not in the index.")
            return render.article_html(article, info=service.describe(doc))

        table.select(browse, None, browse_view, api_visibility="private")

        def articles_now():  # the index may have changed through the API or another browser
            return (_article_rows(service), _timeline(service), gr.Dropdown(choices=_removable(service)),
                    _header(service))

        articles_tab.select(articles_now, None, [table, timeline, remove_choice, header], api_visibility="private",
                            show_progress="hidden")

        # Events: Timeline -------------------------------------------------------------------------------------------
        def timeline_now():
            return render.events_html(service.timeline())

        timeline_tab.select(timeline_now, None, events_view, api_visibility="private", show_progress="hidden")

        def open_event(evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            try:
                doc, start, end = str(data["doc"]), int(data["start"]), int(data["end"])
            except (KeyError, TypeError, ValueError):
                return gr.skip()
            article = service.article(doc)
            if article is None:
                return render.notice_html(f"The article {doc} is no longer in the index.")
            quote = next((e.quote for e in service.timeline()
                          if e.doc == doc and e.start_line == start and e.end_line == end), "")
            return render.article_html(article, start, end, quote, service.describe(doc))

        events_view.click(open_event, None, event_article, api_visibility="private", show_progress="hidden")

        # Events: Evaluate -------------------------------------------------------------------------------------------
        def run_eval(name, mode_now, progress=gr.Progress()):
            if not name:
                raise gr.Error("Choose a question set.")

            def step(done, total, label):
                progress((done, total), desc=f"question {label}", unit="questions")

            result = service.evaluate(name, mode_now, step)
            note = ""
            if result.missing_docs:
                note = (f"**Note:** {result.missing_docs} of {result.metrics['n']} questions cite articles that are "
                        "not in the index: this set was written for another corpus (set QA_ARTICLES_DIR).")
            rows = [["pass" if r["pass"] else "FAIL", r["id"], r["kind"], r["question"], r["facts"] or "—",
                     "—" if r["cited_gold"] is None else ("yes" if r["cited_gold"] else "no"),
                     r["rank"] or "—", r["ms"]] for r in result.rows]
            kinds = []
            for kind in sorted({r["kind"] for r in result.rows}):
                passed = sum(1 for r in result.rows if r["kind"] == kind and r["pass"])
                total = sum(1 for r in result.rows if r["kind"] == kind)
                kinds.append((kind, passed, total - passed))
            out = Path(tempfile.mkdtemp(prefix="qa-eval-")) / f"answers-{Path(name).stem}.jsonl"
            out.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in result.answers), encoding="utf-8")
            passed_all = sum(r["pass"] for r in result.rows)
            title = f"{name}: {passed_all}/{len(result.rows)} passed"
            return (note, render.metrics_html(result.metrics, title), render.kind_bars_svg(kinds), rows,
                    gr.File(value=str(out), visible=True))

        run.click(run_eval, [set_choice, eval_mode], [eval_note, metrics_view, kinds_view, eval_table, eval_file],
                  api_visibility="private", concurrency_id="evaluate", concurrency_limit=1,
                  show_progress_on=metrics_view)

        # Events: Feedback -------------------------------------------------------------------------------------------
        def feedback_summary():
            from qa.ui import feedback

            rows = feedback.read(settings.store_dir)
            up = sum(r.get("vote") == "up" for r in rows)
            text = f"**{up}** up and **{len(rows) - up}** down recorded so far."
            latest = [[str(r.get("timestamp", ""))[:19].replace("T", " "), r.get("vote", ""), r["question"],
                       str(r.get("answer", ""))[:300]] for r in reversed(rows[-50:])]
            return text, latest

        def export_ui():
            path, written, left_out = service.export_feedback()
            gr.Info(f"{written} questions exported; {left_out} feedback entries left out (downvotes, or no facts "
                    "to check).", duration=6)
            return (gr.File(value=str(path), visible=True), *feedback_summary())

        export.click(export_ui, None, [export_file, feedback_counts, feedback_table], api_visibility="private")
        feedback_tab.select(feedback_summary, None, [feedback_counts, feedback_table], api_visibility="private")

        # Named API endpoints for gradio_client (docs/ui.md) ---------------------------------------------------------
        def ask(question: str, history: list[str] | None = None, top_k: int = 0, mode: str = "", since: str = "",
                until: str = "") -> dict:
            """Answer a question. `history`: the previous user questions, oldest first, for follow-ups.
            `top_k`: passages to retrieve (0: the configured default). `mode`: "extractive", "llm" or "" (default).
            `since`, `until`: only sources in this date range ("2021", "2021-12", "2021-12-23"; "" for open).
            Returns the answer object of CONTRACT.md."""
            try:
                return service.ask(question, history or [], top_k or None, mode or None, since=since or None,
                                   until=until or None).to_json()
            except (QuestionError, StoreError) as err:
                raise gr.Error(render.esc(err)) from None

        def timeline() -> list[dict]:
            """Every sentence of the indexed articles that mentions a date, earliest first: first, last (ISO days
            the date may mean), when, phrase, doc, start_line, end_line, quote, title."""
            return [e.to_json() for e in service.timeline()]

        def articles() -> list[dict]:
            """Every indexed article: doc, title, published (ISO date or null), outlet, passages, removable."""
            return service.articles()

        def article(doc: str, start_line: int = 0, end_line: int = 0) -> str:
            """The article `doc` as HTML with numbered lines, lines start_line..end_line highlighted (0: none).
            Article text is always escaped."""
            found = service.article(doc)
            if found is None:
                raise gr.Error(f"unknown article {render.esc(repr(doc))}")
            return render.article_html(found, start_line, end_line, info=service.describe(doc))

        def remove_article(doc: str) -> dict:
            """Remove an uploaded article (uploads/NAME) and re-index. Returns {ok, message, doc, index}."""
            return service.remove_article(doc).to_json()

        def feedback(answer: dict, vote: str) -> dict:
            """Record a vote ("up" or "down") on an answer object as returned by /ask. Returns the saved line."""
            try:
                return service.vote(answer, vote)
            except ValueError as err:
                raise gr.Error(render.esc(err)) from None

        def question_sets() -> list[str]:
            """The question sets the /evaluate endpoint can run (file names in tests/questions/)."""
            return [p.name for p in service.question_sets()]

        def evaluate(question_set: str, mode: str = "") -> dict:
            """Run a question set; returns metrics, metrics by kind and a pass/fail row per question."""
            try:
                return service.evaluate(question_set, mode or None).to_json()
            except ValueError as err:
                raise gr.Error(render.esc(err)) from None

        gr.api(ask, api_name="ask", concurrency_id="answer", concurrency_limit=8)
        gr.api(articles, api_name="articles", concurrency_limit=None)
        gr.api(timeline, api_name="timeline", concurrency_limit=None)
        gr.api(article, api_name="article", concurrency_limit=None)
        gr.api(remove_article, api_name="remove_article")
        gr.api(feedback, api_name="feedback")
        gr.api(question_sets, api_name="question_sets", concurrency_limit=None)
        gr.api(evaluate, api_name="evaluate", concurrency_id="evaluate", concurrency_limit=1)

        # Upload needs a file component to carry the file; these stay hidden.
        api_file = gr.File(visible=False, type="filepath")
        api_name = gr.Textbox(visible=False)
        api_result = gr.JSON(visible=False)
        api_button = gr.Button(visible=False)

        def upload_article(file: str | None, filename: str) -> dict:
            """Add an article: the file, and optionally the name to store it under (made safe). Returns
            {ok, message, doc, index}."""
            return service.add_article(file, filename or "").to_json()

        api_button.click(upload_article, [api_file, api_name], api_result, api_name="upload_article")

    return demo


# Launching ----------------------------------------------------------------------------------------------------------
def launch_kwargs(settings: Settings, host: str, port: int, share: bool, auth) -> dict:
    return dict(
        server_name=host, server_port=port, share=share, auth=auth, ssr_mode=False, pwa=False, mcp_server=False,
        enable_monitoring=False, show_error=False, footer_links=["api"],
        max_file_size=settings.max_file_bytes + UPLOAD_CAP_EXTRA, css=CSS,
        theme=gr.themes.Soft(primary_hue="blue", neutral_hue="slate",
                             font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]),
    )


def launch(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           block: bool = True, quiet: bool = False, service: Service | None = None) -> gr.Blocks:
    """Build and start the app. With block=False it runs in background threads (tests); `demo.close()` stops it."""
    settings = settings or (service.settings if service else get_settings())
    auth = check_exposure(host, share)
    demo = build_app(settings, service)
    demo.queue(default_concurrency_limit=4)
    demo.launch(prevent_thread_lock=not block, quiet=quiet, **launch_kwargs(settings, host, port, share, auth))
    return demo


def serve(host: str = "127.0.0.1", port: int = 7860, share: bool = False, settings: Settings | None = None) -> None:
    """Start the app and block (`qa serve` calls this)."""
    try:
        launch(settings, host, port, share, block=True)
    except UnsafeLaunch as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python app.py", description="The news QA chat in the browser.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--share", action="store_true", help="public gradio.live link (needs QA_AUTH=user:password)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    serve(args.host, args.port, args.share)
    return 0


if __name__ == "__main__":
    sys.exit(main())
