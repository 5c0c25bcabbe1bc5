"""Reading articles from disk: every supported file below the articles folder becomes an `Article`.

Bad files never stop a load: each is skipped (or decoded with a replacement) with a warning naming the file.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from qa.ingest.html_text import html_to_text
from qa.ingest.metadata import boilerplate_lines, outlet_of, published_date, title_of
from qa.types import Article

log = logging.getLogger(__name__)

# The form of reading an article (its title, date, outlet, boilerplate and sentences), recorded with it in the index:
# raised when a release reads articles differently, so that the next ingest reads every article again (2: a date in
# the article's sentences no longer dates it, qa/ingest/metadata.py).
ARTICLE_FORM = 2
# Matched case-sensitively, as the shell glob `*.txt` of CONTRACT.md does (so a corpus README.TXT is not an article).
SUFFIXES = (".txt", ".md", ".html", ".htm")


@dataclass(frozen=True)
class SkippedFile:
    doc: str
    reason: str


def article_files(articles_dir: Path) -> list[Path]:
    """Supported files below `articles_dir`, sorted; links are not followed, so nothing outside is read."""
    root = articles_dir.resolve()
    found = []
    for path in sorted(articles_dir.rglob("*")):
        if path.suffix not in SUFFIXES or path.name.startswith("."):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        if not path.resolve().is_relative_to(root):
            continue
        found.append(path)
    return found


def doc_id(path: Path, articles_dir: Path) -> str:
    return path.relative_to(articles_dir).as_posix()


def decode(raw: bytes, doc: str) -> tuple[str | None, str | None]:
    """(text, warning). Text is None when the bytes are not text at all."""
    if b"\x00" in raw[:8192]:
        return None, "binary file (NUL bytes)"
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        text = raw.decode("cp1252", errors="replace")
        return text, f"not valid UTF-8 (byte {err.start}); decoded as Windows-1252"


def load_article(path: Path, articles_dir: Path, max_bytes: int) -> Article | SkippedFile:
    doc = doc_id(path, articles_dir)
    size = path.stat().st_size
    if size == 0:
        return SkippedFile(doc, "empty file")
    if size > max_bytes:
        return SkippedFile(doc, f"file too large ({size:,} bytes; the limit is {max_bytes:,}, QA_MAX_FILE_BYTES)")
    raw = path.read_bytes()
    text, warning = decode(raw, doc)
    if text is None:
        return SkippedFile(doc, warning or "not text")
    if warning:
        log.warning("%s: %s", doc, warning)
    html_title = ""
    if path.suffix.lower() in (".html", ".htm"):
        html_title, text = html_to_text(text)
    lines = text.split("\n")
    if not any(line.strip() for line in lines):
        return SkippedFile(doc, "no text in file")
    skipped = boilerplate_lines(lines)
    return Article(
        doc=doc,
        title=html_title or title_of(lines, skipped, fallback=path.stem),
        published=published_date(lines),
        outlet=outlet_of(lines),
        lines=tuple(lines),
        sha256=hashlib.sha256(raw).hexdigest(),
        skipped_lines=skipped,
    )


def load_articles(articles_dir: Path, max_bytes: int) -> tuple[list[Article], list[SkippedFile]]:
    if not articles_dir.is_dir():
        raise FileNotFoundError(f"articles folder not found: {articles_dir} (set QA_ARTICLES_DIR)")
    articles, skipped = [], []
    for path in article_files(articles_dir):
        try:
            result = load_article(path, articles_dir, max_bytes)
        except OSError as err:
            result = SkippedFile(doc_id(path, articles_dir), f"cannot read: {err.strerror or err}")
        if isinstance(result, SkippedFile):
            log.warning("skipped %s: %s", result.doc, result.reason)
            skipped.append(result)
        else:
            articles.append(result)
    return articles, skipped
