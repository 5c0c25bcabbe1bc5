"""What looking for a role's other holders costs a question that asks who holds a role: the pool read 3 x top_k deep
against top_k.

    QA_ARTICLES_DIR=... QA_STORE_DIR=... python benchmarks/role_holders.py SET [SET ...] [--rounds 5]

SET names a question set in qa/evaluation/questions ("articles", "bbc6-train"). Its questions that ask who holds a
role and name no time (those that name one read the deeper pool anyway) are asked once to warm up, then in rounds
with the pool at 3 x top_k and at top_k, the two alternating which goes first; prints the median time of a question
for each. At top_k no passage lies beyond those read, so no other holder is looked for: the answers may differ, the
time is what is compared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's qa package

from qa.answer.answer_types import asked  # noqa: E402
from qa.answer.engine import Engine  # noqa: E402
from qa.config import get_settings  # noqa: E402
from qa.temporal.changes import asks_holder  # noqa: E402
from qa.temporal import time_scope  # noqa: E402

QUESTIONS = Path(__file__).resolve().parent.parent / "qa" / "evaluation" / "questions"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    questions = [q for name in args.sets for line in (QUESTIONS / f"{name}.jsonl").read_text().splitlines()
                 if asked(q := json.loads(line)["question"]).kind == "person" and asks_holder(q)
                 and not time_scope.from_question(q)]
    engine = Engine(get_settings())
    for question in questions:
        engine.ask(question)
    deep = time_scope.POOL
    times: dict[int, list[float]] = {deep: [], 1: []}
    for round_ in range(args.rounds):
        for pool in (deep, 1) if round_ % 2 == 0 else (1, deep):
            time_scope.POOL = pool
            for question in questions:
                started = time.perf_counter()
                engine.ask(question)
                times[pool].append((time.perf_counter() - started) * 1000)
    time_scope.POOL = deep
    print(f"{len(questions)} person questions, median ms: pool {deep} x top_k {statistics.median(times[deep]):.1f}, "
          f"top_k {statistics.median(times[1]):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
