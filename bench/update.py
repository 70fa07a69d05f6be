"""Absorbing a change: one article added to an indexed folder, against a full rebuild of it.

Copies a folder of articles (default: seeds/ plus, with --grow N, N recombined copies of them) to a
temporary folder, builds its index, then times, each as a whole new process:
  - `qa ask` right after one article was added (it updates the index, then answers);
  - `qa index` after another article was added (update only);
  - `qa index --full` (every article embedded again; skipped with --no-full, as the first build
    already is one);
  - `qa ask` with nothing changed, and a question in a warm process (the dev questions).
Run: .venv/bin/python bench/update.py [RUNS] [--grow N] [--no-full]   (default 3 runs, median shown)
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from pathlib import Path

from common import PYTHON, ROOT, median, run_timed, table, warm_latencies

from qa import QA, Settings

EXTRA = ROOT / "tests" / "data" / "tram"


def grow(folder: Path, copies: int) -> None:
    """News-like filler: each copy is 8 paragraphs (lines) of the seed articles, recombined (seeded,
    repeatable); about 3.5 KB and 25 sentences an article, the size of a short news story."""
    paragraphs = [
        line.strip()
        for path in sorted((ROOT / "seeds").glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.split()) > 12
    ]
    rng = random.Random(0)
    for i in range(copies):
        body = "\n\n".join(rng.sample(paragraphs, 8))
        (folder / f"filler_{i:05d}.txt").write_text(body, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=3)
    parser.add_argument("--grow", type=int, default=0, help="add N recombined filler articles")
    parser.add_argument("--no-full", action="store_true", help="do not time `qa index --full`")
    args = parser.parse_args()
    extra = sorted(EXTRA.glob("*"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "articles", Path(tmp) / "index"
        shutil.copytree(ROOT / "seeds", corpus)
        grow(corpus, args.grow)
        paths = ["--corpus", str(corpus), "--index-dir", str(index)]
        ask = [PYTHON, "-m", "qa", "ask", "Who lifted the ban?", *paths]
        first = run_timed([PYTHON, "-m", "qa", "index", *paths])
        results: dict[str, list[tuple[float, float]]] = {}
        for run in range(args.runs):
            source = extra[(2 * run) % len(extra)]
            shutil.copy(source, corpus / f"added_{run}_a{source.suffix}")
            results.setdefault("qa ask after one article was added (update + answer)", []).append(
                run_timed(ask)
            )
            source = extra[(2 * run + 1) % len(extra)]
            shutil.copy(source, corpus / f"added_{run}_b{source.suffix}")
            results.setdefault("qa index after one article was added", []).append(
                run_timed([PYTHON, "-m", "qa", "index", *paths])
            )
            if not args.no_full:
                results.setdefault("qa index --full (nothing reused)", []).append(
                    run_timed([PYTHON, "-m", "qa", "index", "--full", *paths])
                )
            results.setdefault("qa ask, nothing changed", []).append(run_timed(ask))
        articles = len(list(corpus.iterdir()))
        engine = QA.open(Settings(corpus=corpus, index_dir=index))
        sentences = engine.stored.manifest.sentences
        warm = warm_latencies(engine)
    rows.append(["first build (qa index)", f"{first[0]:.2f}", f"{first[1]:.0f}"])
    for name, timings in results.items():
        rows.append([name, f"{median([t for t, _ in timings]):.2f}", f"{max(m for _, m in timings):.0f}"])
    rows.append([f"qa ask in a warm process ({len(warm)} questions)", f"{median(warm):.3f}", ""])
    print(f"{articles} articles, {sentences:,} sentences at the end, median of {args.runs} runs\n")
    print(table(["what", "median s", "peak RSS MB (max)"], rows))


if __name__ == "__main__":
    main()
