"""The app in a real headless Chromium: ask, see the answer, click a citation, see the cited line highlighted in the
whole article; the layout at three sizes (1440x960, 1024x768, 390x844): nothing runs past its container on the Ask,
Articles, Timeline and Evaluate tabs, and the title and tabs are in view after load; a conversation in which the
Article panel follows each answer.

One browser and one app server for the module. Screenshots go to a temporary folder (TEST_SCREENSHOTS to choose
it); never into the repository: `python tests/readme_screenshot.py` refreshes the README picture.

Needs /usr/bin/chromium (Debian: `apt-get install chromium`); skipped with that reason when it is missing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from browser_kit import ARGS, CHROMIUM, VIEWPORTS, app_page, ask, start_app  # noqa: E402

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: install it with `apt-get install chromium` to run the browser tests",
                allow_module_level=True)

from openai_stub import OpenAIStub  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from qa.config import PROJECT_ROOT  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")

EVIL_ARTICLE = (
    '<script>window.__owned = 1</script> Quokka smuggling ring exposed\n\n'
    "Published on 3 March 2022 by The Test Gazette\n\n"
    'Police said the <img src=x onerror="window.__owned=2"> quokka smuggling ring moved 57 quokkas to a farm '
    "near Toodyay before it was broken up.\n"
)
# What must not run past its container: the page itself, and these (the cards, panels and headings of the tabs).
OVERFLOW_JS = """(selectors) => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) out.push(`the page: ${root.scrollWidth} > ${root.clientWidth}`);
  document.querySelectorAll(selectors).forEach((el) => {
    if (el.offsetParent === null) return;  // not shown (another tab)
    if (el.scrollWidth > el.clientWidth + 1) {
      out.push(`${el.tagName.toLowerCase()}.${String(el.className).trim().split(/\\s+/).join('.')}: ` +
               `${el.scrollWidth} > ${el.clientWidth}: ${el.textContent.trim().slice(0, 60)}`);
    }
  });
  return out;
}"""
CHECKED = ", ".join([
    "#qa-header h1", "#qa-header p", ".tabs", ".tab-wrapper", ".qa-answer", ".qa-q", ".qa-evidence", ".qa-ev-head",
    ".qa-card", ".qa-card-head", ".qa-card-meta", ".qa-title", ".qa-related-group", ".qa-article",
    ".qa-article-head", ".qa-article-title", ".qa-timeline", ".qa-articles-table", ".qa-events", ".qa-event",
    ".qa-metrics", ".qa-tile", ".qa-kinds", ".qa-progress", ".qa-eval-table", ".qa-eval-scroll", ".qa-status",
    ".gradio-container .column", ".gradio-container .row", ".gradio-container .block",
])


@pytest.fixture(scope="module")
def llm_stub():
    stub = OpenAIStub().start()
    yield stub
    stub.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, llm_stub, question_sets_dir):
    root = tmp_path_factory.mktemp("browser")
    # A short question set for the Evaluate tab: some answerable questions, every unanswerable one of a kind other
    # than "unanswerable" (so the "unanswerable" bar must count them too) and a few of kind "unanswerable".
    lines = (question_sets_dir / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    picked = ([r for r in rows if r["answerable"]][:8] + [r for r in rows if not r["answerable"]
                                                          and r["kind"] != "unanswerable"]
              + [r for r in rows if r["kind"] == "unanswerable"][:3])
    sets = root / "questions"
    sets.mkdir()
    (sets / "sample.jsonl").write_text("".join(json.dumps(r) + "\n" for r in picked), encoding="utf-8")
    # Offline extractive by default; the LLM mode is available (a scripted OpenAI-compatible server on loopback).
    url, settings, service, demo = start_app(root, openai_base_url=llm_stub.base_url, openai_api_key="sk-test",
                                             llm_model="stub-model", question_sets_dir=sets)
    yield {"url": url, "settings": settings, "stub": llm_stub, "service": service, "root": root,
           "sample": picked}
    demo.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the tests' screenshots go: TEST_SCREENSHOTS, else a temporary folder (never the repository)."""
    chosen = os.environ.get("TEST_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    with app_page(browser, server["url"], "desktop") as page:
        yield page


def overflowing(page) -> list[str]:
    return page.evaluate(OVERFLOW_JS, CHECKED)


def test_ask_click_citation_see_highlighted_line(page, shots):
    expect(page.get_by_text("How long is the border between Iran and Azerbaijan?").first).to_be_visible()  # examples
    ask(page, "How long is the border between Iran and Azerbaijan?")
    answer = page.locator("#qa-chat .qa-answer").last
    expect(answer).to_contain_text("700")
    chip = answer.locator("a.qa-chip").first
    expect(chip).to_have_text("1")

    # the sources panel: title, outlet, date, file:lines, the quote marked inside its context
    card = page.locator("#qa-evidence .qa-card").first
    expect(card).to_contain_text("Press TV")
    expect(card).to_contain_text("23 Dec 2021")
    expect(card.locator(".qa-ref")).to_have_text("002_9be3c843f8453a3d.txt:27")
    expect(card.locator("mark")).to_contain_text("700-kilometer border")
    assert card.locator(".ln").count() > 1  # context around the cited line

    chip.click()
    expect_opened_at(page.locator("#qa-article"), 27, "700-kilometer border")
    expect(page.locator("#qa-article .qa-article-title")).to_have_text(
        "Iran, Azerbaijan oppose foreign interference in regional affairs")
    lines = page.locator("#qa-article .qa-article-lines .ln")
    assert lines.count() == len((PROJECT_ROOT / "store/articles/002_9be3c843f8453a3d.txt").read_text().split("\n"))
    box = page.locator("#qa-article .qa-article-lines")
    page.wait_for_function("el => el.scrollTop > 0", arg=box.element_handle())  # scrolled to the cited line
    page.wait_for_timeout(400)  # let the smooth scroll settle before the picture
    page.screenshot(path=str(shots / "answer-with-citation.png"))

    # a click on a source card opens that citation too
    second = page.locator("#qa-evidence .qa-card[data-n='2']")
    if second.count():
        start = int(re.search(r":(\d+)", second.locator(".qa-ref").inner_text()).group(1))
        second.click()
        expect(page.locator("#qa-article .ln.hl").first).to_have_attribute("data-line", str(start))


def expect_opened_at(panel, line: int, marked: str) -> None:
    """The article panel shows exactly one highlighted line, `line`, scrolled into view, with `marked` marked in it."""
    highlighted = panel.locator(".qa-article-lines .ln.hl")
    expect(highlighted).to_have_count(1)
    expect(highlighted).to_have_attribute("data-line", str(line))
    expect(highlighted.locator("mark")).to_contain_text(marked)
    expect(highlighted).to_be_in_viewport()


def test_timeline_event_opens_its_line_in_the_article(page):
    page.locator("button[role=tab]", has_text="Timeline").click()
    event = page.locator("#qa-events .qa-event[data-doc='000_5a93f3083e658345.txt'][data-start='9']").first
    expect(event).to_contain_text("27 September 2020")  # "September 27 last year" in the January 2021 article
    expect(event.locator("mark").first).to_have_text("September 27 last year")
    event.click()
    expect_opened_at(page.locator("#qa-event-article"), 9, "erupted on September 27 last year")


def test_date_filter_in_the_settings(page):
    page.locator("#qa-settings").get_by_text("Settings").click()
    page.fill("#qa-since input, #qa-since textarea", "2022")
    ask(page, "Who is Iran's foreign minister?")
    answer = page.locator("#qa-chat .qa-answer").last
    expect(answer).to_contain_text("Amir-Abdollahian")
    expect(answer).to_contain_text("dates filtered: from 2022-01-01 on")
    expect(page.locator("#qa-evidence .qa-card .qa-date").first).to_contain_text("2022")


def test_example_question_and_thumbs_up(page, server):
    page.locator("#qa-chat button", has_text="Where was the first 3+3 meeting held?").click()
    answer = page.locator("#qa-chat .qa-answer:not(.qa-streaming)")
    expect(answer).to_have_count(1, timeout=30_000)
    expect(answer).to_contain_text("Russian capital")
    page.locator("#qa-chat button[aria-label='Like']").last.click()
    feedback = server["settings"].store_dir / "feedback.jsonl"
    for _ in range(50):
        if feedback.exists() and feedback.read_text(encoding="utf-8").strip():
            break
        page.wait_for_timeout(100)
    row = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert row["vote"] == "up" and row["question"] == "Where was the first 3+3 meeting held?"
    assert row["citations"] and row["citations"][0]["doc"] == "002_9be3c843f8453a3d.txt"


def test_follow_up_and_refusal_in_the_chat(page):
    ask(page, "Who was Azerbaijan's foreign minister in 2022?")
    ask(page, "When did he visit Tehran?")
    follow_up = page.locator("#qa-chat .qa-answer").last
    expect(follow_up).to_contain_text("July 4")
    expect(follow_up.locator(".qa-read-as")).to_have_text("Read as: When did Jeyhun Bayramov visit Tehran?")
    ask(page, "Who won the 2018 football World Cup?")
    refusal = page.locator("#qa-chat .qa-answer").last
    expect(refusal).to_have_class(re.compile("qa-refused"))
    expect(refusal.locator(".qa-chip")).to_have_count(0)
    expect(refusal).to_contain_text("Not answered by the articles")
    expect(page.locator("#qa-evidence .qa-ev-note")).to_be_visible()
    related = page.locator("#qa-evidence .qa-card.qa-related")
    if related.count():  # related passages offered for checking open like citations
        related.first.click()
        expect(page.locator("#qa-article .ln.hl").first).to_be_visible()


def test_copy_gives_the_answer_as_text_with_its_sources(page, server):
    """The chat shows HTML; its copy button must still give text a person can paste: the answer, its markers, and
    the file and line each points at."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server["url"].rstrip("/"))
    ask(page, "How long is the border between Iran and Azerbaijan?")
    answer = page.locator("#qa-chat .message-row.bot-row").last
    answer.hover()
    page.locator("#qa-chat .message-buttons-left button[aria-label='Copy message']").last.click()
    copied = ""
    for _ in range(50):
        copied = page.evaluate("navigator.clipboard.readText()")
        if copied:
            break
        page.wait_for_timeout(100)
    assert "<" not in copied and "qa-" not in copied, copied
    assert "700-kilometer" in copied and "[1]" in copied, copied
    assert "Sources:\n[1] " in copied and "002_9be3c843f8453a3d.txt:27" in copied, copied
    assert " ms" not in copied  # the meta line (mode, time) is not part of the answer


def test_a_question_not_asked_has_nothing_to_vote_on(page):
    """An empty box asks nothing and says so; a question with nothing to search for is answered with the reason,
    and offers no thumbs (there is no answer to vote on)."""
    page.fill("#qa-question textarea", "   ")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Type a question first")).to_be_visible()
    expect(page.locator("#qa-chat .qa-answer")).to_have_count(0)
    ask(page, "What is it?")  # the first question: nothing before it says what "it" is
    expect(page.locator("#qa-chat .qa-answer").first).to_have_class(re.compile("qa-input-error"))
    ask(page, "How long is the border between Iran and Azerbaijan?")
    votes = page.locator("#qa-chat .message-buttons-left")
    expect(votes.first.locator("button[aria-label='Like']")).to_be_hidden()
    expect(votes.first.locator("button[aria-label='Copy message']")).to_be_visible()
    expect(votes.last.locator("button[aria-label='Like']")).to_be_visible()


def test_article_markup_is_shown_as_text(page, server):
    added = server["service"].add_article(_write(server["root"] / "evil.txt", EVIL_ARTICLE))
    assert added.ok, added.message
    ask(page, "How many quokkas did the smuggling ring move?")
    answer = page.locator("#qa-chat .qa-answer").last
    expect(answer).to_contain_text("57")
    evidence = page.locator("#qa-evidence")
    expect(evidence).to_contain_text("<img src=x onerror=")
    answer.locator("a.qa-chip").first.click()
    expect(page.locator("#qa-article .ln.hl")).to_contain_text('<img src=x onerror="window.__owned=2">')
    page.locator("button[role=tab]", has_text="Articles").click()
    expect(page.locator("#qa-articles")).to_contain_text("Quokka smuggling ring")
    assert page.evaluate("window.__owned === undefined")
    assert page.locator("img[src=x], #qa-chat script, #qa-evidence script, #qa-article script").count() == 0


def test_llm_answer_streams_into_the_chat(page, server):
    stub = server["stub"]
    stub.trickle_s = 0.15
    stub.set("Tehran and Baku share a border that is 700 kilometers long, the article says [1].", mode="trickle")
    try:
        page.locator("#qa-settings").click()
        page.get_by_label("LLM (stub-model)").check()
        page.fill("#qa-question textarea", "How long is the border between Iran and Azerbaijan?")
        page.keyboard.press("Enter")
        # Part of the reply, still arriving: read in the same moment it is seen (on a busy machine the rest may
        # arrive, and the draft go, before a second look)
        draft = page.wait_for_function("""() => { const e = document.querySelector('#qa-chat .qa-streaming');
            return e && e.innerText.includes('Tehran and Baku') ? e.innerText : null; }""", timeout=20_000).json_value()
        assert "700 kilometers long" not in draft
        assert "not yet checked against the sources" in draft  # shown as an unchecked draft
        final = page.locator("#qa-chat .qa-answer:not(.qa-streaming)")
        expect(final).to_have_count(1, timeout=30_000)
        expect(final).to_contain_text("LLM (stub-model)")  # the checked answer replaced the draft
        expect(final).not_to_contain_text("not yet checked")
        expect(page.locator("#qa-chat .qa-streaming")).to_have_count(0)
    finally:
        stub.reset()


# The layout at three sizes ------------------------------------------------------------------------------------------
def title_and_tabs_in_view(page) -> None:
    height = page.viewport_size["height"]
    width = page.viewport_size["width"]
    assert page.evaluate("window.scrollY") == 0, "the page scrolled by itself on load"
    title = page.locator("#qa-header h1").bounding_box()
    assert title and title["y"] >= 0 and title["y"] + title["height"] <= height, title
    tabs = page.locator("button[role=tab]")
    expect(tabs).to_have_count(5)  # all five tabs, none folded into an overflow menu
    for box in (tabs.nth(i).bounding_box() for i in range(5)):
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width, box


def click_where_it_is(page, locator) -> None:
    """A click as a user makes it, at the element's place on the screen, without scrolling it into view first."""
    box = locator.bounding_box()
    page.mouse.click(box["x"] + min(40, box["width"] / 2), box["y"] + min(12, box["height"] / 2))


def opened_article(page, panel: str) -> dict:
    return page.evaluate("""(sel) => { const a = document.querySelector(sel + ' .qa-article[data-doc]');
        const hl = a ? a.querySelector('.ln.hl') : null;
        return {doc: a ? a.dataset.doc : null, line: hl ? Number(hl.dataset.line) : null}; }""", panel)


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return bool(box) and box["y"] < page.viewport_size["height"] - 80 and box["y"] + box["height"] > 80


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_layout_holds_on_every_tab(browser, server, shots, size):
    with app_page(browser, server["url"], size) as page:
        page.wait_for_timeout(300)  # anything that would scroll the page on load has happened
        title_and_tabs_in_view(page)
        page.screenshot(path=str(shots / f"{size}-1-load.png"))

        # Ask: an answer (the Article panel opens its first citation), a refusal, an over-long question.
        ask(page, "How long is the border between Iran and Azerbaijan?")
        expect(page.locator("#qa-article .qa-article-lines .ln.hl").first).to_have_attribute("data-line", "27")
        assert overflowing(page) == []
        card = page.locator("#qa-evidence .qa-card[data-n='1']")
        card.scroll_into_view_if_needed()
        before = page.evaluate("window.scrollY")
        click_where_it_is(page, card)
        expect(card).to_have_class(re.compile("active"))
        page.wait_for_timeout(700)
        if size == "phone":  # the article is below the sources: the click brings it into view
            assert in_view(page, "#qa-article"), "the opened article is out of sight"
        else:  # the article is beside the card: the page stays where it is
            assert page.evaluate("window.scrollY") == before, "clicking a source card scrolled the page"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(shots / f"{size}-2-answer.png"), full_page=True)

        ask(page, "Who won the 2018 football World Cup?")
        expect(page.locator("#qa-evidence .qa-related-head")).to_have_text(re.compile("closest passages, not an answer",
                                                                                     re.I))
        expect(page.locator("#qa-article .qa-article[data-doc]")).to_have_count(0)  # nothing cited: no article
        expect(page.locator("#qa-article")).to_contain_text("cites no article")
        assert overflowing(page) == []
        page.screenshot(path=str(shots / f"{size}-3-refusal.png"), full_page=True)

        long = "Sources for " + "a" * 2100
        ask(page, long)
        last = page.locator("#qa-chat .qa-answer").last
        expect(last).to_contain_text("The question was not asked")
        expect(last).to_contain_text("too long")
        expect(page.locator("#qa-chat .qa-q").last).to_contain_text(f"({len(long):,} characters)")
        assert overflowing(page) == []
        page.screenshot(path=str(shots / f"{size}-4-long-question.png"), full_page=True)

        # Articles: the table; a row opens its article where it can be seen, with no edit box.
        page.evaluate("window.scrollTo(0, 0)")
        page.locator("button[role=tab]", has_text="Articles").click()
        row = page.locator("#qa-articles tr[data-doc='002_9be3c843f8453a3d.txt']")
        expect(row).to_contain_text("Press TV")
        expect(page.locator("#qa-articles")).not_to_contain_text("—")  # one label for a missing outlet
        assert overflowing(page) == []
        row.scroll_into_view_if_needed()
        click_where_it_is(page, row)
        expect(page.locator("#qa-browse-article .qa-article-title")).to_have_text(
            "Iran, Azerbaijan oppose foreign interference in regional affairs")
        page.wait_for_timeout(700)
        assert in_view(page, "#qa-browse-article"), "the opened article is out of sight"
        assert page.locator("#qa-articles input, #qa-articles textarea, #qa-articles [contenteditable]").count() == 0
        expect(row).to_have_class(re.compile("active"))
        assert overflowing(page) == []
        page.screenshot(path=str(shots / f"{size}-5-articles.png"))

        # Timeline
        page.evaluate("window.scrollTo(0, 0)")
        page.locator("button[role=tab]", has_text="Timeline").click()
        expect(page.locator("#qa-events .qa-event").first).to_be_visible()
        assert overflowing(page) == []
        page.screenshot(path=str(shots / f"{size}-6-timeline.png"))

        # Evaluate: the progress text never overlaps its bar; the summary and the bars agree on the unanswerable.
        page.locator("button[role=tab]", has_text="Evaluate").click()
        page.evaluate("""() => { window.__qaProgress = null;
          new MutationObserver((_, observer) => {
            const text = document.querySelector('.qa-progress-text'), bar = document.querySelector('.qa-progress-bar');
            if (!text || !bar) return;
            const t = text.getBoundingClientRect(), b = bar.getBoundingClientRect();
            window.__qaProgress = {textBottom: t.bottom, barTop: b.top, textRight: t.right, barRight: b.right,
                                   width: document.documentElement.clientWidth};
            observer.disconnect();
          }).observe(document.body, {childList: true, subtree: true}); }""")
        page.get_by_role("button", name="Run evaluation").click()
        expect(page.locator("#qa-metrics .qa-tiles")).to_be_visible(timeout=60_000)
        progress = page.evaluate("window.__qaProgress")
        assert progress and progress["textBottom"] <= progress["barTop"], progress
        assert max(progress["textRight"], progress["barRight"]) <= progress["width"], progress
        head = page.locator("#qa-metrics .qa-ev-head").inner_text()
        unanswerable = int(re.search(r"(\d+) unanswerable", head).group(1))
        assert unanswerable == sum(not r["answerable"] for r in server["sample"])
        count = page.locator("#qa-kinds svg:visible text", has_text=re.compile(rf"^\d+/{unanswerable}$")).last
        expect(count).to_be_visible()
        assert count.bounding_box()["height"] >= 10, "the chart's labels are too small to read at this size"
        expect(page.locator("#qa-eval-table tbody tr")).to_have_count(len(server["sample"]))
        assert overflowing(page) == []
        page.screenshot(path=str(shots / f"{size}-7-evaluate.png"), full_page=True)


