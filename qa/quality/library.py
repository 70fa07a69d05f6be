"""The story library answered with an encoder adaptation and answer models, judged story by story.

Everything is fitted on the stories of the library that are not in its LOCKBOX (the development
stories). Story-out: the development stories are split into groups; a group's questions are
answered by an encoder adaptation and answer models fitted on the other groups only. The answer
models of a group learn from the other groups' questions, each ranked by the adaptation of its own
group (cross-fitting), so they learn from scores like those on articles the encoder never saw.
Figures are means over stories with 95% bootstrap intervals (resampling stories); a saved report's
per-story difference is what keeps or drops a change.

Then the adaptation and models are fitted on all development stories; the shared question sets
(dev.jsonl and more.jsonl on the seeds, corpus B), never fitted on, are answered with them, and
they may ship (qa/data/). The lockbox stories are answered once, at the end of a piece of work.
`scripts/fit_models.py` is the command line over `fit_library`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from qa.answer.engine import QA
from qa.answer.reader import SHIPPED_READER
from qa.config import Settings
from qa.index.adaptation import (
    ALPHA,
    EPOCHS,
    LEARNING_RATE,
    RANK,
    SEEDS,
    SHIPPED_ADAPTATION,
    TrainingPair,
    fit_adaptation,
    write_adaptation,
)
from qa.index.embedding import default_model_path
from qa.index.opening import open_index
from qa.index.store import StoredIndex
from qa.models import Profile
from qa.quality.evaluate import EvalQuestion, read_questions
from qa.quality.fitting import (
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
from qa.quality.judging import story_folds
from qa.quality.reading import ReadingExample, reader_for, reading_examples
from qa.quality.report import Results, print_comparison, print_figures, print_sets, save_report
from qa.quality.stories import Story, check_story, library, lockbox
from qa.retrieval.background import BACKGROUND_FILE, Background, load_background
from qa.retrieval.ranking import MODELS_FILE, Models, load_models

# What ships lives beside the shipped adaptation (qa/data/).
SHIPPED_DATA = SHIPPED_ADAPTATION.parent


class LibraryPaths(BaseModel):
    """Where the stories, the indexes built for them and the question sets never fitted on live."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stories: Path  # the story library: one folder a story, and LOCKBOX
    index_root: Path  # one index folder per encoder, adaptations fitted, kept between runs
    background_articles: Path  # unrelated news the background vectors embed
    seeds: Path  # the articles dev.jsonl and more.jsonl ask about
    shared: Path  # holds eval/: dev.jsonl, more.jsonl and corpus-b/


