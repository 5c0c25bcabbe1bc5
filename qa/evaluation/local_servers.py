"""Servers started as child processes on 127.0.0.1 (`chroma run`, the app), for `qa bench`, the load benchmarks and
the tests: a free port, waiting until one answers HTTP, and stopping it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float, log: Path | None = None) -> float:
    """Seconds until `url` answers 200; an error quoting the end of `log` if the process exits or time runs out."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{_name(process)} exited with {process.returncode}{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{_name(process)} did not answer {url} within {timeout:.0f} s{_tail(log)}")


def stop(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Terminate, and kill what does not end within `timeout`."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_chroma(data: Path, port: int, log: Path, timeout: float = 120.0) -> subprocess.Popen:
    """`chroma run` on 127.0.0.1:port over `data`, once it answers its heartbeat; its output appended to `log`."""
    beside = Path(sys.executable).parent / "chroma"
    command = str(beside) if beside.exists() else shutil.which("chroma")
    if not command:
        raise FileNotFoundError("the `chroma` command (installed with chromadb) was not found")
    data.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen([command, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=dict(os.environ, ANONYMIZED_TELEMETRY="False"))
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", process, timeout, log)
    except BaseException:
        stop(process)
        raise
    return process


def _name(process: subprocess.Popen) -> str:
    args = process.args if isinstance(process.args, list) else [process.args]
    return " ".join(Path(str(a)).name for a in args[:2])


def _tail(log: Path | None) -> str:
    return f":\n{log.read_text(errors='replace')[-2000:]}" if log and log.exists() else ""
