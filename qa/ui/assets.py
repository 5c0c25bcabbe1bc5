"""The app's CSS and the little JavaScript it needs (citation clicks, scrolling the cited line into view)."""

CSS = """
.gradio-container { max-width: 1640px !important; width: 100% !important; margin: 0 auto !important; }
/* the page's side margins shrink with the screen: 8px on a phone, 32px on a wide screen (outside .contain, where
   Gradio does not scope custom CSS, so not inside a media query, which it does scope) */
.gradio-container .main.app { padding-left: clamp(8px, 2.2vw, 32px) !important;
  padding-right: clamp(8px, 2.2vw, 32px) !important; }
#qa-header { padding: 4px 2px 0 2px; }
#qa-header h1 { font-size: 1.45rem; margin: 0; font-weight: 700; letter-spacing: -0.01em; }
#qa-header p { margin: 2px 0 0 0; color: var(--body-text-color-subdued); font-size: .92rem; }
/* the chat is as tall as leaves the question box in view under it on a fresh load, up to 600px */
#qa-chat { height: clamp(300px, calc(100vh - 260px), 600px) !important; }
@media (max-width: 700px) {  /* a phone: smaller heading and tabs, a chat that leaves the question box in view */
  #qa-header h1 { font-size: 1.2rem; }
  #qa-header p { font-size: .8rem; }
  .tab-container button { padding-left: 7px !important; padding-right: 7px !important; font-size: .86rem !important; }
  #qa-chat { height: clamp(260px, calc(100vh - 330px), 600px) !important; }
}

/* chat */
#qa-chat .qa-answer p { margin: 0 0 .45em 0; line-height: 1.55; }
#qa-chat .qa-answer p:last-child { margin-bottom: 0; }
#qa-chat .qa-q { white-space: pre-wrap; overflow-wrap: anywhere; }
#qa-chat .qa-answer { overflow-wrap: anywhere; }
/* The clear-chat bin floats at the top right: messages keep out of its column, so a scrolled message's copy icon
   never lies under it (a click meant to copy would clear the chat) */
#qa-chat .message-wrap { padding-right: 30px; }
mark.qa-short { background: #fde68a; color: inherit; font-weight: 600; padding: 0 .1em; border-radius: 3px; }
.qa-read-as { font-size: .85em; color: var(--body-text-color-subdued); font-style: italic; }
a.qa-chip { display: inline-block; min-width: 1.35em; padding: 0 .42em; margin: 0 .12em; border-radius: 999px;
  background: rgba(37, 99, 235, .13); color: #1d4ed8 !important; font-size: .76em; font-weight: 700;
  line-height: 1.55; text-align: center; text-decoration: none !important; vertical-align: .18em; cursor: pointer; }
a.qa-chip:hover { background: #2563eb; color: white !important; }
.qa-meta { font-size: .78em; color: var(--body-text-color-subdued); margin-top: .35em !important; }
.qa-note { font-size: .88em; border-left: 3px solid #d97706; padding-left: .6em; }
.qa-refused .qa-refusal-title { font-weight: 700; color: #b45309; }
.qa-input-error .qa-refusal-title, .qa-failed .qa-refusal-title { font-weight: 700; color: #b91c1c; }
/* A question that was not asked, or failed, has no answer to vote on (a vote there would be dropped) */
#qa-chat .message-row:has(.qa-input-error, .qa-failed) + .message-buttons :is(button[aria-label="Like"],
  button[aria-label="Dislike"]) { display: none; }
.qa-hint { font-size: .9em; color: var(--body-text-color-subdued); }
.qa-cursor { animation: qa-blink 1s steps(2) infinite; opacity: .6; }
@keyframes qa-blink { 50% { opacity: 0; } }

/* sources */
.qa-evidence { display: flex; flex-direction: column; gap: 10px; min-width: 0; }
.qa-ev-head { font-weight: 700; font-size: .95rem; overflow-wrap: anywhere; }
.qa-ev-head q { font-weight: 500; color: var(--body-text-color-subdued); }
.qa-ev-note { font-size: .9rem; color: #b45309; }
.qa-empty p { color: var(--body-text-color-subdued); font-size: .92rem; margin: 4px 0; }
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 9px 11px 8px 11px;
  background: var(--background-fill-primary); cursor: pointer; transition: border-color .12s, box-shadow .12s;
  min-width: 0; overflow-wrap: anywhere; }
.qa-card.active { border-color: #2563eb; box-shadow: 0 0 0 2px rgba(37,99,235,.35); }
.qa-card:hover, .qa-card:focus { border-color: #2563eb; box-shadow: 0 1px 6px rgba(37,99,235,.18); outline: none; }
.qa-card-head { display: flex; align-items: baseline; gap: 8px; }
.qa-num { flex: none; min-width: 1.5em; height: 1.5em; border-radius: 999px; background: #2563eb; color: white;
  font-size: .78rem; font-weight: 700; display: inline-flex; align-items: center; justify-content: center; }
.qa-num-related { background: #9ca3af; }
.qa-title { font-weight: 650; font-size: .93rem; line-height: 1.3; flex: 1; min-width: 0; }
.qa-open { flex: none; font-size: .75rem; color: #2563eb; white-space: nowrap; }
/* three narrow columns (a small laptop): the title takes the card's width; the whole card still opens the article */
@media (min-width: 701px) and (max-width: 1200px) { .qa-open { display: none; } }
.qa-card-meta { font-size: .78rem; color: var(--body-text-color-subdued); margin: 3px 0 6px 0; }
.qa-card-meta .sep { margin: 0 .4em; }
.qa-card-meta > span { white-space: nowrap; }
.qa-card-meta code, .qa-ref { font-size: .76rem; background: var(--background-fill-secondary); padding: 0 .3em;
  border-radius: 4px; overflow-wrap: anywhere; word-break: break-all; }
.qa-resolved { font-size: .78rem; color: var(--body-text-color-subdued); margin-top: 4px; }

/* numbered lines (snippets and whole articles) */
.qa-lines { font-size: .86rem; line-height: 1.5; border-radius: 6px; }
.qa-lines .ln { display: flex; gap: 10px; padding: 1px 6px; border-left: 3px solid transparent; }
.qa-lines .ln .no { flex: none; width: 2.6em; text-align: right; color: #9ca3af; font-variant-numeric: tabular-nums;
  user-select: none; font-size: .8rem; padding-top: .1em; }
.qa-lines .ln .tx { flex: 1; white-space: pre-wrap; overflow-wrap: anywhere; }
.qa-lines .ln.hl { background: rgba(250, 204, 21, .16); border-left-color: #eab308; }
.qa-lines mark { background: rgba(250, 204, 21, .55); color: inherit; padding: 0 1px; border-radius: 2px; }
.qa-snippet .ln:not(.hl) .tx { color: var(--body-text-color-subdued); }

/* retrieved passages */
.qa-passages summary { cursor: pointer; font-weight: 650; font-size: .88rem; margin: 4px 0; }
.qa-passages table { width: 100%; border-collapse: collapse; font-size: .8rem; table-layout: fixed; }
.qa-passages th:nth-child(1) { width: 2.2em; }
.qa-passages th:nth-child(2) { width: 3.8em; }
.qa-passages td { overflow-wrap: anywhere; }
.qa-passages th { text-align: left; font-weight: 600; color: var(--body-text-color-subdued); padding: 3px 6px; }
.qa-passages td { vertical-align: top; padding: 4px 6px; border-top: 1px solid var(--border-color-primary); }
.qa-passages td.r, .qa-passages td.s { white-space: nowrap; font-variant-numeric: tabular-nums; }
.qa-prow { cursor: pointer; }
.qa-prow:hover { background: var(--background-fill-secondary); }
.qa-prow.used td.r { box-shadow: inset 3px 0 0 #eab308; }
.qa-ptitle { font-weight: 600; }
.qa-ptext { color: var(--body-text-color-subdued); }

/* the article viewer */
.qa-article { border: 1px solid var(--border-color-primary); border-radius: 10px;
  background: var(--background-fill-primary); min-width: 0; overflow-wrap: anywhere; }
.qa-article.qa-empty { padding: 10px 12px; }
.qa-article-head { padding: 10px 12px 6px 12px; border-bottom: 1px solid var(--border-color-primary); }
.qa-article-title { font-weight: 700; font-size: 1rem; line-height: 1.3; }
.qa-article .qa-card-meta { margin-bottom: 2px; }
.qa-cited { font-size: .76rem; font-weight: 600; color: #a16207; }
.qa-article-lines { position: relative; max-height: 560px; overflow-y: auto; overflow-x: hidden;
  padding: 6px 4px 10px 0; }
/* a passage opened that is not a citation (closest passages after a refusal, retrieved passages): quieter */
.qa-article.quiet .qa-lines .ln.hl { background: rgba(100, 116, 139, .1); border-left-color: #94a3b8; }
.qa-article.quiet .qa-cited { color: #475569; }

/* the closest passages after a refusal: set apart, quieter than citations, never yellow */
.qa-related-group { display: flex; flex-direction: column; gap: 8px; border-top: 1px dashed #94a3b8;
  padding-top: 6px; }
.qa-related-head { font-weight: 700; font-size: .85rem; color: #475569; text-transform: uppercase;
  letter-spacing: .03em; }
.qa-related-note { font-size: .82rem; color: var(--body-text-color-subdued); margin: 0; }
.qa-card.qa-related { border-style: dashed; background: var(--background-fill-secondary); }
.qa-card.qa-related .qa-title { font-weight: 600; color: var(--body-text-color-subdued); }
.qa-card.qa-related .qa-lines .ln.hl { background: transparent; border-left-color: #cbd5e1; }
.qa-card.qa-related .qa-lines .ln .tx { color: var(--body-text-color-subdued); }

/* articles tab */
.qa-table-caption { font-size: .85rem; color: var(--body-text-color-subdued); margin: 8px 0 4px 0; }
.qa-articles-table table { width: 100%; border-collapse: collapse; font-size: .86rem; border: 0 !important; }
.qa-articles-table th { text-align: left; font-weight: 600; color: var(--body-text-color-subdued); padding: 4px 6px;
  border-bottom: 1px solid var(--border-color-primary); }
.qa-articles-table th, .qa-articles-table td, .qa-eval-table th, .qa-eval-table td { border-left: 0 !important;
  border-right: 0 !important;
  border-top: 0 !important; background: transparent; }
.qa-articles-table td { vertical-align: top; padding: 6px; border-bottom: 1px solid var(--border-color-primary); }
.qa-articles-table tr, .qa-eval-table tr { border: 0 !important; }
.qa-articles-table td.t .title { font-weight: 600; }
.qa-articles-table td.t .file { font-size: .74rem; color: var(--body-text-color-subdued); overflow-wrap: anywhere;
  background: none; padding: 0; }
.qa-articles-table td.d, .qa-articles-table td.n { white-space: nowrap; font-variant-numeric: tabular-nums; }
.qa-articles-table td .unit { display: none; }
.qa-articles-table tr[data-doc] { cursor: pointer; }
.qa-articles-table tr[data-doc]:hover, .qa-articles-table tr[data-doc]:focus {
  background: var(--background-fill-secondary); outline: none; }
.qa-articles-table tr.active { background: rgba(37, 99, 235, .08); box-shadow: inset 3px 0 0 #2563eb; }
@media (max-width: 700px) {  /* a phone: each article is a small card, nothing runs off the right edge */
  .qa-articles-table thead { display: none; }
  .qa-articles-table table, .qa-articles-table tbody { display: block; }
  .qa-articles-table tr { display: block; padding: 6px 4px;
    border-bottom: 1px solid var(--border-color-primary) !important; }
  .qa-articles-table td { display: inline; padding: 0; border: 0; font-size: .8rem; }
  .qa-articles-table td.t { display: block; font-size: .88rem; margin-bottom: 2px; }
  .qa-articles-table td.t .file { display: block; }
  .qa-articles-table td.d::after, .qa-articles-table td.o::after { content: " · "; }
  .qa-articles-table td .unit { display: inline; }
}
.qa-timeline svg text { font-size: 11px; fill: var(--body-text-color-subdued); }
.qa-timeline svg .axis, .qa-timeline svg .tick { stroke: #9ca3af; stroke-width: 1; }
.qa-legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: .8rem; color: var(--body-text-color-subdued); }
.qa-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 5px; }
.qa-undated { font-size: .85rem; margin-top: 8px; }
.qa-undated ul { margin: 4px 0 0 18px; }

/* timeline tab */
.qa-events { display: flex; flex-direction: column; gap: 6px; max-height: 640px; overflow-y: auto; padding-right: 4px; }
.qa-event-year { font-weight: 700; font-size: .95rem; margin-top: 6px; }
.qa-event { display: flex; gap: 12px; border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 6px 10px; cursor: pointer; }
.qa-event:hover, .qa-event:focus, .qa-event.active { border-color: #2563eb; outline: none; }
.qa-event-when { flex: none; width: 9.5em; font-size: .82rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.qa-event-body { flex: 1; min-width: 0; overflow-wrap: anywhere; font-size: .86rem; line-height: 1.45; }
@media (max-width: 700px) { .qa-event { flex-direction: column; gap: 2px; } .qa-event-when { width: auto; } }
.qa-event-quote mark { background: rgba(250, 204, 21, .55); color: inherit; border-radius: 2px; }
.qa-event .qa-card-meta { margin: 2px 0 0 0; }
.qa-event .qa-card-meta > span { white-space: normal; }
/* a file name and line kept whole: on its own line when the title leaves no room, never broken mid-name */
.qa-event .qa-ref { display: inline-block; white-space: nowrap; max-width: 100%; overflow: hidden;
  text-overflow: ellipsis; vertical-align: bottom; }

.qa-status { font-size: .9rem; padding: 8px 10px; border-radius: 8px; }
.qa-status.ok { background: rgba(22, 163, 74, .1); }
.qa-status.bad { background: rgba(234, 88, 12, .12); }
.qa-status b { margin-right: .3em; }
.qa-status-detail { font-size: .8rem; color: var(--body-text-color-subdued); margin-top: 3px; }

/* evaluate tab */
.qa-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px; margin-top: 8px; }
.qa-tile { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 8px 10px; }
.qa-tile .v { font-size: 1.3rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.qa-tile .k { font-size: .78rem; color: var(--body-text-color-subdued); }
.qa-metrics { min-width: 0; overflow-wrap: anywhere; }
.qa-eval-scroll { max-height: 560px; overflow-y: auto; border: 1px solid var(--border-color-primary);
  border-radius: 8px; }
.qa-eval-table table { width: 100%; border-collapse: collapse; font-size: .84rem; border: 0 !important; margin: 0; }
.qa-eval-table th { position: sticky; top: 0; background: var(--background-fill-secondary); text-align: left;
  font-weight: 600; padding: 5px 6px; }
.qa-eval-table td { padding: 4px 6px; vertical-align: top; border-bottom: 1px solid var(--border-color-primary); }
.qa-eval-table td.c0 { font-weight: 700; }
.qa-eval-table tr.fail td.c0 { color: #dc2626; }
.qa-eval-table tr.pass td.c0 { color: #16a34a; }
.qa-eval-table td.c3 { overflow-wrap: anywhere; }
.qa-eval-table td.c4, .qa-eval-table td.c5, .qa-eval-table td.c6, .qa-eval-table td.c7 { white-space: nowrap;
  font-variant-numeric: tabular-nums; }
@media (max-width: 700px) {  /* a phone: a small card per question, each value labelled */
  .qa-eval-table thead { display: none; }
  .qa-eval-table table, .qa-eval-table tbody { display: block; }
  .qa-eval-table tr { display: block; padding: 6px 4px;
    border-bottom: 1px solid var(--border-color-primary) !important; }
  .qa-eval-table td { display: inline; padding: 0 6px 0 0; border: 0; }
  .qa-eval-table td.c3 { display: block; margin: 2px 0; }
  .qa-eval-table td.c4::before, .qa-eval-table td.c5::before, .qa-eval-table td.c6::before,
  .qa-eval-table td.c7::before { content: attr(data-label) " "; color: var(--body-text-color-subdued); }
}
.qa-progress { padding: 8px 0; }
.qa-progress-text { font-size: .9rem; margin-bottom: 6px; overflow-wrap: anywhere; }
.qa-progress-bar { height: 10px; border-radius: 999px; background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); overflow: hidden; }
.qa-progress-bar i { display: block; height: 100%; background: #2563eb; transition: width .2s; }
.qa-metrics.qa-empty p { color: var(--body-text-color-subdued); font-size: .9rem; }
/* a chart drawn for the width it has (about 360 px below 1200 px of screen, its column's width on a laptop or a
   phone): the wide one scaled down to that had labels 5 to 9 pixels high */
.qa-narrow { display: none; }
.qa-narrow svg { max-width: 420px; }
@media (max-width: 1200px) { .qa-wide { display: none; } .qa-narrow { display: block; } }
.qa-kinds svg text { font-size: 12px; fill: var(--body-text-color); }
.qa-kinds svg text.cap { fill: var(--body-text-color-subdued); font-size: 11px; }
.qa-kinds .bar-pass { fill: #16a34a; }
.qa-kinds .bar-fail { fill: #ef4444; fill-opacity: .75; }
"""

