"""What grows with the archive, measured against a `chroma run` server: docs/scaling.md.

The BBC corpus (2,225 articles) is added to one server-backed index a copy at a time, in steps (by default up to
16 copies: 1, 2, 4, 8, 16 copies, i.e. 2,225 ... 35,600 articles). Each copy is the corpus with one line appended to
every file that names its copy (as `qa bench`'s bbc4), so every file is an article of its own. After each step:

- the ingest of that step (`qa ingest` code in a child process: seconds, articles, peak RSS; the sentences the model
  actually ran on, since repeated sentences are embedded once per run);
- the server: its RSS, its data folder (the SQLite file by table, each collection's HNSW vector segment), the
  records per collection;
- a process opening the index for the first time (the retrieval tables are built from the server's records: the
  passage table and the BM25 index), its time and peak RSS, and what it built: passage text bytes, BM25 postings and
  vocabulary, the cached tables on disk;
- a process that opens the cached tables and answers the 59 BBC questions once: open time, latency, peak RSS,
  quality (a copy's doc mapped back to its original, as in `qa bench`).

Results are appended to `--out` (JSON lines) as each step finishes, so a run that is stopped keeps what it measured.
Run from the repository (or an exported copy of it):

    python benchmarks/scale.py --steps 1,2,4,8,16 --work-dir /tmp/qa-scale --out docs/bench/scale.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.evaluation.bench import DEFAULT_BBC, QUESTIONS, _status_mb, load_now, original_doc
from qa.evaluation.local_servers import free_port, start_chroma, stop


# The corpus, a copy at a time -----------------------------------------------------------------------------------
def add_copy(source: Path, articles: Path, n: int) -> int:
    """copyN/ of the BBC corpus under `articles`, each file with a last line naming its copy (lines keep numbers)."""
    from qa.ingest import article_files, doc_id

    files = article_files(source)
    for path in files:
        out = articles / f"copy{n}" / doc_id(path, source)
        out.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
        out.write_text(f"{text}\n\n(Copy {n} of this article, made for the scale benchmark.)\n", encoding="utf-8")
    return len(files)


# Jobs in child processes ----------------------------------------------------------------------------------------
def job_ingest(params: dict) -> dict:
    from qa.config import Settings
    from qa.ingest import ingest

    report = ingest(Settings())
    return {"articles": report.articles, "passages": report.passages, "changed": report.changed,
            "seconds": report.seconds, "sentences": report.sentences, "embedded": report.embedded,
            "rss_mb": _status_mb()["VmHWM"]}


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def job_open(params: dict) -> dict:
    """The first process after an ingest: builds the retrieval tables from the server's records."""
    import pickle

    from qa.answer import Engine
    from qa.config import Settings

    settings = Settings()
    started = time.perf_counter()
    engine = Engine(settings)
    seconds = time.perf_counter() - started
    tables = engine.retriever.tables
    text_bytes = sum(len(p.text.encode()) for p in tables.passages.values())
    meta_bytes = len(pickle.dumps(tables.metadata))
    scores = tables.bm25.bm25.scores if tables.bm25 is not None else {"data": []}
    cache = next((settings.store_dir / "cache").glob("tables-*"), None)
    return {"seconds": seconds, "rss_mb": _status_mb()["VmHWM"], "passages": len(tables.passages),
            "passage_text_bytes": text_bytes, "passage_meta_pickle_bytes": meta_bytes,
            "bm25_postings": len(scores["data"]), "vocabulary": len(tables.vocabulary.df),
            "cache_tables_pickle_bytes": (cache / "tables.pickle").stat().st_size if cache else 0,
            "cache_bm25_bytes": _dir_bytes(cache / "bm25") if cache and (cache / "bm25").exists() else 0}


def job_query(params: dict) -> dict:
    from qa.answer import Engine
    from qa.config import Settings
    from qa.evaluation.questionset import load_questions
    from qa.evaluation.scoring import percentile, score_answer, summarize

    settings = Settings()
    started = time.perf_counter()
    engine = Engine(settings)
    open_s = time.perf_counter() - started
    questions = load_questions(params["questions"])
    engine.ask(questions[0].question, mode="extractive")  # warm-up, not counted
    retrieve, total, scores = [], [], []
    for q in questions:
        reply = engine.ask(q.question, mode="extractive")
        retrieve.append(reply.timings_ms["retrieve"])
        total.append(reply.timings_ms["total"])
        data = reply.to_json()
        for item in data["passages"] + data["citations"]:
            item["doc"] = original_doc(item["doc"])
        scores.append(score_answer(q, data))
    quality = summarize(scores)
    return {"open_s": open_s, "questions": len(total), "rss_mb": _status_mb()["VmHWM"],
            **{f"{name}_p{p}": percentile(values, p) for name, values in (("retrieve", retrieve), ("total", total))
               for p in (50, 95)},
            "quality": {k: getattr(quality, k) for k in ("n", "hit1", "hit5", "mrr", "fact_recall", "citation_hit")}}


