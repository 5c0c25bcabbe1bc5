"""Thumbs up/down on answers, kept as JSONL, and turned into a draft question set (CONTRACT.md format).

Each line of `<store_dir>/feedback.jsonl`:
    {"timestamp": "...", "question": "...", "answer": "...", "refused": false, "mode": "extractive",
     "citations": [{"n": 1, "doc": "...", "start_line": 27, "end_line": 27, "quote": "..."}], "vote": "up"}

The export keeps the last vote per question. An upvoted answer becomes an answerable question whose `sources` are
the cited lines and whose `must` groups are the numbers and names of the cited sentences that the question does not
already contain (review them before relying on the set); an upvoted refusal becomes an unanswerable question.
Downvoted answers say only that something was wrong, not what is right, so they stay in feedback.jsonl for review
and are counted, not exported.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timezone
from pathlib import Path

_lock = threading.Lock()
FILE_NAME = "feedback.jsonl"
_TOKEN = re.compile(r"\d[\d,.]*\d|\d|[A-ZÀ-Ý][\w’'-]*[\w]")
_STOP = {"The", "A", "An", "In", "On", "At", "He", "She", "It", "They", "This", "That", "But", "And", "However",
         "According", "Earlier", "Later", "Meanwhile", "On", "As", "For", "With", "His", "Her", "Their", "We", "I"}


def feedback_path(store_dir: Path) -> Path:
    return store_dir / FILE_NAME


def normalise_vote(vote: object) -> str:
    if vote is True or str(vote).lower() in ("up", "like", "liked", "true", "1", "+1"):
        return "up"
    if vote is False or str(vote).lower() in ("down", "dislike", "disliked", "false", "0", "-1"):
        return "down"
    raise ValueError(f"unknown vote {vote!r}: use 'up' or 'down'")


def record(store_dir: Path, answer: dict, vote: object, history: list[str] | None = None) -> dict:
    """Append one vote on an answer (the contract's answer object) to feedback.jsonl; returns the line written.
    `history`: the questions asked before it in the chat, which a follow-up ("When did he resign?") needs."""
    row = {
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "question": str(answer.get("question", "")),
        "answer": str(answer.get("answer", "")),
        "refused": bool(answer.get("refused")),
        "short_answer": str(answer.get("short_answer") or ""),
        "mode": str(answer.get("mode", "")),
        "citations": [
            {k: c.get(k) for k in ("n", "doc", "start_line", "end_line", "quote")}
            for c in answer.get("citations") or []
            if isinstance(c, dict)
        ],
        "vote": normalise_vote(vote),
    } | ({"history": [str(q) for q in history]} if history else {})
    path = feedback_path(store_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return row


def read(store_dir: Path) -> list[dict]:
    path = feedback_path(store_dir)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and obj.get("question"):
            rows.append(obj)
    return rows


def counts(store_dir: Path) -> dict[str, int]:
    rows = read(store_dir)
    return {"up": sum(r.get("vote") == "up" for r in rows), "down": sum(r.get("vote") == "down" for r in rows)}


def must_groups(question: str, quotes: list[str], limit: int = 2) -> list[list[str]]:
    """Numbers and names from the cited sentences that the question does not contain: what an answer must say."""
    asked = question.lower()
    found: list[str] = []
    for quote in quotes:
        for token in _TOKEN.findall(quote):
            token = token.strip(".,")
            if not token or token in _STOP or token.lower() in asked or token in found:
                continue
            found.append(token)
    numbers = [t for t in found if t[0].isdigit()]
    names = [t for t in found if not t[0].isdigit()]
    return [[t] for t in (numbers + names)[:limit]]


def to_question_set(rows: list[dict]) -> tuple[list[dict], int]:
    """(question-set rows, number of feedback entries left out)."""
    last: dict[str, dict] = {}
    for row in rows:  # a follow-up asked in two chats is two questions ("When did he resign?")
        last[" ".join(" ".join([*row.get("history", []), row["question"]]).split()).lower()] = row
    out, left_out = [], 0
    for row in last.values():
        if row.get("vote") != "up":
            left_out += 1
            continue
        number = len(out) + 1
        asked = {"question": row["question"]} | ({"history": row["history"]} if row.get("history") else {})
        if row.get("refused"):
            out.append({"id": f"fb{number:03d}", **asked, "kind": "unanswerable",
                        "answerable": False, "must": [], "sources": []})
            continue
        citations = [c for c in row.get("citations") or [] if c.get("doc") and c.get("start_line")]
        # The span the answer led with is what it must say ("Qalibaf"); else numbers and names of its quotes
        must = [[row["short_answer"]]] if row.get("short_answer") else must_groups(
            row["question"], [c.get("quote") or "" for c in citations])
        if not citations or not must:
            left_out += 1
            continue
        sources = []
        for c in citations:
            for line in range(int(c["start_line"]), int(c.get("end_line") or c["start_line"]) + 1):
                if {"doc": c["doc"], "line": line} not in sources:
                    sources.append({"doc": c["doc"], "line": line})
        out.append({"id": f"fb{number:03d}", **asked, "kind": "feedback", "answerable": True,
                    "must": must, "sources": sources, "answer": row.get("answer", "")})
    for i, item in enumerate(out, start=1):
        item["id"] = f"fb{i:03d}"
    return out, left_out


def export(store_dir: Path, out_path: Path) -> tuple[Path, int, int]:
    """Write the draft question set; returns (path, questions written, feedback entries left out)."""
    questions, left_out = to_question_set(read(store_dir))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as fh:
        for q in questions:
            fh.write(json.dumps(q, ensure_ascii=False) + "\n")
    return out_path, len(questions), left_out
