"""Server mode against a real `chroma run` on 127.0.0.1, and the offline guard itself.

Server mode for a team: every request under a time-out (a hung server is as clear an error as a dead one), one writer
at a time through a lease stored in the server (two `qa ingest` processes, one of them SIGKILLed), HTTP clients
closed after an ingest, and an engine that notices another process's ingest without a restart.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_reliability import assert_consistent

from qa.evaluation import local_servers
from qa.evaluation.local_servers import free_port
from qa.index.store import StoreError
from qa.ingest.sync import IngestBusy, ingest, open_collections


def start_chroma(data: Path, port: int, log: Path):
    return local_servers.start_chroma(data, port, log, timeout=60.0)


def stop_chroma(process) -> None:
    local_servers.stop(process, timeout=10.0)


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    """One `chroma run` for the module: (port, process). Tests that write use a collection name of their own."""
    root = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    process = start_chroma(root / "data", port, root / "server.log")
    try:
        yield port, process
    finally:
        stop_chroma(process)


@pytest.fixture(scope="module")
def chroma_server(chroma):
    return chroma[0]


def server_env(articles: Path, store: Path, port: int, collection: str, **more: str) -> dict[str, str]:
    return dict(os.environ, QA_ARTICLES_DIR=str(articles), QA_STORE_DIR=str(store), QA_CHROMA_HOST="127.0.0.1",
                QA_CHROMA_PORT=str(port), QA_COLLECTION=collection, QA_ANSWER_MODE="extractive",
                PYTHONIOENCODING="utf-8", **more)


def qa_process(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "qa", *args], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ingest_and_ask_through_a_chroma_server(chroma_server, bundled_articles, tmp_path, settings_for):
    from qa.answer.engine import Engine

    settings = settings_for(bundled_articles, tmp_path / "local-cache", chroma_host="127.0.0.1",
                            chroma_port=chroma_server)
    assert settings.server_mode
    report = ingest(settings)
    assert report.articles == 5 and report.changed == 5
    assert not (tmp_path / "local-cache" / "chroma.sqlite3").exists()  # the records live in the server

    # A second process-like client sees the same catalogue, and a re-run changes nothing.
    assert sorted(open_collections(settings).read_manifest()) == sorted(p.name for p in bundled_articles.glob("*.txt"))
    assert ingest(settings).changed == 0

    answer = Engine(settings).ask("How long is the border between Iran and Azerbaijan?", mode="extractive")
    assert not answer.refused
    assert "700" in answer.text
    cited = [c for c in answer.citations if c.doc == "002_9be3c843f8453a3d.txt" and c.start_line <= 27 <= c.end_line]
    assert cited, answer.to_json()
    lines = (bundled_articles / cited[0].doc).read_text(encoding="utf-8").split("\n")
    assert cited[0].quote in "\n".join(lines[cited[0].start_line - 1 : cited[0].end_line])


def test_server_not_running_is_a_clear_store_error(bundled_articles, tmp_path, settings_for):
    port = free_port()  # nothing listens here
    settings = settings_for(bundled_articles, tmp_path / "chroma", chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(StoreError) as caught:
        ingest(settings)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "chroma run" in message and "QA_CHROMA_HOST" in message


@pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")  # pandas deprecations inside gradio
def test_server_killed_mid_session_is_a_clear_error_then_the_app_recovers(bundled_articles, tmp_path, settings_for):
    """The app keeps running while its Chroma server is killed and started again (same port, same data): the
    question asked meanwhile gets a message naming the server, the next one after the restart a normal answer."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from qa.ui.app import launch
    from qa.ui.service import Service

    port = free_port()
    server = start_chroma(tmp_path / "data", port, tmp_path / "server.log")
    settings = settings_for(bundled_articles, tmp_path / "local-cache", chroma_host="127.0.0.1", chroma_port=port,
                            answer_mode="extractive")
    service = Service(settings)
    demo = None
    try:
        service.start(announce=lambda _: None)  # the first run: builds the index in the server
        demo = launch(settings, "127.0.0.1", free_port(), block=False, quiet=True, service=service)
        client = Client(demo.local_url, verbose=False)
        question = "How long is the border between Iran and Azerbaijan?"

        before = client.predict(question, [], 0, "", api_name="/ask")
        assert not before["refused"] and "700" in before["answer"]
        assert any(c["doc"] == "002_9be3c843f8453a3d.txt" and c["start_line"] <= 27 <= c["end_line"]
                   for c in before["citations"]), before

        server.kill()  # no goodbye: as a crash or an OOM kill would do it
        server.wait()
        with pytest.raises(AppError) as caught:
            client.predict(question, [], 0, "", api_name="/ask")
        message = str(caught.value)
        assert f"Chroma server at 127.0.0.1:{port}" in message and "chroma run" in message, message
        assert "Traceback" not in message and "httpx" not in message
        respond = next(f.fn for f in demo.fns.values() if f.name == "respond")  # the chat's own handler
        chat = [frame for frame, *_ in respond(question, [], "extractive", 8, False, "", "") if isinstance(frame, list)]
        shown = chat[-1][-1]["content"]
        assert f"Chroma server at 127.0.0.1:{port}" in shown and "Traceback" not in shown, shown
        assert client.predict(api_name="/articles"), "the rest of the app keeps working from what it holds"

        server = start_chroma(tmp_path / "data", port, tmp_path / "server.log")  # same port, same data
        after = client.predict(question, [], 0, "", api_name="/ask")
        assert {k: after[k] for k in ("answer", "citations", "refused")} == \
            {k: before[k] for k in ("answer", "citations", "refused")}
    finally:
        if demo is not None:
            demo.close()
        stop_chroma(server)


