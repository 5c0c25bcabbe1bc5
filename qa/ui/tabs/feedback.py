"""The Feedback tab: the votes recorded so far, the latest ones, and their export as a draft question set."""

from __future__ import annotations

import gradio as gr

from qa.ui import feedback
from qa.ui.tabs.shared import Tab

ABOUT = (
    "Thumbs up / down under an answer are saved to `feedback.jsonl` in the index folder. "
    "**Export** turns upvoted answers into a draft question set (CONTRACT.md format): the cited lines "
    "become `sources`, numbers and names from the cited sentences become `must` (review before use); "
    "an upvoted refusal becomes an unanswerable question."
)


class FeedbackTab(Tab):
    def build(self) -> None:
        with gr.Tab("Feedback", id="feedback") as tab:
            gr.Markdown(ABOUT)
            counts = gr.Markdown()
            with gr.Row():
                export = gr.Button("Export feedback as a question set", variant="primary", scale=1)
                export_file = gr.File(label="Question set (JSONL)", interactive=False, height=90, scale=2,
                                      visible=False)
            table = gr.Dataframe(headers=["time (UTC)", "vote", "question", "answer"],
                                 datatype=["str", "str", "str", "str"], interactive=False, wrap=True,
                                 label="Latest feedback", max_height=420, column_widths=["16%", "7%", "32%", "45%"])
        export.click(self.export, None, [export_file, counts, table], api_visibility="private")
        tab.select(self.summary, None, [counts, table], api_visibility="private")

    def summary(self):
        rows = feedback.read(self.settings.store_dir)
        up = sum(r.get("vote") == "up" for r in rows)
        text = f"**{up}** up and **{len(rows) - up}** down recorded so far."
        latest = [[str(r.get("timestamp", ""))[:19].replace("T", " "), r.get("vote", ""), r["question"],
                   str(r.get("answer", ""))[:300]] for r in reversed(rows[-50:])]
        return text, latest

    def export(self):
        path, written, left_out = self.service.export_feedback()
        gr.Info(f"{written} question{'s' if written != 1 else ''} exported; {left_out} feedback "
                f"entr{'ies' if left_out != 1 else 'y'} left out (downvotes, or no facts to check).", duration=6)
        return (gr.File(value=str(path), visible=True), *self.summary())
