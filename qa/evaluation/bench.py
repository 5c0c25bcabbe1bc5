"""`qa bench`: what ingest, questions, start-up and memory cost, at three collection sizes, side by side.

Sizes: `bundled` (the five articles in store/articles), `bbc` (the 2,225 BBC articles) and `bbc4` (the BBC corpus
four times over, as distinct articles: copy1/ ... copy4/, each file with a last line naming its copy, so no two files
are alike). Systems: `ours` (hybrid retrieval, extractive answer), `bm25` (the same pipeline with BM25-only
retrieval) and `llamaindex` (LlamaIndex's default pipeline over the same embedding model, qa/evaluation/baseline.py).

Every measurement runs in a process of its own, so each peak RSS belongs to one job and every start is cold:

- ingest: a cold `ingest()` into an empty store, then an unchanged re-run as a new `qa ingest` process;
- query: an engine is opened, warmed up on one question, then asks every question of the size's question set
  (`--rounds` times); retrieve and answer times come from `Answer.timings_ms`; the same answers are scored with
  qa.evaluation.scoring (a `copyN/` doc of bbc4 is mapped back to its original, whose lines it keeps);
- start: `qa ask` from a new process until it exits with the answer, and `qa serve` until its page answers HTTP
  (the app opens the index and warms up before it listens); then a few questions through its API and its RSS.

Results accumulate in `<out>/results.json` (one record per size, system and stage, with the date and load average),
from which `<out>/results.md` (tables) and `<out>/growth.svg` (how each cost grows with the collection) are drawn.
`--reuse` keeps an existing store and its recorded ingest, so query and start-up figures can be re-measured without
re-embedding. `--server` runs the same stages against a `chroma run` server on 127.0.0.1 that it starts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from qa.evaluation.local_servers import free_port, start_chroma, stop, wait_for_http

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # not from qa.config: `qa --help` must not import pydantic

SIZES = ("bundled", "bbc", "bbc4")
SYSTEMS = ("ours", "bm25", "llamaindex")
STAGES = ("ingest", "query", "start")
COPIES = 4
_COPY = re.compile(r"^copy\d+/")
DEFAULT_BBC = PROJECT_ROOT.parent / "shared" / "corpora" / "bbc"
QUESTION_SETS = Path(__file__).parent / "questions"  # package data: found in an installed package too
QUESTIONS = {"bundled": QUESTION_SETS / "articles.jsonl", "bbc": QUESTION_SETS / "bbc.jsonl",
             "bbc4": QUESTION_SETS / "bbc.jsonl"}


# Corpora --------------------------------------------------------------------------------------------------------
def replicate(source: Path, target: Path, copies: int = COPIES) -> Path:
    """`copies` copies of every article of `source` under target/copyN/, each ending with a line naming its copy.

    The line is appended, so every other line keeps its number and a copy's gold lines are its original's. Built
    once; a finished replica is marked by target/.complete.
    """
    from qa.ingest import article_files, doc_id

    if (target / ".complete").exists():
        return target
    files = article_files(source)
    if not files:
        raise FileNotFoundError(f"no articles found in {source}")
    for n in range(1, copies + 1):
        for path in files:
            out = target / f"copy{n}" / doc_id(path, source)
            out.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
            out.write_text(f"{text}\n\n(Copy {n} of this article, made for the scale benchmark.)\n", encoding="utf-8")
    (target / ".complete").write_text(f"{copies} copies of {source}\n")
    return target


def corpus_for(size: str, bbc_dir: Path, work_dir: Path) -> Path:
    if size == "bundled":
        return PROJECT_ROOT / "store" / "articles"
    if not bbc_dir.is_dir():
        raise FileNotFoundError(f"BBC corpus not found at {bbc_dir} (use --corpus-dir)")
    if size == "bbc":
        return bbc_dir
    return replicate(bbc_dir, work_dir / "corpora" / "bbc4")


def original_doc(doc: str) -> str:
    """The BBC doc a bbc4 copy was made from (other docs are returned as they are)."""
    return _COPY.sub("", doc)


# Measuring in a child process -----------------------------------------------------------------------------------
def _status_mb(pid: int | str = "self") -> dict[str, float]:
    with open(f"/proc/{pid}/status") as fh:
        text = fh.read()
    return {key: int(re.search(rf"{key}:\s+(\d+)", text).group(1)) / 1024 for key in ("VmRSS", "VmHWM")}


def _env(store: Path, articles: Path, server: tuple[str, int] | None) -> dict:
    env = dict(os.environ, QA_ARTICLES_DIR=str(articles), QA_STORE_DIR=str(store), ANONYMIZED_TELEMETRY="False",
               QA_ANSWER_MODE="extractive", PYTHONPATH=str(PROJECT_ROOT))
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    env.pop("QA_CHROMA_HOST", None)
    if server:
        env.update(QA_CHROMA_HOST=server[0], QA_CHROMA_PORT=str(server[1]))
    return env


def _child(job: str, params: dict, env: dict) -> dict:
    """Run `job` in a new Python process; its last stdout line is the JSON it returns."""
    args = [sys.executable, "-m", "qa.evaluation.bench", "--child", job, json.dumps(params)]
    result = subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"benchmark job {job} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def job_ingest(params: dict) -> dict:
    from qa.config import Settings
    from qa.ingest import ingest

    settings = Settings()
    report = ingest(settings, progress=False)
    result = {"articles": report.articles, "passages": report.passages, "changed": report.changed,
              "seconds": report.seconds, "sentences": report.sentences, "embedded": report.embedded,
              "rss_mb": _status_mb()["VmHWM"]}
    if report.changed:
        result["tokens"] = tokens_embedded(settings)
    return result


def tokens_embedded(settings) -> int:
    """Tokens the model ran on in a cold ingest (each distinct sentence once, special tokens included), counted with
    its own tokenizer: the embedding workload, which bounds ingest."""
    from tokenizers import Tokenizer

    from qa.index import MAX_TOKENS, TOKENIZER_PATH
    from qa.ingest import chunk, load_articles

    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    articles, _ = load_articles(settings.articles_dir, settings.max_file_bytes)
    texts = list(dict.fromkeys(p.sentence_text(s) for a in articles for p in chunk(a) for s in p.sentences))
    return sum(len(e.ids) for e in tokenizer.encode_batch(texts))


def job_query(params: dict) -> dict:
    from qa.config import Settings
    from qa.evaluation.questionset import load_questions
    from qa.evaluation.scoring import percentile, score_answer, summarize

    settings = Settings()
    started = time.perf_counter()
    if params["system"] == "llamaindex":
        from qa.evaluation.baseline import LlamaIndexBaseline

        asker = LlamaIndexBaseline(settings)
        built = {"articles": len(asker.articles), "passages": asker.nodes}
    else:
        from qa.answer import Engine

        asker = Engine(settings, retrieval="bm25" if params["system"] == "bm25" else "hybrid")
        built = {}
    open_s = time.perf_counter() - started
    questions = load_questions(params["questions"])
    asker.ask(questions[0].question)  # warm-up, not counted
    retrieve, answer, total, scores = [], [], [], []
    for round_ in range(params["rounds"]):
        for q in questions:
            reply = asker.ask(q.question)
            t = reply.timings_ms
            retrieve.append(t["retrieve"])
            answer.append(t["answer"])
            total.append(t["total"])
            if round_ == 0:
                data = reply.to_json()
                # The passages as retrieval ranked them: a copy listed beside one is the same text, and a bbc4 copy
                # is one the benchmark made, whose original the questions' gold lines name
                data["passages"] = [p for p in data["passages"] if "copy_of" not in p]
                for item in data["passages"] + data["citations"]:
                    item["doc"] = original_doc(item["doc"])
                scores.append(score_answer(q, data))
    quality = summarize(scores)
    ms = {f"{name}_p{p}": percentile(values, p) for name, values in
          (("retrieve", retrieve), ("answer", answer), ("total", total)) for p in (50, 95, 99)}
    return {"open_s": open_s, "questions": len(total), **built, **ms,
            "quality": {k: getattr(quality, k) for k in ("n", "hit1", "hit5", "mrr", "fact_recall", "citation_hit",
                                                          "refusal_accuracy", "false_refusals")},
            "rss_mb": _status_mb()["VmHWM"]}


def job_open(params: dict) -> dict:
    """The first engine after an ingest: loads the retrieval tables that the ingest built (embedded), or builds and
    caches them (server mode, where each app process keeps its own)."""
    from qa.answer import Engine
    from qa.config import Settings

    settings = Settings()
    cached = any(settings.cache_dir.glob("tables-*"))
    started = time.perf_counter()
    Engine(settings)
    return {"seconds": time.perf_counter() - started, "cache_was_there": cached, "rss_mb": _status_mb()["VmHWM"]}


JOBS = {"ingest": job_ingest, "query": job_query, "open": job_open}


def _child_main(job: str, params: str) -> int:
    import logging

    logging.basicConfig(level=logging.ERROR)
    result = JOBS[job](json.loads(params))
    print(json.dumps(result))
    return 0


# Stages ---------------------------------------------------------------------------------------------------------
def load_now() -> float:
    return round(os.getloadavg()[0], 2)


def stage_ingest(store: Path, articles: Path, env: dict, server) -> list[dict]:
    """Cold ingest into an empty store, then an unchanged re-run as a new `qa ingest` process (wall time)."""
    load = load_now()
    cold = _child("ingest", {}, env)
    cold["load"] = load
    load = load_now()
    started = time.perf_counter()
    again = _child("ingest", {}, env)
    again["wall_s"] = time.perf_counter() - started
    again["load"] = load
    if again["changed"]:
        raise RuntimeError(f"an unchanged re-run re-indexed {again['changed']} articles")
    return [dict(cold, stage="ingest-cold"), dict(again, stage="ingest-unchanged")]


def stage_query(system: str, size: str, env: dict, rounds: int) -> dict:
    load = load_now()
    result = _child("query", {"system": system, "questions": str(QUESTIONS[size]), "rounds": rounds}, env)
    return dict(result, stage="query", load=load)


def stage_start(env: dict, size: str) -> list[dict]:
    """`qa ask` from a new process, and `qa serve` until its page answers; the app's RSS after a few questions."""
    from qa.evaluation.questionset import load_questions

    question = load_questions(QUESTIONS[size])[0].question
    load = load_now()
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "qa", "ask", question], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True)
    ask_s = time.perf_counter() - started
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"qa ask failed:\n{result.stderr[-2000:]}")
    records = [{"stage": "cold-ask", "seconds": ask_s, "load": load}]

    port = free_port()
    load = load_now()
    started = time.perf_counter()
    app = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", str(port)], cwd=PROJECT_ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        ready_s = wait_for_http(f"http://127.0.0.1:{port}/", app, timeout=600)
        ready_rss = _status_mb(app.pid)
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        for q in load_questions(QUESTIONS[size])[:10]:
            client.predict(q.question, api_name="/ask")
        after = _status_mb(app.pid)
        records.append({"stage": "ui-ready", "seconds": ready_s, "load": load, "rss_ready_mb": ready_rss["VmRSS"],
                        "rss_mb": after["VmRSS"], "rss_peak_mb": after["VmHWM"]})
    finally:
        stop(app)
    return records


