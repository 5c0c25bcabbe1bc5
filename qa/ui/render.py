"""HTML for the Gradio app, built from answers and articles. Pure functions: no Gradio, no index.

Everything that comes from an article or a user is text, never markup: it goes through `esc()` before it is placed
in any HTML. `esc()` also encodes `$`, `{`, `}` and backticks, so nothing in an article can be read as a template
expression by the front end either. The only tags in the output are the ones written here.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from qa.evaluation import dated_dots_svg, pass_fail_bars_svg
from qa.types import Answer, Article, Citation, ScoredPassage, TimelineEvent, confidence_words

CONTEXT_LINES = 2  # lines shown before and after a cited line in a source card
CONTEXT_CHARS = 180  # a context line longer than this is cut (cited lines are always shown whole)
PASSAGE_PREVIEW_CHARS = 260
QUESTION_SHOWN_CHARS = 280  # a longer question is shown shortened in the chat, with its length
UNKNOWN_OUTLET = "unknown outlet"  # the one label for an article that does not name its outlet

_MARKER = re.compile(r"\[(\d+)\]")
_EXTRA = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;"})


def esc(text: object) -> str:
    """Text made safe to place anywhere in HTML (element content or a quoted attribute)."""
    return html.escape("" if text is None else str(text), quote=True).translate(_EXTRA)


def mode_label(mode: str, llm_model: str = "") -> str:
    if mode == "llm":
        return f"LLM ({llm_model})" if llm_model else "LLM"
    return "offline extractive"


def fmt_date(value: date | str | None) -> str:
    if not value:
        return "no date"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.day} {value:%b %Y}"


def lines_ref(doc: str, start: int, end: int) -> str:
    return f"{doc}:{start}" if start == end else f"{doc}:{start}-{end}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def outlet_label(outlet: str | None) -> str:
    return outlet or UNKNOWN_OUTLET


def shown_question(question: str) -> str:
    """The question as the chat shows it: whole, or shortened with its length when it is very long."""
    if len(question) <= QUESTION_SHOWN_CHARS:
        return question
    return f"{_cut(question, QUESTION_SHOWN_CHARS)} ({len(question):,} characters)"


# Chat messages ---------------------------------------------------------------------------------------------------
def user_message_html(question: str) -> str:
    return f'<div class="qa-q">{esc(shown_question(question))}</div>'


def _paragraphs(text: str, inline: Callable[[str], str]) -> str:
    parts = [p for p in re.split(r"\n\s*\n", text) if p.strip()] or [""]
    return "".join("<p>" + "<br>".join(inline(line) for line in p.split("\n")) + "</p>" for p in parts)


def answer_text_html(text: str, citations: Sequence[Citation | dict], turn: int, short: str | None = None) -> str:
    """The answer with each [n] turned into a chip that opens citation n of this turn, and the short answer (the span
    that answers, which leads the text and stands in its quote) marked wherever it stands."""
    by_n = {_cget(c, "n"): c for c in citations}

    def text_html(segment: str) -> str:
        if not short:
            return esc(segment)
        return f'<mark class="qa-short">{esc(short)}</mark>'.join(esc(part) for part in segment.split(short))

    def inline(line: str) -> str:
        out, pos = [], 0
        for m in _MARKER.finditer(line):
            out.append(text_html(line[pos : m.start()]))
            n = int(m.group(1))
            c = by_n.get(n)
            if c is None:
                out.append(esc(m.group(0)))
            else:
                ref = lines_ref(_cget(c, "doc"), _cget(c, "start_line"), _cget(c, "end_line"))
                tip = f"{_cget(c, 'title') or _cget(c, 'doc')} — {ref}"
                out.append(f'<a class="qa-chip" href="#cite-{turn}-{n}" title="{esc(tip)}">{n}</a>')
            pos = m.end()
        out.append(text_html(line[pos:]))
        return "".join(out)

    return _paragraphs(text, inline)


def answer_message_html(answer: Answer, turn: int, llm_model: str = "") -> str:
    """The assistant's chat message for a finished answer."""
    if answer.error:  # the engine did not take the question (empty, too long, a date range that is not one)
        return ('<div class="qa-answer qa-input-error"><p class="qa-refusal-title">The question was not asked</p>'
                f'<p>{esc(answer.error)}</p><p class="qa-hint">Change it and ask again.</p></div>')
    notes = "".join(f'<p class="qa-note">{esc(n)}</p>' for n in answer.notes if n and n != answer.text)
    total = answer.timings_ms.get("total")
    meta = mode_label(answer.mode, llm_model) + (f" · {total:.0f} ms" if total is not None else "")
    read_as = answer.read_as  # how a follow-up was read
    read = f'<p class="qa-read-as">Read as: {esc(read_as)}</p>' if read_as and read_as != answer.question else ""
    if answer.refused:
        related = (
            f"<p class=\"qa-hint\">The {len(answer.related)} closest passage{'s' if len(answer.related) != 1 else ''} "
            "(not an answer) are listed under <b>Sources</b> for checking.</p>"
            if answer.related
            else ""
        )
        return (
            '<div class="qa-answer qa-refused"><p class="qa-refusal-title">Not answered by the articles</p>'
            f"{_paragraphs(answer.text, esc)}{read}{related}{notes}<p class=\"qa-meta\">{esc(meta)}</p></div>"
        )
    count = len(answer.citations)
    meta += f" · {count} source{'s' if count != 1 else ''}"
    confidence = confidence_words(answer.confidence)
    if confidence:
        meta += f" · {confidence}"
    if answer.date_range:
        meta += f" · {'dates filtered' if answer.date_range.explicit else 'dates preferred'}: {answer.date_range}"
    return (
        f'<div class="qa-answer">{answer_text_html(answer.text, answer.citations, turn, answer.short_answer)}'
        f'{read}{notes}'
        f'<p class="qa-meta">{esc(meta)}</p></div>'
    )


