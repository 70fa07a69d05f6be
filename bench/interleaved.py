"""Cold `qa ask` and warm per-question latency on the seeds, this checkout against another one (a git
worktree of an earlier commit), interleaved run by run so that both see the same machine.

Run: .venv/bin/python bench/interleaved.py OTHER_CHECKOUT [ROUNDS] [WARM] [QUESTION]
(default 15 cold rounds, 3 warm, "Who lifted the ban?" asked cold)

Both checkouts run with this checkout's Python environment; each answers from an index of its own
(`index/` inside it), built before timing starts. Warm latency is the median over the dev questions
asked in one process, after one warm-up pass.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common import PYTHON, ROOT, median, run_timed, table

QUESTION = "Who lifted the ban?"
WARM = f"""
import statistics, sys
from qa import QA, Settings  # first: the checkout's own qa (the working directory), before common
sys.path.insert(0, {str(ROOT / "bench")!r})  # this checkout's bench code (it puts this checkout first)
from common import warm_latencies
engine = QA.open(Settings(corpus="seeds", index_dir="index"), warn=lambda message: None)
print(statistics.median(warm_latencies(engine, rounds=5)) * 1000)
"""


def cold(checkout: Path, question: str) -> float:
    seconds, _ = run_timed([PYTHON, "-m", "qa", "ask", question, "--json"], cwd=checkout)
    return seconds


def warm(checkout: Path) -> float:
    out = subprocess.run([PYTHON, "-c", WARM], cwd=checkout, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    other = Path(sys.argv[1]).resolve()
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    warm_runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    question = sys.argv[4] if len(sys.argv) > 4 else QUESTION
    checkouts = {"this": ROOT, "other": other}
    for checkout in checkouts.values():  # build each index and fill the page cache
        subprocess.run([PYTHON, "-m", "qa", "ask", QUESTION], cwd=checkout, capture_output=True, check=True)
    colds: dict[str, list[float]] = {name: [] for name in checkouts}
    warms: dict[str, list[float]] = {name: [] for name in checkouts}
    for _ in range(rounds):
        for name, checkout in checkouts.items():
            colds[name].append(cold(checkout, question))
    for _ in range(warm_runs):
        for name, checkout in checkouts.items():
            warms[name].append(warm(checkout))
    print(
        f"this checkout against {other}, {rounds} cold runs and {warm_runs} warm processes each, interleaved"
    )
    print(f"asked cold: {question!r}")
    print()
    rows = [
        [
            name,
            f"{median(colds[name]):.3f}",
            f"{median(colds[name]) / median(colds['other']):.2f}",
            f"{median(warms[name]):.1f}",
            f"{median(warms[name]) / median(warms['other']):.2f}",
        ]
        for name in checkouts
    ]
    print(table(["checkout", "cold qa ask, median s", "ratio", "warm p50 ms", "ratio"], rows))


if __name__ == "__main__":
    main()