# Results ----------------------------------------------------------------------------------------------------------
def _key(record: dict) -> str:
    return f"{record['size']}/{record['system']}/{record['mode']}/{record['stage']}"


def load_results(path: Path) -> dict[str, dict]:
    return json.loads(path.read_text()) if path.exists() else {}


def run(sizes: list[str], systems: list[str], stages: list[str], bbc_dir: Path, work_dir: Path, out_dir: Path,
        rounds: int = 2, reuse: bool = False, server: bool = False, say=print) -> dict[str, dict]:
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / "results.json"
    results = load_results(results_path)
    mode = "server" if server else "embedded"
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())

    def record(size: str, system: str, data: dict) -> None:
        data = dict(data, size=size, system=system, mode=mode, date=when)
        results.update(load_results(results_path))  # another run may have added figures meanwhile
        results[_key(data)] = data
        temporary = results_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(results, indent=1, sort_keys=True))
        temporary.replace(results_path)
        say(f"{size} {system} {mode} {data['stage']}: " + ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in data.items()
            if k not in ("size", "system", "mode", "stage", "date", "quality")))

    for size in sizes:
        articles = corpus_for(size, bbc_dir, work_dir)
        store = work_dir / f"{size}-{mode}" / "chroma"
        chroma = None
        try:
            if server:
                data = store.parent / "server-data"
                fresh = not (reuse and data.exists())
                if fresh:
                    shutil.rmtree(store.parent, ignore_errors=True)
                    local = work_dir / f"{size}-embedded" / "chroma"
                    if reuse and (local / "chroma.sqlite3").exists():
                        # `chroma run` serves the same on-disk format: start from the embedded store's records
                        shutil.copytree(local, data, ignore=shutil.ignore_patterns("cache", "ingest.lock"))
                        say(f"{size}: the server starts from a copy of {local}; ingest through it is not re-measured")
                        fresh = False
                port = free_port()
                chroma = start_chroma(data, port, store.parent / "chroma-server.log")
                env = _env(store, articles, ("127.0.0.1", port))
            else:
                fresh = not (reuse and store.exists())
                if fresh:
                    shutil.rmtree(store.parent, ignore_errors=True)
                env = _env(store, articles, None)
            if "ingest" in stages and ("ours" in systems or "bm25" in systems):
                if fresh:
                    for data in stage_ingest(store, articles, env, server):
                        record(size, "ours", data)
                else:
                    say(f"{size}: reusing the store in {store} and its recorded ingest figures")
            elif fresh:
                _child("ingest", {}, env)  # the other stages need an index
            if fresh or not any((store / "cache").glob("tables-*")):
                load = load_now()
                record(size, "ours", dict(_child("open", {}, env), stage="first-open", load=load))
            for system in systems:
                if "query" in stages:
                    record(size, system, stage_query(system, size, env, rounds))
            if "start" in stages and "ours" in systems:
                for data in stage_start(env, size):
                    record(size, "ours", data)
        finally:
            if chroma is not None:
                stop(chroma)
    results.update(load_results(results_path))
    write_outputs(results, out_dir)
    return results


