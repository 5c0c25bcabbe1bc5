"""Server mode against a real `chroma run` on 127.0.0.1, and the offline guard itself."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from qa.evaluation import local_servers
from qa.evaluation.local_servers import free_port
from qa.index.store import StoreError
from qa.ingest.sync import ingest, open_collections


def start_chroma(data: Path, port: int, log: Path):
    return local_servers.start_chroma(data, port, log, timeout=60.0)


def stop_chroma(process) -> None:
    local_servers.stop(process, timeout=10.0)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    process = start_chroma(root / "data", port, root / "server.log")
    try:
        yield port
    finally:
        stop_chroma(process)


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
