"""Judging by story: means over stories, bootstrap intervals that resample stories, and the paired
comparison that keeps or drops a change."""

import pytest

from qa.quality.evaluate import QuestionResult
from qa.quality.judging import compare, figures, interval, per_story, pooled, story_folds


def result(
    story: str, n: int, rank: int | None, kind: str = "factoid", answered: bool = True
) -> QuestionResult:
    return QuestionResult(
        id=f"{story}{n}",
        type=kind,
        question="?",
        answered=answered,
        rank=rank,
        highlight_hit=rank == 1,
        claims_found=0,
        claims_total=0,
        ok=rank == 1,
    )


def story(name: str, hits: int, misses: int) -> list[QuestionResult]:
    return [result(name, i, 1) for i in range(hits)] + [result(name, hits + i, None) for i in range(misses)]


def test_the_mean_is_over_stories_not_questions():
    results = {"big": story("big", 9, 1), "small": story("small", 0, 1)}
    assert per_story(results, "hit_at_1") == {"big": 0.9, "small": 0.0}
    assert figures(results)["hit_at_1"].mean == pytest.approx(0.45)
    assert pooled(results)["hit_at_1"] == pytest.approx(9 / 11)


def test_the_interval_holds_the_mean_and_narrows_with_more_stories():
    few = interval([0.2, 0.9, 0.5, 0.7])
    many = interval([0.2, 0.9, 0.5, 0.7] * 10)
    assert few.low <= few.mean <= few.high
    assert many.high - many.low < few.high - few.low
    same = interval([0.6] * 5)
    assert same.low == same.high == pytest.approx(0.6)


def test_unanswerable_questions_count_only_for_refusals():
    results = {
        "s": [
            *story("s", 2, 0),
            result("s", 10, None, "unanswerable_ontopic", answered=False),
            result("s", 11, None, "unanswerable_ontopic", answered=True),
            result("s", 12, None, "unanswerable", answered=False),
        ]
    }
    judged = figures(results)
    assert judged["hit_at_1"].mean == 1.0
    assert judged["refused_ontopic"].mean == 0.5
    assert judged["refused_offtopic"].mean == 1.0
    assert judged["refused_answerable"].mean == 0.0


def test_a_change_is_better_only_when_it_wins_across_stories():
    names = [f"s{i}" for i in range(12)]
    baseline = {n: story(n, 5, 5) for n in names}
    everywhere = {n: story(n, 7, 3) for n in names}
    assert compare(everywhere, baseline, "hit_at_1").better
    one_story = dict(baseline, s0=story("s0", 10, 0))  # a big win on one story, level elsewhere
    assert not compare(one_story, baseline, "hit_at_1").better
    worse = {n: story(n, 3, 7) for n in names}
    assert not compare(worse, baseline, "hit_at_1").better


def test_fewer_refused_answerable_questions_is_better():
    names = [f"s{i}" for i in range(10)]
    baseline = {n: [result(n, 0, None, answered=False), result(n, 1, 1)] for n in names}
    fixed = {n: [result(n, 0, 2), result(n, 1, 1)] for n in names}
    assert compare(fixed, baseline, "refused_answerable").better
    assert not compare(baseline, fixed, "refused_answerable").better


def test_story_folds_split_every_story_once_and_repeat():
    names = [f"story-{i}" for i in range(23)]
    groups = story_folds(names, 5, seed=3)
    assert sorted(n for g in groups for n in g) == sorted(names)
    assert max(map(len, groups)) - min(map(len, groups)) <= 1
    assert groups == story_folds(names, 5, seed=3)
    assert groups != story_folds(names, 5, seed=4)
