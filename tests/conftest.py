"""Shared test setup: an offline guard, a hermetic environment, and fixtures for articles and settings.

The guard makes the project's offline claim a tested fact: any connection to a non-loopback address from this
process raises `NetworkBlocked`. Loopback (127.0.0.0/8, ::1, "localhost") and Unix sockets stay allowed, because
the tests run real local servers (Chroma, Gradio, a scripted OpenAI-compatible server). Connections made in C
without going through Python's socket module (e.g. inside uvloop) are not seen; subprocesses are not covered.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from pathlib import Path

import pytest

# Before anything imports chromadb or gradio: no telemetry, no model downloads.
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# Hermetic: a developer's own configuration (an OpenAI key turns on LLM mode, QA_STORE_DIR moves the index)
# must not change what the tests see. Tests that need a setting pass it explicitly.
for _name in list(os.environ):
    if _name.startswith("QA_") or _name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        del os.environ[_name]

REPO = Path(__file__).resolve().parent.parent
BUNDLED_ARTICLES = REPO / "store" / "articles"
QUESTION_SETS = REPO / "qa" / "evaluation" / "questions"  # package data; Settings.question_sets_dir's default


# The network guard ----------------------------------------------------------------------------------------------
class NetworkBlocked(RuntimeError):
    pass


def _is_local(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths (str or bytes), and abstract sockets
        return True
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).split("%", 1)[0]  # IPv6 scope id
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a host name other than localhost: it would be resolved and reached over the network
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _check(address) -> None:
    if not _is_local(address):
        raise NetworkBlocked(f"tests must not use the network: connection to {address!r} blocked by tests/conftest.py")


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_create_connection = socket.create_connection


def _guarded_connect(self, address):
    if self.family != getattr(socket, "AF_UNIX", None):
        _check(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family != getattr(socket, "AF_UNIX", None):
        _check(address)
    return _real_connect_ex(self, address)


def _guarded_create_connection(address, *args, **kwargs):
    _check(address)
    return _real_create_connection(address, *args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def network_guard():
    """Active for the whole session: every test runs with non-loopback connections blocked."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _guarded_connect)
        mp.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
        mp.setattr(socket, "create_connection", _guarded_create_connection)
        yield


# Articles and settings ------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def bundled_articles() -> Path:
    """The five articles that ship with the repository (store/articles); read-only."""
    return BUNDLED_ARTICLES


@pytest.fixture(scope="session")
def question_sets_dir() -> Path:
    """The folder of the question sets that ship with the project (articles.jsonl, bbc.jsonl); read-only."""
    return QUESTION_SETS


@pytest.fixture
def articles_copy(tmp_path, bundled_articles) -> Path:
    """A private copy of the bundled articles that a test may edit."""
    target = tmp_path / "articles"
    shutil.copytree(bundled_articles, target)
    return target


def make_settings(articles_dir, store_dir, **overrides):
    from qa.config import Settings

    return Settings(articles_dir=Path(articles_dir), store_dir=Path(store_dir), **overrides)


@pytest.fixture(scope="session")
def bundled_engine(tmp_path_factory, bundled_articles):
    """An engine over an index of the bundled articles built once, for the tests that only ask (extractive mode)."""
    from qa.answer.engine import Engine
    from qa.ingest import ingest

    settings = make_settings(bundled_articles, tmp_path_factory.mktemp("bundled") / "store", chroma_host=None,
                             answer_mode="extractive")
    ingest(settings)
    return Engine(settings)


@pytest.fixture(scope="session")
def settings_for():
    """`settings_for(articles_dir, store_dir, **overrides)` -> `qa.config.Settings`."""
    return make_settings

