"""Question sets: load them (CONTRACT.md, "Question set format") and build them from hand-written source files.

A source file is JSONL with the same fields as a question set, except that instead of `sources` (line numbers) it
gives `gold`: a list of {"doc", "quote"}, where the quote is a verbatim substring of exactly one line of the doc.
`resolve` turns quotes into line numbers, so gold lines are written by meaning and never counted by hand.

    python -m qa.evaluation.questionset resolve SRC --articles DIR --out OUT
    python -m qa.evaluation.questionset split SRC --articles DIR --out-prefix PREFIX [--by doc|id]
    python -m qa.evaluation.questionset check FILE

`split` resolves a source file and writes PREFIX-train.jsonl, PREFIX-dev.jsonl and PREFIX-test.jsonl (60/20/20):
train and dev are for fitting and choosing anything, test only for reporting. The split is fixed by a hash, so it
never changes when questions are added: `--by doc` keeps all questions about one article (its first gold doc, or
`near` for an unanswerable one) in one split, so that test questions are about articles nothing was fitted on.

A follow-up carries `history`: the questions asked before it in the same chat, oldest first. `qa eval` asks it as the
chat does, after them; `split` keeps the follow-ups of one conversation in one split.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

from qa.types import GoldSource, Question

FIELDS = ("id", "question", "kind", "answerable", "must")
OPTIONAL = ("history",)


class QuestionSetError(ValueError):
    """A question set that cannot be read: the message names the file, the line and what is wrong with it."""


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) for every non-blank line; QuestionSetError naming file and line on bad JSON."""
    rows = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{path}:{n}: bad JSON: {exc.msg}") from None
        if not isinstance(obj, dict):
            raise QuestionSetError(f"{path}:{n}: expected a JSON object")
        rows.append((n, obj))
    return rows


def _check_common(obj: dict, extra: tuple[str, ...]) -> str | None:
    """The first problem with the fields shared by question sets and source files, or None."""
    for name in FIELDS + extra:
        if name not in obj:
            return f"missing field {name!r}"
    for name in ("id", "question", "kind"):
        if not isinstance(obj[name], str) or not obj[name].strip():
            return f"{name!r} must be a non-empty string"
    if not isinstance(obj["answerable"], bool):
        return "'answerable' must be true or false"
    must = obj["must"]
    if not isinstance(must, list) or not all(
        isinstance(g, list) and g and all(isinstance(s, str) and s.strip() for s in g) for g in must
    ):
        return "'must' must be a list of non-empty lists of non-empty strings"
    for name in extra:
        if not isinstance(obj[name], list):
            return f"{name!r} must be a list"
    history = obj.get("history", [])
    if not isinstance(history, list) or not all(isinstance(q, str) and q.strip() for q in history):
        return "'history' must be a list of non-empty strings (the questions asked before, oldest first)"
    if obj["answerable"]:
        if not must:
            return "answerable question with empty 'must'"
        if not any(obj[name] for name in extra):
            return f"answerable question with empty {extra[0]!r}"
    elif must or any(obj[name] for name in extra):
        return f"unanswerable question must have empty 'must' and {extra[0]!r}"
    return None


def load_questions(path: str | Path) -> list[Question]:
    """Read and validate a question-set JSONL file."""
    path = Path(path)
    questions: list[Question] = []
    seen: set[str] = set()
    for n, obj in _read_jsonl(path):
        problem = _check_common(obj, ("sources",))
        if problem is None:
            for s in obj["sources"]:
                if not (
                    isinstance(s, dict)
                    and isinstance(s.get("doc"), str)
                    and s["doc"]
                    and isinstance(s.get("line"), int)
                    and not isinstance(s["line"], bool)
                    and s["line"] >= 1
                ):
                    problem = f"bad source {s!r} (need {{'doc': str, 'line': int >= 1}})"
                    break
        if problem is None and obj["id"] in seen:
            problem = f"duplicate id {obj['id']!r}"
        if problem:
            raise QuestionSetError(f"{path}:{n}: {problem}")
        seen.add(obj["id"])
        questions.append(
            Question(
                id=obj["id"],
                question=obj["question"],
                kind=obj["kind"],
                answerable=obj["answerable"],
                must=tuple(tuple(g) for g in obj["must"]),
                sources=tuple(GoldSource(s["doc"], s["line"]) for s in obj["sources"]),
                history=tuple(obj.get("history", ())),
            )
        )
    return questions