def partial_message_html(text: str, provisional: bool = False) -> str:
    """An answer still arriving: plain text and a cursor. Markers are left out until the answer is complete and
    checked (an LLM's raw source numbers are renumbered by the checks), then they come back as chips.
    `provisional`: the language model's draft, not yet checked against the sources; labelled and dimmed so it is
    not read as the answer (the checked answer replaces it)."""
    text = re.sub(r"\s*\[\d+\]", "", text)
    body = _paragraphs(text, esc) if text.strip() else "<p>Searching the articles…</p>"
    if provisional:
        return ('<div class="qa-answer qa-streaming qa-provisional"><p class="qa-hint">Draft from the language model, '
                f'not yet checked against the sources…</p><div style="opacity:0.6">{body}</div>'
                '<span class="qa-cursor">▍</span></div>')
    return f'<div class="qa-answer qa-streaming">{body}<span class="qa-cursor">▍</span></div>'


def error_message_html(message: str) -> str:
    return ('<div class="qa-answer qa-failed"><p class="qa-refusal-title">Something went wrong</p>'
            f"<p>{esc(message)}</p></div>")


# Line spans ------------------------------------------------------------------------------------------------------
def quote_spans(lines: Sequence[str], start_line: int, end_line: int, quote: str) -> dict[int, tuple[int, int]]:
    """Where `quote` lies in lines start_line..end_line: {line number: (begin, end) character offsets in that line}.

    Exact match first, then the same after NFC normalisation (CONTRACT.md); {} when the quote is not there.
    """
    if not quote or start_line < 1 or end_line < start_line:
        return {}
    segment = list(lines[start_line - 1 : end_line])
    text = "\n".join(segment)
    at, size = text.find(quote), len(quote)
    if at < 0:
        normal = unicodedata.normalize("NFC", text)
        if len(normal) != len(text):
            return {}
        q = unicodedata.normalize("NFC", quote)
        at, size = normal.find(q), len(q)
        if at < 0:
            return {}
    spans, offset = {}, 0
    for k, line in enumerate(segment):
        begin, end = max(at, offset), min(at + size, offset + len(line))
        if begin < end:
            spans[start_line + k] = (begin - offset, end - offset)
        offset += len(line) + 1
    return spans


