"""Builds, this checkout against another one (a git worktree of an earlier commit), interleaved run by
run so that both see the same machine: an update (one article added to the seeds, `qa index`) and a
full build of a generated archive (`qa index --full`). Cold `qa ask` is bench/interleaved.py.

Run: .venv/bin/python bench/builds_against.py OTHER_CHECKOUT [--rounds R] [--articles N] [--no-full]
(default 3 rounds, 2,000 articles). Both checkouts run with this checkout's Python environment,
each on its own copy of the folders; the archive is bench/archive.py's, generated once.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import PYTHON, ROOT, median, run_timed, table

EXTRA = ROOT / "tests" / "data" / "tram"


def qa(checkout: Path, *args: str) -> float:
    seconds, _ = run_timed([PYTHON, "-m", "qa", *args], cwd=checkout)
    return seconds


def update(checkout: Path, scratch: Path, round_: int) -> float:
    """Seconds for `qa index` to take in one added article, on an indexed copy of the seeds."""
    folder, index = scratch / f"seeds-{round_}", scratch / f"seeds-index-{round_}"
    shutil.copytree(ROOT / "seeds", folder)
    qa(checkout, "index", "--corpus", str(folder), "--index-dir", str(index))
    article = next(p for p in sorted(EXTRA.iterdir()) if p.is_file())
    shutil.copy(article, folder / article.name)
    return qa(checkout, "index", "--corpus", str(folder), "--index-dir", str(index))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("other", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--no-full", action="store_true", help="time updates only")
    args = parser.parse_args()
    checkouts = {"this": ROOT, "other": args.other.resolve()}
    with tempfile.TemporaryDirectory(prefix="qa-builds-") as tmp:
        scratch = Path(tmp)
        archive = scratch / "archive"
        if not args.no_full:
            subprocess.run(
                [PYTHON, "bench/archive.py", "generate", str(archive), "--articles", str(args.articles)],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        updates: dict[str, list[float]] = {name: [] for name in checkouts}
        fulls: dict[str, list[float]] = {name: [] for name in checkouts}
        for round_ in range(args.rounds):
            for name, checkout in checkouts.items():
                own = scratch / name
                updates[name].append(update(checkout, own, round_))
                if args.no_full:
                    fulls[name].append(float("nan"))
                    continue
                index = own / f"archive-index-{round_}"
                fulls[name].append(
                    qa(checkout, "index", "--full", "--corpus", str(archive), "--index-dir", str(index))
                )
                shutil.rmtree(index)
    print(
        f"this checkout against {checkouts['other']}, {args.rounds} rounds interleaved; "
        f"archive of {args.articles:,} articles\n"
    )
    rows = [
        [
            name,
            f"{median(updates[name]):.2f}",
            f"{median(updates[name]) / median(updates['other']):.2f}",
            f"{median(fulls[name]):.1f}",
            f"{median(fulls[name]) / median(fulls['other']):.2f}",
        ]
        for name in checkouts
    ]
    print(table(["checkout", "update (1 added), median s", "ratio", "full build, median s", "ratio"], rows))


if __name__ == "__main__":
    main()
