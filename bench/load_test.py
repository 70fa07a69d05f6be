"""Load on the UI's `ask` endpoint: N concurrent gradio_client clients for S seconds, on 127.0.0.1 only.

Starts the real UI (`app.py`) on a free loopback port with the existing index, runs the clients
(bounded in count and time), checks every reply, and prints throughput and latency percentiles.
Run: .venv/bin/python bench/load_test.py [--clients 32] [--seconds 60] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
import time

from common import ROOT, median, percentile, table

from tests.serving import running_app

QUESTIONS = [
    ("Who lifted the ban?", []),
    ("Why was the export ban imposed in the first place?", []),
    ("What did she say about the decision?", ["Who is Eleanor Marsh?"]),
    ("How do I bake sourdough bread?", []),
    ("Which open-source alternatives did foreign enterprises turn to?", []),
    ("When was the lifting of the ban announced?", []),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from gradio_client import Client

    serving = contextlib.ExitStack()
    url = serving.enter_context(running_app(ROOT / "seeds", ROOT / "index", quiet=True)).url
    latencies: list[float] = []
    errors: list[str] = []
    sent = [0]
    lock = threading.Lock()
    stop_at = time.time() + args.seconds

    def client_loop(number: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # a client that cannot connect is an error to report, not to hide
            with lock:
                errors.append(f"connect: {exc}")
            return
        i = number
        while time.time() < stop_at:
            question, history = QUESTIONS[i % len(QUESTIONS)]
            i += 1
            start = time.perf_counter()
            with lock:
                sent[0] += 1
            try:
                reply = client.predict(question, history, api_name="/ask")
                ok = isinstance(reply, dict) and reply.get("question") == question and "passages" in reply
            except Exception as exc:  # counted and shown below
                ok, reply = False, exc
            with lock:
                if ok:
                    latencies.append((time.perf_counter() - start) * 1000)
                else:
                    errors.append(f"{question}: {reply!r}"[:200])

    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(args.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.seconds + 120)
    elapsed = time.perf_counter() - started
    serving.close()
    result = {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "sent": sent[0],
        "replies": len(latencies),
        "errors": len(errors),
        "lost": sent[0] - len(latencies) - len(errors),
        "throughput_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
        "first_errors": errors[:5],
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        table(
            ["clients", "seconds", "replies", "errors", "lost", "replies/s", "p50 ms", "p95 ms"],
            [
                [
                    result[k]
                    for k in (
                        "clients",
                        "seconds",
                        "replies",
                        "errors",
                        "lost",
                        "throughput_per_s",
                        "p50_ms",
                        "p95_ms",
                    )
                ]
            ],
        )
    )
    for e in result["first_errors"]:
        print("error:", e)


if __name__ == "__main__":
    main()
