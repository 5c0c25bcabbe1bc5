"""The Gradio app: chat with cited answers, the articles, an evaluation runner and feedback.

    python app.py [--host 127.0.0.1] [--port 7860] [--share]     # or: qa serve, or qa.ui.app.serve()
    (Ctrl+C stops it)

This module composes the page and launches it. Each tab is built, with its events, by its module in qa/ui/tabs/, the
API endpoints by qa/ui/api.py; the work is in qa/ui/service.py, the HTML in qa/ui/render.py. docs/ui.md describes
the tabs, the API endpoints (for gradio_client) and the security defaults.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no phoning home
# Gradio's queue keeps a record of the last 10,000 events and, after every event, rebuilds a pandas summary of all of
# them for its monitoring page (which this app does not enable): measured 12 ms of CPU per event with 100 records,
# 48 ms with 10,000, so a long-running app got slower as it aged. Keep one record and never summarise.
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1")
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(2**62))

import argparse
import errno
import ipaddress
import logging
import socket
import sys

import gradio as gr

from qa.config import Settings, get_settings
from qa.heap import limit_heap_arenas
from qa.ui.api import Endpoints
from qa.ui.assets import CSS
from qa.ui.service import Service
from qa.ui.tabs import (
    ArticlesTab,
    AskTab,
    EvaluateTab,
    FeedbackTab,
    Shared,
    TimelineTab,
    header_html,
)

log = logging.getLogger(__name__)

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
UPLOAD_CAP_EXTRA = 1_000_000  # gradio refuses bigger uploads outright; ours give the reason up to the limit


class LaunchRefused(SystemExit):
    """The app cannot start as asked; the message says why and what to do instead."""


class UnsafeLaunch(LaunchRefused):
    pass


class PortBusy(LaunchRefused):
    pass


# Helpers ------------------------------------------------------------------------------------------------------------
def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def auth_from_env() -> tuple[str, str] | None:
    """QA_AUTH=user:password, or None. A malformed value is an error, not silently no auth."""
    value = os.environ.get("QA_AUTH", "")
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise UnsafeLaunch("QA_AUTH must look like user:password")
    return user, password


def check_exposure(host: str, share: bool) -> tuple[str, str] | None:
    """The auth to use. Refuses to expose the app beyond this machine without QA_AUTH."""
    auth = auth_from_env()
    if (share or not is_loopback(host)) and auth is None:
        what = "--share (a public gradio.live link)" if share else f"--host {host} (reachable from other machines)"
        raise UnsafeLaunch(
            f"refusing to start with {what} without a password: set QA_AUTH=user:password, "
            "or bind to 127.0.0.1 (the default)."
        )
    return auth


def port_busy_message(host: str, port: int) -> str:
    other = port + 1 if port < 65535 else 7861
    return (f"port {port} on {host} is already in use: another program holds it, or the app is already running "
            f"(then open http://{host}:{port}/). Start it on another port with --port, e.g. "
            f"`python app.py --port {other}` or `qa serve --port {other}`, or set QA_PORT={other}.")


def check_port(host: str, port: int) -> None:
    """Raises PortBusy when host:port cannot be listened on (checked the way the server will bind it)."""
    if not port:  # 0: any free port
        return
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no obstacle
            probe.bind(address)
    except OSError as err:
        if err.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortBusy(port_busy_message(host, port)) from None
        # Anything else (an unknown host name, an address not on this machine) is for the server to report.


# The app ------------------------------------------------------------------------------------------------------------
def build_app(settings: Settings | None = None, service: Service | None = None) -> gr.Blocks:
    """The page: a header and one tab per module of qa/ui/tabs, plus the named API endpoints (qa/ui/api.py)."""
    settings = settings or get_settings()
    service = service or Service(settings)
    service.start()
    with gr.Blocks(title="News QA", analytics_enabled=False, fill_width=True) as demo:
        demo.qa_service = service  # for tests and embedding
        shared = Shared(service, settings, gr.HTML(header_html(service)))
        with gr.Tabs():
            for tab in (AskTab, ArticlesTab, TimelineTab, EvaluateTab, FeedbackTab):
                tab(shared).build()
        Endpoints(service).register()
    return demo


# Launching ----------------------------------------------------------------------------------------------------------
def launch_kwargs(settings: Settings, host: str, port: int, share: bool, auth) -> dict:
    return dict(
        server_name=host, server_port=port, share=share, auth=auth, ssr_mode=False, pwa=False, mcp_server=False,
        enable_monitoring=False, show_error=False, footer_links=["api"],
        max_file_size=settings.max_file_bytes + UPLOAD_CAP_EXTRA, css=CSS,
        theme=gr.themes.Soft(primary_hue="blue", neutral_hue="slate",
                             font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]),
    )


def launch(settings: Settings | None = None, host: str = "127.0.0.1", port: int | None = None, share: bool = False,
           block: bool = True, quiet: bool = False, service: Service | None = None) -> gr.Blocks:
    """Build and start the app on host:port (port None: `Settings.port`, QA_PORT, 7860). With block=False it runs in
    background threads (tests); `demo.close()` stops it. Raises UnsafeLaunch or PortBusy, before any work, when it
    cannot start as asked."""
    settings = settings or (service.settings if service else get_settings())
    port = settings.port if port is None else port
    auth = check_exposure(host, share)
    check_port(host, port)
    demo = build_app(settings, service)
    demo.queue(default_concurrency_limit=4)
    try:
        demo.launch(prevent_thread_lock=not block, quiet=quiet, **launch_kwargs(settings, host, port, share, auth))
    except OSError as err:  # taken between the check and the start: Gradio's message names its own settings
        if "port" not in str(err).lower():
            raise
        demo.close()
        raise PortBusy(port_busy_message(host, port)) from None
    return demo


def serve(host: str = "127.0.0.1", port: int | None = None, share: bool = False,
          settings: Settings | None = None) -> None:
    """Start the app and block until it is stopped (`python app.py` and `qa serve` call this): Ctrl+C in its
    terminal, or `kill PID` (SIGTERM) from another, stops it."""
    limit_heap_arenas()  # before Gradio starts its worker threads
    try:
        demo = launch(settings, host, port, share, block=False, quiet=True)
    except LaunchRefused as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        print(f"The app is running at {demo.local_url}", flush=True)
        if demo.share_url:
            print(f"and at the public link {demo.share_url}", flush=True)
        print(f"To stop it: Ctrl+C here, or `kill {os.getpid()}` from another terminal.", flush=True)
        demo.block_thread()  # until Ctrl+C (Gradio then closes the server)
    except KeyboardInterrupt:
        demo.close()
    print("The app has stopped.", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python app.py", description="The news QA chat in the browser.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=None, help="port (default: QA_PORT, else 7860)")
    parser.add_argument("--share", action="store_true", help="public gradio.live link (needs QA_AUTH=user:password)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    serve(args.host, args.port, args.share)
    return 0


if __name__ == "__main__":
    sys.exit(main())