def _line_html(number: int, line: str, highlighted: bool, span: tuple[int, int] | None, limit: int | None) -> str:
    if span:
        b, e = span
        body = f"{esc(line[:b])}<mark>{esc(line[b:e])}</mark>{esc(line[e:])}"
    else:
        body = esc(_cut(line, limit) if limit else line)
    cls = "ln hl" if highlighted else "ln"
    return (f'<div class="{cls}" data-line="{number}"><span class="no">{number}</span>'
            f'<span class="tx">{body or "&nbsp;"}</span></div>')


def snippet_html(lines: Sequence[str], start_line: int, end_line: int, quote: str = "",
                 context: int = CONTEXT_LINES) -> str:
    """Cited lines with a few lines of context around them, the quote marked."""
    spans = quote_spans(lines, start_line, end_line, quote)
    first, last = max(1, start_line - context), min(len(lines), end_line + context)
    rows = []
    for number in range(first, last + 1):
        line = lines[number - 1]
        inside = start_line <= number <= end_line
        if not inside and not line.strip():
            continue
        rows.append(_line_html(number, line, inside, spans.get(number), None if inside else CONTEXT_CHARS))
    return f'<div class="qa-lines qa-snippet">{"".join(rows)}</div>'


# The sources panel -----------------------------------------------------------------------------------------------
def _cget(c: Citation | dict, key: str):
    return c.get(key) if isinstance(c, dict) else getattr(c, key)


@dataclass(frozen=True)
class DocInfo:
    title: str
    published: date | None
    outlet: str | None


def _meta_html(outlet: str | None, published: date | str | None, ref: str) -> str:
    parts = [f'<span class="qa-outlet">{esc(outlet_label(outlet))}</span>',
             f'<span class="qa-date">{esc(fmt_date(published))}</span>',
             f'<code class="qa-ref">{esc(ref)}</code>']
    return '<div class="qa-card-meta">' + '<span class="sep">·</span>'.join(parts) + "</div>"


def _bare_snippet(inner_html: str) -> str:
    """A snippet without line numbers, for when the article cannot be read (removed since the answer)."""
    return f'<div class="qa-lines qa-snippet"><div class="ln hl"><span class="tx">{inner_html}</span></div></div>'


def citation_card_html(c: Citation, turn: int, lines: Sequence[str] | None) -> str:
    ref = lines_ref(c.doc, c.start_line, c.end_line)
    if c.copy_of is not None:  # the quote is on the card it repeats: this one says where else it is, and opens it
        body = f'<div class="qa-resolved">The same text as [{c.copy_of}], in another article.</div>'
    elif lines:
        body = snippet_html(lines, c.start_line, c.end_line, c.quote)
    else:
        body = _bare_snippet(f"<mark>{esc(c.quote)}</mark>")
    dates = ""
    if c.resolved_dates:
        dates = '<div class="qa-resolved">' + esc("Dates in this sentence: " + ", ".join(c.resolved_dates)) + "</div>"
    return (
        f'<div class="qa-card" id="src-{turn}-{c.n}" data-turn="{turn}" data-n="{c.n}" role="button" tabindex="0" '
        f'title="Open the whole article at {esc(ref)}">'
        f'<div class="qa-card-head"><span class="qa-num">{c.n}</span>'
        f'<span class="qa-title">{esc(c.title or c.doc)}</span><span class="qa-open">open article ›</span></div>'
        f"{_meta_html(c.outlet, c.published, ref)}{body}{dates}</div>"
    )


