"""Rendering evaluation runs: a terminal table, report.md, a self-contained report.html, and metrics.json.

The HTML has its charts inline as SVG (drawn by qa/evaluation/charts.py) and its style inline, so the file opens
anywhere - offline, from a CI artifact, attached to a mail - with no script, stylesheet or font fetched from anywhere.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from qa.evaluation.charts import esc as _esc
from qa.evaluation.charts import grouped_bars_svg, histogram_svg
from qa.evaluation.scoring import calibration, shown_as

if TYPE_CHECKING:
    from qa.evaluation.scoring import Metrics, QuestionScore, Run
    from qa.types import Question

# (Metrics field, column header, format). The widths (lines/...) sit next to the hits they qualify: a bigger passage
# or citation holds a gold line more easily, so hits are only comparable between configurations of similar width.
COLUMNS = [
    ("hit1", "hit@1", "rate"),
    ("hit5", "hit@5", "rate"),
    ("mrr", "MRR", "rate"),
    ("passage_lines", "lines/passage", "lines"),
    ("fact_recall", "facts", "rate"),
    ("citation_hit", "cite hit", "rate"),
    ("citation_precision", "cite prec", "rate"),
    ("cited_lines", "lines/cite", "lines"),
    ("refusal_accuracy", "refusal acc", "rate"),
    ("false_refusals", "false refusals", "rate"),
    ("short_answers", "short", "rate"),
    ("short_right", "short right", "rate"),
    ("brier", "Brier", "score"),
    ("p50_ms", "p50 ms", "ms"),
    ("p95_ms", "p95 ms", "ms"),
]
# What the by-kind chart draws; refusal accuracy only has a value for unanswerable questions.
CHART_SERIES = [("hit5", "hit@5"), ("fact_recall", "facts"), ("citation_hit", "cite hit"),
                ("refusal_accuracy", "refusal acc")]


def fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "rate":
        return f"{value:.2f}"
    if kind == "lines":
        return f"{value:.1f}"
    if kind == "score":
        return f"{value:.3f}"
    return f"{value:.0f}"


def _row(m: Metrics) -> list[str]:
    return [fmt(getattr(m, key), kind) for key, _, kind in COLUMNS]


def _headers() -> list[str]:
    return [header for _, header, _ in COLUMNS]


def _compare_rows(runs: list[Run]) -> list[list[str]]:
    return [[r.name] + _row(r.overall) for r in runs]


def _intro(m: Metrics) -> str:
    return (f"{m.n} questions ({m.answerable} answerable, {m.unanswerable} unanswerable). Rates are fractions;"
            " retrieval, fact and citation metrics count answerable questions, refusal accuracy unanswerable ones."
            " Definitions: docs/evaluation.md.")


def _kind_rows(run: Run) -> list[list[str]]:
    rows = [[kind, str(m.n)] + _row(m) for kind, m in run.kinds.items()]
    return rows + [["all", str(run.overall.n)] + _row(run.overall)]


CALIBRATION_HEADERS = ["", "stated confidence", "n", "stated (mean)", "right"]
CALIBRATION_NOTE = ("Is the confidence an answer states the chance that it is right? Each row: the answers (or"
                    " refusals) that state a confidence in that range, what they state on average and the share that"
                    " is right (every fact stated; for a refusal, an unanswerable question). The two are close when"
                    " it is.")


def _words_line(run: Run) -> str:
    """How often the answers were right that the chat shows as "likely" and as "unsure" (`scoring.shown_as`)."""
    said = [f"{len(found)} shown as {word}, {sum(s.right for s in found)} of them right"
            for word, found in shown_as(run.scores).items()]
    return "Answers: " + "; ".join(said) + "."


def _calibration_rows(run: Run) -> list[list[str]]:
    return [["refusals" if b.refused else "answers", f"{b.low:.1f}-{b.high:.1f}", str(b.n), f"{b.stated:.2f}",
             f"{b.right:.2f}"] for b in calibration(run.scores)]


# Text -----------------------------------------------------------------------------------------------------------
def text_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(  # noqa: E731
        str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
    )
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def text_summary(run: Run, questions_path: object) -> str:
    m = run.overall
    head = (f"{run.name} on {questions_path}: {m.n} questions ({m.answerable} answerable, "
            f"{m.unanswerable} unanswerable)" + (f", {m.errors} not answered: an error" if m.errors else ""))
    return head + "\n\n" + text_table(["kind", "n"] + _headers(), _kind_rows(run))


def text_compare(runs: list[Run]) -> str:
    return "compare:\n\n" + text_table(["configuration"] + _headers(), _compare_rows(runs))


# Markdown -------------------------------------------------------------------------------------------------------
def md_table(headers: list[str], rows: list[list[str]], text_columns: tuple[int, ...] = (0,)) -> str:
    align = ["---" if i in text_columns else "---:" for i in range(len(headers))]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def _misses(run: Run, questions: list[Question]) -> list[tuple[Question, QuestionScore, dict]]:
    """Questions where something went wrong: no gold passage in the top 5, a fact missed, no gold citation, or a
    wrong refusal decision."""
    out = []
    for q, s, a in zip(questions, run.scores, run.answers):
        bad = (s.refused or not s.facts or not s.citation_hit or not (s.rank and s.rank <= 5)) if s.answerable \
            else not s.refused
        if bad or s.error:
            out.append((q, s, a))
    return out


def _miss_cells(q: Question, s: QuestionScore, a: dict) -> list[str]:
    text = " ".join(str(a.get("error") or a.get("answer") or "").split())
    return [
        q.id, q.kind, q.question,
        str(s.rank or "-") if s.answerable else "",
        f"{s.groups_matched}/{s.groups}" if s.answerable else "",
        ("yes" if s.citation_hit else "no") if s.answerable else "",
        "yes" if s.refused else "no",
        text[:160] + ("…" if len(text) > 160 else ""),
    ]


MISS_HEADERS = ["id", "kind", "question", "rank", "facts", "cite hit", "refused", "answer"]
MISS_TEXT_COLUMNS = (0, 1, 2, 7)


def markdown_report(runs: list[Run], questions: list[Question], meta: dict) -> str:
    ours = runs[0]
    m = ours.overall
    parts = [
        f"# Evaluation: {meta.get('questions', '')}",
        "",
        f"{meta.get('generated', '')} · articles `{meta.get('articles_dir', '')}`"
        f" · answers `{meta.get('answers', '')}`",
        "",
        _intro(m),
        "",
        f"## {ours.name}, by kind",
        "",
        md_table(["kind", "n"] + _headers(), _kind_rows(ours)),
    ]
    calibration_rows = _calibration_rows(ours)
    if calibration_rows:
        parts += ["", "## Confidence", "", CALIBRATION_NOTE, "",
                  md_table(CALIBRATION_HEADERS, calibration_rows, (0, 1)), "", _words_line(ours)]
    if len(runs) > 1:
        parts += ["", "## Compare", "", md_table(["configuration"] + _headers(), _compare_rows(runs))]
    misses = _misses(ours, questions)
    parts += ["", f"## Misses ({len(misses)})", ""]
    rows = [_miss_cells(*x) for x in misses]
    parts.append(md_table(MISS_HEADERS, rows, MISS_TEXT_COLUMNS) if misses else "None.")
    return "\n".join(parts) + "\n"


# HTML -----------------------------------------------------------------------------------------------------------
_STYLE = """body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 7px}
td{text-align:right}td:first-child,td.text{text-align:left}th{background:#f3f3f3}tr.total td{font-weight:bold}
.muted{color:#666}figure{margin:1.5em 0}"""


def html_table(headers: list[str], rows: list[list[str]], text_columns: tuple[int, ...] = (0,),
               total_last: bool = False) -> str:
    out = ["<table>", "<tr>" + "".join(f"<th>{_esc(h)}</th>" for h in headers) + "</tr>"]
    for i, r in enumerate(rows):
        cls = ' class="total"' if total_last and i == len(rows) - 1 else ""
        cells = "".join(f'<td class="text">{_esc(c)}</td>' if j in text_columns else f"<td>{_esc(c)}</td>"
                        for j, c in enumerate(r))
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


def html_report(runs: list[Run], questions: list[Question], meta: dict) -> str:
    ours = runs[0]
    m = ours.overall
    kinds = list(ours.kinds)
    by_kind_chart = grouped_bars_svg(
        kinds, [label for _, label in CHART_SERIES],
        [[getattr(ours.kinds[k], key) for key, _ in CHART_SERIES] for k in kinds],
        f"{ours.name}: metrics by question kind",
    )
    latencies = [s.latency_ms for s in ours.scores if s.error is None]
    body = [
        f"<h1>Evaluation: {_esc(meta.get('questions', ''))}</h1>",
        f'<p class="muted">{_esc(meta.get("generated", ""))} · articles {_esc(meta.get("articles_dir", ""))}'
        f' · answers {_esc(meta.get("answers", ""))}</p>',
        f"<p>{_esc(_intro(m))}</p>",
        f"<h2>{_esc(ours.name)}, by kind</h2>",
        html_table(["kind", "n"] + _headers(), _kind_rows(ours), total_last=True),
        f"<figure>{by_kind_chart}</figure>",
        f"<figure>{histogram_svg(latencies, f'{ours.name}: latency per question (timings_ms.total)')}</figure>",
    ]
    calibration_rows = _calibration_rows(ours)
    if calibration_rows:
        body += ["<h2>Confidence</h2>", f"<p>{_esc(CALIBRATION_NOTE)}</p>",
                 html_table(CALIBRATION_HEADERS, calibration_rows, text_columns=(0, 1)),
                 f"<p>{_esc(_words_line(ours))}</p>"]
    if len(runs) > 1:
        metric_keys = [(k, h) for k, h, kind in COLUMNS if kind == "rate"]
        compare_chart = grouped_bars_svg(
            [h for _, h in metric_keys], [r.name for r in runs],
            [[getattr(r.overall, k) for r in runs] for k, _ in metric_keys], "Compare: configurations",
        )
        body += ["<h2>Compare</h2>",
                 html_table(["configuration"] + _headers(), _compare_rows(runs)),
                 f"<figure>{compare_chart}</figure>"]
    misses = _misses(ours, questions)
    body.append(f"<h2>Misses ({len(misses)})</h2>")
    body.append(html_table(MISS_HEADERS, [_miss_cells(*x) for x in misses], text_columns=MISS_TEXT_COLUMNS)
                if misses else "<p>None.</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Evaluation report</title>"
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


# Files ----------------------------------------------------------------------------------------------------------
def metrics_json(runs: list[Run], meta: dict) -> dict:
    ours = runs[0]
    return {
        **meta,
        "configuration": ours.name,
        "overall": ours.overall.to_json(),
        "by_kind": {k: v.to_json() for k, v in ours.kinds.items()},
        "compare": [{"configuration": r.name, "setup_s": round(r.setup_s, 2), **r.overall.to_json()} for r in runs]
        if len(runs) > 1 else None,
        "calibration": [asdict(b) for b in calibration(ours.scores)],
        "per_question": [s.to_json() for s in ours.scores],
    }


def write_reports(report_dir: Path, runs: list[Run], questions: list[Question], meta: dict) -> list[Path]:
    """Write report.md, report.html and metrics.json (and each compared run's answers) into report_dir."""
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = [report_dir / "report.md", report_dir / "report.html", report_dir / "metrics.json"]
    paths[0].write_text(markdown_report(runs, questions, meta), encoding="utf-8")
    paths[1].write_text(html_report(runs, questions, meta), encoding="utf-8")
    paths[2].write_text(json.dumps(metrics_json(runs, meta), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for run in runs[1:]:
        slug = "".join(ch if ch.isalnum() else "-" for ch in run.name.lower()).strip("-")
        path = report_dir / f"answers-{slug}.jsonl"
        path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in run.answers), encoding="utf-8")
        paths.append(path)
    return paths
