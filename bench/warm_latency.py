"""Per-question latency inside one warm process (retrieval, fusion, highlighting, conflicts included).

Two patterns: a tight loop, and questions spaced 200 ms apart as a person asks (thread pools go
idle between questions, which is where oversubscribed OpenMP runtimes show up).
Run: .venv/bin/python bench/warm_latency.py
"""

from __future__ import annotations

import json
import time

from common import ROOT, median, percentile, table

from qa import QA, Settings


def main() -> None:
    questions = [json.loads(line)["question"] for line in (ROOT / "tests" / "data" / "dev.jsonl").open()]
    engine = QA.open(Settings(corpus=ROOT / "seeds", index_dir=ROOT / "index"))
    for q in questions:
        engine.ask(q)  # warm-up
    rows = []
    for name, pause, rounds in (("tight loop", 0.0, 10), ("spaced 200 ms", 0.2, 3)):
        total, encode = [], []
        for _ in range(rounds):
            for q in questions:
                if pause:
                    time.sleep(pause)
                start = time.perf_counter()
                engine.ask(q)
                total.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                engine.encoder.encode([q])
                encode.append((time.perf_counter() - start) * 1000)
        rows.append(
            [
                name,
                len(total),
                f"{median(total):.1f}",
                f"{percentile(total, 0.99):.1f}",
                f"{median(encode):.1f}",
            ]
        )
    print(
        f"warm per-question latency, {len(questions)} dev questions, "
        f"{engine.settings.threads} encoder threads\n"
    )
    print(table(["pattern", "questions", "p50 ms", "p99 ms", "of which encoding p50 ms"], rows))


if __name__ == "__main__":
    main()
