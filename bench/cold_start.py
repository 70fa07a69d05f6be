"""Cold `qa ask` (a whole new process, index already built) against the usual-way baseline.

Run: .venv/bin/python bench/cold_start.py [RUNS]   (default 5 runs of each, interleaved)
"""

from __future__ import annotations

import sys

from common import PYTHON, ROOT, median, run_timed, table

QUESTION = "Who lifted the ban?"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    run_timed([PYTHON, "-m", "qa", "ask", QUESTION])  # make sure the index exists and files are cached
    ours, baseline = [], []
    for _ in range(runs):
        ours.append(run_timed([PYTHON, "-m", "qa", "ask", QUESTION, "--json"]))
        baseline.append(run_timed([PYTHON, str(ROOT / "bench" / "baseline_ask.py"), QUESTION, "index"]))
    ours_s, base_s = median([t for t, _ in ours]), median([t for t, _ in baseline])
    print(f"cold start, median of {runs} runs each (whole process, index built, files in page cache)\n")
    print(
        table(
            ["command", "median s", "min s", "max s", "peak RSS MB (max)"],
            [
                [
                    "qa ask (ONNX encoder, no torch)",
                    f"{ours_s:.2f}",
                    f"{min(t for t, _ in ours):.2f}",
                    f"{max(t for t, _ in ours):.2f}",
                    f"{max(m for _, m in ours):.0f}",
                ],
                [
                    "baseline: sentence-transformers + FAISS",
                    f"{base_s:.2f}",
                    f"{min(t for t, _ in baseline):.2f}",
                    f"{max(t for t, _ in baseline):.2f}",
                    f"{max(m for _, m in baseline):.0f}",
                ],
            ],
        )
    )
    print(f"\nratio qa / baseline: {ours_s / base_s:.2f}x")


if __name__ == "__main__":
    main()
