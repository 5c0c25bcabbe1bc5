"""The `qa` command: ingest, ask, eval, bench, serve. Each subcommand is a thin call into the library.

Imports are made inside the subcommands, so `qa --help` stays fast. Answers go to stdout; progress, warnings and
errors go to stderr (with `--json`, stdout holds nothing but the answer object).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Question answering over news articles, every claim cited to the exact lines it comes from. "
        "Configured by QA_* environment variables (docs/configuration.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="build or update the index from QA_ARTICLES_DIR")
    p.add_argument("--rebuild", action="store_true", help="drop the index and build it from scratch")
    p.add_argument("--quiet", action="store_true", help="no progress bar; only warnings and the summary")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="when another ingest holds the index's lock, wait up to this long for it (default: stop)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer one question from the indexed articles")
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("--json", action="store_true", help="print the answer object (CONTRACT.md) as JSON")
    p.add_argument("--top-k", type=_positive, default=None, metavar="N", help="passages to retrieve (default: QA_TOP_K)")
    p.add_argument("--mode", choices=("extractive", "llm", "auto"), default=None,
                   help="answer mode (default: QA_ANSWER_MODE)")
    p.add_argument("--since", type=_since, default=None, metavar="DATE",
                   help="only sources from this date on: YYYY, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--until", type=_until, default=None, metavar="DATE",
                   help="only sources up to this date: YYYY, YYYY-MM or YYYY-MM-DD")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="answer a question set and print the metrics")
    p.add_argument("--questions", required=True, type=Path, metavar="FILE", help="question set (JSONL)")
    p.add_argument("--out", required=True, type=Path, metavar="RESULTS.jsonl", help="one answer object per line")
    p.add_argument("--report", type=Path, default=None, metavar="DIR", help="write report.md/.html and metrics.json")
    p.add_argument("--compare", action="store_true", help="also run dense-only, BM25-only and LlamaIndex defaults")
    p.add_argument("--mode", choices=("extractive", "llm", "auto"), default=None,
                   help="answer mode (default: QA_ANSWER_MODE); llm asks the configured OpenAI-compatible server")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="measure ingest, question latency, start-up and memory at three sizes")
    from qa.evaluation import (
        bench_arguments as add_arguments,  # light: its heavy imports are made inside the jobs
    )

    add_arguments(p)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("serve", help="start the chat UI in the browser")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: QA_PORT, else 7860)")
    p.add_argument("--share", action="store_true",
                   help="also open a public gradio.live link (needs the network and QA_AUTH=user:password)")
    p.set_defaults(func=cmd_serve)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError(f"must be between 1 and 50, not {value}")
    return value


def _date_bound(name: str, end: bool):
    """Checks a --since/--until value at once (argparse names the option); the text is kept for the answer."""
    def check(text: str) -> str:
        from qa.temporal import DateRangeError, parse_bound

        try:
            parse_bound(text, name, end)
        except DateRangeError as err:
            raise argparse.ArgumentTypeError(str(err).split(": ", 1)[1]) from None
        return text

    return check


_since, _until = _date_bound("since", end=False), _date_bound("until", end=True)


def _settings():
    from qa.config import get_settings

    return get_settings()


def _report_skipped(report) -> None:
    for skipped in report.skipped:
        print(f"WARNING: skipped {skipped.doc}: {skipped.reason}", file=sys.stderr)


def cmd_ingest(args: argparse.Namespace) -> int:
    from qa.ingest import ingest

    report = ingest(_settings(), rebuild=args.rebuild, progress=not args.quiet, wait=max(0.0, args.wait))
    _report_skipped(report)
    print(report.summary())
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from qa import remote

    settings = _settings()
    # A running `qa serve` on this index answers at once; else the question is answered here (a cold start).
    data = remote.ask(settings, args.question, top_k=args.top_k, mode=args.mode, since=args.since, until=args.until)
    if data is None:
        from qa.answer import ready_engine

        engine = ready_engine(settings, announce=lambda line: print(line, file=sys.stderr))
        answer = engine.ask(args.question, top_k=args.top_k, mode=args.mode, since=args.since, until=args.until)
        data = answer.to_json()
        shown = json.dumps(data, ensure_ascii=False) if args.json else render(answer)
    else:
        shown = json.dumps(data, ensure_ascii=False) if args.json else render_json(data)
    if data.get("error"):  # a question that could not be asked is an error, not a refusal (CONTRACT.md)
        if args.json:
            print(shown)
        print(f"error: {data['error']}", file=sys.stderr)
        return 1
    print(shown)
    return 0


def render(answer) -> str:
    """The answer as text for a terminal: the answer, its sources, and notes."""
    first_lines = {(p.passage.doc, p.passage.start_line): p.passage.text.strip().split("\n", 1)[0]
                   for p in answer.related}
    return render_json(answer.to_json(), first_lines)


def render_json(data: dict, first_lines: dict | None = None) -> str:
    """An answer object (CONTRACT.md) as text for a terminal. `first_lines`: (doc, start line) -> the first line
    of a related passage, shown beside it when known (the answer object does not carry passage text)."""
    from datetime import date

    from qa.types import confidence_words

    out = [data["answer"]]
    if data["citations"]:
        out.append("")
        for c in data["citations"]:
            about = ", ".join(x for x in (c.get("title") or "", c.get("published") or "", c.get("outlet") or "") if x)
            out.append(f"[{c['n']}] {c['doc']}:{c['start_line']}-{c['end_line']}  \"{c['quote']}\"")
            if about:
                out.append(f"    {about}")
            if c.get("copy_of"):
                out.append(f"    the same text as [{c['copy_of']}], in another article")
    if data.get("date_range"):
        scope = data["date_range"]
        first, last = (date.fromisoformat(scope[k]) if scope.get(k) else None for k in ("since", "until"))
        how = "only sources" if scope.get("from") == "filter" else "sources preferred"
        span = f"{first.isoformat()} to {last.isoformat()}" if first and last else (
            f"from {first.isoformat()} on" if first else (f"up to {last.isoformat()}" if last else "any date"))
        out.append(f"\n({how} dated {span})")
    for note in data.get("notes", []):
        out.append(f"\nnote: {note}")
    if data.get("confidence") is not None:  # the chat's word for it, and the probability it stands for
        out.append(f"\n{confidence_words(data['confidence'])} (the probability that this is right: "
                   f"{data['confidence']:.2f})")
    if data["refused"] and data.get("related"):
        out.append("\nNo passage answers this; the closest ones, to check yourself:")
        for p in data["related"]:
            first = (first_lines or {}).get((p["doc"], p["start_line"]), "")
            shown = f"  {first[:100]}{'…' if len(first) > 100 else ''}" if first else ""
            out.append(f"  {p['doc']}:{p['start_line']}-{p['end_line']}{shown}")
    return "\n".join(out)


def cmd_eval(args: argparse.Namespace) -> int:
    from qa.evaluation import run_eval

    return run_eval(args.questions, args.out, args.report, args.compare, _settings(), mode=args.mode)


def cmd_bench(args: argparse.Namespace) -> int:
    from qa.evaluation import bench_main as main

    return main(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from qa.ui.app import serve

    serve(host=args.host, port=args.port, share=args.share)
    return 0


def _not_a_skip_record(record: logging.LogRecord) -> bool:
    return not (record.name == "qa.ingest.sync" and str(record.msg).startswith("skipped "))


def main(argv: list[str] | None = None) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)  # some libraries (bm25s) set their own loggers to DEBUG
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(_not_a_skip_record)  # skipped files are reported once, from the ingest report
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        from qa.evaluation import QuestionSetError
        from qa.index import ModelMismatchError, StoreError  # here, not above: `qa ask` through the app skips it
        from qa.remote import RemoteError

        if isinstance(err, (ModelMismatchError, StoreError, FileNotFoundError, RemoteError, QuestionSetError)):
            print(f"error: {err}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
