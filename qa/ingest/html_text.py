"""Article text out of an HTML page: the readable blocks, one per line, with the page chrome left out."""

from __future__ import annotations

import html
from html.parser import HTMLParser

_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "iframe", "button", "template"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "blockquote", "figcaption", "section",
          "article", "time", "title", "pre", "dd", "dt"}


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.title = ""
        self._current: list[str] = []
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self._skip_depth += 1
        if tag == "title":
            self._in_title = True
        if tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag):
        if tag in _SKIP and self._skip_depth:
            self._skip_depth -= 1
        if tag == "title":
            self._in_title = False
            self._current = []
            return
        if tag in _BLOCK:
            self._flush()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip_depth:
            self._current.append(data)

    def _flush(self):
        text = " ".join("".join(self._current).split())
        if text:
            self.blocks.append(text)
        self._current = []

    def close(self):
        super().close()
        self._flush()


def html_to_text(source: str) -> tuple[str, str]:
    """(title, text) of an HTML page; the text has one block a line and a blank line between blocks."""
    parser = _Extractor()
    parser.feed(source)
    parser.close()
    return html.unescape(" ".join(parser.title.split())), "\n\n".join(parser.blocks)
