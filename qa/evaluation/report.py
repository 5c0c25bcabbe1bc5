"""Rendering evaluation runs: a terminal table, report.md, a self-contained report.html, and metrics.json.

The HTML has its charts drawn here as inline SVG and its style inline, so the file opens anywhere - offline, from
a CI artifact, attached to a mail - with no script, stylesheet or font fetched from anywhere.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

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
    ("p50_ms", "p50 ms", "ms"),
    ("p95_ms", "p95 ms", "ms"),
]
# What the by-kind chart draws; refusal accuracy only has a value for unanswerable questions.
CHART_SERIES = [("hit5", "hit@5"), ("fact_recall", "facts"), ("citation_hit", "cite hit"),
                ("refusal_accuracy", "refusal acc")]
COLORS = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2"]


def fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "rate":
        return f"{value:.2f}"
    if kind == "lines":
        return f"{value:.1f}"
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
            f"{m.unanswerable} unanswerable)" + (f", {m.errors} crashed" if m.errors else ""))
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
    if len(runs) > 1:
        parts += ["", "## Compare", "", md_table(["configuration"] + _headers(), _compare_rows(runs))]
    misses = _misses(ours, questions)
    parts += ["", f"## Misses ({len(misses)})", ""]
    rows = [_miss_cells(*x) for x in misses]
    parts.append(md_table(MISS_HEADERS, rows, MISS_TEXT_COLUMNS) if misses else "None.")
    return "\n".join(parts) + "\n"


# SVG charts -----------------------------------------------------------------------------------------------------
def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def grouped_bars_svg(groups: list[str], series: list[str], values: list[list[float | None]], title: str,
                     max_value: float = 1.0) -> str:
    """Horizontal grouped bars: one block per group, one bar per series; values[g][s] in [0, max_value], or None
    where the metric does not apply (no bar; the tables show "-")."""
    label_w, plot_w, bar_h, gap, top = 150, 420, 12, 10, 40
    legend_h = 20
    height = top + legend_h + len(groups) * (len(series) * bar_h + gap) + 20
    width = label_w + plot_w + 60
    out = [f'<svg width="{width}" height="{height}" role="img" '
           f'aria-label="{_esc(title)}" font-family="sans-serif" font-size="11">',
           f'<text x="0" y="16" font-size="14" font-weight="bold">{_esc(title)}</text>']
    for i, name in enumerate(series):
        x = label_w + i * 105
        out.append(f'<rect x="{x}" y="26" width="10" height="10" fill="{COLORS[i % len(COLORS)]}"/>'
                   f'<text x="{x + 14}" y="35">{_esc(name)}</text>')
    y = top + legend_h
    for tick in range(0, 11, 2):
        x = label_w + plot_w * tick / 10
        out.append(f'<line x1="{x:.1f}" y1="{y - 4}" x2="{x:.1f}" y2="{height - 18}" stroke="#ddd"/>'
                   f'<text x="{x:.1f}" y="{height - 5}" text-anchor="middle">{max_value * tick / 10:g}</text>')
    for g, group in enumerate(groups):
        block = len(series) * bar_h
        out.append(f'<text x="{label_w - 6}" y="{y + block / 2 + 4:.1f}" text-anchor="end">{_esc(group)}</text>')
        for s, value in enumerate(values[g]):
            by = y + s * bar_h
            if value is None:
                continue
            w = plot_w * max(0.0, min(value, max_value)) / max_value
            out.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h - 2}" '
                       f'fill="{COLORS[s % len(COLORS)]}"><title>{_esc(group)} {_esc(series[s])}: {value:.2f}'
                       f'</title></rect><text x="{label_w + w + 3:.1f}" y="{by + bar_h - 3}">{value:.2f}</text>')
        y += block + gap
    out.append("</svg>")
    return "\n".join(out)


def histogram_svg(values: list[float], title: str, bins: int = 20, unit: str = "ms") -> str:
    """Vertical histogram of `values` over [0, max] in equal-width bins."""
    width, height, left, bottom, top = 600, 240, 40, 30, 30
    plot_w, plot_h = width - left - 10, height - top - bottom
    out = [f'<svg width="{width}" height="{height}" role="img" '
           f'aria-label="{_esc(title)}" font-family="sans-serif" font-size="11">',
           f'<text x="0" y="16" font-size="14" font-weight="bold">{_esc(title)}</text>']
    if not values:
        out += ['<text x="40" y="60">no data</text>', "</svg>"]
        return "\n".join(out)
    hi = max(values) or 1.0
    step = hi / bins
    counts = [0] * bins
    for v in values:
        counts[min(int(v / step), bins - 1)] += 1
    peak = max(counts)
    bar_w = plot_w / bins
    for i, c in enumerate(counts):
        h = plot_h * c / peak
        x, y = left + i * bar_w, top + plot_h - h
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{COLORS[0]}">'
                   f'<title>{i * step:.0f}-{(i + 1) * step:.0f} {unit}: {c}</title></rect>')
    base = top + plot_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#333"/>')
    for i in range(0, bins + 1, max(1, bins // 5)):
        x = left + i * bar_w
        out.append(f'<text x="{x:.1f}" y="{base + 14}" text-anchor="middle">{i * step:.0f}</text>')
    out.append(f'<text x="{left + plot_w}" y="{base + 27}" text-anchor="end">{unit}</text>')
    out.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{peak}</text>'
               f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>')
    out.append("</svg>")
    return "\n".join(out)


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
