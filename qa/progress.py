"""Lines for the person running qa: warnings, and progress of long builds (done, rate, time left).

The library writes them through a `Warn` callable its caller passes (the CLI prints them to stderr,
tests collect them in a list), rather than through a global logging configuration.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

Warn = Callable[[str], None]

# Time left is estimated once this many batches after the first, doing this share of the work, are done.
ESTIMATE_AFTER_BATCHES = 2
ESTIMATE_AFTER_SHARE = 0.05


def to_stderr(message: str) -> None:
    """The default Warn: one line on stderr."""
    print(f"qa: {message}", file=sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Counts work done and says so at most every `every` seconds, e.g.
    "embedding: 6,400 of 21,000 texts (30%), 820 a second, about 18 s left".

    Short steps print nothing: a line only appears once a step has run for `every` seconds. When
    items differ in cost (texts are embedded shortest first), `advance` is given each batch's
    `work` (its characters) and the time left comes from work, not from the count of items.
    """

    def __init__(
        self,
        step: str,
        total: int,
        unit: str,
        say: Warn | None,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        total_work: float | None = None,
    ) -> None:
        self.step = step
        self.total = total
        self.unit = unit
        self.say = say
        self.every = every
        self.clock = clock
        self.total_work = total_work
        self.done = 0
        self.work = 0.0
        self.batches = 0
        self.started = self.last = clock()
        self.warmed = (self.started, 0.0)  # (time, work) when the first batch was done

    def advance(self, count: int, work: float | None = None) -> None:
        self.done += count
        self.work += count if work is None else work
        self.batches += 1
        now = self.clock()
        if self.batches == 1:
            self.warmed = (now, self.work)
        if self.say is None or now - self.last < self.every or self.done >= self.total:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        total_work = self.total if self.total_work is None else self.total_work
        line = (
            f"{self.step}: {self.done:,} of {self.total:,} {self.unit} ({self.done / self.total:.0%}), "
            f"{rate:,.0f} a second"
        )
        # The first batch carries loading and warming up: the time left is estimated from the
        # batches after it, once there are a few and they did some of the work.
        since, before = self.warmed
        if self.batches > ESTIMATE_AFTER_BATCHES and self.work - before >= ESTIMATE_AFTER_SHARE * total_work:
            left = (total_work - self.work) * (now - since) / (self.work - before)
            line += f", about {_duration(left)} left"
        self.say(line)

    def finish(self) -> None:
        """A closing line with the rate, for steps long enough to have shown progress."""
        took = self.clock() - self.started
        if self.say is not None and took >= self.every and self.total:
            rate = self.total / took
            self.say(f"{self.step}: {self.total:,} {self.unit} in {_duration(took)} ({rate:,.0f} a second)")