class FitPlan(BaseModel):
    """What one run fits, answers, prints and writes (the flags of scripts/fit_models.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    folds: int = 5  # groups of stories for story-out figures
    fold_seed: int = 0
    seeds: tuple[int, ...] = SEEDS  # adaptation seeds to average
    epochs: int = EPOCHS
    fixed_adaptation: Path | None = None  # every group uses this one: only the answer models story-out
    profile: Profile = "default"  # build profile of the indexes the stories are answered from
    fit_profile: Profile | None = None  # of those the answer models learn from (None: `profile`)
    shipped: bool = False  # fit nothing: answer with what ships
    story_out_only: bool = False
    lockbox: bool = False
    write: bool = False  # ship the adaptation, background and models fitted on all
    write_models: bool = False  # ship the answer models fitted on all, keeping the adaptation
    write_reader: bool = False  # ship the reader fitted on all (story-out runs only)
    save: Path | None = None
    compare: Path | None = None


@dataclass(frozen=True)
class StoryOut:
    """Story-out answers, and what they were fitted from (a dataclass: samples hold arrays)."""

    results: Results  # each development story's questions, settled with its group's thresholds
    samples: dict[str, list[Sample]]  # each story's, ranked by an adaptation not fitted on it
    pairs: dict[str, list[TrainingPair]]  # each story's adaptation pairs (none with a fixed one)
    examples: dict[str, list[ReadingExample]]  # each story's labelled answers, for the reader
    settling: dict[str, float]  # unsure and "sources differ" thresholds chosen on all replies


def _log(message: str) -> None:
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
    prefix = "" if profile == "default" else f"{profile}-"
    if adaptation is None:
        folder = index_root / "unadapted"
        index_dir = folder / (prefix + (name or corpus.name))
        # a model named explicitly: nothing merged in
        settings = Settings(
            corpus=corpus, index_dir=index_dir, profile=profile, model_path=default_model_path()
        )
    else:
        folder = index_root / f"adapted-{hashlib.sha256(adaptation.read_bytes()).hexdigest()[:12]}"
        index_dir = folder / (prefix + (name or corpus.name))
        settings = Settings(corpus=corpus, index_dir=index_dir, profile=profile, adaptation=adaptation)
    return settings, open_index(settings, lambda message: print(f"  {message}", file=sys.stderr))


def background_for(paths: LibraryPaths, adaptation: Path | None) -> Background:
    """The background vectors as this adaptation embeds them: for the shipped adaptation, the shipped
    file itself (an export made today differs from it only by float16 rounding, 6e-5 at most)."""
    if adaptation is not None and adaptation.resolve() == SHIPPED_ADAPTATION.resolve():
        return load_background()
    vectors = stored_index(paths.background_articles, paths.index_root, adaptation)[1].table.sentence_vectors
    return Background(vectors.astype(np.float16))  # one array, whether stored in one segment or more


def engine_for(
    paths: LibraryPaths,
    corpus: Path,
    adaptation: Path | None,
    name: str | None = None,
    profile: Profile = "default",
) -> QA:
    """A QA over the corpus with unfitted models: for ranking candidates, or answering with others."""
    settings, stored = stored_index(corpus, paths.index_root, adaptation, name, profile)
    background = background_for(paths, adaptation)  # float vectors whatever the profile, as shipped
    return QA(stored, settings, models=unfitted_models(), background=background)


def story_engine(
    paths: LibraryPaths, story: Story, adaptation: Path | None, profile: Profile = "default"
) -> QA:
    return engine_for(paths, story.articles, adaptation, f"story-{story.name}", profile)


def adaptation_for(pairs: list[TrainingPair], index_root: Path, seeds: Sequence[int], epochs: int) -> Path:
    """An adaptation fitted on these pairs, kept under index_root by what it was fitted on."""
    settings = {"RANK": RANK, "ALPHA": ALPHA, "LEARNING_RATE": LEARNING_RATE}
    recipe = [{**settings, "SEEDS": list(seeds), "EPOCHS": epochs}, [asdict(p) for p in pairs]]
    key = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]
    path = index_root / "adaptations" / f"{key}.npz"
    if not path.exists():
        _log(f"adapting the encoder on {len(pairs)} pairs (seeds {list(seeds)}, {epochs} epochs)")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_adaptation(fit_adaptation(default_model_path(), pairs, seeds, epochs), path)
    return path


def development_stories(root: Path) -> list[Story]:
    """The library's stories outside its lockbox, less those scripts/check_stories.py finds errors in."""
    locked = set(lockbox(root))
    stories = []
    for story in library(root):
        if story.name in locked:
            continue
        if check_story(story).errors:
            _log(f"left out {story.name}: scripts/check_stories.py finds errors in it")
            continue
        stories.append(story)
    return stories


def lockbox_stories(root: Path) -> list[Story]:
    locked = set(lockbox(root))
    return [s for s in library(root) if s.name in locked]