def passage_card_html(scored: ScoredPassage, info: DocInfo, label: str, lines: Sequence[str] | None) -> str:
    p = scored.passage
    ref = lines_ref(p.doc, p.start_line, p.end_line)
    if lines:
        body = snippet_html(lines, p.start_line, p.end_line, context=0)
    else:
        body = _bare_snippet(esc(_cut(p.text, 600)))
    return (
        f'<div class="qa-card qa-related" data-doc="{esc(p.doc)}" data-start="{p.start_line}" data-end="{p.end_line}" '
        f'data-kind="related" role="button" tabindex="0" title="Open the whole article at {esc(ref)}">'
        f'<div class="qa-card-head"><span class="qa-num qa-num-related">{esc(label)}</span>'
        f'<span class="qa-title">{esc(info.title or p.doc)}</span><span class="qa-open">open article ›</span></div>'
        f"{_meta_html(info.outlet, info.published, ref)}{body}</div>"
    )


def passages_table_html(passages: Sequence[ScoredPassage], describe: Callable[[str], DocInfo],
                        cited: Iterable[tuple[str, int, int]] = ()) -> str:
    """The passages read, best first, each with the reader's share of the answer: how likely the answer is to be in
    it if it is in any of them (the shares add up to 1, also for a refusal, which says that none holds it)."""
    cited = list(cited)
    rows = []
    for rank, scored in enumerate(passages, start=1):
        p = scored.passage
        used = any(d == p.doc and s <= p.end_line and e >= p.start_line for d, s, e in cited)
        info = describe(p.doc)
        rows.append(
            f'<tr class="qa-prow{" used" if used else ""}" data-doc="{esc(p.doc)}" data-start="{p.start_line}" '
            f'data-end="{p.end_line}" data-kind="passage" role="button" tabindex="0">'
            f'<td class="r">{rank}</td><td class="s">{scored.score:.3f}</td>'
            f'<td><div class="qa-ptitle">{esc(info.title or p.doc)} '
            f"<code>{esc(lines_ref(p.doc, p.start_line, p.end_line))}</code></div>"
            f'<div class="qa-ptext">{esc(_cut(" ".join(p.text.split()), PASSAGE_PREVIEW_CHARS))}</div></td></tr>'
        )
    if not rows:
        return ""
    return (
        '<details class="qa-passages" open><summary>Retrieved passages (best first, with the reader\'s share of '
        'the answer in each, if any holds it: the shares add up to 1; highlighted rows were cited)</summary>'
        '<table><thead><tr><th>#</th><th>score</th><th>passage</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></details>'
    )


RELATED_LABEL = "Closest passages, not an answer"


def evidence_html(answer: Answer, turn: int, lines_of: Callable[[str], Sequence[str] | None],
                  describe: Callable[[str], DocInfo], show_passages: bool) -> str:
    """The sources panel for one answer: its citations (or, for a refusal, the closest passages, set apart)."""
    head = f'<div class="qa-ev-head">Sources for <q>{esc(_cut(answer.question, 140))}</q></div>'
    if answer.error:
        body = '<div class="qa-ev-note">The question was not asked, so nothing was searched.</div>'
    elif answer.refused:
        if answer.related:
            cards = "".join(passage_card_html(s, describe(s.passage.doc), "?", lines_of(s.passage.doc))
                            for s in answer.related)
            body = ('<div class="qa-ev-note">No passage answers this question.</div>'
                    f'<div class="qa-related-group"><div class="qa-related-head">{RELATED_LABEL}</div>'
                    '<p class="qa-related-note">The passages the reader found most likely to answer, for checking '
                    f"by hand. They are not cited by the answer.</p>{cards}</div>")
        else:
            body = '<div class="qa-ev-note">No passage answers this question, and none is closely related.</div>'
    else:
        body = "".join(citation_card_html(c, turn, lines_of(c.doc)) for c in answer.citations)
    if show_passages:
        body += passages_table_html(answer.passages, describe,
                                    [(c.doc, c.start_line, c.end_line) for c in answer.citations])
    return f'<div class="qa-evidence" data-turn="{turn}">{head}{body}</div>'


def evidence_placeholder_html(count: int | None = None) -> str:
    indexed = f"{count} articles are indexed. " if count is not None else ""
    return (
        '<div class="qa-evidence qa-empty"><div class="qa-ev-head">Sources</div>'
        f'<p>{esc(indexed)}Ask a question: each answer cites the exact lines it comes from. '
        "Click a numbered chip or a source to read the whole article with the cited lines highlighted.</p></div>"
    )


