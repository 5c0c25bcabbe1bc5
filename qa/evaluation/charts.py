"""Hand-made SVG charts: the one home for the inline charts of report.html, the benchmark pages and the app.

No plotting library and nothing fetched: each function returns an `<svg>` element as a string, ready to be placed in
a page. Every piece of text in a chart (titles, labels, tooltips) goes through `esc()`, which also encodes `$`, `{`,
`}` and backticks, so a label can never be read as markup or as a template expression by a front end.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

COLORS = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2"]
_EXTRA = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;"})


def esc(text: object) -> str:
    """Text made safe to place anywhere in SVG or HTML (element content or a quoted attribute)."""
    return html.escape("" if text is None else str(text), quote=True).translate(_EXTRA)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def grouped_bars_svg(groups: list[str], series: list[str], values: list[list[float | None]], title: str,
                     max_value: float = 1.0) -> str:
    """Horizontal grouped bars: one block per group, one bar per series; values[g][s] in [0, max_value], or None
    where the metric does not apply (no bar; the tables show "-")."""
    label_w, plot_w, bar_h, gap, top = 150, 420, 12, 10, 40
    legend_h = 20
    height = top + legend_h + len(groups) * (len(series) * bar_h + gap) + 20
    width = label_w + plot_w + 60
    out = [f'<svg width="{width}" height="{height}" role="img" '
           f'aria-label="{esc(title)}" font-family="sans-serif" font-size="11">',
           f'<text x="0" y="16" font-size="14" font-weight="bold">{esc(title)}</text>']
    for i, name in enumerate(series):
        x = label_w + i * 105
        out.append(f'<rect x="{x}" y="26" width="10" height="10" fill="{COLORS[i % len(COLORS)]}"/>'
                   f'<text x="{x + 14}" y="35">{esc(name)}</text>')
    y = top + legend_h
    for tick in range(0, 11, 2):
        x = label_w + plot_w * tick / 10
        out.append(f'<line x1="{x:.1f}" y1="{y - 4}" x2="{x:.1f}" y2="{height - 18}" stroke="#ddd"/>'
                   f'<text x="{x:.1f}" y="{height - 5}" text-anchor="middle">{max_value * tick / 10:g}</text>')
    for g, group in enumerate(groups):
        block = len(series) * bar_h
        out.append(f'<text x="{label_w - 6}" y="{y + block / 2 + 4:.1f}" text-anchor="end">{esc(group)}</text>')
        for s, value in enumerate(values[g]):
            by = y + s * bar_h
            if value is None:
                continue
            w = plot_w * max(0.0, min(value, max_value)) / max_value
            out.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h - 2}" '
                       f'fill="{COLORS[s % len(COLORS)]}"><title>{esc(group)} {esc(series[s])}: {value:.2f}'
                       f'</title></rect><text x="{label_w + w + 3:.1f}" y="{by + bar_h - 3}">{value:.2f}</text>')
        y += block + gap
    out.append("</svg>")
    return "\n".join(out)


def histogram_svg(values: list[float], title: str, bins: int = 20, unit: str = "ms") -> str:
    """Vertical histogram of `values` over [0, max] in equal-width bins."""
    width, height, left, bottom, top = 600, 240, 40, 30, 30
    plot_w, plot_h = width - left - 10, height - top - bottom
    out = [f'<svg width="{width}" height="{height}" role="img" '
           f'aria-label="{esc(title)}" font-family="sans-serif" font-size="11">',
           f'<text x="0" y="16" font-size="14" font-weight="bold">{esc(title)}</text>']
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


def pass_fail_bars_svg(rows: Sequence[tuple[str, int, int]], width: int = 560, label: str = "Pass and fail") -> str:
    """One horizontal bar per row, passed then failed, with "passed/total" after it. `rows`: (label, passed,
    failed). Fills come from the classes `bar-pass` and `bar-fail`, captions have the class `cap` (the page's CSS)."""
    bar_h, gap, label_w, top = 18, 8, 130, 24
    most = max((p + f for _, p, f in rows), default=0) or 1
    scale = (width - label_w - 70) / most
    height = top + len(rows) * (bar_h + gap) + 6
    items = [f'<rect x="{label_w - 14}" y="5" width="10" height="10" class="bar-pass"/>'
             f'<text x="{label_w}" y="14" class="cap">passed</text>'
             f'<rect x="{label_w + 52}" y="5" width="10" height="10" class="bar-fail"/>'
             f'<text x="{label_w + 66}" y="14" class="cap">failed</text>']
    for i, (name, passed, failed) in enumerate(rows):
        y = top + i * (bar_h + gap)
        wp, wf = passed * scale, failed * scale
        items.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end">{esc(_cut(name, 18))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{wp:.1f}" height="{bar_h}" class="bar-pass">'
            f"<title>{esc(name)}: {passed} passed</title></rect>"
            f'<rect x="{label_w + wp:.1f}" y="{y}" width="{wf:.1f}" height="{bar_h}" class="bar-fail">'
            f"<title>{esc(name)}: {failed} failed</title></rect>"
            f'<text x="{label_w + wp + wf + 6:.1f}" y="{y + 13}" class="cap">{passed}/{passed + failed}</text>'
        )
    return (f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{esc(label)}">'
            f'{"".join(items)}</svg>')


def dated_dots_svg(points: Sequence[tuple[date, str, str]], width: int = 760, label: str = "By date") -> str:
    """Dots on a time axis (month or year ticks), stacked where they would overlap. `points`: (day, fill colour,
    tooltip). The axis and ticks have the classes `axis` and `tick` (the page's CSS)."""
    days = sorted(p[0].toordinal() for p in points)
    if not days:
        return ""
    lo, hi = days[0], days[-1]
    if hi - lo < 60:
        lo, hi = lo - 30, hi + 30
    pad = max(3, (hi - lo) // 25)
    lo, hi = lo - pad, hi + pad
    left, right = 30, width - 20

    def x_of(day: int) -> float:
        return left + (right - left) * (day - lo) / (hi - lo)

    stack: dict[int, int] = {}
    dots = []
    for day, fill, tip in sorted(points, key=lambda p: p[0]):
        x = x_of(day.toordinal())
        bucket = round(x / 14)
        level = stack.get(bucket, 0)
        stack[bucket] = level + 1
        y = 40 - level * 13
        dots.append(f'<circle cx="{x:.1f}" cy="{max(y, 7)}" r="6" fill="{esc(fill)}" fill-opacity="0.85" '
                    f'stroke="white" stroke-width="1.5"><title>{esc(tip)}</title></circle>')
    ticks = []
    years = range(date.fromordinal(lo).year, date.fromordinal(hi).year + 2)
    step_months = 1 if len(years) <= 2 else 3 if len(years) <= 4 else 12
    for year in years:
        for month in range(1, 13, step_months):
            day = date(year, month, 1).toordinal()
            if lo <= day <= hi:
                x = x_of(day)
                text = str(year) if month == 1 else date(year, month, 1).strftime("%b")
                weight = "600" if month == 1 else "400"
                ticks.append(f'<line x1="{x:.1f}" y1="50" x2="{x:.1f}" y2="56" class="tick"/>'
                             f'<text x="{x:.1f}" y="70" text-anchor="middle" font-weight="{weight}">{esc(text)}</text>')
    return (f'<svg viewBox="0 0 {width} 78" width="100%" role="img" aria-label="{esc(label)}">'
            f'<line x1="{left}" y1="50" x2="{right}" y2="50" class="axis"/>{"".join(ticks)}{"".join(dots)}</svg>')