def story_out(paths: LibraryPaths, stories: list[Story], plan: FitPlan) -> StoryOut:
    """Every development story's questions answered by models fitted without its group of stories;
    also each story's samples (ranked by an adaptation not fitted on it) and adaptation pairs.
    With a fixed adaptation, every group uses it (only the answer models are story-out).
    Also the unsure and "sources differ" thresholds chosen on all the story-out replies.
    Questions are answered from indexes of build `profile`; the answer models learn from samples of
    indexes of `fit_profile` (default: the same), e.g. float vectors served as int8 ones."""
    pairs: dict[str, list[TrainingPair]] = {}
    if plan.fixed_adaptation is None:
        _log(f"mining adaptation pairs from {len(stories)} stories with the unadapted encoder")
        pairs = {s.name: adaptation_pairs(story_engine(paths, s, None), s.questions()) for s in stories}
    groups = story_folds([s.name for s in stories], plan.folds, plan.fold_seed)
    by_name = {s.name: s for s in stories}
    samples: dict[str, list[Sample]] = {}
    engines: dict[str, QA] = {}
    for number, group in enumerate(groups, start=1):
        _log(f"group {number}/{len(groups)}: {', '.join(group)}")
        others = [p for name, ps in pairs.items() if name not in group for p in ps]
        adapted = plan.fixed_adaptation or adaptation_for(others, paths.index_root, plan.seeds, plan.epochs)
        for name in group:
            engines[name] = story_engine(paths, by_name[name], adapted, plan.profile)
            learner = engines[name]
            if plan.fit_profile is not None and plan.fit_profile != plan.profile:
                learner = story_engine(paths, by_name[name], adapted, plan.fit_profile)
            samples[name] = collect(learner, by_name[name].questions())
    # Each group's answers are read by a reader fitted on the other groups' labelled answers.
    examples = {name: reading_examples(engines[name], by_name[name].questions()) for name in engines}
    for group in groups:
        read_by_others = [e for name, es in examples.items() if name not in group for e in es]
        reader = reader_for(default_model_path(), read_by_others, paths.index_root)
        for name in group:
            engines[name] = engines[name].with_reader(reader)
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
        chosen = choose_settling([r for name, rs in replies.items() if name not in group for r in rs])
        _log(f"group {', '.join(group)[:60]}: {chosen}")
        for name in group:
            results[name] = settled(
                replies[name],
                chosen["unsure_threshold"],
                chosen["conflict_threshold"],
                chosen["alike_threshold"],
            )
    settling = choose_settling([r for rs in replies.values() for r in rs])
    return StoryOut(results, samples, pairs, examples, settling)


def shipped_answers(paths: LibraryPaths, stories: Sequence[Story], profile: Profile = "default") -> Results:
    """Each story's questions answered by what ships: qa/data's adaptation and models."""
    answered: Results = {}
    for story in stories:
        settings, stored = stored_index(
            story.articles, paths.index_root, SHIPPED_ADAPTATION, f"story-{story.name}", profile
        )
        engine = QA(stored, settings, models=load_models(), background=load_background())
        answered[story.name] = answer_with(engine, engine.models, story.questions())
    return answered


def shared_sets(paths: LibraryPaths) -> dict[str, tuple[Path, list[EvalQuestion]]]:
    """The question sets never fitted on, each with the articles it asks about."""
    evaluation = paths.shared / "eval"
    return {
        "dev.jsonl": (paths.seeds, read_questions(evaluation / "dev.jsonl")),
        "more.jsonl": (paths.seeds, read_questions(evaluation / "more.jsonl")),
        "corpus-b": (
            evaluation / "corpus-b" / "articles",
            read_questions(evaluation / "corpus-b" / "questions.jsonl"),
        ),
    }


def _ship(fitted: Path, shipped: Path) -> None:
    """Copy a fitted file over the shipped one atomically (a partial copy moved into place)."""
    partial = shipped.with_name(f".{shipped.name}.partial")
    shutil.copyfile(fitted, partial)
    os.replace(partial, shipped)


def _reader_on_all(paths: LibraryPaths, judged: StoryOut) -> Path:
    """The reader fitted on every development story's labelled answers."""
    every_example = [e for es in judged.examples.values() for e in es]
    return reader_for(default_model_path(), every_example, paths.index_root)


