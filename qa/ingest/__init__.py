"""Ingest: article files on disk -> `Article` -> `Passage`s -> the index.

Finds and decodes the files (`loader`, `html_text`), reads what an article says about itself (`metadata`), splits
sentences and passages without ever renumbering lines (`sentences`, `chunking`), and brings the index in line with
the folder, incrementally and under a lock (`sync`).

Exports: `load_article`, `load_articles`, `article_files`, `doc_id`, `SkippedFile`, `chunk`, `ingest`,
`open_collections`, `IngestBusy`, `split_line` (sentence spans in a paragraph: the one sentence splitter).
"""

from qa._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "load_article": "loader", "load_articles": "loader", "article_files": "loader", "doc_id": "loader",
    "SkippedFile": "loader", "chunk": "chunking", "ingest": "sync", "open_collections": "sync", "IngestBusy": "sync",
    "split_line": "sentences",
})
__all__ = __dir__()
