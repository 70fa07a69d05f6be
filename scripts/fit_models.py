"""Fit the encoder adaptation and the answer models on the story library, judged story by story.

    .venv/bin/python scripts/fit_models.py [--folds 5] [--seeds 0,1,2] [--epochs 4]
        [--save REPORT.json] [--compare REPORT.json] [--write] [--lockbox]
        [--require METRIC=VALUE ...]

Everything is fitted on the stories of stories/ that are not in stories/LOCKBOX (the development
stories). Story-out: the development stories are split into --folds groups; a group's questions are
answered by an encoder adaptation and answer models fitted on the other groups only. The answer
models of a group learn from the other groups' questions, each ranked by the adaptation of its own
group (cross-fitting), so they learn from scores like those on articles the encoder never saw.
Figures are means over stories with 95% bootstrap intervals (resampling stories); `--compare`
prints the per-story difference from a saved report, which is what keeps or drops a change.

Then the adaptation and models are fitted on all development stories; the shared question sets
(dev.jsonl and more.jsonl on the seeds, corpus B), never fitted on, are answered with them. `--write`
ships those (qa/data/). `--lockbox` also answers the lockbox stories with them (with `--shipped`,
with what ships, fitting nothing): run it once, at the end of a piece of work, and report what it
prints.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.answer.engine import QA  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.index import adaptation as adaptation_module  # noqa: E402
from qa.index.adaptation import SHIPPED_ADAPTATION, TrainingPair, fit_adaptation, write_adaptation  # noqa: E402
from qa.index.embedding import default_model_path  # noqa: E402
from qa.index.opening import open_index  # noqa: E402
from qa.index.store import StoredIndex  # noqa: E402
from qa.models import Profile  # noqa: E402
from qa.quality.evaluate import EvalQuestion, read_questions  # noqa: E402
from qa.quality.fitting import (  # noqa: E402
    Judged,
    Sample,
    adaptation_pairs,
    answer_with,
    choose_settling,
    collect,
    fit_models,
    settled,
    unfitted_models,
    unsettled,
)
from qa.quality.judging import story_folds  # noqa: E402
from qa.quality.report import (  # noqa: E402
    Results,
    missed_floors,
    print_comparison,
    print_figures,
    print_sets,
    save_report,
)
from qa.quality.stories import Story, check_story, library, lockbox  # noqa: E402
from qa.retrieval.background import BACKGROUND_FILE, Background, load_background  # noqa: E402
from qa.retrieval.ranking import load_models  # noqa: E402

BACKGROUND_ARTICLES = ROOT / "scripts" / "background-articles"
STORIES = ROOT / "stories"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stored_index(
    corpus: Path,
    index_root: Path,
    adaptation: Path | None,
    name: str | None = None,
    profile: Profile = "default",
) -> tuple[Settings, StoredIndex]:
    """The corpus's index with this adaptation merged into the encoder (None: the model as shipped
    by its package), one index folder per encoder and build profile (`large`: int8 vectors)."""
    if adaptation is None:
        encoder = {"model_path": default_model_path()}  # a model named explicitly: nothing merged in
        folder = index_root / "unadapted"
    else:
        encoder = {"adaptation": adaptation}
        folder = index_root / f"adapted-{hashlib.sha256(adaptation.read_bytes()).hexdigest()[:12]}"
    prefix = "" if profile == "default" else f"{profile}-"
    settings = Settings(
        corpus=corpus, index_dir=folder / (prefix + (name or corpus.name)), profile=profile, **encoder
    )
    return settings, open_index(settings, lambda message: print(f"  {message}", file=sys.stderr))


def background_for(index_root: Path, adaptation: Path | None) -> Background:
    """The background vectors as this adaptation embeds them: for the shipped adaptation, the shipped
    file itself (an export made today differs from it only by float16 rounding, 6e-5 at most)."""
    if adaptation is not None and adaptation.resolve() == SHIPPED_ADAPTATION.resolve():
        return load_background()
    return Background(stored_index(BACKGROUND_ARTICLES, index_root, adaptation)[1].table.sentence_vectors)


def engine_for(
    corpus: Path,
    index_root: Path,
    adaptation: Path | None,
    name: str | None = None,
    profile: Profile = "default",
) -> QA:
    settings, stored = stored_index(corpus, index_root, adaptation, name, profile)
    background = background_for(index_root, adaptation)  # float vectors whatever the profile, as shipped
    return QA(stored, settings, models=unfitted_models(), background=background)


def adaptation_for(pairs: list[TrainingPair], index_root: Path, seeds: Sequence[int], epochs: int) -> Path:
    """An adaptation fitted on these pairs, kept under index_root by what it was fitted on."""
    settings = {name: getattr(adaptation_module, name) for name in ("RANK", "ALPHA", "LEARNING_RATE")}
    recipe = [{**settings, "SEEDS": list(seeds), "EPOCHS": epochs}, [asdict(p) for p in pairs]]
    key = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]
    path = index_root / "adaptations" / f"{key}.npz"
    if not path.exists():
        log(f"adapting the encoder on {len(pairs)} pairs (seeds {list(seeds)}, {epochs} epochs)")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_adaptation(fit_adaptation(default_model_path(), pairs, seeds, epochs), path)
    return path


def story_engine(story: Story, index_root: Path, adaptation: Path | None, profile: Profile = "default") -> QA:
    return engine_for(story.articles, index_root, adaptation, f"story-{story.name}", profile)


def story_out(
    stories: list[Story],
    index_root: Path,
    folds: int,
    seed: int,
    seeds: Sequence[int],
    epochs: int,
    fixed: Path | None = None,
    profile: Profile = "default",
    fit_profile: Profile | None = None,
) -> tuple[Results, dict[str, list[Sample]], dict[str, list[TrainingPair]], dict[str, float]]:
    """Every development story's questions answered by models fitted without its group of stories;
    also each story's samples (ranked by an adaptation not fitted on it) and adaptation pairs.
    With `fixed`, every group uses that adaptation instead (only the answer models are story-out).
    Also the unsure and "sources differ" thresholds chosen on all the story-out replies.
    Questions are answered from indexes of build `profile`; the answer models learn from samples of
    indexes of `fit_profile` (default: the same), e.g. float vectors served as int8 ones."""
    pairs: dict[str, list[TrainingPair]] = {}
    if fixed is None:
        log(f"mining adaptation pairs from {len(stories)} stories with the unadapted encoder")
        pairs = {s.name: adaptation_pairs(story_engine(s, index_root, None), s.questions()) for s in stories}
    groups = story_folds([s.name for s in stories], folds, seed)
    by_name = {s.name: s for s in stories}
    samples: dict[str, list[Sample]] = {}
    engines: dict[str, QA] = {}
    for number, group in enumerate(groups, start=1):
        log(f"group {number}/{len(groups)}: {', '.join(group)}")
        others = [p for name, ps in pairs.items() if name not in group for p in ps]
        adapted = fixed or adaptation_for(others, index_root, seeds, epochs)
        for name in group:
            engines[name] = story_engine(by_name[name], index_root, adapted, profile)
            learner = engines[name]
            if fit_profile is not None and fit_profile != profile:
                learner = story_engine(by_name[name], index_root, adapted, fit_profile)
            samples[name] = collect(learner, by_name[name].questions())
    replies: dict[str, list[Judged]] = {}
    for group in groups:
        train = [x for name, xs in samples.items() if name not in group for x in xs]
        models = fit_models(train, ["story-out"], engines[group[0]].background.sha256)
        for name in group:
            engine = engines[name]
            if engine.background.sha256 != models.background_sha256:
                raise AssertionError("one group's stories share one adaptation and background")
            replies[name] = unsettled(engine, models, by_name[name].questions())
    # The unsure and "sources differ" thresholds of each group are chosen on the other groups'
    # story-out replies: a story's figures never come from thresholds it helped choose.
    results: Results = {}
    for group in groups:
        others = [r for name, rs in replies.items() if name not in group for r in rs]
        chosen = choose_settling(others)
        log(f"group {', '.join(group)[:60]}: {chosen}")
        for name in group:
            results[name] = settled(
                replies[name],
                chosen["unsure_threshold"],
                chosen["conflict_threshold"],
                chosen["alike_threshold"],
            )
    settling = choose_settling([r for rs in replies.values() for r in rs])
    return results, samples, pairs, settling


def shipped_answers(stories: Sequence[Story], index_root: Path, profile: Profile = "default") -> Results:
    """Each story's questions answered by what ships: qa/data's adaptation and models."""
    answered: Results = {}
    for story in stories:
        settings, stored = stored_index(
            story.articles, index_root, SHIPPED_ADAPTATION, f"story-{story.name}", profile
        )
        engine = QA(stored, settings, models=load_models(), background=load_background())
        answered[story.name] = answer_with(engine, engine.models, story.questions())
    return answered


def shared_sets(shared: Path) -> dict[str, tuple[Path, list[EvalQuestion]]]:
    evaluation = shared / "eval"
    seeds = ROOT / "seeds"
    return {
        "dev.jsonl": (seeds, read_questions(evaluation / "dev.jsonl")),
        "more.jsonl": (seeds, read_questions(evaluation / "more.jsonl")),
        "corpus-b": (
            evaluation / "corpus-b" / "articles",
            read_questions(evaluation / "corpus-b" / "questions.jsonl"),
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="folder with eval/")
    parser.add_argument("--index-root", type=Path, default=ROOT / "build" / "eval-index")
    parser.add_argument("--folds", type=int, default=5, help="groups of stories for story-out figures")
    parser.add_argument("--fold-seed", type=int, default=0)
    parser.add_argument(
        "--seeds", default=",".join(map(str, adaptation_module.SEEDS)), help="adaptation seeds to average"
    )
    parser.add_argument("--epochs", type=int, default=adaptation_module.EPOCHS)
    parser.add_argument("--save", type=Path, help="write the story-out results here (JSON)")
    parser.add_argument("--compare", type=Path, help="print the per-story difference from this saved report")
    parser.add_argument("--write", action="store_true", help="ship the adaptation and models fitted on all")
    parser.add_argument(
        "--lockbox",
        action="store_true",
        help="answer the lockbox stories (once, at the end): with the models fitted on all, or with "
        "--shipped, with what ships",
    )
    parser.add_argument("--stories", type=Path, default=STORIES, help="the story library")
    parser.add_argument(
        "--fixed-adaptation",
        type=Path,
        help="use this adaptation for every group (a quick check: only the answer models are story-out; "
        "nothing is fitted on all)",
    )
    parser.add_argument(
        "--story-out-only", action="store_true", help="stop after the story-out figures (no fit on all)"
    )
    parser.add_argument(
        "--shipped",
        action="store_true",
        help="fit nothing: answer the development stories with the shipped adaptation and models",
    )
    parser.add_argument(
        "--profile",
        choices=("default", "large"),
        default="default",
        help="build profile of the indexes the stories are answered from (large: int8 vectors)",
    )
    parser.add_argument(
        "--fit-profile",
        choices=("default", "large"),
        help="build profile of the indexes the answer models learn from (default: --profile)",
    )
    parser.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="fail when a story-out mean misses its bound (at most for those lower is better: "
        "refused_answerable, unsure_answerable, asserted_ontopic, false_note)",
    )
    parser.add_argument(
        "--write-models",
        action="store_true",
        help="with --fixed-adaptation qa/data/encoder-adaptation.npz: ship the answer models fitted on "
        "all development stories (and the thresholds chosen story-out), keeping the adaptation",
    )
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.fixed_adaptation and (args.write or args.lockbox):
        parser.error("--fixed-adaptation is a quick check: it neither ships nor opens the lockbox")
    locked = set(lockbox(args.stories))
    stories = []
    for story in library(args.stories):
        if story.name in locked:
            continue
        if check_story(story).errors:
            log(f"left out {story.name}: scripts/check_stories.py finds errors in it")
            continue
        stories.append(story)
    config = {
        "folds": args.folds,
        "fold_seed": args.fold_seed,
        "seeds": seeds,
        "epochs": args.epochs,
        "fixed_adaptation": str(args.fixed_adaptation or ""),
        "profile": args.profile,
        "fit_profile": args.fit_profile or args.profile,
        "stories": [s.name for s in stories],
    }

    if args.shipped:
        answered = shipped_answers(stories, args.index_root, args.profile)
        means = print_figures("Shipped models, development stories", answered)
        if args.save:
            save_report(args.save, answered, {"shipped": True})
        if args.lockbox:
            boxed = [s for s in library(args.stories) if s.name in locked]
            print_figures("LOCKBOX, shipped models (scored once)", shipped_answers(boxed, args.index_root))
        return missed_floors(args.require, means)
    results, samples, pairs, settling = story_out(
        stories,
        args.index_root,
        args.folds,
        args.fold_seed,
        seeds,
        args.epochs,
        args.fixed_adaptation,
        args.profile,
        args.fit_profile,
    )
    means = print_figures("Story-out, development stories", results)
    if args.save:
        save_report(args.save, results, config)
    if args.compare:
        print_comparison(results, args.compare)
    failed = missed_floors(args.require, means)
    if args.write_models:
        if args.fixed_adaptation is None or args.fixed_adaptation.resolve() != SHIPPED_ADAPTATION.resolve():
            parser.error("--write-models keeps the shipped adaptation: give --fixed-adaptation with its path")
        all_samples = [x for xs in samples.values() for x in xs]
        sha = load_background().sha256
        shipped = fit_models(all_samples, [f"stories/{n}" for n in samples], sha).model_copy(update=settling)
        (ROOT / "qa" / "data" / "models.json").write_text(
            shipped.model_dump_json(indent=1) + "\n", encoding="utf-8"
        )
        log(f"wrote qa/data/models.json (settling thresholds chosen story-out: {settling})")
        return failed
    if args.story_out_only or args.fixed_adaptation:
        return failed

    log("fitting on all development stories")
    adapted = adaptation_for([p for ps in pairs.values() for p in ps], args.index_root, seeds, args.epochs)
    background = background_for(args.index_root, adapted)
    all_samples = [x for xs in samples.values() for x in xs]
    names = [f"stories/{name}" for name in samples]
    shipped = fit_models(all_samples, names, background.sha256).model_copy(update=settling)
    log(f"settling thresholds, chosen story-out: {settling}")
    held: Results = {}
    for name, (corpus, questions) in shared_sets(args.shared).items():
        engine = engine_for(corpus, args.index_root, adapted, f"shared-{name}")
        held[name] = answer_with(engine, shipped, questions)
    print_sets("Shared question sets, never fitted on", held)
    if args.lockbox:
        boxed = [s for s in library(args.stories) if s.name in locked]
        answered = {
            s.name: answer_with(story_engine(s, args.index_root, adapted), shipped, s.questions())
            for s in boxed
        }
        print_figures("LOCKBOX (scored once)", answered)
    if args.write:
        partial = SHIPPED_ADAPTATION.with_name(f".{SHIPPED_ADAPTATION.name}.partial")
        shutil.copyfile(adapted, partial)
        os.replace(partial, SHIPPED_ADAPTATION)
        data = ROOT / "qa" / "data"
        (data / BACKGROUND_FILE).write_bytes(background.to_bytes())
        (data / "models.json").write_text(shipped.model_dump_json(indent=1) + "\n", encoding="utf-8")
        log(f"wrote qa/data/encoder-adaptation.npz, models.json and {BACKGROUND_FILE}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
