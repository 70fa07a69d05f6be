"""Judging by story: figures grouped by story, each with a 95% bootstrap interval over stories.

Questions of one story are not independent (one article's wording helps or hurts many of them), so
the unit of resampling is the story: the interval says how much a figure would move on another draw
of stories like these. A change is kept only when the interval of its per-story difference from the
baseline lies above zero (`compare`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qa.quality.evaluate import UNANSWERABLE, QuestionResult

RESAMPLES = 4000
CONFIDENCE = 0.95


def _hit(k: int) -> Callable[[QuestionResult], float | None]:
    def measure(r: QuestionResult) -> float | None:
        if r.type in UNANSWERABLE:
            return None
        return 1.0 if r.rank is not None and r.rank <= k else 0.0

    return measure


def _refused(kind: str) -> Callable[[QuestionResult], float | None]:
    def measure(r: QuestionResult) -> float | None:
        if kind == "answerable":
            return None if r.type in UNANSWERABLE else float(not r.answered)
        return float(not r.answered) if r.type == kind else None

    return measure


def _highlight(r: QuestionResult) -> float | None:
    return None if r.type in UNANSWERABLE else float(r.highlight_hit)


def _mrr(r: QuestionResult) -> float | None:
    return None if r.type in UNANSWERABLE else (1.0 / r.rank if r.rank else 0.0)


def _unsure(kind: str) -> Callable[[QuestionResult], float | None]:
    def measure(r: QuestionResult) -> float | None:
        if kind == "answerable":
            return None if r.type in UNANSWERABLE else float(r.unsure)
        return float(r.unsure) if r.type == kind else None

    return measure


def _asserted(kind: str) -> Callable[[QuestionResult], float | None]:
    """Answered with a marked answer: neither refused nor shown as "may not answer this"."""

    def measure(r: QuestionResult) -> float | None:
        counts = r.type not in UNANSWERABLE if kind == "answerable" else r.type == kind
        return float(r.answered and not r.unsure) if counts else None

    return measure


def _conflict_noted(r: QuestionResult) -> float | None:
    return float(r.sides_named >= 2) if r.type == "conflict" else None


def _false_note(r: QuestionResult) -> float | None:
    return None if r.type in UNANSWERABLE or r.type == "conflict" else float(r.noted)


def _span(r: QuestionResult) -> float | None:
    return None if r.span_hit is None else float(r.span_hit)


# name -> per-question value (None: the question does not count for this figure)
MEASURES: dict[str, Callable[[QuestionResult], float | None]] = {
    "hit_at_1": _hit(1),
    "hit_at_3": _hit(3),
    "mrr_at_5": _mrr,
    "highlight_hit_at_1": _highlight,
    "refused_answerable": _refused("answerable"),
    "refused_ontopic": _refused("unanswerable_ontopic"),
    "refused_offtopic": _refused("unanswerable"),
    "unsure_answerable": _unsure("answerable"),
    "unsure_ontopic": _unsure("unanswerable_ontopic"),
    "asserted_answerable": _asserted("answerable"),
    "asserted_ontopic": _asserted("unanswerable_ontopic"),
    "conflict_noted": _conflict_noted,
    "false_note": _false_note,
    "answer_span": _span,
}
LOWER_IS_BETTER = frozenset({"refused_answerable", "unsure_answerable", "asserted_ontopic", "false_note"})


@dataclass(frozen=True)
class Figure:
    mean: float
    low: float
    high: float
    stories: int

    def __str__(self) -> str:
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}]"


def per_story(results: Mapping[str, Sequence[QuestionResult]], measure: str) -> dict[str, float]:
    """Each story's value of the measure (stories with no question it counts are left out)."""
    out = {}
    for story, rs in results.items():
        values = [v for v in (MEASURES[measure](r) for r in rs) if v is not None]
        if values:
            out[story] = float(np.mean(values))
    return out


def interval(values: Sequence[float], seed: int = 0) -> Figure:
    """Mean over stories with a percentile bootstrap interval, resampling stories."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) == 0:
        raise ValueError("no stories to judge")
    picks = np.random.default_rng(seed).integers(0, len(v), size=(RESAMPLES, len(v)))
    means = v[picks].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2
    return Figure(
        float(v.mean()), float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail)), len(v)
    )


def figures(results: Mapping[str, Sequence[QuestionResult]]) -> dict[str, Figure]:
    out = {}
    for measure in MEASURES:
        values = per_story(results, measure)
        if values:
            out[measure] = interval(list(values.values()))
    return out


def pooled(results: Mapping[str, Sequence[QuestionResult]]) -> dict[str, float]:
    """Each measure over all questions together (what `qa eval` prints for one set)."""
    out = {}
    for measure, fn in MEASURES.items():
        values = [v for rs in results.values() for v in (fn(r) for r in rs) if v is not None]
        if values:
            out[measure] = float(np.mean(values))
    return out


@dataclass(frozen=True)
class Comparison:
    measure: str
    difference: Figure  # variant minus baseline, per story
    better: bool  # the whole interval is on the good side of zero

    def __str__(self) -> str:
        verdict = "better" if self.better else "not shown better"
        return f"{self.measure}: {self.difference} ({verdict})"


def compare(
    variant: Mapping[str, Sequence[QuestionResult]],
    baseline: Mapping[str, Sequence[QuestionResult]],
    measure: str,
) -> Comparison:
    """The per-story difference of a measure between two runs on the same stories, with its
    interval; `better` only when the interval excludes zero on the good side."""
    a, b = per_story(variant, measure), per_story(baseline, measure)
    shared = sorted(set(a) & set(b))
    diff = interval([a[s] - b[s] for s in shared])
    better = diff.high < 0 if measure in LOWER_IS_BETTER else diff.low > 0
    return Comparison(measure, diff, better)


def story_folds(stories: Sequence[str], count: int, seed: int = 0) -> list[list[str]]:
    """`count` disjoint groups of stories, shuffled with a fixed seed."""
    order = np.random.default_rng(seed).permutation(len(stories))
    return [sorted(stories[i] for i in order[k::count]) for k in range(count)]
