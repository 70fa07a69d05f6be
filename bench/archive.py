"""An archive of 10,000 news-sized articles: full build against the encoder's own time, one article
added, and `qa ask` cold and warm, all on the same folder.

  generate FOLDER [--articles N]   write N articles recombined from the story library's paragraphs
                                   (seeded: the same folder every time); ~3.5 KB and ~29 sentences each
  build FOLDER INDEX [--profile P] a full `qa index` in this process, with the time spent inside the
                                   encoder counted as it runs (the same texts, the same run), and peak RSS
  measure FOLDER INDEX [--runs N]  then, as whole new processes: `qa ask` right after one article was
                                   added (update + answer), `qa ask` with nothing changed (cold), and a
                                   warm process's per-question latency (the dev questions)

Run: .venv/bin/python bench/archive.py generate /tmp/archive/articles
     .venv/bin/python bench/archive.py build /tmp/archive/articles /tmp/archive/index
     .venv/bin/python bench/archive.py measure /tmp/archive/articles /tmp/archive/index
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import time
from pathlib import Path

from common import PYTHON, ROOT, median, percentile, run_timed, table, warm_latencies


def library_paragraphs() -> list[str]:
    """Body paragraphs of the library's plain-text and Markdown articles (not headings or short lines)."""
    out = []
    for path in sorted((ROOT / "stories").glob("*/articles/*")):
        if path.suffix not in (".txt", ".md"):
            continue
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            text = " ".join(block.split())
            if len(text.split()) >= 25 and not text.startswith(("#", "|", "-", "*")):
                out.append(text)
    return out


def generate(folder: Path, articles: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = library_paragraphs()
    rng = random.Random(0)
    for i in range(articles):
        body = rng.sample(paragraphs, 8)
        headline = " ".join(body[0].split()[:9]).rstrip(",.;:")
        (folder / f"archive_{i:05d}.txt").write_text(headline + "\n\n" + "\n\n".join(body) + "\n", "utf-8")
    print(f"{articles} articles from {len(paragraphs)} library paragraphs in {folder}")


def build(folder: Path, index: Path, profile: str) -> None:
    """A full build in this process, timing every call into the encoder."""
    from qa import Settings
    from qa.index import build as building
    from qa.index.embedding import OnnxEncoder

    spent = [0.0, 0]
    encode = OnnxEncoder.encode

    def timed(self: OnnxEncoder, texts: list[str]):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return encode(self, texts)
        finally:
            spent[0] += time.perf_counter() - start
            spent[1] += len(texts)

    OnnxEncoder.encode = timed  # type: ignore[method-assign]
    settings = Settings(corpus=folder, index_dir=index, profile=profile)  # type: ignore[arg-type]
    start = time.perf_counter()
    manifest, _ = building.build_index(settings, full=True)
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ["articles", len(manifest.corpus)],
        ["sentences", f"{manifest.sentences:,}"],
        ["profile", manifest.profile],
        ["texts embedded", f"{spent[1]:,}"],
        ["whole build s", f"{total:.0f}"],
        ["inside the encoder s", f"{spent[0]:.0f}"],
        ["build / encoder", f"{total / spent[0]:.2f}x"],
        ["encoder texts/s", f"{spent[1] / spent[0]:.0f}"],
        ["peak RSS MB", f"{peak:.0f}"],
    ]
    print(table(["what", "value"], rows))


def measure(folder: Path, index: Path, runs: int) -> None:
    from qa import QA, Settings

    paths = ["--corpus", str(folder), "--index-dir", str(index)]
    ask = [PYTHON, "-m", "qa", "ask", "Who lifted the ban?", *paths]
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    added, cold = [], []
    for run in range(runs):
        shutil.copy(seeds[run % len(seeds)], folder / f"added_{time.time_ns()}.txt")
        added.append(run_timed(ask))
        cold.append(run_timed(ask))
    cold += [run_timed(ask) for _ in range(max(0, 5 - runs))]
    engine = QA.open(Settings(corpus=folder, index_dir=index))
    warm = warm_latencies(engine)
    rows = [
        [
            "qa ask right after one article was added (update + answer)",
            f"{median([t for t, _ in added]):.2f} s",
            f"{max(m for _, m in added):.0f}",
            len(added),
        ],
        [
            "qa ask, nothing changed (cold)",
            f"{median([t for t, _ in cold]):.2f} s",
            f"{max(m for _, m in cold):.0f}",
            len(cold),
        ],
        ["qa ask in a warm process, p50", f"{1000 * median(warm):.1f} ms", "", len(warm)],
        ["qa ask in a warm process, p99", f"{1000 * percentile(warm, 0.99):.1f} ms", "", len(warm)],
    ]
    manifest = engine.stored.manifest
    print(f"{len(manifest.corpus):,} articles, {manifest.sentences:,} sentences, {manifest.faiss_kind}\n")
    print(table(["what", "median", "peak RSS MB (max)", "runs"], rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("generate")
    p.add_argument("folder", type=Path)
    p.add_argument("--articles", type=int, default=10_000)
    p = commands.add_parser("build")
    p.add_argument("folder", type=Path)
    p.add_argument("index", type=Path)
    p.add_argument("--profile", default="auto", choices=["auto", "default", "large"])
    p = commands.add_parser("measure")
    p.add_argument("folder", type=Path)
    p.add_argument("index", type=Path)
    p.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.folder, args.articles)
    elif args.command == "build":
        build(args.folder, args.index, args.profile)
    else:
        measure(args.folder, args.index, args.runs)


if __name__ == "__main__":
    main()
