"""The Evaluate tab: run a question set (from `Settings.question_sets_dir`) through the app's engine and show the
metrics of `qa eval`, a pass/fail bar per kind, a row per question, and the answers as a JSONL file."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import gradio as gr

from qa.ui import render
from qa.ui.service import EvalResult
from qa.ui.tabs.shared import Shared, mode_choice


def question_rows(result: EvalResult) -> list[list]:
    return [["pass" if r["pass"] else "FAIL", r["id"], r["kind"], r["question"], r["facts"] or "—",
             "—" if r["cited_gold"] is None else ("yes" if r["cited_gold"] else "no"), r["rank"] or "—", r["ms"]]
            for r in result.rows]


def kind_counts(result: EvalResult) -> list[tuple[str, int, int]]:
    """(kind, passed, failed) for each kind of question in the set."""
    out = []
    for kind in sorted({r["kind"] for r in result.rows}):
        passed = sum(1 for r in result.rows if r["kind"] == kind and r["pass"])
        total = sum(1 for r in result.rows if r["kind"] == kind)
        out.append((kind, passed, total - passed))
    return out


class EvaluateTab:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.service = shared.service

    def build(self) -> None:
        sets = [p.name for p in self.service.question_sets()]
        folder = self.shared.settings.question_sets_dir
        with gr.Tab("Evaluate", id="evaluate"):
            with gr.Row():
                choice = gr.Dropdown(sets, value=sets[0] if sets else None, label="Question set",
                                     info=f"{folder}/*.jsonl (CONTRACT.md format; QA_QUESTION_SETS_DIR)", scale=3)
                mode = mode_choice(self.shared, scale=2)
                run = gr.Button("Run evaluation", variant="primary", scale=1)
            note = gr.Markdown(self._missing_sets_note())
            with gr.Row(equal_height=False):
                metrics = gr.HTML(min_height=60, scale=3)
                kinds = gr.HTML(scale=2)
            table = gr.Dataframe(
                headers=["result", "id", "kind", "question", "facts", "cited gold", "rank", "ms"],
                datatype=["str", "str", "str", "str", "str", "str", "str", "number"],
                interactive=False, wrap=True, label="Per question", max_height=560,
                column_widths=["7%", "7%", "11%", "47%", "7%", "8%", "6%", "7%"],
            )
            answers = gr.File(label="Answers (JSONL, one answer object per line)", interactive=False, height=90,
                              visible=False)
        run.click(self.run, [choice, mode], [note, metrics, kinds, table, answers], api_visibility="private",
                  concurrency_id="evaluate", concurrency_limit=1, show_progress_on=metrics)

    def _missing_sets_note(self) -> str:
        problem = self.service.question_sets_problem()
        return f"**No question sets.** {problem}" if problem else ""

    def run(self, name, mode_now, progress=gr.Progress()):
        if not name:
            raise gr.Error(self.service.question_sets_problem() or "Choose a question set.")

        def step(done, total, label):
            progress((done, total), desc=f"question {label}", unit="questions")

        result = self.service.evaluate(name, mode_now, step)
        note = ""
        if result.missing_docs:
            note = (f"**Note:** {result.missing_docs} of {result.metrics['n']} questions cite articles that are "
                    "not in the index: this set was written for another corpus (set QA_ARTICLES_DIR).")
        out = Path(tempfile.mkdtemp(prefix="qa-eval-")) / f"answers-{Path(name).stem}.jsonl"
        out.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in result.answers), encoding="utf-8")
        passed = sum(r["pass"] for r in result.rows)
        title = f"{name}: {passed}/{len(result.rows)} passed"
        return (note, render.metrics_html(result.metrics, title), render.kind_bars_svg(kind_counts(result)),
                question_rows(result), gr.File(value=str(out), visible=True))
