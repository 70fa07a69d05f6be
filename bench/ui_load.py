"""The web UI under load: N readers asking at once through its API, on 127.0.0.1 only.

Starts the real UI (`app.py`) on a free port with the existing index, then for each N runs N
`gradio_client` askers, each asking the chat session's questions in turn for a bounded time (it
stops by itself), and reports answers a second, p50/p95 latency, errors and lost answers (a call
that returned no answer object).
Run: .venv/bin/python bench/ui_load.py [SECONDS_PER_LEVEL] [N ...]   (default 20 s; N = 1 4 16)
"""

from __future__ import annotations

import statistics
import sys
import threading
import time

from common import ROOT, percentile, table
from gradio_client import Client

from tests.serving import CHAT_SESSION, running_app


def _asker(url: str, until: float, latencies: list[float], errors: list[str], lost: list[str]) -> None:
    client = Client(url, verbose=False)
    turn = 0
    while time.monotonic() < until:
        question = CHAT_SESSION[turn % len(CHAT_SESSION)]
        turn += 1
        start = time.perf_counter()
        try:
            reply = client.predict(question, [], api_name="/ask")
        except Exception as exc:  # noqa: BLE001 (every failure is counted, whatever it is)
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        latencies.append((time.perf_counter() - start) * 1000)
        if not isinstance(reply, dict) or "answered" not in reply:
            lost.append(question)


def level(url: str, readers: int, seconds: float) -> list[str]:
    latencies: list[float] = []
    errors: list[str] = []
    lost: list[str] = []
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_asker, args=(url, until, latencies, errors, lost), daemon=True)
        for _ in range(readers)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)  # a stuck call is reported, never waited on for ever
    took = time.monotonic() - started
    stuck = sum(thread.is_alive() for thread in threads)
    ordered = sorted(latencies)
    return [
        str(readers),
        f"{len(latencies) / took:.1f}",
        f"{statistics.median(ordered):.0f}" if ordered else "-",
        f"{percentile(ordered, 0.95):.0f}" if ordered else "-",
        str(len(errors) + stuck),
        str(len(lost)),
    ]


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    levels = [int(n) for n in sys.argv[2:]] or [1, 4, 16]
    with running_app(ROOT / "seeds", ROOT / "index", quiet=True) as app:
        rows = [level(app.url, readers, seconds) for readers in levels]
    print(f"UI under load: {seconds:g} s per level, 127.0.0.1, the seeds' index\n")
    print(table(["readers", "answers/s", "p50 ms", "p95 ms", "errors", "lost"], rows))


if __name__ == "__main__":
    main()
