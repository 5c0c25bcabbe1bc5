"""Drive the app as its users do: a real `python app.py` on a free loopback port, asked through `gradio_client`
clients in threads. Shared by benchmarks/load.py, benchmarks/soak.py and tests/test_load.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from qa.evaluation import free_port, stop, wait_for_http

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "qa" / "evaluation" / "questions" / "articles.jsonl"


@dataclass
class AppProcess:
    process: subprocess.Popen
    url: str
    log: Path

    def rss_mb(self) -> float:
        """The app process's resident memory now (VmRSS)."""
        with open(f"/proc/{self.process.pid}/status") as fh:
            return int(re.search(r"VmRSS:\s+(\d+)", fh.read()).group(1)) / 1024

    def stop(self) -> None:
        stop(self.process)


def start_app(store_dir: Path, articles_dir: Path, log: Path, env: dict[str, str] | None = None,
              timeout: float = 600.0) -> AppProcess:
    """`python app.py` over `articles_dir` (indexed into `store_dir` on the first run), once it answers HTTP."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QA_")
                   and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    environment.update(QA_STORE_DIR=str(store_dir), QA_ARTICLES_DIR=str(articles_dir), QA_ANSWER_MODE="extractive",
                       GRADIO_ANALYTICS_ENABLED="False", ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1")
    environment.update(env or {})
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, str(REPO / "app.py"), "--port", str(port)], cwd=REPO,
                                   env=environment, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    app = AppProcess(process, f"http://127.0.0.1:{port}/", log)
    try:
        wait_for_http(app.url + "config", process, timeout, log)
    except BaseException:
        app.stop()
        raise
    return app


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def client(url: str):
    from gradio_client import Client

    # httpx's default 5 s time-out would count a question still waiting in a busy queue as lost; a person waits.
    return Client(url, verbose=False, httpx_kwargs={"timeout": 120}, analytics_enabled=False)


def ask(api, question: str) -> dict:
    return api.predict(question, [], 0, "", api_name="/ask")


def what_the_user_sees(answer: dict) -> dict:
    """The parts of an answer a reader checks: the text, whether it was refused, and each citation's place and quote."""
    return {"answer": answer["answer"], "refused": answer["refused"], "mode": answer["mode"],
            "citations": [(c["doc"], c["start_line"], c["end_line"], c["quote"]) for c in answer["citations"]]}


@dataclass
class Asked:
    question: str
    seconds: float
    answer: dict | None = None
    error: str | None = None


@dataclass
class LoadRun:
    asked: list[Asked] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def errors(self) -> list[Asked]:
        return [a for a in self.asked if a.error is not None]

    def latencies_ms(self) -> list[float]:
        return sorted(a.seconds * 1000 for a in self.asked if a.error is None)


def run_clients(url: str, plans: list[list[str]]) -> LoadRun:
    """One thread and one gradio_client Client per plan, all started together; each asks its questions in turn."""
    run = LoadRun()
    lock = threading.Lock()
    start = threading.Barrier(len(plans))

    def one(questions: list[str]) -> None:
        try:
            api = client(url)
        except Exception as err:  # noqa: BLE001 - a client that cannot connect is an error to report, not a crash
            with lock:
                run.asked.extend(Asked(q, 0.0, error=f"connect: {err!r}") for q in questions)
            start.wait()  # the others still start together
            return
        start.wait()
        for question in questions:
            began = time.perf_counter()
            try:
                answer = ask(api, question)
                done = Asked(question, time.perf_counter() - began, answer=answer)
            except Exception as err:  # noqa: BLE001 - every failure is counted and reported
                done = Asked(question, time.perf_counter() - began, error=repr(err))
            with lock:
                run.asked.append(done)

    threads = [threading.Thread(target=one, args=(plan,), name=f"load-client-{i}") for i, plan in enumerate(plans)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.wall_s = time.perf_counter() - began
    return run


def plans_for(questions: list[str], clients: int, each: int) -> list[list[str]]:
    """`clients` lists of `each` questions, walking the question list so that every question is asked."""
    return [[questions[(c * each + j) % len(questions)] for j in range(each)] for c in range(clients)]


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"