# The article panel a click opens something in, brought into view when it is out of sight (below the fold on a
# phone). At once, on the click: the panel may already show that very article, and then its value does not change.
REVEAL_PANEL_JS = """
const revealPanel = () => {
  const panel = document.getElementById('PANEL');
  if (!panel) return;
  const r = panel.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight - 160) panel.scrollIntoView({block: 'start', behavior: 'smooth'});
};
"""

# Runs once when the sources panel mounts. Cards carry data-* attributes; chips in the chat carry href="#cite-T-N"
# (the chat's sanitiser keeps href, drops data-*), caught by one document-level listener. The card whose article is
# open is marked; when a newer answer arrives (its panel has another data-turn), that is its first citation, which the
# server opened in the article panel. `window.__qaUserOpen` records when the user last asked to open something, so
# the article panel scrolls the page only for a click, never when it follows a new answer by itself.
EVIDENCE_JS = REVEAL_PANEL_JS.replace("PANEL", "qa-article") + """
const shownTurn = () => {
  const panel = element.querySelector('.qa-evidence[data-turn]');
  return panel ? Number(panel.dataset.turn) : -1;
};
const markActive = () => {
  element.querySelectorAll('.qa-card.active, .qa-prow.active').forEach((el) => el.classList.remove('active'));
  const key = window.__qaActive;
  if (!key) return;
  element.querySelectorAll('[data-n], [data-doc]').forEach((el) => {
    const k = el.dataset.n ? `${el.dataset.turn}-${el.dataset.n}` : `${el.dataset.doc}:${el.dataset.start}`;
    if (k === key) el.classList.add('active');
  });
};
const follow = () => {  // a newer answer: its first citation is the one open
  const turn = shownTurn();
  if (turn !== window.__qaActiveTurn) {
    window.__qaActiveTurn = turn;
    window.__qaActive = element.querySelector(`.qa-card[data-turn="${turn}"][data-n="1"]`) ? `${turn}-1` : null;
  }
  markActive();
};
window.__qaOpen = (data) => {
  window.__qaUserOpen = Date.now();
  window.__qaActive = data.n !== undefined ? `${data.turn}-${data.n}` : `${data.doc}:${data.start}`;
  window.__qaActiveTurn = data.n !== undefined ? data.turn : shownTurn();
  markActive();
  trigger('click', {...data, shown: shownTurn()});
  revealPanel();
};
watch('value', follow);
element.addEventListener('click', (event) => {
  const card = event.target.closest('[data-n], [data-doc]');
  if (!card || !element.contains(card)) return;
  event.preventDefault();
  if (card.dataset.n) {
    window.__qaOpen({turn: Number(card.dataset.turn), n: Number(card.dataset.n)});
  } else {
    window.__qaOpen({doc: card.dataset.doc, start: Number(card.dataset.start), end: Number(card.dataset.end),
                     kind: card.dataset.kind || ''});
  }
});
element.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const card = event.target.closest('[role=button]');
  if (card) { event.preventDefault(); card.click(); }
});
if (!window.__qaChips) {
  window.__qaChips = true;
  document.addEventListener('click', (event) => {
    const chip = event.target.closest ? event.target.closest('a[href^="#cite-"]') : null;
    if (!chip) return;
    const m = (chip.getAttribute('href') || '').match(/^#cite-(\\d+)-(\\d+)$/);
    if (!m) return;
    event.preventDefault();
    event.stopPropagation();
    if (window.__qaOpen) window.__qaOpen({turn: Number(m[1]), n: Number(m[2])});
  }, true);
}
// A chat message's copy button copies the message's HTML (the chat shows HTML); what lands on the clipboard is its
// text instead: the answer with its [n] markers, and where each source is ("Title — file.txt:27") to check it by.
if (!window.__qaCopy && navigator.clipboard && navigator.clipboard.writeText) {
  window.__qaCopy = true;
  const write = navigator.clipboard.writeText.bind(navigator.clipboard);
  const plain = (text) => {
    const doc = new DOMParser().parseFromString(String(text), 'text/html');  // parsed, never run
    if (!doc.querySelector('.qa-answer, .qa-q')) return text;  // not a chat message: as given
    const sources = [];
    doc.querySelectorAll('a.qa-chip').forEach((chip) => {
      const n = chip.textContent.trim();
      if (!sources.some((s) => s.n === n)) sources.push({n, where: chip.getAttribute('title') || ''});
      chip.replaceWith(` [${n}]`);
    });
    doc.querySelectorAll('.qa-meta, .qa-hint').forEach((el) => el.remove());  // the chat's own lines
    const blocks = [...doc.querySelectorAll('p, li, .qa-q')].map((el) => el.textContent.replace(/\\s+/g, ' ').trim());
    const body = (blocks.length ? blocks : [doc.body.textContent.trim()]).filter(Boolean).join('\\n\\n');
    return (sources.length ? `${body}\\n\\nSources:\\n${sources.map((s) => `[${s.n}] ${s.where}`).join('\\n')}` : body).trim();
  };
  navigator.clipboard.writeText = (text) => write(plain(text));
}
// The question box takes the focus on a computer (never on a touch screen, where that would open the keyboard) and
// without scrolling, so a fresh load shows the title and the tabs at every width.
if (window.matchMedia('(pointer: fine)').matches) {
  setTimeout(() => {
    const box = document.querySelector('#qa-question textarea');
    if (box && !document.activeElement?.closest?.('input, textarea')) box.focus({preventScroll: true});
  }, 60);
}
"""

