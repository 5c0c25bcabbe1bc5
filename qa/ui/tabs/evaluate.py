"""The Evaluate tab: run a question set (from `Settings.question_sets_dir`) through the app's engine and show the
metrics of `qa eval`, a pass/fail bar per kind, a row per question, and the answers as a JSONL file."""

from __future__ import annotations

import json
import queue
import tempfile
import threading
import time
from pathlib import Path

import gradio as gr

from qa.ui import render
from qa.ui.tabs.shared import Tab, mode_choice

UNANSWERABLE = "unanswerable"


def group_of(row: dict) -> str:
    """The bar a question counts in: its kind when it is answerable; every unanswerable question (whatever its kind,
    e.g. a time-scoped one about a time no article covers) counts in one "unanswerable" bar, so that bar and the
    summary's count of unanswerable questions agree."""
    return row["kind"] if row["answerable"] else UNANSWERABLE


def shown_kind(row: dict) -> str:
    if row["answerable"] or row["kind"] == UNANSWERABLE:
        return row["kind"]
    return f"{row['kind']} ({UNANSWERABLE})"


def question_rows(rows: list[dict]) -> list[list]:
    """A follow-up's question as the set gives it ("Who chaired it?") and as it was read."""
    return [["pass" if r["pass"] else "FAIL", r["id"], shown_kind(r),
             f"{r['question']} (read as: {r['read_as']})" if r.get("read_as") else r["question"], r["facts"] or "—",
             "—" if r["cited_gold"] is None else ("yes" if r["cited_gold"] else "no"), r["rank"] or "—", r["ms"]]
            for r in rows]


def kind_counts(rows: list[dict]) -> list[tuple[str, int, int]]:
    """(kind, passed, failed) for each kind of answerable question, then for the unanswerable ones. `rows`: the
    per-question rows of an evaluation (`EvalResult.rows`, the /evaluate endpoint's "questions")."""
    groups = sorted({group_of(r) for r in rows}, key=lambda g: (g == UNANSWERABLE, g))
    out = []
    for group in groups:
        members = [r for r in rows if group_of(r) == group]
        passed = sum(1 for r in members if r["pass"])
        out.append((group, passed, len(members) - passed))
    return out


class EvaluateTab(Tab):
    def build(self) -> None:
        sets = [p.name for p in self.service.question_sets()]
        folder = self.shared.settings.question_sets_dir
        with gr.Tab("Evaluate", id="evaluate"):
            with gr.Row():
                choice = gr.Dropdown(sets, value=sets[0] if sets else None, label="Question set",
                                     info=f"{folder}/*.jsonl (CONTRACT.md format; QA_QUESTION_SETS_DIR)", scale=3,
                                     min_width=260)
                mode = mode_choice(self.shared, scale=2, min_width=260)
                run = gr.Button("Run evaluation", variant="primary", scale=1, min_width=160)
            note = gr.Markdown(self._missing_sets_note())
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=300):  # the progress of a run, then its metrics
                    metrics = gr.HTML(render.metrics_placeholder_html(), elem_id="qa-metrics")
                with gr.Column(scale=2, min_width=300):
                    kinds = gr.HTML(elem_id="qa-kinds")
            table = gr.HTML(elem_id="qa-eval-table")
            answers = gr.File(label="Answers (JSONL, one answer object per line)", interactive=False, height=90,
                              visible=False)
        run.click(self.run, [choice, mode], [note, metrics, kinds, table, answers], api_visibility="private",
                  concurrency_id="evaluate", concurrency_limit=1, show_progress="hidden")

    def _missing_sets_note(self) -> str:
        problem = self.service.question_sets_problem()
        return f"**No question sets.** {problem}" if problem else ""

    def run(self, name, mode_now):
        """Run the set in a worker thread; show its progress (our own bar, text above it) until the results."""
        if not name:
            raise gr.Error(self.service.question_sets_problem() or "Choose a question set.")
        steps: queue.Queue = queue.Queue()
        outcome: dict = {}

        def work():
            try:
                outcome["result"] = self.service.evaluate(name, mode_now, lambda *step: steps.put(step))
            except Exception as err:  # noqa: BLE001 - shown to the user; the server keeps running
                outcome["error"] = err
            finally:
                steps.put(None)

        started = time.monotonic()
        threading.Thread(target=work, daemon=True, name="qa-evaluate").start()
        yield "", render.progress_html(0, 0, name, 0.0), "", "", gr.File(visible=False)
        shown = 0.0
        while (step := steps.get()) is not None:
            if time.monotonic() - shown > 0.2:  # a few updates a second are plenty
                shown = time.monotonic()
                done, total, label = step
                yield (gr.skip(), render.progress_html(done, total, f"{name}: {label}", shown - started),
                       gr.skip(), gr.skip(), gr.skip())
        if "error" in outcome:
            raise gr.Error(render.esc(outcome["error"]))
        result = outcome["result"]
        note = ""
        if result.missing_docs:
            note = (f"**Note:** {result.missing_docs} of {result.metrics['n']} questions cite articles that are "
                    "not in the index: this set was written for another corpus (set QA_ARTICLES_DIR).")
        out = Path(tempfile.mkdtemp(prefix="qa-eval-")) / f"answers-{Path(name).stem}.jsonl"
        out.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in result.answers), encoding="utf-8")
        passed = sum(r["pass"] for r in result.rows)
        title = f"{name}: {passed}/{len(result.rows)} passed"
        yield (note, render.metrics_html(result.metrics, title), render.kind_bars_svg(kind_counts(result.rows)),
               render.eval_table_html(question_rows(result.rows)), gr.File(value=str(out), visible=True))
