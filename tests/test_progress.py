"""Progress lines of long builds, with a fake clock."""

from __future__ import annotations

from qa.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_short_steps_print_nothing_and_long_ones_say_done_rate_and_time_left():
    clock, said = Clock(), []
    progress = Progress("embedding", 1000, "texts", said.append, every=10, clock=clock, total_work=10_000)
    clock.now = 5
    progress.advance(100, work=500)
    assert said == []  # not yet 10 s
    clock.now = 20
    progress.advance(100, work=500)
    assert said == ["embedding: 200 of 1,000 texts (20%), 10 a second"]  # too early to tell the time left
    clock.now = 25
    progress.advance(100, work=500)
    assert len(said) == 1  # at most one line every 10 s
    clock.now = 35
    progress.advance(100, work=500)  # 1,500 characters in the 30 s after the first batch: 8,000 in 160 s
    assert said[-1] == "embedding: 400 of 1,000 texts (40%), 11 a second, about 3 min left"
    clock.now = 200
    progress.advance(600, work=8000)
    progress.finish()
    assert said[-1] == "embedding: 1,000 texts in 3 min (5 a second)"


def test_a_slow_first_batch_gives_no_estimate_of_the_time_left():
    # Loading a model made the first batch take 20 s; the rest goes at a batch a second.
    clock, said = Clock(), []
    progress = Progress("embedding", 10_000, "texts", said.append, every=10, clock=clock)
    clock.now = 20
    progress.advance(100)
    assert said == ["embedding: 100 of 10,000 texts (1%), 5 a second"]
    for second in range(21, 31):
        clock.now = second
        progress.advance(100)
    # 1,000 texts in the 10 s after the first batch: 8,900 left at 100 a second
    assert said[-1] == "embedding: 1,100 of 10,000 texts (11%), 37 a second, about 89 s left"


def test_without_a_listener_nothing_is_said():
    progress = Progress("tagging entities", 10, "sentences", None, every=0)
    progress.advance(5)
    progress.finish()
    assert progress.done == 5