def machine() -> str:
    import chromadb
    import onnxruntime

    return (f"{platform.machine()} Linux, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"onnxruntime {onnxruntime.__version__}, chromadb {chromadb.__version__}")


def write_outputs(results: dict[str, dict], out_dir: Path) -> None:
    (out_dir / "results.md").write_text(tables(results, machine()))
    (out_dir / "growth.svg").write_text(growth_svg(results))


def _get(results: dict, size: str, system: str, stage: str, mode: str = "embedded") -> dict | None:
    return results.get(f"{size}/{system}/{mode}/{stage}")


def _f(value, digits: int = 0, scale: float = 1.0) -> str:
    return "-" if value is None else f"{value * scale:,.{digits}f}"


def tables(results: dict[str, dict], about: str) -> str:
    from qa.evaluation.report import md_table

    modes = [m for m in ("embedded", "server") if any(r["mode"] == m for r in results.values())]
    sizes = [s for s in SIZES if any(r["size"] == s for r in results.values())]
    out = [f"Written by `qa bench` ({about}). Every figure carries the 1-minute load average when it was taken "
           "(2 CPUs: above 2, other work was competing).", ""]
    rows = []
    for mode in modes:
        for size in sizes:
            cold = _get(results, size, "ours", "ingest-cold", mode)
            again = _get(results, size, "ours", "ingest-unchanged", mode)
            first = _get(results, size, "ours", "first-open", mode)
            if cold:
                rows.append([size, mode, _f(cold["articles"]), _f(cold["passages"]), _f(cold["seconds"], 1),
                             _f(cold["articles"] / cold["seconds"], 1), _f(cold["passages"] / cold["seconds"], 1),
                             f"{cold['embedded']:,} of {cold['sentences']:,}",
                             _f(cold.get("tokens") and cold["tokens"] / cold["seconds"]), _f(cold["rss_mb"]),
                             _f(again and again["wall_s"], 1), _f(first and first["seconds"], 1),
                             f"{cold['load']:.1f}", cold["date"]])
    if rows:
        out += ["### Ingest", "", md_table(["size", "chroma", "articles", "passages", "cold s", "articles/s",
                                            "passages/s", "sentences embedded", "tokens/s", "peak RSS MB",
                                            "unchanged re-run s (new process)", "first open s",
                                            "load", "date"], rows, (0, 1, 13)), ""]
    queries = [(size, mode, system, q) for mode in modes for size in sizes for system in SYSTEMS
               if (q := _get(results, size, system, "query", mode))]
    rows = []
    for size, mode, system, q in queries:
        ms = [_f(q[f"{part}_p{p}"], 1) for part in ("retrieve", "answer", "total") for p in (50, 95, 99)]
        rows.append([size, mode, system, *ms, _f(q["open_s"], 1), _f(q["rss_mb"]), f"{q['load']:.1f}"])
    if rows:
        out += ["### Warm questions (ms)", "",
                md_table(["size", "chroma", "system", "retrieve p50", "p95", "p99", "answer p50", "p95", "p99",
                          "total p50", "p95", "p99", "open s", "peak RSS MB", "load"], rows, (0, 1, 2)), ""]
    rows = []
    for mode in modes:
        for size in sizes:
            ask, ui = _get(results, size, "ours", "cold-ask", mode), _get(results, size, "ours", "ui-ready", mode)
            if ask or ui:
                rows.append([size, mode, _f(ask and ask["seconds"], 1), _f(ui and ui["seconds"], 1),
                             _f(ui and ui["rss_ready_mb"]), _f(ui and ui["rss_mb"]), f"{(ask or ui)['load']:.1f}"])
    if rows:
        out += ["### Cold start and app memory", "",
                md_table(["size", "chroma", "`qa ask` to answer s", "`qa serve` to page s", "app RSS ready MB",
                          "app RSS after 10 questions MB", "load"], rows, (0, 1)), ""]
    rows = [[size, mode, system, str(q["quality"]["n"])]
            + [_f(q["quality"][k], 2) for k in ("hit1", "hit5", "mrr", "fact_recall", "citation_hit", "refusal_accuracy")]
            for size, mode, system, q in queries]
    if rows:
        out += ["### Quality on the size's question set (bundled: articles.jsonl; bbc, bbc4: bbc.jsonl)", "",
                md_table(["size", "chroma", "system", "questions", "hit@1", "hit@5", "MRR", "facts", "citation hit",
                          "refusals right"], rows, (0, 1, 2)), ""]
    return "\n".join(out)


def _round_up(value: float) -> float:
    """The next 1, 2 or 5 times a power of ten at or above `value`, so the axis ticks are round numbers."""
    import math

    power = 10 ** math.floor(math.log10(value)) if value > 0 else 1
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def growth_svg(results: dict[str, dict]) -> str:
    """One bar chart per cost: a block per system, a bar per collection size (embedded Chroma)."""
    from qa.evaluation.charts import grouped_bars_svg

    sizes = [s for s in SIZES if any(r["size"] == s for r in results.values())]
    charts = []
    metrics = [
        ("cold ingest, seconds", [("ours", "ingest-cold", "seconds")]),
        ("warm question, total p50, ms", [(s, "query", "total_p50") for s in SYSTEMS]),
        ("warm question, total p95, ms", [(s, "query", "total_p95") for s in SYSTEMS]),
        ("cold start, seconds", [("ours", "cold-ask", "seconds"), ("ours", "ui-ready", "seconds")]),
        ("peak RSS, MB", [(s, "query", "rss_mb") for s in SYSTEMS] + [("ours", "ui-ready", "rss_mb")]),
    ]
    labels = {"cold-ask": "qa ask", "ui-ready": "qa serve"}
    for title, series in metrics:
        groups = [labels.get(stage, system) if title.startswith(("cold start", "peak")) and stage != "query" else system
                  for system, stage, _ in series]
        values = [[(_get(results, size, system, stage) or {}).get(field) for size in sizes]
                  for system, stage, field in series]
        present = [v for row in values for v in row if v is not None]
        if present:
            charts.append(grouped_bars_svg(groups, sizes, values, title, max_value=_round_up(max(present) * 1.05)))
    if not charts:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="20"></svg>\n'
    y, width, parts = 0, 0, []
    for chart in charts:
        w, h = (float(x) for x in re.search(r'width="([\d.]+)" height="([\d.]+)"', chart).groups())
        parts.append(f'<g transform="translate(0,{y:.0f})">{chart}</g>')
        y += h + 10
        width = max(width, w)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{y:.0f}" '
            'font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n'
            + "\n".join(parts) + "\n</svg>\n")


