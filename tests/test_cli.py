"""The `qa` command as users and evaluation tools run it: a subprocess, configured by environment variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

QUESTION = "How long is the border between Iran and Azerbaijan?"


def run_qa(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def qa_env(tmp_path, bundled_articles) -> dict[str, str]:
    return dict(os.environ, QA_ARTICLES_DIR=str(bundled_articles), QA_STORE_DIR=str(tmp_path / "chroma"),
                QA_ANSWER_MODE="extractive", PYTHONIOENCODING="utf-8")


def test_ask_json_follows_the_contract(qa_env, bundled_articles):
    # The store is empty: `qa ask` ingests first, and says so on stderr only.
    result = run_qa("ask", QUESTION, "--json", env=qa_env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # nothing but the JSON on stdout

    assert data["question"] == QUESTION
    assert isinstance(data["answer"], str) and data["answer"]
    assert data["refused"] is False
    assert data["mode"] == "extractive"
    assert isinstance(data["timings_ms"]["total"], (int, float)) and data["timings_ms"]["total"] > 0
    assert "700" in data["answer"]

    assert data["citations"]
    for citation in data["citations"]:
        assert {"n", "doc", "start_line", "end_line", "quote"} <= set(citation)
        assert f"[{citation['n']}]" in data["answer"]
        lines = (bundled_articles / citation["doc"]).read_text(encoding="utf-8").split("\n")
        assert 1 <= citation["start_line"] <= citation["end_line"] <= len(lines)
        cited = "\n".join(lines[citation["start_line"] - 1 : citation["end_line"]])
        assert citation["quote"] and citation["quote"] in cited
    assert any(c["doc"] == "002_9be3c843f8453a3d.txt" and c["start_line"] <= 27 <= c["end_line"]
               for c in data["citations"])

    assert data["passages"]
    for passage in data["passages"]:
        assert {"doc", "start_line", "end_line", "score"} <= set(passage)
        assert (bundled_articles / passage["doc"]).is_file()
        assert isinstance(passage["score"], (int, float))
    assert [p["score"] for p in data["passages"]] == sorted((p["score"] for p in data["passages"]), reverse=True)
    assert "The index is empty: building it" in result.stderr


def test_ingest_twice_changes_nothing_the_second_time(qa_env):
    first = run_qa("ingest", env=qa_env)
    assert first.returncode == 0, first.stderr
    assert "5 articles" in first.stdout and "5 changed" in first.stdout
    second = run_qa("ingest", env=qa_env)
    assert second.returncode == 0, second.stderr
    assert "0 changed" in second.stdout and "0 removed" in second.stdout

    # Human-readable ask on the built index: the answer, then numbered citations with file and lines.
    asked = run_qa("ask", QUESTION, "--top-k", "4", env=qa_env)
    assert asked.returncode == 0, asked.stderr
    assert "[1] 002_9be3c843f8453a3d.txt:27-27" in asked.stdout
    assert "ingesting" not in asked.stderr


def test_errors_are_one_line_and_exit_1(qa_env, tmp_path):
    env = dict(qa_env, QA_ARTICLES_DIR=str(tmp_path / "missing"))
    result = run_qa("ingest", "--quiet", env=env)
    assert result.returncode == 1
    assert "articles folder not found" in result.stderr and "QA_ARTICLES_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_question_that_cannot_be_asked_is_an_error_not_a_refusal(qa_env):
    """CONTRACT.md: a bad question is an error that says so, never a refusal; a script sees it by the exit status."""
    result = run_qa("ask", "   ", "--json", env=qa_env)
    assert result.returncode == 1 and "error: Please type a question" in result.stderr
    data = json.loads(result.stdout)
    assert data["refused"] is False and data["citations"] == [] and "empty" in data["error"]
    reversed_range = run_qa("ask", QUESTION, "--since", "2022", "--until", "2021", env=qa_env)
    assert reversed_range.returncode == 1 and "is after until" in reversed_range.stderr
    assert reversed_range.stdout == ""


def test_help_lists_the_commands():
    result = run_qa("--help", env=dict(os.environ))
    assert result.returncode == 0
    for command in ("ingest", "ask", "eval", "serve"):
        assert command in result.stdout


def test_ask_with_a_date_range(qa_env):
    bad = run_qa("ask", QUESTION, "--since", "2021-13", env=qa_env)
    assert bad.returncode == 2 and "'2021-13' is not a date" in bad.stderr
    result = run_qa("ask", "Who is Iran's foreign minister?", "--since", "2022", "--json", env=qa_env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["date_range"] == {"since": "2022-01-01", "until": None, "phrase": "since 2022", "from": "filter"}
    assert data["citations"] and all(c["published"] >= "2022-01-01" for c in data["citations"])


def test_ask_goes_through_a_running_app_on_the_same_index(qa_env, tmp_path, monkeypatch):
    """With a `qa serve` on this index at QA_PORT, `qa ask` answers through its /ask API: the same answer object
    and the same text; an app on another index, or QA_SERVE_URL=off, leaves the question to the command itself."""
    from qa import remote
    from qa.config import Settings
    from qa.evaluation.local_servers import free_port, stop, wait_for_http

    assert run_qa("ingest", "--quiet", env=qa_env).returncode == 0
    port = free_port()
    env = dict(qa_env, QA_PORT=str(port))
    env.pop("QA_SERVE_URL", None)
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        app = subprocess.Popen([sys.executable, "-m", "qa", "serve"], env=env, stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", app, 180, log)
        monkeypatch.delenv("QA_SERVE_URL", raising=False)
        settings = Settings(articles_dir=qa_env["QA_ARTICLES_DIR"], store_dir=qa_env["QA_STORE_DIR"], port=port,
                            answer_mode="extractive")
        through_app = remote.ask(settings, QUESTION)
        assert through_app is not None and "700" in through_app["answer"]
        other = settings.model_copy(update={"store_dir": tmp_path / "another-store"})
        assert remote.ask(other, QUESTION) is None  # the app at the port serves another index
        monkeypatch.setenv("QA_SERVE_URL", "off")
        assert remote.ask(settings, QUESTION) is None

        here = run_qa("ask", QUESTION, "--json", env=dict(env, QA_SERVE_URL="off"))
        there = run_qa("ask", QUESTION, "--json", env=env)
        assert here.returncode == there.returncode == 0, here.stderr + there.stderr
        untimed = [{k: v for k, v in json.loads(r.stdout).items() if k != "timings_ms"} for r in (here, there)]
        assert untimed[0] == untimed[1] == {k: v for k, v in through_app.items() if k != "timings_ms"}
        text_here = run_qa("ask", QUESTION, "--since", "2022", env=dict(env, QA_SERVE_URL="off"))
        text_there = run_qa("ask", QUESTION, "--since", "2022", env=dict(env, QA_SERVE_URL=f"http://127.0.0.1:{port}"))
        assert text_here.stdout == text_there.stdout and "only sources dated from 2022-01-01 on" in text_there.stdout
    finally:
        stop(app)
