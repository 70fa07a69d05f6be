"""Time from pressing Enter to the answer shown in the browser, over 10 questions (median, p90).

Starts the real UI (`app.py`) on a free port with the existing index and drives Debian's Chromium.
Run: .venv/bin/python bench/ui_latency.py
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
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


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    app = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 180
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("the UI did not start") from None
                time.sleep(0.3)
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#qa-question textarea", timeout=60_000)
            for question in QUESTIONS:
                replies = page.locator("#qa-chat .qa-reply").count()
                page.fill("#qa-question textarea", question)
                start = time.perf_counter()
                page.keyboard.press("Enter")
                page.wait_for_function(
                    f"document.querySelectorAll('#qa-chat .qa-reply').length > {replies}",
                    timeout=60_000,
                    polling=10,
                )
                times.append((time.perf_counter() - start) * 1000)
                time.sleep(1.0)  # spaced out, as a person asks
            browser.close()
    finally:
        app.terminate()
        app.wait()
    times.sort()
    print("| questions | median ms | p90 ms | min ms | max ms |")
    print("| --- | --- | --- | --- | --- |")
    p90 = times[int(0.9 * (len(times) - 1))]
    print(f"| {len(times)} | {statistics.median(times):.0f} | {p90:.0f} | {times[0]:.0f} | {times[-1]:.0f} |")


if __name__ == "__main__":
    main()