# Command line -----------------------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="bundled,bbc,bbc4", help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated, of {', '.join(SYSTEMS)}")
    parser.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated, of {', '.join(STAGES)}")
    parser.add_argument("--corpus-dir", type=Path, default=DEFAULT_BBC, help="the BBC corpus (default: %(default)s)")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/qa-bench"),
                        help="stores and the bbc4 replica; large (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "bench",
                        help="results.json, results.md, growth.svg (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=2, help="times each question is asked warm (default: 2)")
    parser.add_argument("--reuse", action="store_true", help="keep an existing store and its recorded ingest")
    parser.add_argument("--server", action="store_true", help="against a `chroma run` server on 127.0.0.1")


def _choices(text: str, allowed: tuple[str, ...], what: str) -> list[str]:
    chosen = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in chosen if x not in allowed]
    if bad or not chosen:
        raise SystemExit(f"error: unknown {what} {', '.join(bad) or '(none)'}: use {', '.join(allowed)}")
    return chosen


def main(args: argparse.Namespace) -> int:
    run(_choices(args.sizes, SIZES, "size"), _choices(args.systems, SYSTEMS, "system"),
        _choices(args.stages, STAGES, "stage"), args.corpus_dir, args.work_dir, args.out, args.rounds,
        args.reuse, args.server, say=lambda text: print(text, file=sys.stderr, flush=True))
    print((args.out / "results.md").read_text())
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        sys.exit(_child_main(sys.argv[2], sys.argv[3]))
    parser = argparse.ArgumentParser(prog="python -m qa.evaluation.bench")
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))