JOBS = {"ingest": job_ingest, "open": job_open, "query": job_query}


def child(job: str, params: dict, env: dict) -> dict:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", job, json.dumps(params)],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{job} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]), wall_s=time.perf_counter() - started)


# The server's side ----------------------------------------------------------------------------------------------
def server_figures(data: Path, pid: int, collection: str) -> dict:
    """The server's RSS, its data folder and what each part of it holds."""
    figures = {"server_rss_mb": _status_mb(pid)["VmRSS"], "server_peak_rss_mb": _status_mb(pid)["VmHWM"],
               "data_bytes": _dir_bytes(data)}
    db = sqlite3.connect(f"file:{data / 'chroma.sqlite3'}?mode=ro", uri=True)
    try:
        figures["sqlite_bytes"] = (data / "chroma.sqlite3").stat().st_size
        figures["sqlite_tables"] = dict(db.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name HAVING SUM(pgsize) > 1000000 ORDER BY 2 DESC"))
        segments = {}
        for segment, name in db.execute("SELECT s.id, c.name FROM segments s JOIN collections c ON s.collection = c.id "
                                        "WHERE s.scope = 'VECTOR'"):
            folder = data / segment
            if name.startswith(collection) and folder.is_dir():
                segments[name] = _dir_bytes(folder)
        figures["hnsw_bytes"] = segments
        figures["records"] = dict(db.execute(
            "SELECT c.name, COUNT(*) FROM embeddings e JOIN segments s ON e.segment_id = s.id "
            "JOIN collections c ON s.collection = c.id GROUP BY c.name"))
        figures["queue_rows"] = db.execute("SELECT COUNT(*) FROM embeddings_queue").fetchone()[0]
    finally:
        db.close()
    return figures


# The tables of docs/scaling.md -----------------------------------------------------------------------------------
def tables(path: Path) -> str:
    """Markdown tables of a results file: each step, then what each part costs per 10,000 articles."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    mb = 1e6
    out = ["| copies | articles | passages | sentences | server data MB | SQLite MB | HNSW passages MB | "
           "HNSW sentences MB | server RSS MB (after questions) | BM25 postings | vocabulary | passage text MB | "
           "cached tables MB (pickle + BM25) | first open s (builds the tables) | its peak RSS MB | "
           "question p50 / p95 ms | "
           "engine peak RSS MB | hit@5 | facts | ingest s (articles added, distinct sentences embedded) | load |",
           "|" + "---:|" * 20 + "---|"]
    for r in rows:
        i, s_, f, q = r["ingest"], r["server"], r["first_open"], r["query"]
        h, recs = s_["hnsw_bytes"], s_["records"]
        out.append(
            f"| {r['copies']} | {i['articles']:,} | {i['passages']:,} | {recs.get('articles_sentences', 0):,} | "
            f"{s_['data_bytes'] / mb:,.0f} | {s_['sqlite_bytes'] / mb:,.0f} | "
            f"{h.get('articles_passages', 0) / mb:,.1f} | "
            f"{h.get('articles_sentences', 0) / mb:,.1f} | {s_['server_rss_mb']:,.0f} "
            f"({r['server_after_questions']['server_rss_mb']:,.0f}) | {f['bm25_postings']:,} | {f['vocabulary']:,} | "
            f"{f['passage_text_bytes'] / mb:,.1f} | "
            f"{f['cache_tables_pickle_bytes'] / mb:,.1f} + {f['cache_bm25_bytes'] / mb:,.1f} | {f['seconds']:,.1f} | "
            f"{f['rss_mb']:,.0f} | {q['total_p50']:,.0f} / {q['total_p95']:,.0f} | {q['rss_mb']:,.0f} | "
            f"{q['quality']['hit5']:.2f} | {q['quality']['fact_recall']:.2f} | {i['seconds']:,.0f} ({i['changed']:,}, "
            f"{i['embedded']:,}) | {i['load']:.1f} / {f['load']:.1f} / {q['load']:.1f} |")
    last = rows[-1]
    n = last["ingest"]["articles"]
    per = 10_000 / n
    i, s_, f = last["ingest"], last["server"], last["first_open"]
    recs, h = s_["records"], s_["hnsw_bytes"]
    vectors = recs.get("articles_passages", 0) + recs.get("articles_sentences", 0)
    lines = [
        ("passages (one vector each)", f"{recs.get('articles_passages', 0) * per:,.0f}"),
        ("sentences (one vector each)", f"{recs.get('articles_sentences', 0) * per:,.0f}"),
        ("vectors, raw float32 (384 x 4 bytes each), MB", f"{vectors * 384 * 4 * per / mb:,.0f}"),
        ("HNSW vector segments on the server's disk, MB",
         f"{(h.get('articles_passages', 0) + h.get('articles_sentences', 0)) * per / mb:,.0f}"),
        ("SQLite (records, metadata, documents, full-text index, log), MB", f"{s_['sqlite_bytes'] * per / mb:,.0f}"),
        ("server data folder in all, MB", f"{s_['data_bytes'] * per / mb:,.0f}"),

        ("BM25 postings (passage, term) pairs", f"{f['bm25_postings'] * per:,.0f}"),
        ("BM25 index as cached (bm25s), MB", f"{f['cache_bm25_bytes'] * per / mb:,.0f}"),
        ("passage text (UTF-8), MB", f"{f['passage_text_bytes'] * per / mb:,.0f}"),
        ("passage table and term statistics as cached (pickle), MB",
         f"{f['cache_tables_pickle_bytes'] * per / mb:,.0f}"),
    ]
    first = rows[0]
    if len(rows) > 1:  # what grows with the archive in memory and time: the slope between the first and last step
        slope = 10_000 / (n - first["ingest"]["articles"])
        grow = [
            ("Chroma server RSS after questions, MB", first["server_after_questions"]["server_rss_mb"],
             last["server_after_questions"]["server_rss_mb"]),
            ("peak RSS of a process answering questions (passage table, BM25, term statistics), MB",
             first["query"]["rss_mb"], last["query"]["rss_mb"]),
            ("peak RSS of the first open (builds BM25 and the passage table), MB", first["first_open"]["rss_mb"],
             last["first_open"]["rss_mb"]),
            ("time of that first open, s (load dependent)", first["first_open"]["seconds"],
             last["first_open"]["seconds"]),
            ("time to open the cached tables, s", first["query"]["open_s"], last["query"]["open_s"]),
        ]
        lines += [(f"{what} (growth between {first['ingest']['articles']:,} and {n:,} articles)",
                   f"{(b - a) * slope:,.1f}") for what, a, b in grow]
    out += ["", f"Per 10,000 articles, scaled from the largest step ({n:,} articles):", "",
            "| what | per 10,000 articles |", "| --- | ---: |"] + [f"| {a} | {b} |" for a, b in lines]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="1,2,4,8,16", help="copies of the BBC corpus after each step")
    parser.add_argument("--corpus-dir", type=Path, default=DEFAULT_BBC)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/qa-scale"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench" / "scale.jsonl")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--tables", action="store_true", help="print the tables of --out as Markdown and stop")
    args = parser.parse_args()
    if args.tables:
        print(tables(args.out))
        return 0
    if args.child:
        import logging

        logging.basicConfig(level=logging.ERROR)
        print(json.dumps(JOBS[args.child[0]](json.loads(args.child[1]))))
        return 0

    steps = [int(s) for s in args.steps.split(",")]
    work = args.work_dir
    articles, data, store = work / "articles", work / "server-data", work / "app"
    work.mkdir(parents=True, exist_ok=True)
    have = len([p for p in articles.glob("copy*") if p.is_dir()]) if articles.exists() else 0
    port = free_port()
    server = start_chroma(data, port, work / "chroma-server.log")
    env = dict(os.environ, QA_ARTICLES_DIR=str(articles), QA_STORE_DIR=str(store), QA_CHROMA_HOST="127.0.0.1",
               QA_CHROMA_PORT=str(port), QA_ANSWER_MODE="extractive", ANONYMIZED_TELEMETRY="False",
               PYTHONPATH=str(ROOT))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    try:
        for copies in steps:
            if copies <= have:
                continue
            for n in range(have + 1, copies + 1):
                add_copy(args.corpus_dir, articles, n)
            have = copies
            record: dict = {"copies": copies, "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                            "code": commit.stdout.strip() or os.environ.get("QA_SCALE_CODE", "")}
            record["ingest"] = dict(child("ingest", {}, env), load=load_now())
            print(f"{copies} copies: ingest {record['ingest']}", file=sys.stderr, flush=True)
            record["server"] = server_figures(data, server.pid, "articles")
            for old in (store / "cache").glob("tables-*"):  # the first open builds the tables from the server
                subprocess.run(["rm", "-rf", str(old)], check=True)
            load = load_now()
            record["first_open"] = dict(child("open", {}, env), load=load)
            load = load_now()
            record["query"] = dict(child("query", {"questions": str(QUESTIONS["bbc"])}, env), load=load)
            record["server_after_questions"] = {"server_rss_mb": _status_mb(server.pid)["VmRSS"]}
            record["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
            with open(args.out, "a") as fh:
                fh.write(json.dumps(record) + "\n")
            print(f"{copies} copies: {json.dumps(record)}", file=sys.stderr, flush=True)
    finally:
        stop(server, timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
