"""Helpers shared by the benchmarks: timing child processes with their peak memory, percentiles."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
sys.path.insert(0, str(ROOT))  # `tests.serving` starts the web UI for the benchmarks as for the tests


def run_timed(
    command: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process (run in `cwd`, default the checkout),
    from its own rusage."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        cwd=cwd or ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return elapsed, usage.ru_maxrss / 1024


def warm_latencies(engine: Any, rounds: int = 3) -> list[float]:
    """Seconds per question of a warm engine over the dev questions (each asked once first)."""
    questions = [json.loads(line)["question"] for line in (ROOT / "tests" / "data" / "dev.jsonl").open()]
    for question in questions:
        engine.ask(question)  # warm-up
    out = []
    for question in questions * rounds:
        start = time.perf_counter()
        engine.ask(question)
        out.append(time.perf_counter() - start)
    return out


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
