"""Headless Chromium for the browser tests and the README picture: where it is, how it starts, the app on a private
copy of the bundled articles, a page that may reach nothing but the app, and asking a question in the chat.

Needs /usr/bin/chromium (Debian: `apt-get install chromium`) and Playwright's Python package.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The three sizes the layout must hold at: a wide screen, a small laptop, a phone (touch, so no autofocus keyboard).
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1440, "height": 960}},
    "laptop": {"viewport": {"width": 1024, "height": 768}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
REPO = Path(__file__).resolve().parent.parent


def start_app(root: Path, **overrides):
    """The app on a free loopback port over a private copy of the bundled articles in `root`; returns
    (url, settings, service, demo). `demo.close()` stops it."""
    from qa.config import Settings
    from qa.evaluation.local_servers import free_port
    from qa.ui.app import launch
    from qa.ui.service import Service

    articles = root / "articles"
    if not articles.exists():
        shutil.copytree(REPO / "store" / "articles", articles)
    settings = Settings(store_dir=root / "chroma", articles_dir=articles, chroma_host=None,
                        **{"answer_mode": "extractive", **overrides})
    service = Service(settings)
    service.start(announce=lambda _: None)
    port = free_port()
    demo = launch(settings, "127.0.0.1", port, block=False, quiet=True, service=service)
    return f"http://127.0.0.1:{port}/", settings, service, demo


@contextmanager
def app_page(browser, url: str, size: str = "desktop") -> Iterator:
    """A fresh page on the app at one of VIEWPORTS. Afterwards it checks that the page reached no other host (no
    CDN fonts, no analytics) and that no dialog opened (a sign of injected script)."""
    context = browser.new_context(device_scale_factor=1, **VIEWPORTS[size])
    page = context.new_page()
    outside: list[str] = []
    dialogs: list[str] = []

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#qa-question textarea")
    try:
        yield page
    finally:
        context.close()
    assert outside == [], f"the page tried to reach outside hosts: {outside}"
    assert dialogs == [], f"a dialog opened (script injection?): {dialogs}"


def ask(page, question: str, timeout_ms: int = 30_000) -> None:
    """Type a question, press Enter, wait for its finished answer."""
    from playwright.sync_api import expect

    before = page.locator("#qa-chat .qa-answer:not(.qa-streaming)").count()
    page.fill("#qa-question textarea", question)
    page.keyboard.press("Enter")
    expect(page.locator("#qa-chat .qa-answer:not(.qa-streaming)")).to_have_count(before + 1, timeout=timeout_ms)