# A whole article -------------------------------------------------------------------------------------------------
# What the highlighted lines of an opened article are, by what opened it. Quiet ones are not citations.
HIGHLIGHTS = {"cited": ("cited", False), "event": ("dated event", False),
              "related": ("closest passage, not an answer", True), "passage": ("retrieved passage", True)}


def article_html(article: Article, start_line: int = 0, end_line: int = 0, quote: str = "",
                 info: DocInfo | None = None, kind: str = "cited") -> str:
    """The whole article with line numbers; lines start..end highlighted (and the quote marked). `kind` says what
    the highlighted lines are (HIGHLIGHTS): a citation, a dated event, or a passage that is not an answer (quieter)."""
    info = info or DocInfo(article.title, article.published, article.outlet)
    label, quiet = HIGHLIGHTS.get(kind, HIGHLIGHTS["cited"])
    lines = article.lines
    start_line = max(0, min(start_line, len(lines)))
    end_line = max(start_line, min(end_line, len(lines)))
    spans = quote_spans(lines, start_line, end_line, quote) if start_line else {}
    rows = "".join(
        _line_html(n, line, bool(start_line) and start_line <= n <= end_line, spans.get(n), None)
        for n, line in enumerate(lines, start=1)
    )
    cited = ""
    if start_line:
        where = f"lines {start_line}–{end_line}" if end_line > start_line else f"line {start_line}"
        cited = f'<span class="qa-cited">{esc(label)}: {where}</span>'
    return (
        f'<div class="qa-article{" quiet" if quiet else ""}" data-doc="{esc(article.doc)}">'
        f'<div class="qa-article-head"><div class="qa-article-title">{esc(info.title or article.doc)}</div>'
        f"{_meta_html(info.outlet, info.published, article.doc)}{cited}</div>"
        f'<div class="qa-lines qa-article-lines">{rows}</div></div>'
    )


def article_placeholder_html(hint: str = "Click a citation to open its article here.") -> str:
    return ('<div class="qa-article qa-empty"><div class="qa-article-head"><div class="qa-article-title">Article</div>'
            f"</div><p>{esc(hint)}</p></div>")


def notice_html(message: str) -> str:
    return f'<div class="qa-article qa-empty"><p>{esc(message)}</p></div>'


# Articles tab ----------------------------------------------------------------------------------------------------
_PALETTE = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626", "#4b5563")


