"""The app in a real headless Chromium: ask, see the answer, click a citation, see the cited line highlighted in the
whole article. Saves docs/screenshot-answer.png.

Needs /usr/bin/chromium (Debian: `apt-get install chromium`); skipped with that reason when it is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: install it with `apt-get install chromium` to run the browser tests",
                allow_module_level=True)

from openai_stub import OpenAIStub  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from qa.config import PROJECT_ROOT, Settings  # noqa: E402
from qa.evaluation.local_servers import free_port  # noqa: E402
from qa.ui.app import launch  # noqa: E402
from qa.ui.service import Service  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")

SCREENSHOT = PROJECT_ROOT / "docs" / "screenshot-answer.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
EVIL_ARTICLE = (
    '<script>window.__owned = 1</script> Quokka smuggling ring exposed\n\n'
    "Published on 3 March 2022 by The Test Gazette\n\n"
    'Police said the <img src=x onerror="window.__owned=2"> quokka smuggling ring moved 57 quokkas to a farm '
    "near Toodyay before it was broken up.\n"
)



@pytest.fixture(scope="module")
def llm_stub():
    stub = OpenAIStub().start()
    yield stub
    stub.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, llm_stub):
    root = tmp_path_factory.mktemp("browser")
    articles = root / "articles"
    shutil.copytree(PROJECT_ROOT / "store" / "articles", articles)
    # Offline extractive by default; the LLM mode is available (a scripted OpenAI-compatible server on loopback).
    settings = Settings(store_dir=root / "chroma", articles_dir=articles, answer_mode="extractive", chroma_host=None,
                        openai_base_url=llm_stub.base_url, openai_api_key="sk-test", llm_model="stub-model")
    service = Service(settings)
    service.start(announce=lambda _: None)
    port = free_port()
    demo = launch(settings, "127.0.0.1", port, block=False, quiet=True, service=service)
    yield {"url": f"http://127.0.0.1:{port}/", "settings": settings, "stub": llm_stub, "service": service,
           "root": root}
    demo.close()


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
    context = browser.new_context(viewport={"width": 1440, "height": 960}, device_scale_factor=1)
    page = context.new_page()
    outside: list[str] = []

    def guard(route):  # the page must not reach anything but the app (no CDN fonts, no analytics)
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server["url"])
    page.wait_for_selector("#qa-question textarea")
    yield page
    assert outside == [], f"the page tried to reach outside hosts: {outside}"
    assert dialogs == [], f"a dialog opened (script injection?): {dialogs}"
    context.close()


def ask(page, question: str) -> None:
    before = page.locator("#qa-chat .qa-answer:not(.qa-streaming)").count()
    page.fill("#qa-question textarea", question)
    page.keyboard.press("Enter")
    expect(page.locator("#qa-chat .qa-answer:not(.qa-streaming)")).to_have_count(before + 1, timeout=30_000)


def test_ask_click_citation_see_highlighted_line(page):
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
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

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
    ask(page, "Where was the first 3+3 meeting held?")
    ask(page, "Which country stayed away?")
    expect(page.locator("#qa-chat .qa-answer").last).to_contain_text("Georgia")
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
        streaming = page.locator("#qa-chat .qa-streaming")
        expect(streaming).to_contain_text("Tehran and Baku", timeout=20_000)  # part of the reply, still arriving
        assert "700 kilometers long" not in streaming.inner_text()
        assert "not yet checked against the sources" in streaming.inner_text()  # shown as an unchecked draft
        final = page.locator("#qa-chat .qa-answer:not(.qa-streaming)")
        expect(final).to_have_count(1, timeout=30_000)
        expect(final).to_contain_text("LLM (stub-model)")  # the checked answer replaced the draft
        expect(final).not_to_contain_text("not yet checked")
        expect(page.locator("#qa-chat .qa-streaming")).to_have_count(0)
    finally:
        stub.reset()
