"""The cost of an ingest that reads every article again, as the first ingest after a release that raises
`loader.ARTICLE_FORM` does: a copy of a built index, every manifest entry set to an earlier form, then one ingest.

    QA_ARTICLES_DIR=... python benchmarks/reindex.py INDEX_DIR [--copy-to DIR]

INDEX_DIR is a store built from QA_ARTICLES_DIR (left untouched: the copy is what is ingested). Prints the ingest's
report, its wall time and how many sentences went through the model. Run it from two checkouts, alternating, under
`/usr/bin/time -v` for the peak memory (docs/performance.md).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's qa package

from qa.config import Settings  # noqa: E402
from qa.ingest.sync import ingest, open_collections  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path, help="a built store (QA_STORE_DIR of an earlier ingest)")
    parser.add_argument("--copy-to", type=Path, help="where the copy goes (default: a temporary folder)")
    args = parser.parse_args()
    folder = args.copy_to or Path(tempfile.mkdtemp(prefix="qa-reindex-"))
    store = folder / "store"
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(args.index, store)
    settings = Settings(store_dir=store)
    collections = open_collections(settings)
    manifest = collections.read_manifest()
    collections.write_manifest([replace(entry, form=entry.form - 1) for entry in manifest.values()])
    started = time.perf_counter()
    report = ingest(settings)
    print(f"{report.summary()}\nwall {time.perf_counter() - started:.1f} s; sentences {report.sentences}, "
          f"embedded {report.embedded}")
    if args.copy_to is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