def articles_table_html(articles: Sequence[dict]) -> str:
    """Every indexed article, a row each (title with its file under it, date, outlet, passages); a row opens the
    article (click, or Enter). `articles`: as `Service.articles()` lists them."""
    if not articles:
        return '<div class="qa-articles-table qa-empty"><p>No article is indexed yet.</p></div>'
    rows = "".join(
        f'<tr data-doc="{esc(a["doc"])}" role="button" tabindex="0" title="Read {esc(a["doc"])}">'
        f'<td class="t"><div class="title">{esc(a["title"] or a["doc"])}</div><code class="file">{esc(a["doc"])}'
        f'</code></td><td class="d">{esc(fmt_date(a["published"]))}</td><td class="o">{esc(outlet_label(a["outlet"]))}'
        f'</td><td class="n">{a["passages"]}<span class="unit"> passages</span></td></tr>'
        for a in articles
    )
    return (
        f'<div class="qa-articles-table"><div class="qa-table-caption">Indexed articles ({len(articles)}): click a '
        "row to read the article</div><table><thead><tr><th>Title and file</th><th>Date</th><th>Outlet</th>"
        f"<th>Passages</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def timeline_svg(entries: Sequence[tuple[str, str, date | None, str | None]], width: int = 760) -> str:
    """Articles on a time axis by publication date, coloured by outlet; undated ones listed apart.

    `entries`: (doc, title, published, outlet).
    """
    dated = sorted((e for e in entries if e[2]), key=lambda e: e[2])
    undated = [e for e in entries if not e[2]]
    parts = ['<div class="qa-timeline">']
    if dated:
        outlets = sorted({outlet_label(e[3]) for e in dated})
        color = {o: _PALETTE[i % len(_PALETTE)] for i, o in enumerate(outlets)}
        points = [(published, color[outlet_label(outlet)],
                   f"{title} — {outlet_label(outlet)}, {fmt_date(published)} ({doc})")
                  for doc, title, published, outlet in dated]
        parts.append(_for_width(lambda w: dated_dots_svg(points, w, "Articles by publication date"), width))
        parts.append('<div class="qa-legend">' + "".join(
            f'<span><i style="background:{color[o]}"></i>{esc(o)}</span>' for o in outlets) + "</div>")
    else:
        parts.append("<p>No article has a publication date.</p>")
    if undated:
        items = "".join(f"<li>{esc(title or doc)} <code>{esc(doc)}</code></li>" for doc, title, _, _ in undated)
        parts.append(f'<div class="qa-undated"><b>Without a date ({len(undated)})</b><ul>{items}</ul></div>')
    parts.append("</div>")
    return "".join(parts)


# Timeline tab ----------------------------------------------------------------------------------------------------
MAX_EVENTS = 1000  # a big corpus has tens of thousands; the page stays usable, /timeline returns them all


def events_html(events: Sequence[TimelineEvent], limit: int = MAX_EVENTS) -> str:
    """The dated events in date order, grouped by year; each row opens its article at its lines."""
    if not events:
        return ('<div class="qa-events qa-empty"><p>No indexed sentence mentions a date (or the articles have no '
                "publication date to resolve “Monday” or “last year” against).</p></div>")
    rows, year = [], None
    if len(events) > limit:
        rows.append(f'<div class="qa-ev-note">The latest {limit:,} of {len(events):,} dated events; the /timeline '
                    "endpoint returns them all.</div>")
        events = events[-limit:]
    for e in events:
        if e.first.year != year:
            year = e.first.year
            rows.append(f'<div class="qa-event-year">{year}</div>')
        ref = lines_ref(e.doc, e.start_line, e.end_line)
        at = e.quote.find(e.phrase)
        quote = esc(e.quote) if at < 0 else (
            f"{esc(e.quote[:at])}<mark>{esc(e.phrase)}</mark>{esc(e.quote[at + len(e.phrase):])}")
        rows.append(
            f'<div class="qa-event" data-doc="{esc(e.doc)}" data-start="{e.start_line}" data-end="{e.end_line}" '
            f'role="button" tabindex="0" title="Open {esc(ref)}">'
            f'<div class="qa-event-when">{esc(e.when)}</div><div class="qa-event-body"><div class="qa-event-quote">'
            f'{quote}</div><div class="qa-card-meta"><span>{esc(e.title or e.doc)}</span><span class="sep">·</span>'
            f'<code class="qa-ref">{esc(ref)}</code></div></div></div>'
        )
    return f'<div class="qa-events">{"".join(rows)}</div>'


# Evaluate tab ----------------------------------------------------------------------------------------------------
def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def metrics_html(metrics: dict, title: str = "") -> str:
    tiles = [
        ("Fact recall", _pct(metrics.get("fact_recall")), "answers holding every required fact"),
        ("Citation hit", _pct(metrics.get("citation_hit")), "answers citing a gold line"),
        ("Citation precision", _pct(metrics.get("citation_precision")), "citations that point at a gold line"),
        ("Hit@1", _pct(metrics.get("hit1")), "first retrieved passage holds a gold line"),
        ("Hit@5", _pct(metrics.get("hit5")), "a gold line within the top 5 passages"),
        ("MRR", "—" if metrics.get("mrr") is None else f"{metrics['mrr']:.2f}", "mean reciprocal rank"),
        ("Refusal accuracy", _pct(metrics.get("refusal_accuracy")), "unanswerable questions refused"),
        ("False refusals", _pct(metrics.get("false_refusals")), "answerable questions refused"),
        ("Short answers right", _pct(metrics.get("short_right")), "answers led by a short answer that holds a fact"),
        ("“Likely” answers right", _pct(metrics.get("likely_right")),
         "answers shown as likely right that hold every fact"),
        ("“Unsure” answers right", _pct(metrics.get("unsure_right")),
         "answers shown as unsure that hold every fact"),
        ("Latency p50", _ms(metrics.get("p50_ms")), "median time to answer"),
        ("Latency p95", _ms(metrics.get("p95_ms")), ""),
    ]
    cells = "".join(
        f'<div class="qa-tile" title="{esc(tip)}"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
        for k, v, tip in tiles
    )
    head = (f'<div class="qa-ev-head">{esc(title)} — {metrics.get("n", 0)} questions '
            f'({metrics.get("answerable", 0)} answerable, {metrics.get("unanswerable", 0)} unanswerable'
            f'{", " + str(metrics["errors"]) + " errors" if metrics.get("errors") else ""})</div>')
    return f'<div class="qa-metrics">{head}<div class="qa-tiles">{cells}</div></div>'


EVAL_COLUMNS = ("result", "id", "kind", "question", "facts", "cited gold", "rank", "ms")


def eval_table_html(rows: Sequence[Sequence[object]]) -> str:
    """One row per question of an evaluation (cells in the order of EVAL_COLUMNS). On a phone each row becomes a
    small card, each cell labelled, so nothing runs off the right edge."""
    if not rows:
        return ""
    body = "".join(
        f'<tr class="{"pass" if str(r[0]) == "pass" else "fail"}">'
        + "".join(f'<td class="c{i}" data-label="{esc(EVAL_COLUMNS[i])}">{esc(v)}</td>' for i, v in enumerate(r))
        + "</tr>"
        for r in rows
    )
    head = "".join(f"<th>{esc(h)}</th>" for h in EVAL_COLUMNS)
    return (f'<div class="qa-eval-table"><div class="qa-table-caption">Per question ({len(rows)})</div>'
            f'<div class="qa-eval-scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            "</div></div>")


def progress_html(done: int, total: int, label: str, seconds: float) -> str:
    """A run under way: what it is doing on a line of its own, and a bar under it."""
    share = done / total if total else 0.0
    count = f"question {done + 1 if done < total else done} of {total}" if total else "starting"
    return (f'<div class="qa-progress" role="progressbar" aria-valuemin="0" aria-valuemax="{total}" '
            f'aria-valuenow="{done}"><div class="qa-progress-text">Answering the questions: {esc(count)} · '
            f'{esc(label)} · {seconds:.1f} s</div><div class="qa-progress-bar"><i style="width: {share * 100:.1f}%">'
            "</i></div></div>")


def metrics_placeholder_html() -> str:
    return ('<div class="qa-metrics qa-empty"><div class="qa-ev-head">Metrics</div><p>Choose a question set and run '
            "it: fact recall, citations, retrieval, refusals and latency appear here, with a bar per kind of "
            "question and a row per question below.</p></div>")


def kind_bars_svg(rows: Sequence[tuple[str, int, int]], width: int = 560) -> str:
    """Passed and failed questions per kind, as horizontal stacked bars. `rows`: (kind, passed, failed)."""
    if not rows:
        return ""
    return (f'<div class="qa-kinds"><div class="qa-ev-head">By kind</div>'
            f'{_for_width(lambda w: pass_fail_bars_svg(rows, w, "Pass and fail by kind"), width)}</div>')


def _for_width(draw: Callable[[int], str], wide: int, narrow: int = 340) -> str:
    """A chart drawn `wide` and `narrow` units wide, the page's CSS showing the one that fits its column: the wide
    one scaled down to a phone's width had labels 5 to 7 pixels high."""
    return f'<div class="qa-wide">{draw(wide)}</div><div class="qa-narrow">{draw(narrow)}</div>'


def status_html(ok: bool, message: str, detail: str = "") -> str:
    extra = f'<div class="qa-status-detail">Index: {esc(detail)}</div>' if detail else ""
    return f'<div class="qa-status {"ok" if ok else "bad"}">{esc(message)}{extra}</div>'