# Time-outs: a hung server --------------------------------------------------------------------------------------
@contextlib.contextmanager
def silent_server():
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte: a hung Chroma server."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    held, done = [], threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:  # the 0.1 s time-out: look at `done` again
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()


def test_hung_server_is_as_clear_an_error_as_a_dead_one_within_the_time_out(bundled_articles, tmp_path,
                                                                            settings_for):
    from qa.answer.engine import Engine
    from qa.index import embedder_from_settings

    dead = settings_for(bundled_articles, tmp_path / "chroma", chroma_host="127.0.0.1", chroma_port=free_port(),
                        chroma_timeout_s=1.0)
    embedder_from_settings(dead)  # loaded once, so the times below are the server's
    with pytest.raises(StoreError) as refused:
        Engine(dead)
    with silent_server() as port:
        hung = dead.model_copy(update={"chroma_port": port})
        for action in (lambda: Engine(hung), lambda: ingest(hung)):
            started = time.monotonic()
            with pytest.raises(StoreError) as caught:
                action()
            elapsed = time.monotonic() - started
            assert 0.9 < elapsed < 5.0, elapsed  # one bound (1 s) and some slack, not for ever
            message = str(caught.value)
            assert f"cannot reach the Chroma server at 127.0.0.1:{port}: no reply within 1 s" in message, message
            assert "chroma run" in message and "QA_CHROMA_TIMEOUT_S" in message
            # The same error as for a server that is not there, but for the reason
            assert message.split(":")[0] == str(refused.value).split(":")[0]

        started = time.monotonic()
        cli = subprocess.run([sys.executable, "-m", "qa", "ask", "Where was the first 3+3 meeting held?"],
                             env=server_env(bundled_articles, tmp_path / "cli", port, "articles",
                                            QA_CHROMA_TIMEOUT_S="1"),
                             capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert cli.returncode == 1, cli.stderr
    assert cli.stderr.startswith(f"error: cannot reach the Chroma server at 127.0.0.1:{port}: no reply within 1 s")
    assert "Traceback" not in cli.stderr


def test_server_that_hangs_mid_session_then_resumes(chroma, bundled_articles, tmp_path, settings_for):
    """A real `chroma run` stopped (SIGSTOP: it keeps its port and accepts connections, but answers nothing) while
    an engine uses it: a question fails within the time-out with a message naming the server; once it runs again
    (SIGCONT), the same question gets the same answer."""
    from qa.answer.engine import Engine

    port, server = chroma
    settings = settings_for(bundled_articles, tmp_path / "local", chroma_host="127.0.0.1", chroma_port=port,
                            collection="hang", chroma_timeout_s=2.0, freshness_s=0.0, answer_mode="extractive")
    ingest(settings)
    engine = Engine(settings)
    question = "How long is the border between Iran and Azerbaijan?"
    before = engine.ask(question)
    assert "700" in before.text
    os.kill(server.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as caught:
            engine.ask(question)
        elapsed = time.monotonic() - started
    finally:
        os.kill(server.pid, signal.SIGCONT)
    assert 1.9 < elapsed < 8.0, elapsed
    message = str(caught.value)
    assert f"Chroma server at 127.0.0.1:{port} (no reply within 2 s" in message and "chroma run" in message, message
    after = engine.ask(question)
    assert (after.text, after.citations) == (before.text, before.citations)


# HTTP clients are closed --------------------------------------------------------------------------------------
def connections_to(port: int) -> int:
    """Established TCP connections from this process to 127.0.0.1:port."""
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith("socket:["):
                mine.add(target[8:-1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with open(table) as fh:
            for line in fh.readlines()[1:]:
                fields = line.split()
                if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[3] == "01" and fields[9] in mine:
                    count += 1
    return count


def test_ingest_closes_its_http_client(chroma_server, bundled_articles, tmp_path, settings_for):
    settings = settings_for(bundled_articles, tmp_path / "local", chroma_host="127.0.0.1", chroma_port=chroma_server,
                            collection="clients")
    before = connections_to(chroma_server)
    for _ in range(3):
        ingest(settings)
    assert connections_to(chroma_server) == before  # each ingest's connections closed when it ended
    collections = open_collections(settings)  # a client that is kept (an engine's) has its connection
    assert collections.manifest.count() == 5 and connections_to(chroma_server) > before


# One writer at a time -----------------------------------------------------------------------------------------
def test_lease_semantics_against_the_server(chroma_server, tmp_path):
    """The lock's rules with real Chroma records: one of many concurrent takers wins; a live lease refuses others;
    a lapsed one is taken over; the old holder then finds out, and its release does not free the new holder's."""
    from qa.config import Settings
    from qa.index import Control, ServerLock
    from qa.index.control import LockBusy, LockLost
    from qa.index.store import chroma_client

    client = chroma_client(Settings(chroma_host="127.0.0.1", chroma_port=chroma_server))
    control = Control(client, "lease")
    takers = [ServerLock(control, ttl=30, owner=f"taker {n}") for n in range(6)]
    won: list[ServerLock] = []
    start = threading.Barrier(len(takers))

    def take(lock: ServerLock) -> None:
        start.wait()
        if lock.try_acquire() is None:
            won.append(lock)

    threads = [threading.Thread(target=take, args=(lock,)) for lock in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1, [lock.owner for lock in won]
    holder = won[0]
    holder.check()
    with pytest.raises(LockBusy, match=f"held by {holder.owner}"):
        ServerLock(control, ttl=30, owner="late").acquire(wait=0)

    later = time.time() + 31  # a clock past the holder's lease, as if it had been killed
    taker = ServerLock(control, ttl=30, owner="taker after the lapse", clock=lambda: later)
    assert taker.try_acquire() is None
    with pytest.raises(LockLost, match="taken over by taker after the lapse"):
        holder.renew()
    with pytest.raises(LockLost, match="taken over by taker after the lapse"):
        holder.check()  # what the ingest calls before each write: it stops
    holder.release()  # does not touch the new holder's lease
    leases = control.leases()
    assert [(lease.owner, lease.released) for lease in leases] == [("taker after the lapse", False)]
    taker.release()
    assert control.leases()[-1].released
    now = [time.time()]
    again = ServerLock(control, ttl=30, owner="next", clock=lambda: now[0])
    assert again.try_acquire() is None  # a released lease is free at once
    again.check()
    now[0] += 30 * 3 / 4 + 1  # stalled (no renewal) until within a quarter of the lease's lapse: it stops writing
    with pytest.raises(LockLost, match="could not renew its lock"):
        again.check()
    again.release()
    assert len(control.leases()) == 1  # older generations are cleaned up by each winner


def test_two_ingest_processes_and_a_sigkilled_writer_on_one_server(chroma_server, bundled_articles, tmp_path,
                                                                   settings_for, caplog):
    """Two `qa ingest` processes against one real `chroma run`: one writes, the other stops with a message. A
    writer process SIGKILLed while it holds the lock blocks the next ingest only until its lease lapses: an ingest
    stops with a message naming the dead holder; one that may wait says so, takes over when the lease lapses and
    finishes. Neither leaves a duplicated or missing passage."""
    from qa.index import Control
    from qa.index.store import chroma_client

    env = server_env(bundled_articles, tmp_path / "local", chroma_server, "twowriters")
    settings = settings_for(bundled_articles, tmp_path / "local", chroma_host="127.0.0.1", chroma_port=chroma_server,
                            collection="twowriters")
    both = [qa_process("ingest", "--quiet", env=env) for _ in range(2)]
    results = [(p.wait(180), *p.communicate()) for p in both]
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 1], [0, 0]), results  # [0, 0]: the first had finished before the second looked
    for code, out, err in results:
        if code == 1:
            assert f"error: another ingest is writing to the index 'twowriters' on the Chroma server at " \
                   f"127.0.0.1:{chroma_server} (held by " in err and "Traceback" not in err, err
        else:
            assert "5 articles" in out, err
    assert len(assert_consistent(settings)) == 5

    # A writer killed while it holds the lock, on a new index so that it has work to do
    ttl = 6  # the killed writer's lease time
    settings = settings.model_copy(update={"collection": "killed"})
    control = Control(chroma_client(settings), "killed")
    writer = qa_process("ingest", "--quiet", env=dict(env, QA_COLLECTION="killed", QA_INGEST_LOCK_TTL_S=str(ttl)))
    deadline = time.monotonic() + 120
    while not control.leases() and writer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    writer.send_signal(signal.SIGKILL)
    assert writer.wait(30) == -signal.SIGKILL, writer.communicate()
    killed_at = time.monotonic()
    (lease,) = control.leases()
    assert lease.owner.endswith(f"pid {writer.pid}") and not lease.released
    done_before = len(open_collections(settings).read_manifest())  # articles it finished before it was killed

    with pytest.raises(IngestBusy) as refused:
        ingest(settings)
    assert f"(held by {lease.owner} since" in str(refused.value)
    assert f"lapses by itself within {ttl} s (its QA_INGEST_LOCK_TTL_S)" in str(refused.value)

    with caplog.at_level(logging.WARNING, logger="qa"):
        report = ingest(settings, wait=60)
    waited = time.monotonic() - killed_at
    assert "waiting up to 60 s: another ingest is writing to the index 'killed'" in caplog.text, caplog.text
    assert f"took over the ingest lock of the index 'killed' on the Chroma server at 127.0.0.1:{chroma_server} " \
           f"from {lease.owner}" in caplog.text, caplog.text
    assert report.articles == 5 and report.changed == 5 - done_before
    assert waited < ttl + 60  # bounded: the lease lapsed, nobody waited for ever
    assert len(assert_consistent(settings)) == 5
    (after,) = control.leases()
    assert after.released and after.generation == lease.generation + 1
    assert control.version().startswith("1:")  # the dead writer never bumped it; the one that finished did


# Fresh reads: another process's ingest --------------------------------------------------------------------------
NEW_ARTICLE = """Harbour lights return to Baku's old port

Published: 2022-03-14

The restored lighthouse at Baku's old port was switched on again on Monday after 41 years of darkness.

The keepers said the lamp can be seen from 19 nautical miles away on a clear night.
"""


def test_engine_sees_another_process_ingest_and_rebuild(chroma_server, articles_copy, tmp_path, settings_for):
    """An engine answers questions in this process while `qa ingest` runs in another: it goes on answering during
    the ingest, and within its freshness interval (plus the time to rebuild its tables) it answers from the new
    article, without a restart. After another process rebuilds the index (`qa ingest --rebuild`: the collections
    dropped and made anew) it opens them again and answers as before."""
    from qa.answer.engine import Engine

    settings = settings_for(articles_copy, tmp_path / "local", chroma_host="127.0.0.1", chroma_port=chroma_server,
                            collection="fresh", freshness_s=0.5, answer_mode="extractive")
    ingest(settings)
    engine = Engine(settings)
    question = "How far away can the lighthouse at Baku's old port be seen?"
    assert not any(c.doc == "006_lighthouse.txt" for c in engine.ask(question).citations)

    (articles_copy / "006_lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    env = server_env(articles_copy, tmp_path / "other", chroma_server, "fresh")

    def ask_until_cited(writer_done, within: float) -> tuple[float, list[str]]:
        """Ask while a writer runs and after; seconds from its end to the first answer citing the new article."""
        problems, ended = [], None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                answer = engine.ask(question)
            except StoreError as err:
                problems.append(str(err))
                answer = None
            if ended is None and writer_done():
                ended = time.monotonic()
            if ended is not None and answer and any(c.doc == "006_lighthouse.txt" for c in answer.citations):
                assert "19 nautical miles" in answer.text
                return time.monotonic() - ended, problems
            if ended is not None and time.monotonic() - ended > within:
                break
            time.sleep(0.1)
        raise AssertionError(f"the new article was not answered from within {within} s of the ingest; {problems}")

    writer = qa_process("ingest", "--quiet", env=env)
    seconds, problems = ask_until_cited(lambda: writer.poll() is not None, within=60)
    assert writer.returncode == 0, writer.communicate()
    assert problems == []  # questions were answered all through the other process's ingest
    assert seconds < 0.5 + 30  # the check interval plus rebuilding the tables of six articles on a busy machine

    # The rebuild runs in a thread of this process, on an HTTP client of its own: to the engine, as another process
    rebuilt: list = []
    rebuild = threading.Thread(target=lambda: rebuilt.append(ingest(settings, rebuild=True)))
    rebuild.start()
    seconds, problems = ask_until_cited(lambda: not rebuild.is_alive(), within=60)
    assert rebuilt and rebuilt[0].articles == 6
    # While the collections were dropped and made anew, a question may have found them gone: that is a clear error
    # naming the server, and the engine opened the new ones by itself
    assert all("If another process is rebuilding it (`qa ingest --rebuild`)" in p for p in problems), problems


# The offline guard of conftest.py -------------------------------------------------------------------------------
def test_network_guard_blocks_outside_addresses():
    with pytest.raises(RuntimeError, match="must not use the network"):
        socket.create_connection(("8.8.8.8", 53), timeout=1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(RuntimeError, match="must not use the network"):
            sock.connect(("8.8.8.8", 53))
        with pytest.raises(RuntimeError, match="must not use the network"):
            sock.connect_ex(("8.8.8.8", 53))
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        with pytest.raises(RuntimeError, match="must not use the network"):
            sock.connect(("2001:4860:4860::8888", 53))
    with pytest.raises(RuntimeError, match="must not use the network"):
        socket.create_connection(("example.com", 80), timeout=1)


def test_network_guard_allows_loopback():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(2)
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.settimeout(2)
            client.connect(("127.0.0.1", port))
