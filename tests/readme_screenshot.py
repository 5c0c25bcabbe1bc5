"""Refresh docs/screenshot-answer.png, the picture in the README and docs/ui.md:

    .venv/bin/python tests/readme_screenshot.py [--out docs/screenshot-answer.png]

Starts the app on a private copy of the bundled articles (in a temporary folder, removed afterwards), asks a question
in headless Chromium at 1440x960, opens its first citation and takes the picture. The tests never write this file;
their own screenshots go to a temporary folder (tests/test_browser.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # browser_kit
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's qa package

from browser_kit import ARGS, CHROMIUM, REPO, app_page, ask, start_app  # noqa: E402

QUESTION = "How long is the border between Iran and Azerbaijan?"


def take(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="qa-readme-") as root:
        url, _, _, demo = start_app(Path(root))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                with app_page(browser, url, "desktop") as page:
                    ask(page, QUESTION)
                    page.locator("#qa-chat .qa-answer a.qa-chip").first.click()
                    box = page.locator("#qa-article .qa-article-lines")
                    page.wait_for_function("el => el.scrollTop > 0", arg=box.element_handle())
                    page.wait_for_timeout(400)  # let the smooth scroll settle
                    page.mouse.move(0, 0)  # no hover effect in the picture
                    page.evaluate("window.scrollTo(0, 0)")
                    out.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(out))
                browser.close()
        finally:
            demo.close()
    print(f"wrote {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot-answer.png")
    take(parser.parse_args().out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
