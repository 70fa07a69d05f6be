"""Time from pressing Enter to the answer shown in the browser, over 10 questions (median, p90).

Starts the real UI (`app.py`) on a free port with the existing index and drives Debian's Chromium.
Run: .venv/bin/python bench/ui_latency.py
"""

from __future__ import annotations

import statistics
import time

from common import ROOT
from playwright.sync_api import sync_playwright

from tests.serving import CHAT_SESSION, CHROMIUM, CHROMIUM_ARGS, running_app


def main() -> None:
    with running_app(ROOT / "seeds", ROOT / "index", quiet=True) as app:
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(app.url)
            page.wait_for_selector("#qa-question textarea", timeout=60_000)
            for question in CHAT_SESSION:
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
    times.sort()
    print("| questions | median ms | p90 ms | min ms | max ms |")
    print("| --- | --- | --- | --- | --- |")
    p90 = times[int(0.9 * (len(times) - 1))]
    print(f"| {len(times)} | {statistics.median(times):.0f} | {p90:.0f} | {times[0]:.0f} | {times[-1]:.0f} |")


if __name__ == "__main__":
    main()
