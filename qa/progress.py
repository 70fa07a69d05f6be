"""Progress lines for long builds: what is done, the rate, and the time left."""

from __future__ import annotations

import time
from collections.abc import Callable


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Counts work done and says so at most every `every` seconds, e.g.
    "embedding: 6,400 of 21,000 sentences (30%), 820 a second, about 18 s left".

    Short steps print nothing: a line only appears once a step has run for `every` seconds.
    """

    def __init__(
        self,
        step: str,
        total: int,
        unit: str,
        say: Callable[[str], None] | None,
        every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.step, self.total, self.unit, self.say, self.every, self.clock = (
            step,
            total,
            unit,
            say,
            every,
            clock,
        )
        self.done = 0
        self.started = self.last = clock()

    def advance(self, count: int) -> None:
        self.done += count
        now = self.clock()
        if self.say is None or now - self.last < self.every or self.done >= self.total:
            return
        self.last = now
        rate = self.done / max(now - self.started, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        self.say(
            f"{self.step}: {self.done:,} of {self.total:,} {self.unit} ({self.done / self.total:.0%}), "
            f"{rate:,.0f} a second, about {_duration(left)} left"
        )

    def finish(self) -> None:
        """A closing line with the rate, for steps long enough to have shown progress."""
        took = self.clock() - self.started
        if self.say is not None and took >= self.every and self.total:
            rate = self.total / took
            self.say(f"{self.step}: {self.total:,} {self.unit} in {_duration(took)} ({rate:,.0f} a second)")
