"""The Gradio app, for real: launched on a free loopback port over a temporary index of the bundled articles, driven
over HTTP with gradio_client through the named API endpoints that docs/ui.md documents."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from gradio_client import Client, handle_file  # noqa: E402

from qa.config import PROJECT_ROOT, Settings  # noqa: E402
from qa.evaluation.local_servers import free_port  # noqa: E402
from qa.evaluation.questionset import load_questions  # noqa: E402
from qa.ui import render  # noqa: E402
from qa.ui.app import UnsafeLaunch, check_exposure, launch  # noqa: E402
from qa.ui.service import Service  # noqa: E402
from qa.ui.tabs.evaluate import kind_counts  # noqa: E402
from qa.ui.uploads import UploadError, safe_name  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")  # pandas deprecations inside gradio

MAX_BYTES = 200_000  # small, so the size limit can be tested cheaply; the bundled articles are far below it

EVIL_ARTICLE = (
    '<script>alert("owned")</script> Quokka smuggling ring exposed\n'
    "\n"
    "Published on 3 March 2022 by The Test Gazette\n"
    "\n"
    'Police in Perth said the <img src=x onerror=alert(1)> quokka smuggling ring moved 57 quokkas to a farm '
    "near Toodyay before it was broken up.\n"
    "\n"
    "The ring's leader, known as ${7*7} {{value}} `Mr. Whiskers`, denied everything.\n"
)
UPLOAD_ARTICLE = (
    "Zanzibar cheese festival breaks its record\n"
    "\n"
    "Published on 12 May 2022\n"
    "\n"
    "The Zanzibar cheese festival drew 4,321 visitors this year, its organisers said on Sunday.\n"
    "\n"
    "Most of the visitors came from the mainland by ferry.\n"
)



def files_under(path: Path) -> set[Path]:
    return {p for p in path.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def app(tmp_path_factory, question_sets_dir):
    root = tmp_path_factory.mktemp("ui")
    articles = root / "articles"
    shutil.copytree(PROJECT_ROOT / "store" / "articles", articles)
    settings = Settings(store_dir=root / "chroma", articles_dir=articles, answer_mode="extractive",
                        chroma_host=None, max_file_bytes=MAX_BYTES, question_sets_dir=question_sets_dir)
    service = Service(settings)
    messages: list[str] = []
    service.start(announce=messages.append)
    port = free_port()
    demo = launch(settings, "127.0.0.1", port, block=False, quiet=True, service=service)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        yield {"root": root, "settings": settings, "service": service, "client": client, "port": port,
               "messages": messages}
    finally:
        demo.close()


@pytest.fixture()
def client(app) -> Client:
    return app["client"]


def ask(client: Client, question: str, history: list[str] | None = None) -> dict:
    return client.predict(question, history or [], 0, "", api_name="/ask")


def upload(client: Client, tmp_path: Path, filename: str, content: str | bytes, save_as: str = "") -> dict:
    local = tmp_path / "src" / (Path(filename).name or "upload.txt")
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return client.predict(handle_file(str(local)), save_as, api_name="/upload_article")


def cited_lines_hold_quotes(answer: dict, articles_dir: Path) -> None:
    for c in answer["citations"]:
        lines = (articles_dir / c["doc"]).read_text(encoding="utf-8").split("\n")
        assert c["quote"] in "\n".join(lines[c["start_line"] - 1 : c["end_line"]]), c


# The first run -------------------------------------------------------------------------------------------------------
def test_first_run_builds_the_index_and_says_so(app):
    assert any("building it" in m for m in app["messages"]), app["messages"]
    assert any("Index built: 5 articles" in m for m in app["messages"]), app["messages"]
    again: list[str] = []
    Service(app["settings"]).start(announce=again.append)  # a later run starts at once
    assert again == []


def test_api_lists_the_named_endpoints(client):
    info = client.view_api(print_info=False, return_format="dict")
    names = set(info["named_endpoints"])
    assert names == {"/ask", "/articles", "/article", "/upload_article", "/remove_article", "/feedback", "/evaluate",
                     "/question_sets", "/timeline", "/index_info"}  # exactly these: the UI's own events stay private


# Answers ------------------------------------------------------------------------------------------------------------
def test_answer_with_citation(app, client):
    answer = ask(client, "How long is the border between Iran and Azerbaijan?")
    assert not answer["refused"]
    assert "700" in answer["answer"]
    assert answer["citations"], answer
    assert any(c["doc"] == "002_9be3c843f8453a3d.txt" and c["start_line"] <= 27 <= c["end_line"]
               for c in answer["citations"])
    assert "[1]" in answer["answer"]
    cited_lines_hold_quotes(answer, app["settings"].articles_dir)
    assert answer["passages"] and all("score" in p for p in answer["passages"])


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2018 football World Cup?",
        "What is the population of Baku?",  # the articles say Karabakh is "populated only by Armenians": no number
    ],
)
def test_refusal(client, question):
    answer = ask(client, question)
    assert answer["refused"], answer["answer"]
    assert answer["citations"] == []
    assert "related" in answer  # passages offered for checking (may be empty)


def test_follow_ups_are_read_with_the_conversation(client):
    """Three turns: "he" and "him" stand for the person the previous answer was about, and the answer says how the
    question was read."""
    turns = ["Who was Azerbaijan's foreign minister in 2022?", "When did he visit Tehran?", "Who received him there?"]
    first = ask(client, turns[0])
    assert "Bayramov" in first["answer"] and "read_as" not in first
    second = ask(client, turns[1], history=turns[:1])
    assert second["read_as"] == "When did Jeyhun Bayramov visit Tehran?"
    assert "July 4" in second["answer"] and not second["refused"]
    third = ask(client, turns[2], history=turns[:2])
    assert third["read_as"] == "Who received Jeyhun Bayramov there?"
    assert "Raisi" in third["answer"]


def test_a_follow_up_keeps_the_person_the_user_asked_about(client):
    """The first answer quotes other officials by name; "he" is still the one the user asked about, two turns on."""
    turns = ["What did Zarif say in Baku?", "Where else was he going?", "And who did he meet in Baku?"]
    second = ask(client, turns[1], history=turns[:1])
    assert second["read_as"] == "Where else was Zarif going?"
    assert "Armenia" in second["answer"]
    third = ask(client, turns[2], history=turns[:2])
    assert third["read_as"] == "Who did Zarif meet in Baku?"
    assert "Aliyev" in third["answer"]


def test_who_someone_is_and_who_an_answer_was_about(client):
    """"Who is <name>?" is answered with what the articles say of her, not refused for want of another name and not
    padded with a photo credit; after "who visited ...?", "he" is the visitor the answer opens with."""
    who = ask(client, "Who is Sahiba Gafarova?")
    assert not who["refused"] and "Speaker" in who["answer"], who["answer"]
    assert not any("Photo" in c["quote"] for c in who["citations"]), who["citations"]
    turns = ["Who visited Baku in January 2021?", "What did he say about the Caucasus?"]
    first = ask(client, turns[0])
    assert "Zarif" in first["answer"]
    second = ask(client, turns[1], history=turns[:1])
    assert second["read_as"] == "What did Zarif say about the Caucasus?"
    assert "Caucasus" in second["answer"] and not second["refused"]


def test_llm_mode_without_a_model_falls_back_visibly(client):
    answer = client.predict("How long is the border between Iran and Azerbaijan?", [], 3, "llm", api_name="/ask")
    assert answer["mode"] == "extractive" and "700" in answer["answer"]
    assert any("not configured" in note for note in answer["notes"])
    assert len(answer["passages"]) <= 3  # top_k reached the pipeline


def test_bad_questions_are_answered_with_a_reason(client):
    empty = ask(client, "   ")
    # a question that cannot be asked is an error that says why, not a refusal: nothing was searched (CONTRACT.md)
    assert not empty["refused"] and "empty" in empty["error"] and empty["answer"] == empty["error"]
    long = ask(client, "why " * 1000)
    assert not long["refused"] and "too long" in long["error"]
    # nothing to search for, or nothing the articles hold: said so, not answered from whatever came back
    bare = ask(client, "What is it?")
    assert not bare["refused"] and "no words to search" in bare["error"] and bare["citations"] == []
    mash = ask(client, "asdkjh qwe zxc")  # searched, and not there: a refusal that says why
    assert mash["refused"] and mash["citations"] == []
    assert any("(asdkjh, qwe, zxc) is in any article" in note for note in mash["notes"])
    typo = ask(client, "How long is the border between Iran and Azerbaijn?")  # a name one letter off is found
    assert not typo["refused"] and "700" in typo["answer"]


# Articles -----------------------------------------------------------------------------------------------------------
def test_articles_and_article_view(client):
    articles = client.predict(api_name="/articles")
    assert len(articles) >= 5
    first = next(a for a in articles if a["doc"] == "002_9be3c843f8453a3d.txt")
    assert first["title"] and first["published"] == "2021-12-23" and first["passages"] > 0
    html = client.predict("002_9be3c843f8453a3d.txt", 27, 27, api_name="/article")
    assert 'class="ln hl" data-line="27"' in html
    assert html.count('class="ln hl"') == 1
    with pytest.raises(Exception):
        client.predict("../../etc/passwd", 0, 0, api_name="/article")


def test_timeline_of_dated_events_opens_their_lines(app, client):
    events = client.predict(api_name="/timeline")
    assert len(events) > 20
    assert [e["first"] for e in events] == sorted(e["first"] for e in events)
    articles = app["settings"].articles_dir
    for e in events:
        lines = (articles / e["doc"]).read_text(encoding="utf-8").split("\n")
        assert e["quote"] in "\n".join(lines[e["start_line"] - 1 : e["end_line"]]) and e["phrase"] in e["quote"]
    war = next(e for e in events if e["phrase"] == "September 27 last year")  # resolved against January 2021
    assert (war["doc"], war["start_line"], war["first"]) == ("000_5a93f3083e658345.txt", 9, "2020-09-27")
    # the Timeline tab's rows carry the lines they open; opening them highlights exactly those lines
    rows = render.events_html(app["service"].timeline())
    assert f'data-doc="{war["doc"]}" data-start="9" data-end="9"' in rows
    html = client.predict(war["doc"], war["start_line"], war["end_line"], api_name="/article")
    assert 'class="ln hl" data-line="9"' in html and html.count('class="ln hl"') == 1


def test_ask_with_a_date_filter(client):
    answer = client.predict("Who is Iran's foreign minister?", [], 0, "", "2022", "", api_name="/ask")
    assert not answer["refused"] and "Amir-Abdollahian" in answer["answer"]
    assert answer["citations"] and all(c["published"] >= "2022-01-01" for c in answer["citations"])
    assert answer["date_range"] == {"since": "2022-01-01", "until": None, "phrase": "since 2022", "from": "filter"}
    unfiltered = ask(client, "Who is Iran's foreign minister?")
    assert "Zarif" in unfiltered["answer"] and any("changed over time" in n for n in unfiltered["notes"])
    bad = client.predict("Who is Iran's foreign minister?", [], 0, "", "", "31/12/2021", api_name="/ask")
    assert not bad["refused"] and "'31/12/2021' is not a date" in bad["error"]


def test_upload_makes_the_article_answerable_and_remove_takes_it_away(app, client, tmp_path):
    question = "How many visitors did the Zanzibar cheese festival draw?"
    before = ask(client, question)
    assert "4,321" not in before["answer"]

    result = upload(client, tmp_path, "zanzibar.txt", UPLOAD_ARTICLE)
    assert result["ok"], result
    assert result["doc"] == "uploads/zanzibar.txt"
    assert (app["settings"].articles_dir / "uploads" / "zanzibar.txt").read_text(encoding="utf-8") == UPLOAD_ARTICLE
    answer = ask(client, question)
    assert "4,321" in answer["answer"], answer
    assert any(c["doc"] == "uploads/zanzibar.txt" for c in answer["citations"])
    assert any(a["doc"] == "uploads/zanzibar.txt" and a["removable"] for a in client.predict(api_name="/articles"))

    # the same text again is refused; the same name with other text is stored under a new name, never overwritten
    again = upload(client, tmp_path, "zanzibar.txt", UPLOAD_ARTICLE)
    assert not again["ok"] and "already indexed as uploads/zanzibar.txt" in again["message"]
    other = upload(client, tmp_path, "zanzibar.txt", UPLOAD_ARTICLE.replace("4,321", "5,000") + "\nMore.\n")
    assert other["ok"] and other["doc"] == "uploads/zanzibar-2.txt", other
    assert "4,321" in (app["settings"].articles_dir / "uploads" / "zanzibar.txt").read_text(encoding="utf-8")

    for doc in ("uploads/zanzibar.txt", "uploads/zanzibar-2.txt"):
        removed = client.predict(doc, api_name="/remove_article")
        assert removed["ok"], removed
    assert not (app["settings"].articles_dir / "uploads" / "zanzibar.txt").exists()
    after = ask(client, question)
    assert not any(c["doc"].startswith("uploads/zanzibar") for c in after["citations"])
    assert all(not a["doc"].startswith("uploads/zanzibar") for a in client.predict(api_name="/articles"))


def test_rejected_uploads_write_nothing_outside_uploads(app, client, tmp_path):
    root, articles = app["root"], app["settings"].articles_dir
    before = files_under(root)

    traversal = upload(client, tmp_path, "x.txt", "A plain article about traversal.\n\nNothing else.\n",
                       save_as="../../x.txt")
    assert traversal["ok"] and traversal["doc"] == "uploads/x.txt", traversal  # basename only
    absolute = upload(client, tmp_path, "y.txt", "Another plain article.\n\nWith words.\n", save_as="/etc/passwd.txt")
    assert absolute["ok"] and absolute["doc"] == "uploads/passwd.txt", absolute

    refused = {
        "wrong type": upload(client, tmp_path, "run.exe", "MZ not an article", save_as="run.exe"),
        "too large": upload(client, tmp_path, "big.txt", "word " * (MAX_BYTES // 5 + 1)),
        "binary": upload(client, tmp_path, "bin.txt", b"\x00\x01\x02binary" * 10),
        "empty": upload(client, tmp_path, "empty.txt", b""),
        "blank": upload(client, tmp_path, "blank.txt", "   \n\n  \n"),
    }
    for what, result in refused.items():
        assert not result["ok"], (what, result)
        assert result["message"].startswith("Not added: "), (what, result)
    assert "unsupported file type .exe" in refused["wrong type"]["message"]
    assert "too large" in refused["too large"]["message"]

    new = files_under(root) - before
    assert {p.relative_to(articles).as_posix() for p in new if p.is_relative_to(articles)} >= {
        "uploads/x.txt", "uploads/passwd.txt"}
    outside = [p for p in new if not p.is_relative_to(articles / "uploads") and not p.is_relative_to(root / "chroma")]
    assert outside == []
    assert not (root / "x.txt").exists() and not (root.parent / "x.txt").exists()
    assert not list((articles / "uploads").glob(".upload-*"))  # no temporary files left behind

    for doc in ("uploads/x.txt", "uploads/passwd.txt"):
        assert client.predict(doc, api_name="/remove_article")["ok"]
    not_mine = client.predict("002_9be3c843f8453a3d.txt", api_name="/remove_article")
    assert not not_mine["ok"] and "only uploaded articles" in not_mine["message"]
    sneaky = client.predict("uploads/../002_9be3c843f8453a3d.txt", api_name="/remove_article")
    assert not sneaky["ok"]
    assert (articles / "002_9be3c843f8453a3d.txt").exists()


@pytest.mark.parametrize(
    "given, expected",
    [
        ("../../x.txt", "x.txt"),
        ("..\\..\\evil.md", "evil.md"),
        ("/etc/passwd.txt", "passwd.txt"),
        (".hidden.txt", "hidden.txt"),
        ("Ünïcödé name (1).HTML", "Unicode-name-1.html"),
        ("a..b.txt", "a.b.txt"),
        ("....txt", "article.txt"),
    ],
)
def test_safe_name(given, expected):
    assert safe_name(given) == expected


@pytest.mark.parametrize("given", ["x", "x.exe", "x.txt.sh", "../", ""])
def test_safe_name_refuses(given):
    with pytest.raises(UploadError):
        safe_name(given)


def test_article_text_is_escaped_everywhere(app, client, tmp_path):
    result = upload(client, tmp_path, "evil.txt", EVIL_ARTICLE)
    assert result["ok"], result
    try:
        html = client.predict("uploads/evil.txt", 5, 5, api_name="/article")
        assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "<script" not in html and "<img" not in html
        assert "${" not in html and "{{" not in html  # nothing the front end could read as a template

        answer = ask(client, "How many quokkas did the smuggling ring move?")
        assert "57" in answer["answer"], answer
        assert any(c["doc"] == "uploads/evil.txt" for c in answer["citations"])

        # What the chat and the sources panel show for that answer (the UI event is not an API endpoint, so the
        # same renderers are called with the real answer from the running app's service).
        from qa.types import Answer, Citation

        service = app["service"]
        real = service.ask("How many quokkas did the smuggling ring move?")
        message = render.answer_message_html(real, 0)
        evidence = render.evidence_html(real, 0, service.lines_of, service.describe, show_passages=True)
        titles = render.timeline_svg([(a["doc"], a["title"], None, a["outlet"]) for a in service.articles()])
        for fragment in (message, evidence, titles):
            assert "<img" not in fragment and "<script" not in fragment
        assert "&lt;img src=x onerror=alert(1)&gt;" in evidence

        forged = Answer(question="<b>q</b>", text="<img src=x onerror=alert(1)> [1] **bold** [2]",
                        citations=[Citation(1, "d.txt", 1, 1, "<script>x</script>", title="<i>t</i>")],
                        refused=False, passages=[], mode="extractive")
        html = render.answer_message_html(forged, 3)
        assert "<img" not in html and "<i>" not in html
        assert '<a class="qa-chip" href="#cite-3-1"' in html and "[2]" in html  # unknown markers stay text
        assert render.user_message_html("<script>alert(1)</script>") == \
            '<div class="qa-q">&lt;script&gt;alert(1)&lt;/script&gt;</div>'
    finally:
        client.predict("uploads/evil.txt", api_name="/remove_article")


def test_html_upload_is_converted_and_escaped(client, tmp_path):
    page = ("<html><head><title>Tea &lt;b&gt;harvest&lt;/b&gt; report</title><script>alert(1)</script></head>"
            "<body><h1>Tea harvest report</h1><p>The tea harvest in Assam reached 912 tonnes in June, "
            "growers said.</p><p>Prices fell.</p></body></html>")
    result = upload(client, tmp_path, "tea.html", page)
    assert result["ok"] and result["doc"] == "uploads/tea.html", result
    try:
        answer = ask(client, "How many tonnes did the tea harvest in Assam reach?")
        assert "912" in answer["answer"] and any(c["doc"] == "uploads/tea.html" for c in answer["citations"])
        html = client.predict("uploads/tea.html", 0, 0, api_name="/article")
        assert "<script" not in html and "<b>" not in html and "alert(1)" not in html
        title = next(a["title"] for a in client.predict(api_name="/articles") if a["doc"] == "uploads/tea.html")
        assert render.esc(title) in html
    finally:
        client.predict("uploads/tea.html", api_name="/remove_article")


# Feedback and evaluation ---------------------------------------------------------------------------------------------
def test_feedback_is_saved_and_exported_as_a_question_set(app, client):
    good = ask(client, "How long is the border between Iran and Azerbaijan?")
    saved = client.predict(good, "up", api_name="/feedback")
    assert saved["vote"] == "up" and saved["question"] == good["question"]
    client.predict(ask(client, "What did Zarif say about the Caucasus?"), "down", api_name="/feedback")
    with pytest.raises(Exception):
        client.predict(good, "meh", api_name="/feedback")

    lines = (app["settings"].store_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["vote"] for r in rows[-2:]] == ["up", "down"]
    assert {"question", "answer", "citations", "vote", "timestamp"} <= set(rows[-2])

    path, written, left_out = app["service"].export_feedback()
    assert written >= 1 and left_out >= 1
    questions = load_questions(path)  # valid in the CONTRACT.md format
    exported = next(q for q in questions if q.question == good["question"])
    assert exported.answerable and exported.must == (("700-kilometer",),)  # the span the answer led with
    assert any(s.doc == "002_9be3c843f8453a3d.txt" and s.line == 27 for s in exported.sources)
    assert exported.history == ()


def test_a_vote_on_a_follow_up_is_exported_with_the_questions_before_it(app, client):
    """"When did he visit Tehran?" means nothing alone: the question set keeps the chat's earlier question, and
    `qa eval` asks it after that one, as the chat did."""
    turns = ["Who was Azerbaijan's foreign minister in 2022?", "When did he visit Tehran?"]
    follow_up = ask(client, turns[1], history=turns[:1])
    saved = client.predict(follow_up, "up", turns[:1], api_name="/feedback")
    assert saved["history"] == turns[:1]
    path, _, _ = app["service"].export_feedback()
    exported = next(q for q in load_questions(path) if q.question == turns[1])
    assert exported.history == tuple(turns[:1]) and exported.must == (("July 4",),) and exported.sources, exported
    again = app["service"].engine.ask(exported.question, history=list(exported.history))
    assert again.read_as == "When did Jeyhun Bayramov visit Tehran?"


def test_evaluate_endpoint(client):
    sets = client.predict(api_name="/question_sets")
    assert "articles.jsonl" in sets and not any(s.endswith(".src.jsonl") for s in sets)
    result = client.predict("articles.jsonl", "", api_name="/evaluate")
    metrics = result["metrics"]
    assert metrics["n"] == len(result["questions"]) > 50
    assert 0 <= metrics["fact_recall"] <= 1 and metrics["hit5"] > 0.5
    assert result["by_kind"] and all("pass" in q for q in result["questions"])
    # The Evaluate tab's bars: every unanswerable question counts in the "unanswerable" bar, whatever its kind, so
    # the bar and the summary's count agree (the set has time-scoped questions about a time no article covers).
    bars = dict((kind, passed + failed) for kind, passed, failed in kind_counts(result["questions"]))
    of_that_kind = sum(q["kind"] == "unanswerable" for q in result["questions"])
    assert bars["unanswerable"] == metrics["unanswerable"] > of_that_kind
    assert sum(bars.values()) == metrics["n"]
    with pytest.raises(Exception):
        client.predict("../../secrets.jsonl", "", api_name="/evaluate")


def test_question_sets_come_from_the_setting_and_a_missing_folder_is_explained(app, tmp_path):
    folder = tmp_path / "sets"
    service = Service(app["settings"].model_copy(update={"question_sets_dir": folder}))
    assert service.question_sets() == []
    problem = service.question_sets_problem()
    assert "does not exist" in problem and str(folder) in problem and "QA_QUESTION_SETS_DIR" in problem
    with pytest.raises(ValueError, match="QA_QUESTION_SETS_DIR"):
        service.evaluate("articles.jsonl")
    folder.mkdir()
    (folder / "mine.jsonl").write_text("", encoding="utf-8")
    (folder / "mine.src.jsonl").write_text("", encoding="utf-8")
    assert [p.name for p in service.question_sets()] == ["mine.jsonl"] and service.question_sets_problem() is None


# Concurrency --------------------------------------------------------------------------------------------------------
def test_sixteen_clients_at_once(app):
    url = f"http://127.0.0.1:{app['port']}/"
    cases = [
        ("How long is the border between Iran and Azerbaijan?", "700"),
        ("Where was the first 3+3 meeting held?", "Russian capital"),
    ]

    def one(i: int) -> tuple[str, dict]:
        question, expected = cases[i % len(cases)]
        return expected, Client(url, verbose=False).predict(question, [], 0, "", api_name="/ask")

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(one, range(16)))
    assert len(results) == 16
    for expected, answer in results:
        assert expected in answer["answer"], answer
        assert answer["citations"]


# Safe defaults -------------------------------------------------------------------------------------------------------
def test_exposure_needs_a_password(monkeypatch):
    monkeypatch.delenv("QA_AUTH", raising=False)
    assert check_exposure("127.0.0.1", False) is None
    assert check_exposure("localhost", False) is None
    assert check_exposure("::1", False) is None
    for host, share in (("0.0.0.0", False), ("192.168.1.5", False), ("127.0.0.1", True)):
        with pytest.raises(UnsafeLaunch, match="QA_AUTH"):
            check_exposure(host, share)
    monkeypatch.setenv("QA_AUTH", "alice:s3cret:with-colon")
    assert check_exposure("0.0.0.0", False) == ("alice", "s3cret:with-colon")
    monkeypatch.setenv("QA_AUTH", "no-colon")
    with pytest.raises(UnsafeLaunch, match="user:password"):
        check_exposure("0.0.0.0", False)


def test_app_py_refuses_a_public_host_without_auth(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "QA_AUTH"}
    env.update(QA_STORE_DIR=str(tmp_path / "chroma"), QA_ARTICLES_DIR=str(tmp_path / "none"))
    done = subprocess.run([sys.executable, str(PROJECT_ROOT / "app.py"), "--host", "0.0.0.0"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2
    assert "QA_AUTH" in done.stderr
    assert not (tmp_path / "chroma").exists()  # refused before anything was built


def test_a_busy_port_is_named_with_the_way_out_not_a_traceback(tmp_path):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        env = {k: v for k, v in os.environ.items() if k != "QA_AUTH"}
        env.update(QA_STORE_DIR=str(tmp_path / "chroma"), QA_ARTICLES_DIR=str(tmp_path / "none"))
        for command in ([str(PROJECT_ROOT / "app.py"), "--port", str(port)], ["-m", "qa", "serve"]):
            env["QA_PORT"] = str(port)  # the setting, for `qa serve` without --port
            done = subprocess.run([sys.executable, *command], env=env, capture_output=True, text=True, timeout=120,
                                  cwd=PROJECT_ROOT)
            assert done.returncode == 2, done.stderr
            assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
            assert "--port" in done.stderr and "QA_PORT" in done.stderr
            assert "Traceback" not in done.stderr and "GRADIO_SERVER_PORT" not in done.stderr
            assert not (tmp_path / "chroma").exists()  # refused before anything was built
    finally:
        holder.close()


# What the chat shows (the UI events are not API endpoints: the same renderers, on real answers) ------------------
def test_an_over_long_question_is_an_input_error_shown_shortened(app):
    question = "Sources for " + "a" * 2100
    answer = app["service"].ask(question)
    assert answer.error and "too long" in answer.text and not answer.refused
    message = render.answer_message_html(answer, 0)
    assert "The question was not asked" in message and "Not answered by the articles" not in message
    bubble = render.user_message_html(question)
    assert "a" * 2100 not in bubble and f"({len(question):,} characters)" in bubble
    evidence = render.evidence_html(answer, 0, app["service"].lines_of, app["service"].describe, False)
    assert "not asked" in evidence and "a" * 200 not in evidence
    assert app["service"].ask("Who won the 2018 football World Cup?").error is None  # a refusal


def test_closest_passages_after_a_refusal_are_set_apart(app):
    service = app["service"]
    answer = service.ask("Who won the 2018 football World Cup?")
    assert answer.refused and answer.related
    evidence = render.evidence_html(answer, 2, service.lines_of, service.describe, False)
    assert render.RELATED_LABEL in evidence and 'class="qa-card qa-related"' in evidence
    assert 'data-kind="related"' in evidence and "<mark>" not in evidence  # no quote marked: nothing is cited
    p = answer.related[0].passage
    opened = render.article_html(service.article(p.doc), p.start_line, p.end_line, kind="related")
    assert 'class="qa-article quiet"' in opened and "closest passage, not an answer: line" in opened


def test_read_as_and_confidence_are_shown_when_the_answer_has_them(app):
    answer = app["service"].ask("How long is the border between Iran and Azerbaijan?")
    answer.read_as, answer.confidence = None, None  # as before the engine gave them (or when it gives none)
    plain = render.answer_message_html(answer, 0)
    assert "Read as" not in plain and "likely" not in plain and "unsure" not in plain
    answer.read_as, answer.confidence = "How long is the border between Iran and Azerbaijan? (all of it)", 0.82
    shown = render.answer_message_html(answer, 0)
    assert "Read as: How long is the border between Iran and Azerbaijan? (all of it)" in shown and "likely" in shown
    answer.confidence = 0.4
    assert "unsure" in render.answer_message_html(answer, 0)


def test_one_label_for_a_missing_outlet(app):
    service = app["service"]
    table = render.articles_table_html(service.articles())
    assert "unknown outlet" in table and "—" not in table
    assert "unknown outlet" in render.timeline_svg([(a["doc"], a["title"], None, a["outlet"]) for a in
                                                     service.articles()] + [("x.txt", "x", date(2021, 1, 1), None)])


def test_an_uploaded_articles_source_line_is_its_outlet_and_never_a_claim(app, client, tmp_path):
    article = ("Zanzibar cheese festival breaks its record\nSource: Zanzibar Daily News\n\nPublished on 12 May 2022\n\n"
               "The Zanzibar cheese festival drew 4,321 visitors this year, its organisers said on Sunday.\n")
    result = upload(client, tmp_path, "cheese.txt", article)
    assert result["ok"], result
    try:
        listed = next(a for a in client.predict(api_name="/articles") if a["doc"] == result["doc"])
        assert listed["outlet"] == "Zanzibar Daily News" and listed["title"].startswith("Zanzibar cheese festival")
        for question in ("How many visitors did the Zanzibar cheese festival draw?",
                         "What is the source of the Zanzibar cheese festival story?"):
            answer = ask(client, question)
            assert not any(c["quote"].startswith("Source:") for c in answer["citations"]), answer
        answer = ask(client, "How many visitors did the Zanzibar cheese festival draw?")
        assert "4,321" in answer["answer"] and answer["citations"][0]["outlet"] == "Zanzibar Daily News"
    finally:
        client.predict(result["doc"], api_name="/remove_article")


def test_the_llm_option_says_what_enables_it(app):
    import urllib.request

    from qa.ui.tabs.shared import LLM_OFF

    config = urllib.request.urlopen(f"http://127.0.0.1:{app['port']}/config", timeout=10).read().decode()
    assert config.count(json.dumps(LLM_OFF)[1:-1]) == 2  # on the Ask tab's settings and on the Evaluate tab


def test_a_question_without_its_question_mark_gets_the_same_answer(app):
    """Users often leave the mark out; the models learned from questions that end with one."""
    asked = app["service"].ask("How long is the border between Iran and Azerbaijan?")
    bare = app["service"].ask("How long is the border between Iran and Azerbaijan")
    assert bare.text == asked.text and bare.short_answer == asked.short_answer == "700-kilometer"
    assert bare.question == "How long is the border between Iran and Azerbaijan" and bare.read_as is None


def test_the_short_answer_leads_and_is_marked_in_its_quote(app):
    answer = app["service"].ask("How long is the border between Iran and Azerbaijan?")
    assert answer.short_answer == "700-kilometer" and answer.text.startswith("700-kilometer — ")
    assert any(answer.short_answer in c.quote for c in answer.citations)
    shown = render.answer_message_html(answer, 0)
    assert shown.count('<mark class="qa-short">700-kilometer</mark>') == 2  # leading the answer, and in the quote
