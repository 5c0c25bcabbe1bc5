"""The Timeline tab: every sentence that mentions a date, in date order; an event opens its article at its lines."""

from __future__ import annotations

import gradio as gr

from qa.ui import render
from qa.ui.assets import ARTICLE_JS, TIMELINE_JS
from qa.ui.tabs.shared import Tab, article_view_html


class TimelineTab(Tab):
    def build(self) -> None:
        with gr.Tab("Timeline", id="timeline") as tab:
            with gr.Row(equal_height=False):
                with gr.Column(scale=5):
                    gr.Markdown("Every sentence of the articles that mentions a date, in date order; relative "
                                "dates (“Monday”, “last year”) are resolved against the article's publication "
                                "date. Click an event to read it in its article.")
                    events = gr.HTML(elem_id="qa-events", js_on_load=TIMELINE_JS)
                with gr.Column(scale=4):
                    article = gr.HTML(render.article_placeholder_html(), elem_id="qa-event-article",
                                      js_on_load=ARTICLE_JS)
        # Rebuilt each time the tab is opened, so uploads show up.
        tab.select(self.events_now, None, events, api_visibility="private", show_progress="hidden")
        events.click(self.open_event, None, article, api_visibility="private", show_progress="hidden")

    def events_now(self) -> str:
        return render.events_html(self.service.timeline())

    def open_event(self, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        try:
            doc, start, end = str(data["doc"]), int(data["start"]), int(data["end"])
        except (KeyError, TypeError, ValueError):
            return gr.skip()
        quote = next((e.quote for e in self.service.timeline()
                      if e.doc == doc and e.start_line == start and e.end_line == end), "")
        return article_view_html(self.service, doc, start, end, quote, kind="event")
