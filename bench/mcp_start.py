"""Cold `qa mcp` (a new server process, index already built) to its first answer, beside cold `qa ask`.

The MCP figure is what an assistant waits for: process start, `initialize`, one `ask` answered, as
the `mcp` SDK's own stdio client sees it. Run: .venv/bin/python bench/mcp_start.py [RUNS] (default
5 of each, interleaved).
"""

from __future__ import annotations

import os
import sys
import time

import anyio
from common import PYTHON, ROOT, median, run_timed, table
from mcp import ClientSession, StdioServerParameters, stdio_client

QUESTION = "Who lifted the ban?"


async def _mcp_once() -> tuple[float, float]:
    """Seconds to `initialize` answered, and to the first `ask` answered, from the process start."""
    params = StdioServerParameters(
        command=PYTHON, args=["-m", "qa", "mcp"], env={"HF_HUB_OFFLINE": "1"}, cwd=ROOT
    )
    with open(os.devnull, "w") as quiet:
        start = time.perf_counter()
        async with stdio_client(params, errlog=quiet) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            initialized = time.perf_counter() - start
            result = await session.call_tool("ask", {"question": QUESTION})
            answered = time.perf_counter() - start
    if result.is_error:
        raise SystemExit(f"ask failed: {result.content}")
    return initialized, answered


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    run_timed([PYTHON, "-m", "qa", "ask", QUESTION])  # make sure the index exists and files are cached
    anyio.run(_mcp_once)
    ask, initialized, answered = [], [], []
    for _ in range(runs):
        ask.append(run_timed([PYTHON, "-m", "qa", "ask", QUESTION, "--json"])[0])
        first, second = anyio.run(_mcp_once)
        initialized.append(first)
        answered.append(second)
    print(f"cold start, median of {runs} runs each (whole process, index built, files in page cache)\n")
    rows = [
        ["qa ask --json (process start to answer printed)", ask],
        ["qa mcp: process start to `initialize` answered", initialized],
        ["qa mcp: process start to first `ask` answered", answered],
    ]
    print(
        table(
            ["what", "median s", "min s", "max s"],
            [[name, f"{median(v):.2f}", f"{min(v):.2f}", f"{max(v):.2f}"] for name, v in rows],
        )
    )
    print(f"\nratio qa mcp first answer / qa ask: {median(answered) / median(ask):.2f}x")


if __name__ == "__main__":
    main()