def test_the_article_panel_follows_the_conversation(page, shots):
    """Three questions, a follow-up about the person of the first answer among them (read as such, and shown so):
    after each answer the Article panel shows that answer's first citation (and its card is marked); a chip of an
    earlier answer still opens its own citation; a refusal empties the panel with a hint."""
    def first_card() -> dict:
        card = page.locator("#qa-evidence .qa-card[data-n='1']")
        expect(card).to_have_class(re.compile("active"))
        doc, start = re.match(r"(.+):(\d+)", card.locator(".qa-ref").inner_text()).groups()
        return {"doc": doc, "line": int(start)}

    seen = []
    for question, expected, read_as in (
            ("Who was Azerbaijan's foreign minister in 2022?", "Bayramov", None),
            ("When did he visit Tehran?", "July 4", "When did Jeyhun Bayramov visit Tehran?"),  # about the right man
            ("How long is the border between Iran and Azerbaijan?", "700", None)):
        ask(page, question)
        answer = page.locator("#qa-chat .qa-answer").last
        expect(answer).to_contain_text(expected)
        if read_as:
            expect(answer.locator(".qa-read-as")).to_have_text(f"Read as: {read_as}")
        cited = first_card()
        expect(page.locator("#qa-article .qa-article")).to_have_attribute("data-doc", cited["doc"])
        expect(page.locator("#qa-article .ln.hl").first).to_have_attribute("data-line", str(cited["line"]))
        assert opened_article(page, "#qa-article") == cited
        seen.append(cited)
    assert seen[-1] == {"doc": "002_9be3c843f8453a3d.txt", "line": 27}
    page.screenshot(path=str(shots / "conversation.png"))

    chip = page.locator("#qa-chat .qa-answer").first.locator("a.qa-chip").first
    page.wait_for_timeout(300)  # the chat has finished scrolling itself to the newest answer
    chip.scroll_into_view_if_needed()  # the chat scrolls inside itself back to the first answer
    before = page.evaluate("window.scrollY")
    chip.click()  # Playwright waits until the chip stands still, and needs no scrolling: it is in view
    expect(page.locator("#qa-evidence .qa-ev-head")).to_contain_text("Who was Azerbaijan's foreign minister in 2022?")
    expect(page.locator("#qa-article .ln.hl").first).to_have_attribute("data-line", str(seen[0]["line"]))
    page.wait_for_timeout(500)
    assert page.evaluate("window.scrollY") == before

    ask(page, "Who won the 2018 football World Cup?")
    expect(page.locator("#qa-article .qa-article[data-doc]")).to_have_count(0)
    expect(page.locator("#qa-article")).to_contain_text("cites no article")
    expect(page.locator("#qa-evidence .qa-card.active")).to_have_count(0)
