"""A judged run's figures as printed tables, as saved reports, and against the floors they must meet.

The tables are Markdown, as the README quotes them; a saved report is each story's scored questions
(JSON), which a later run compares itself with story by story.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from qa.quality.evaluate import QuestionResult
from qa.quality.judging import LOWER_IS_BETTER, MEASURES, compare, figures, pooled

Results = dict[str, list[QuestionResult]]  # story (or question set) name -> its scored questions


def print_figures(title: str, results: Results) -> dict[str, float]:
    """Each figure's mean over stories, its 95% interval and its value pooled over questions; returns
    the means (what floors are checked against)."""
    judged = figures(results)
    total = sum(len(rs) for rs in results.values())
    print(f"\n{title}: {len(results)} stories, {total} questions (mean over stories, 95% interval)")
    print("| figure | mean over stories | 95% interval | pooled over questions |")
    print("| --- | --- | --- | --- |")
    flat = pooled(results)
    for measure, figure in judged.items():
        print(
            f"| {measure} | {figure.mean:.3f} | {figure.low:.3f} - {figure.high:.3f} | {flat[measure]:.3f} |"
        )
    return {m: f.mean for m, f in judged.items()}


def print_sets(title: str, results: Results) -> None:
    """One row a question set, its figures pooled over its questions (as `qa eval` counts them)."""
    print(f"\n{title} (pooled over questions, as `qa eval` counts)")
    print("| set | n | " + " | ".join(MEASURES) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in MEASURES) + " |")
    for name, rs in results.items():
        flat = pooled({name: rs})
        cells = " | ".join(f"{flat[m]:.3f}" if m in flat else "-" for m in MEASURES)
        print(f"| {name} | {len(rs)} | {cells} |")


def print_comparison(results: Results, baseline_report: Path) -> None:
    """Each figure's per-story difference from a saved report (variant minus baseline)."""
    print(f"\nAgainst {baseline_report} (variant minus baseline, per story):")
    baseline = load_report(baseline_report)
    for measure in MEASURES:
        print(f"- {compare(results, baseline, measure)}")


def save_report(path: Path, results: Results, config: Mapping[str, object]) -> None:
    """The scored questions of every story, with the settings of the run that scored them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"config": config, "results": {k: [r.model_dump() for r in v] for k, v in results.items()}}
    path.write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")


def load_report(path: Path) -> Results:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: [QuestionResult.model_validate(r) for r in v] for k, v in data["results"].items()}


def missed_floors(requirements: Sequence[str], means: Mapping[str, float]) -> int:
    """1 when a mean misses its bound (`METRIC=VALUE`: at least VALUE, at most for the figures where
    lower is better), each miss said on stderr; else 0. A figure not judged misses."""
    failed = 0
    for requirement in requirements:
        measure, _, bound = requirement.partition("=")
        value = means.get(measure)
        at_most = measure in LOWER_IS_BETTER
        if value is None or (value > float(bound) if at_most else value < float(bound)):
            print(f"fit_models: {measure} = {value} misses {bound}", file=sys.stderr)
            failed = 1
    return failed
