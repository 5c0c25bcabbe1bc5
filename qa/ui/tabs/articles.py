"""The Articles tab: the articles on a time axis, the table of every indexed article (a row opens the article beside
it, or below it on a narrow screen, scrolled into view), adding an article by upload, removing an uploaded one, and
re-scanning the articles folder."""

from __future__ import annotations

import gradio as gr

from qa.index import StoreError
from qa.ingest import IngestBusy
from qa.ui import render
from qa.ui.assets import ARTICLE_JS, ARTICLES_JS
from qa.ui.tabs.shared import Tab, article_view_html, header_html


class ArticlesTab(Tab):
    # What the tab shows, read afresh from the index -----------------------------------------------------------------
    def table(self) -> str:
        return render.articles_table_html(self.service.articles())

    def timeline(self) -> str:
        return render.timeline_svg([(e.doc, e.title, e.published, e.outlet)
                                    for e in self.service.manifest().values()])

    def removable(self) -> list[str]:
        return [a["doc"] for a in self.service.articles() if a["removable"]]

    # Layout -------------------------------------------------------------------------------------------------------
    def build(self) -> None:
        with gr.Tab("Articles", id="articles") as self.tab:
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=300):
                    self.timeline_view = gr.HTML(self.timeline(), elem_id="qa-timeline")
                    self.table_view = gr.HTML(self.table(), elem_id="qa-articles", js_on_load=ARTICLES_JS)
                with gr.Column(scale=2, min_width=300):
                    self.article = gr.HTML(render.article_placeholder_html("Click a row of the table to read the "
                                                                           "article here."),
                                           elem_id="qa-browse-article", js_on_load=ARTICLE_JS)
            with gr.Row(equal_height=False):
                with gr.Column(min_width=300):
                    gr.Markdown("### Add an article")
                    self.upload = gr.File(
                        label=f"A .txt, .md or .html file, up to {self.settings.max_file_bytes:,} bytes",
                        file_types=[".txt", ".md", ".html", ".htm"], type="filepath", elem_id="qa-upload")
                    self.save_as = gr.Textbox(label="Save as (optional)", placeholder="name.txt",
                                              info="Stored in uploads/ under a safe name; an existing file is never "
                                                   "replaced.")
                    self.add = gr.Button("Add and index", variant="primary")
                with gr.Column(min_width=300):
                    gr.Markdown("### Remove an uploaded article")
                    self.remove_choice = gr.Dropdown(self.removable(), value=None, label="Uploaded article",
                                                     allow_custom_value=False)
                    self.remove = gr.Button("Remove and re-index", variant="stop")
                    gr.Markdown("### Articles changed on disk")
                    self.rescan = gr.Button("Re-scan the articles folder")
            self.status = gr.HTML(elem_id="qa-change-status")
        self._register()

    def _register(self) -> None:
        changed = [self.status, self.table_view, self.timeline_view, self.remove_choice, self.shared.header]
        self.add.click(self.add_uploaded, [self.upload, self.save_as], changed + [self.upload, self.save_as],
                       api_visibility="private")
        self.remove.click(self.remove_chosen, [self.remove_choice], changed, api_visibility="private")
        self.rescan.click(self.rescan_folder, None, changed, api_visibility="private")
        self.table_view.click(self.browse, None, self.article, api_visibility="private", show_progress="hidden")
        self.tab.select(self.articles_now, None,
                        [self.table_view, self.timeline_view, self.remove_choice, self.shared.header],
                        api_visibility="private", show_progress="hidden")

    # Events -------------------------------------------------------------------------------------------------------
    def refreshed(self, result: dict) -> tuple:
        """The outcome of a change, and everything it changed."""
        text = render.status_html(result["ok"], result["message"], result.get("index") or "")
        return (text, self.table(), self.timeline(), gr.Dropdown(choices=self.removable(), value=None),
                header_html(self.service))

    def add_uploaded(self, path, name):
        return self.refreshed(self.service.add_article(path, name or "").to_json()) + (None, "")

    def remove_chosen(self, doc):
        if not doc:
            return self.refreshed({"ok": False, "message": "Choose an uploaded article to remove."})
        return self.refreshed(self.service.remove_article(doc).to_json())

    def rescan_folder(self, progress=gr.Progress()):
        """Re-index the folder; a long run shows how many articles are done and, from the pace, the time left."""

        def step(done: int, total: int) -> None:
            progress((done, total), desc=f"indexing: {done:,} of {total:,} articles", unit="articles")

        try:
            return self.refreshed({"ok": True, "message": "Articles folder re-scanned.",
                                   "index": self.service.reindex(step)})
        except (IngestBusy, StoreError) as err:
            return self.refreshed({"ok": False, "message": f"Not re-scanned: {err}"})

    def browse(self, evt: gr.EventData):
        """A row of the table was clicked: the whole article, from its first line."""
        data = getattr(evt, "_data", None) or {}
        doc = str(data.get("doc") or "")
        if not doc:
            return gr.skip()
        return article_view_html(self.service, doc, missing="The article {doc} is not in the index.")

    def articles_now(self):  # the index may have changed through the API or another browser
        return (self.table(), self.timeline(), gr.Dropdown(choices=self.removable()), header_html(self.service))
