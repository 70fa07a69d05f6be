"""Start the real web UI (`app.py`) on a free port, and read what it logged; shared by the tests and
the benchmarks under bench/ (which put the checkout on sys.path to import it)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's: Playwright downloads none here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# A chat of ten questions on the seeds, follow-ups and an off-topic one included.
CHAT_SESSION = [
    "Who lifted the ban?",
    "Why was the export ban imposed in the first place?",
    "When was the lifting of the ban announced?",
    "Who is Eleanor Marsh?",
    "What did she say about the decision?",
    "Which hardware does the US government still protect?",
    "How long had the ban been in place?",
    "Which open-source alternatives did foreign enterprises turn to?",
    "How do I bake sourdough bread?",
    "What must buyers sign under the new export licenses?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen

    def stop(self) -> str:
        """Stop the server and return everything it printed."""
        if self.process.poll() is None:
            self.process.terminate()
        output, _ = self.process.communicate(timeout=20)
        return output or ""


@contextlib.contextmanager
def running_app(
    corpus: Path,
    index_dir: Path,
    timeout: float = 180,
    quiet: bool = False,
    args: Sequence[str] = (),
    log: Path | None = None,
) -> Iterator[RunningApp]:
    """The app serving `corpus`, with extra command-line `args`; quiet discards its output (a long
    benchmark would fill the pipe), `log` writes it to that file instead, to be read while it runs."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    command = [
        sys.executable,
        "app.py",
        "--port",
        str(port),
        "--corpus",
        str(corpus),
        "--index-dir",
        str(index_dir),
        *args,
    ]
    output: Any = subprocess.DEVNULL if quiet else subprocess.PIPE
    if log is not None:
        output = log.open("w")  # the app keeps its own copy of the descriptor
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
    if log is not None:
        output.close()
    app = RunningApp(f"http://127.0.0.1:{port}/", process)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"app exited: {app.stop()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("app did not start in time")
        yield app
    finally:
        app.stop()
