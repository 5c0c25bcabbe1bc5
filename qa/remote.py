"""`qa ask` through a running `qa serve`: the app keeps the model and the index loaded, so a question costs an HTTP
round trip instead of a cold start (docs/performance.md, "`qa ask` from a cold process").

The app is found at QA_SERVE_URL, or else at http://127.0.0.1:QA_PORT (7860) when it serves the same index as this
process would open (its /index_info endpoint names it). The question goes to the app's /ask endpoint through
Gradio's plain REST API (POST /gradio_api/call/ask, then read the event stream), with the standard library only:
gradio_client's import alone costs about as much as the whole round trip should. Whenever no such app answers,
`ask` returns None and the caller answers in-process.

Imports nothing heavy: this module is on the quick path.
"""

from __future__ import annotations

import http.client
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

PROBE_TIMEOUT_S = 1.0  # an app that does not say what it serves within this is not used
OFF = ("", "0", "off", "none", "no")


class RemoteError(RuntimeError):
    """The app answered the question with an error (its message, e.g. a Chroma server that went away)."""


def index_identity(settings) -> dict:
    """What names an index: where it is stored (or which Chroma server holds it) and under what name."""
    return {
        "store_dir": str(Path(settings.store_dir).resolve()),
        "collection": settings.collection,
        "chroma_host": settings.chroma_host or None,
        "chroma_port": settings.chroma_port if settings.chroma_host else None,
    }


def serve_url(settings) -> tuple[str | None, bool]:
    """(the app's URL or None, whether it was set explicitly). QA_SERVE_URL=off turns the quick path off."""
    explicit = os.environ.get("QA_SERVE_URL")
    if explicit is not None:
        return (None, True) if explicit.strip().lower() in OFF else (explicit.strip().rstrip("/"), True)
    return f"http://127.0.0.1:{settings.port}", False


def _call(url: str, api: str, data: list, timeout: float):
    """Call a named Gradio endpoint through its REST API; returns its output. Raises OSError when nobody answers
    as a Gradio app would, RemoteError when the endpoint reports an error."""
    parts = urlsplit(url)
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(parts.hostname, parts.port, timeout=timeout)
    prefix = parts.path.rstrip("/") + "/gradio_api/call/" + api
    try:
        connection.request("POST", prefix, body=json.dumps({"data": data}),
                           headers={"Content-Type": "application/json"})
        reply = connection.getresponse()
        body = reply.read()
        if reply.status != 200:
            raise OSError(f"{url}: HTTP {reply.status} for {api}")
        event_id = json.loads(body)["event_id"]
        connection.request("GET", f"{prefix}/{event_id}")
        reply = connection.getresponse()
        stream = reply.read().decode("utf-8")
        if reply.status != 200:
            raise OSError(f"{url}: HTTP {reply.status} for {api}")
    except (ValueError, KeyError) as err:
        raise OSError(f"{url}: not a Gradio app's reply ({err})") from None
    finally:
        connection.close()
    event = None
    for line in stream.splitlines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:") and event in ("complete", "error"):
            payload = line[5:].strip()
            if event == "error":
                message = json.loads(payload) if payload not in ("", "null") else None
                raise RemoteError(message or "the app could not answer")
            return json.loads(payload)[0]
    raise OSError(f"{url}: no result from {api}")


def ask(settings, question: str, top_k: int | None = None, mode: str | None = None, since: str | None = None,
        until: str | None = None) -> dict | None:
    """The answer object (Answer.to_json()) from a running app that serves this index, or None when there is none
    (then the caller answers in-process). Raises RemoteError when the app answers with an error."""
    url, explicit = serve_url(settings)
    if url is None:
        return None
    try:
        # At the default port, only an app that serves the same index (another app may hold the port).
        if not explicit and _call(url, "index_info", [], PROBE_TIMEOUT_S) != index_identity(settings):
            return None
    except (OSError, RemoteError):  # nobody there, not our app, or an app from before /index_info
        return None
    try:
        return _call(url, "ask", [question, [], top_k or 0, mode or "", since or "", until or ""],
                     2 * max(settings.chroma_timeout_s, settings.llm_timeout_s))
    except OSError:  # it went away or timed out: the question is answered here
        return None
