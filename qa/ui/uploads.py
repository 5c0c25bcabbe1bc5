"""Adding and removing articles from the browser, without ever writing outside `<articles_dir>/uploads/`.

- The stored name is the basename of what the user gave, reduced to `[A-Za-z0-9._-]`, with a lower-case supported
  extension; no leading dots (no hidden files, no `..`).
- The content is checked before it lands: size (QA_MAX_FILE_BYTES), text not binary, some text in it, and not the
  same bytes as an article already indexed.
- Nothing is overwritten: an existing name gets `-2`, `-3`, ... (the new name is reported). The file is written to a
  hidden temporary name first and linked into place, so an ingest running meanwhile never sees half a file.
- Only uploaded articles can be removed from the browser; the bundled corpus is managed on disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qa.ingest import SkippedFile, load_article

UPLOADS = "uploads"
SUFFIXES = (".txt", ".md", ".html", ".htm")
MAX_STEM = 80


class UploadError(ValueError):
    """An upload or removal refused; the message says why, in words for the user."""


@dataclass(frozen=True)
class Saved:
    path: Path
    doc: str  # id relative to the articles folder, "uploads/<name>"
    renamed_from: str | None  # the safe name that was taken already, when a suffix had to be added


def safe_name(name: str) -> str:
    """A file name that is safe to create inside the uploads folder, or UploadError."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, ext = base.rpartition(".")
    suffix = f".{ext.lower()}"
    if not dot or suffix not in SUFFIXES:
        raise UploadError(
            f"unsupported file type {('.' + ext) if dot else '(no extension)'}: upload a .txt, .md or .html file"
        )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    stem = re.sub(r"\.{2,}", ".", stem).strip("._-")[:MAX_STEM].rstrip("._-")
    return f"{stem or 'article'}{suffix}"


def uploads_dir(articles_dir: Path) -> Path:
    folder = articles_dir / UPLOADS
    if folder.is_symlink():
        raise UploadError(f"{folder} is a symbolic link; refusing to write through it")
    folder.mkdir(parents=True, exist_ok=True)
    if not folder.resolve().is_relative_to(articles_dir.resolve()):
        raise UploadError("the uploads folder is outside the articles folder")
    return folder


def save_upload(source: Path, requested_name: str, articles_dir: Path, max_bytes: int,
                known: dict[str, str] | None = None) -> Saved:
    """Check an uploaded file and store it under a safe, new name in `<articles_dir>/uploads/`.

    `known`: sha256 -> doc of the articles indexed already, to refuse duplicates.
    """
    name = safe_name(requested_name or source.name)
    size = source.stat().st_size
    if size == 0:
        raise UploadError("the file is empty")
    if size > max_bytes:
        raise UploadError(
            f"the file is too large ({size:,} bytes; the limit is {max_bytes:,} bytes, QA_MAX_FILE_BYTES)"
        )
    raw = source.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if known and digest in known:
        raise UploadError(f"the same text is already indexed as {known[digest]}")

    folder = uploads_dir(articles_dir)
    stem, suffix = name.rsplit(".", 1)
    suffix = "." + suffix
    temp = folder / f".upload-{secrets.token_hex(8)}{suffix}"  # hidden: the loader skips dot files
    try:
        with open(temp, "xb") as fh:
            fh.write(raw)
        checked = load_article(temp, articles_dir, max_bytes)
        if isinstance(checked, SkippedFile):
            raise UploadError(f"the file cannot be used as an article: {checked.reason}")
        candidate, number = name, 1
        while True:
            target = folder / candidate
            try:
                os.link(temp, target)  # fails if the name exists: never overwrites
                break
            except FileExistsError:
                number += 1
                candidate = f"{stem}-{number}{suffix}"
                if number > 999:
                    raise UploadError("too many files with this name already") from None
    finally:
        temp.unlink(missing_ok=True)
    return Saved(target, f"{UPLOADS}/{candidate}", name if candidate != name else None)


def removable(doc: str) -> bool:
    return doc.startswith(f"{UPLOADS}/") and "/" not in doc[len(UPLOADS) + 1 :]


def remove_upload(doc: str, articles_dir: Path) -> Path:
    """Delete an uploaded article's file (the caller re-ingests). Refuses anything outside uploads/."""
    if not isinstance(doc, str) or not removable(doc):
        raise UploadError(
            f"only uploaded articles (in {UPLOADS}/) can be removed here; other articles are managed in "
            f"the articles folder on disk"
        )
    folder = (articles_dir / UPLOADS).resolve()
    path = articles_dir / doc
    if path.is_symlink() or not path.resolve().is_relative_to(folder):
        raise UploadError(f"{doc} is not a file in the uploads folder")
    if not path.is_file():
        raise UploadError(f"{doc} does not exist (already removed?)")
    path.unlink()
    return path