class ResolveError(ValueError):
    """Raised by `resolve` with every problem found, one per entry of `errors`."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def resolve(src_path: str | Path, articles_dir: str | Path) -> list[dict]:
    """Resolve a source file's gold quotes to line numbers; raise ResolveError listing every problem."""
    src_path, articles_dir = Path(src_path), Path(articles_dir)
    lines_of: dict[str, list[str] | None] = {}
    errors: list[str] = []
    out: list[dict] = []
    seen: set[str] = set()
    for n, obj in _read_jsonl(src_path):
        where = f"{src_path}:{n} ({obj.get('id', '?')})"
        problem = _check_common(obj, ("gold",))
        if problem is None and obj["id"] in seen:
            problem = f"duplicate id {obj['id']!r}"
        if problem:
            errors.append(f"{where}: {problem}")
            continue
        seen.add(obj["id"])
        sources, quotes, gold_lines, ok = [], [], [], True
        for g in obj["gold"]:
            if not (isinstance(g, dict) and isinstance(g.get("doc"), str) and isinstance(g.get("quote"), str)):
                errors.append(f"{where}: bad gold entry {g!r} (need {{'doc': str, 'quote': str}})")
                ok = False
                continue
            doc, quote = g["doc"], g["quote"]
            if doc not in lines_of:
                file = articles_dir / doc
                lines_of[doc] = file.read_text(encoding="utf-8").split("\n") if file.is_file() else None
            lines = lines_of[doc]
            if lines is None:
                errors.append(f"{where}: doc {doc!r} not found in {articles_dir}")
                ok = False
                continue
            hits = [i for i, line in enumerate(lines, start=1) if quote and quote in line]
            if len(hits) != 1:
                reason = "not found" if not hits else f"found in {len(hits)} lines {hits}"
                errors.append(f"{where}: quote {quote!r} {reason} in {doc}")
                ok = False
                continue
            if {"doc": doc, "line": hits[0]} not in sources:
                sources.append({"doc": doc, "line": hits[0]})
            quotes.append(quote)
            gold_lines.append(lines[hits[0] - 1].lower())
        if not ok:
            continue
        for group in obj["must"]:
            for s in group:
                if not any(s.lower() in line for line in gold_lines):
                    errors.append(f"{where}: must string {s!r} occurs in none of its gold lines")
        out.append({k: obj[k] for k in FIELDS + OPTIONAL if k in obj} | {"sources": sources, "quotes": quotes})
    if errors:
        raise ResolveError(errors)
    return out


SPLITS = (("train", 0.6), ("dev", 0.8), ("test", 1.0))  # upper bounds of each split's share of the hash range


def split_of(key: str) -> str:
    """"train", "dev" or "test" for a question's group key, fixed by the key's hash."""
    fraction = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 16**8
    return next(name for name, bound in SPLITS if fraction < bound)


def article_of(source_row: dict) -> str:
    """The article a source question is about, which `--by doc` groups by: its first gold article, or `near`."""
    gold = source_row.get("gold") or []
    return gold[0]["doc"] if gold and isinstance(gold[0], dict) else source_row.get("near", "")


def group_of(source_row: dict, by: str) -> str:
    """What keeps questions in one split: a follow-up's conversation (its first question; the later questions of one
    chat stay together), else its article (`--by doc`) or itself (`--by id`)."""
    if source_row.get("history"):
        return source_row["history"][0]
    return article_of(source_row) if by == "doc" else source_row.get("id")


def split(src_path: str | Path, articles_dir: str | Path, by: str = "doc") -> dict[str, list[dict]]:
    """The resolved questions of a source file, by split (see the module's doc)."""
    keys = {obj.get("id"): group_of(obj, by) for _, obj in _read_jsonl(Path(src_path))}
    out: dict[str, list[dict]] = {name: [] for name, _ in SPLITS}
    for row in resolve(src_path, articles_dir):
        out[split_of(keys[row["id"]])].append(row)
    return out


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.evaluation.questionset", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_resolve = sub.add_parser("resolve", help="resolve a source file's gold quotes into a question set")
    p_resolve.add_argument("src", type=Path)
    p_resolve.add_argument("--articles", type=Path, required=True, help="the articles folder")
    p_resolve.add_argument("--out", type=Path, required=True, help="question-set JSONL to write")
    p_split = sub.add_parser("split", help="resolve a source file into fixed train/dev/test question sets")
    p_split.add_argument("src", type=Path)
    p_split.add_argument("--articles", type=Path, required=True, help="the articles folder")
    p_split.add_argument("--out-prefix", required=True,
                         help="write PREFIX-train.jsonl, PREFIX-dev.jsonl, PREFIX-test.jsonl")
    p_split.add_argument("--by", choices=("doc", "id"), default="doc",
                         help="keep an article's questions together (doc)")
    p_check = sub.add_parser("check", help="validate a question set and print counts by kind")
    p_check.add_argument("file", type=Path)
    args = parser.parse_args(argv)

    if args.command in ("resolve", "split"):
        try:
            rows = resolve(args.src, args.articles) if args.command == "resolve" else None
            splits = split(args.src, args.articles, args.by) if args.command == "split" else {}
        except ResolveError as exc:
            print(f"{len(exc.errors)} error(s):", file=sys.stderr)
            for e in exc.errors:
                print(f"  {e}", file=sys.stderr)
            return 1
        except (OSError, ValueError) as exc:
            print(exc, file=sys.stderr)
            return 1
        if rows is not None:
            _write(args.out, rows)
            print(f"wrote {len(rows)} questions to {args.out}")
        for name, part in splits.items():
            _write(Path(f"{args.out_prefix}-{name}.jsonl"), part)
            print(f"wrote {len(part)} questions to {args.out_prefix}-{name}.jsonl")
        return 0

    try:
        questions = load_questions(args.file)
    except (OSError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    kinds = Counter(q.kind for q in questions)
    answerable = sum(q.answerable for q in questions)
    print(f"{args.file}: {len(questions)} questions, {answerable} answerable, {len(questions) - answerable} not")
    for kind, count in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {kind:15} {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
