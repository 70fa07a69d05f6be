"""The two build profiles: a full `qa index` of the same folder with the float and the int8 encoder.

Copies seeds/ plus N recombined filler articles (bench/update.py's `grow`, default 300) to a
temporary folder and times `qa index --full --profile P` as a whole process, alternating the
profiles run by run (the machine's noise falls on both alike), encoder exports cached. Then the
sentence vectors the two builds stored: mean and lowest cosine between them.
Run: .venv/bin/python bench/profiles.py [RUNS] [--grow N]   (default 3 runs, median shown)
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
from common import PYTHON, ROOT, median, run_timed, table
from update import grow

from qa.index import store

PROFILES = ("default", "large")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=3)
    parser.add_argument("--grow", type=int, default=300, help="recombined filler articles beside the seeds")
    args = parser.parse_args()
    timings: dict[str, list[tuple[float, float]]] = {p: [] for p in PROFILES}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "articles"
        shutil.copytree(ROOT / "seeds", corpus)
        grow(corpus, args.grow)
        for profile in PROFILES:  # fill the export cache first: not part of what is timed
            run_timed(_index(corpus, Path(tmp) / "warm", profile))
        for _ in range(args.runs):
            for profile in PROFILES:
                timings[profile].append(run_timed(_index(corpus, Path(tmp) / profile, profile)))
        # The two builds embedded the same sentences in the same order: compare what they stored.
        built = {profile: store.load(Path(tmp) / profile) for profile in PROFILES}
        vectors = {profile: b.sentence_vectors.astype(np.float32) for profile, b in built.items()}
        articles, sentences = len(built["default"].documents), built["default"].manifest.sentences
    cosines = (vectors["default"] * vectors["large"]).sum(axis=1)
    base = median([t for t, _ in timings["default"]])
    rows = [
        [
            f"qa index --full --profile {profile}, {articles} articles, {sentences} sentences",
            f"{median([t for t, _ in timings[profile]]):.1f} s",
            f"{base / median([t for t, _ in timings[profile]]):.2f}x",
            f"{median([m for _, m in timings[profile]]):.0f} MB",
        ]
        for profile in PROFILES
    ]
    print(table(["what", f"median of {args.runs}", "speed vs default", "peak RSS"], rows))
    print(
        f"\nint8 against float vectors of the {sentences} sentences (each embedded alone, as stored): "
        f"mean cosine {cosines.mean():.4f}, lowest {cosines.min():.4f}"
    )


def _index(corpus: Path, index_dir: Path, profile: str) -> list[str]:
    command = ["-m", "qa", "index", "--full", "--profile", profile, "--corpus", str(corpus)]
    return [PYTHON, *command, "--index-dir", str(index_dir)]


if __name__ == "__main__":
    main()