# Runs when an article view mounts, and again whenever its value changes: scroll the first highlighted line into view
# inside the panel (or back to the top for an article opened without one). The page itself scrolls only when the
# user just asked to open this article (a click) and the panel is out of sight, as below the fold on a phone.
ARTICLE_JS = """
const reveal = (page) => {
  const box = element.querySelector('.qa-article-lines');
  if (box) {
    const hit = box.querySelector('.ln.hl');
    box.scrollTop = hit ? Math.max(0, hit.offsetTop - box.clientHeight / 3) : 0;
  }
  const asked = window.__qaUserOpen && Date.now() - window.__qaUserOpen < 5000;
  if (!page || !asked || !element.querySelector('.qa-article-lines')) return;
  window.__qaUserOpen = 0;
  const r = element.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight - 160) element.scrollIntoView({block: 'start', behavior: 'smooth'});
};
watch('value', () => setTimeout(() => reveal(true), 30));
setTimeout(() => reveal(false), 30);
"""

# Runs once when a list of rows that open articles mounts (the timeline's events, the articles table): a click (or
# Enter) on a row marks it and asks the server for its article, shown in the panel `panel` (an element id). The list
# is drawn again whenever its tab is opened (the index may have changed), which can land just after a click: the
# open row is marked again in the new rows.
def rows_js(panel: str) -> str:
    return REVEAL_PANEL_JS.replace("PANEL", panel) + """
let opened = null;
const key = (row) => `${row.dataset.doc}:${row.dataset.start || 0}`;
const mark = () => {
  element.querySelectorAll('.active').forEach((el) => el.classList.remove('active'));
  element.querySelectorAll('[data-doc]').forEach((el) => { if (key(el) === opened) el.classList.add('active'); });
};
watch('value', () => setTimeout(mark, 0));
const open = (row) => {
  opened = key(row);
  mark();
  window.__qaUserOpen = Date.now();
  trigger('click', {doc: row.dataset.doc, start: Number(row.dataset.start || 0), end: Number(row.dataset.end || 0)});
  revealPanel();
};
element.addEventListener('click', (event) => {
  const row = event.target.closest('[data-doc]');
  if (row && element.contains(row)) { event.preventDefault(); open(row); }
});
element.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const row = event.target.closest('[data-doc]');
  if (row && element.contains(row)) { event.preventDefault(); open(row); }
});
"""


TIMELINE_JS = rows_js("qa-event-article")
ARTICLES_JS = rows_js("qa-browse-article")
