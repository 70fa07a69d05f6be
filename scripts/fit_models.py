"""Fit the encoder adaptation and the answer models on the story library, judged story by story.

    .venv/bin/python scripts/fit_models.py [--folds 5] [--seeds 0,1,2] [--epochs 4]
        [--save REPORT.json] [--compare REPORT.json] [--write] [--lockbox]
        [--require METRIC=VALUE ...] [--write-models] [--write-reader]

Story-out figures on the development stories, then a fit on all of them answering the shared question
sets; `--write` ships it (qa/data/). `--lockbox` answers the lockbox stories too (with `--shipped`,
with what ships, fitting nothing): once, at the end of a piece of work. How: qa/quality/library.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.index.adaptation import EPOCHS, SEEDS, SHIPPED_ADAPTATION  # noqa: E402
from qa.quality.judging import LOWER_IS_BETTER  # noqa: E402
from qa.quality.library import FitPlan, LibraryPaths, fit_library  # noqa: E402
from qa.quality.report import missed_floors  # noqa: E402

PROFILES = ("default", "large")
AT_LEAST = f"fail when a mean is below VALUE (above it for {', '.join(sorted(LOWER_IS_BETTER))})"
MODELS_ONLY = "with --fixed-adaptation qa/data/encoder-adaptation.npz: ship the answer models fitted on all"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add = parser.add_argument
    add("--shared", type=Path, default=ROOT.parent / "shared", help="folder with eval/")
    add("--index-root", type=Path, default=ROOT / "build" / "eval-index")
    add("--folds", type=int, default=5, help="groups of stories for story-out figures")
    add("--fold-seed", type=int, default=0)
    add("--seeds", default=",".join(map(str, SEEDS)), help="adaptation seeds to average")
    add("--epochs", type=int, default=EPOCHS)
    add("--save", type=Path, help="write the story-out results here (JSON)")
    add("--compare", type=Path, help="print the per-story difference from this saved report")
    add("--write", action="store_true", help="ship the adaptation and models fitted on all")
    add("--lockbox", action="store_true", help="answer the lockbox stories once (--shipped: with what ships)")
    add("--stories", type=Path, default=ROOT / "stories", help="the story library")
    add("--fixed-adaptation", type=Path, help="one adaptation for every group; nothing is fitted on all")
    add("--story-out-only", action="store_true", help="stop after the story-out figures (no fit on all)")
    add("--shipped", action="store_true", help="fit nothing: answer the development stories with what ships")
    add("--profile", choices=PROFILES, default="default", help="indexes answered from (large: int8 vectors)")
    add("--fit-profile", choices=PROFILES, help="indexes the answer models learn from (default: --profile)")
    add("--require", action="append", default=[], metavar="METRIC=VALUE", help=AT_LEAST)
    add("--write-models", action="store_true", help=MODELS_ONLY)
    add("--write-reader", action="store_true", help="ship the reader fitted on all development stories")
    args = parser.parse_args()
    if args.fixed_adaptation and (args.write or args.lockbox):
        parser.error("--fixed-adaptation is a quick check: it neither ships nor opens the lockbox")
    keeps_shipped = args.fixed_adaptation and args.fixed_adaptation.resolve() == SHIPPED_ADAPTATION.resolve()
    if args.write_models and not args.shipped and not keeps_shipped:
        parser.error("--write-models keeps the shipped adaptation: give --fixed-adaptation with its path")
    paths = LibraryPaths(
        stories=args.stories,
        index_root=args.index_root,
        background_articles=ROOT / "scripts" / "background-articles",
        seeds=ROOT / "seeds",
        shared=args.shared,
    )
    options = {name: getattr(args, name) for name in FitPlan.model_fields if name != "seeds"}
    plan = FitPlan(**options, seeds=tuple(int(s) for s in args.seeds.split(",")))
    return missed_floors(args.require, fit_library(paths, plan))


if __name__ == "__main__":
    sys.exit(main())
