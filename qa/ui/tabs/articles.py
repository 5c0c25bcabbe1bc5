"""The Articles tab: the articles on a time axis, the table of every indexed article (a row opens it), adding an
article by upload, removing an uploaded one, and re-scanning the articles folder."""

from __future__ import annotations

import gradio as gr

from qa.index import StoreError
from qa.ingest import IngestBusy
from qa.ui import render
from qa.ui.assets import ARTICLE_JS
from qa.ui.tabs.shared import Shared, article_view_html, header_html


class ArticlesTab:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.service = shared.service
        self.settings = shared.settings

    # What the tab shows, read afresh from the index -----------------------------------------------------------------
    def rows(self) -> list[list]:
        return [[a["title"], a["published"] or "—", a["outlet"] or "—", a["passages"], a["doc"]]
                for a in self.service.articles()]

    def timeline(self) -> str:
        return render.timeline_svg([(e.doc, e.title, e.published, e.outlet)
                                    for e in self.service.manifest().values()])

    def removable(self) -> list[str]:
        return [a["doc"] for a in self.service.articles() if a["removable"]]

    # Layout -------------------------------------------------------------------------------------------------------
    def build(self) -> None:
        with gr.Tab("Articles", id="articles") as self.tab:
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    self.timeline_view = gr.HTML(self.timeline(), elem_id="qa-timeline")
                    self.table = gr.Dataframe(
                        self.rows(), headers=["Title", "Date", "Outlet", "Passages", "File"],
                        datatype=["str", "str", "str", "number", "str"], interactive=False, wrap=True,
                        label="Indexed articles (click a row to read it)", elem_id="qa-articles", max_height=420,
                        column_widths=["38%", "12%", "14%", "12%", "24%"],
                    )
                with gr.Column(scale=2):
                    gr.Markdown("### Add an article")
                    self.upload = gr.File(
                        label=f"A .txt, .md or .html file, up to {self.settings.max_file_bytes:,} bytes",
                        file_types=[".txt", ".md", ".html", ".htm"], type="filepath", elem_id="qa-upload")
                    self.save_as = gr.Textbox(label="Save as (optional)", placeholder="name.txt",
                                              info="Stored in uploads/ under a safe name; an existing file is never "
                                                   "replaced.")
                    self.add = gr.Button("Add and index", variant="primary")
                    gr.Markdown("### Remove an uploaded article")
                    self.remove_choice = gr.Dropdown(self.removable(), value=None, label="Uploaded article",
                                                     allow_custom_value=False)
                    self.remove = gr.Button("Remove and re-index", variant="stop")
                    self.rescan = gr.Button("Re-scan the articles folder")
                    self.status = gr.HTML(elem_id="qa-change-status")
            self.article = gr.HTML(render.article_placeholder_html(), js_on_load=ARTICLE_JS)
        self._register()

    def _register(self) -> None:
        changed = [self.status, self.table, self.timeline_view, self.remove_choice, self.shared.header]
        self.add.click(self.add_uploaded, [self.upload, self.save_as], changed + [self.upload, self.save_as],
                       api_visibility="private")
        self.remove.click(self.remove_chosen, [self.remove_choice], changed, api_visibility="private")
        self.rescan.click(self.rescan_folder, None, changed, api_visibility="private")
        self.table.select(self.browse, None, self.article, api_visibility="private")
        self.tab.select(self.articles_now, None,
                        [self.table, self.timeline_view, self.remove_choice, self.shared.header],
                        api_visibility="private", show_progress="hidden")

    # Events -------------------------------------------------------------------------------------------------------
    def refreshed(self, result: dict) -> tuple:
        """The outcome of a change, and everything it changed."""
        text = render.status_html(result["ok"], result["message"], result.get("index") or "")
        return (text, self.rows(), self.timeline(), gr.Dropdown(choices=self.removable(), value=None),
                header_html(self.service))

    def add_uploaded(self, path, name):
        return self.refreshed(self.service.add_article(path, name or "").to_json()) + (None, "")

    def remove_chosen(self, doc):
        if not doc:
            return self.refreshed({"ok": False, "message": "Choose an uploaded article to remove."})
        return self.refreshed(self.service.remove_article(doc).to_json())

    def rescan_folder(self):
        try:
            return self.refreshed({"ok": True, "message": "Articles folder re-scanned.",
                                   "index": self.service.reindex()})
        except (IngestBusy, StoreError) as err:
            return self.refreshed({"ok": False, "message": f"Not re-scanned: {err}"})

    def browse(self, evt: gr.SelectData):
        row = evt.row_value or []
        doc = str(row[-1]) if row else ""
        return article_view_html(self.service, doc, missing="The article {doc} is not in the index.")

    def articles_now(self):  # the index may have changed through the API or another browser
        return (self.rows(), self.timeline(), gr.Dropdown(choices=self.removable()), header_html(self.service))