def _write_models(models: Models) -> None:
    (SHIPPED_DATA / MODELS_FILE).write_text(models.model_dump_json(indent=1) + "\n", encoding="utf-8")


def _fit_on_all(paths: LibraryPaths, plan: FitPlan, judged: StoryOut) -> None:
    """The adaptation and models fitted on all development stories, answering the shared sets (and
    the lockbox stories when asked); shipped with `plan.write`."""
    _log("fitting on all development stories")
    every_pair = [p for ps in judged.pairs.values() for p in ps]
    adapted = adaptation_for(every_pair, paths.index_root, plan.seeds, plan.epochs)
    background = background_for(paths, adapted)
    all_samples = [x for xs in judged.samples.values() for x in xs]
    names = [f"stories/{name}" for name in judged.samples]
    shipped = fit_models(all_samples, names, background.sha256).model_copy(update=judged.settling)
    _log(f"settling thresholds, chosen story-out: {judged.settling}")
    reader = _reader_on_all(paths, judged)
    held: Results = {}
    for name, (corpus, questions) in shared_sets(paths).items():
        engine = engine_for(paths, corpus, adapted, f"shared-{name}").with_reader(reader)
        held[name] = answer_with(engine, shipped, questions)
    print_sets("Shared question sets, never fitted on", held)
    if plan.lockbox:
        answered = {
            s.name: answer_with(story_engine(paths, s, adapted).with_reader(reader), shipped, s.questions())
            for s in lockbox_stories(paths.stories)
        }
        print_figures("LOCKBOX (scored once)", answered)
    if plan.write:
        _ship(adapted, SHIPPED_ADAPTATION)
        (SHIPPED_DATA / BACKGROUND_FILE).write_bytes(background.to_bytes())
        _write_models(shipped)
        _ship(reader, SHIPPED_READER)
        _log(
            f"wrote qa/data/encoder-adaptation.npz, models.json, {BACKGROUND_FILE} and {SHIPPED_READER.name}"
        )


def fit_library(paths: LibraryPaths, plan: FitPlan) -> dict[str, float]:
    """Run the plan, printing its figures; returns the means the floors are held to (the shipped
    models' on the development stories, else the story-out ones)."""
    stories = development_stories(paths.stories)
    if plan.shipped:
        answered = shipped_answers(paths, stories, plan.profile)
        means = print_figures("Shipped models, development stories", answered)
        if plan.save:
            save_report(plan.save, answered, {"shipped": True})
        if plan.lockbox:
            boxed = shipped_answers(paths, lockbox_stories(paths.stories))
            print_figures("LOCKBOX, shipped models (scored once)", boxed)
        return means
    judged = story_out(paths, stories, plan)
    means = print_figures("Story-out, development stories", judged.results)
    if plan.save:
        config = {
            "folds": plan.folds,
            "fold_seed": plan.fold_seed,
            "seeds": list(plan.seeds),
            "epochs": plan.epochs,
            "fixed_adaptation": str(plan.fixed_adaptation or ""),
            "profile": plan.profile,
            "fit_profile": plan.fit_profile or plan.profile,
            "stories": [s.name for s in stories],
        }
        save_report(plan.save, judged.results, config)
    if plan.compare:
        print_comparison(judged.results, plan.compare)
    if plan.write_models:
        all_samples = [x for xs in judged.samples.values() for x in xs]
        fitted_on = [f"stories/{n}" for n in judged.samples]
        models = fit_models(all_samples, fitted_on, load_background().sha256)
        _write_models(models.model_copy(update=judged.settling))
        _log(f"wrote qa/data/models.json (settling thresholds chosen story-out: {judged.settling})")
    if plan.write_reader:
        _ship(_reader_on_all(paths, judged), SHIPPED_READER)
        _log(f"wrote qa/data/{SHIPPED_READER.name}")
    if not (plan.write_models or plan.story_out_only or plan.fixed_adaptation):
        _fit_on_all(paths, plan, judged)
    return means
