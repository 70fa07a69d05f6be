"""The two build profiles: a full `qa index` of the same folder with the float and the int8 encoder.

Copies seeds/ plus N recombined filler articles (bench/update.py's `grow`, default 300) to a
temporary folder and times `qa index --full --profile P` as a whole process, alternating the
profiles run by run (the machine's noise falls on both alike), encoder exports cached. Then the two
encoders' vectors for the first 2,000 texts a build embeds: mean and lowest cosine between them.
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

from qa import Settings
from qa.index.build import adaptation_path, model_path, settings_fingerprint
from qa.index.embedding import OnnxEncoder, TokenCounter, cached_export, load_tokenizer
from qa.ingest.chunking import embedding_texts, split_sentences
from qa.ingest.corpus import read_corpus

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
        settings = Settings(corpus=corpus)
        docs, _ = read_corpus(corpus, lambda _: None)
        path = model_path(settings)
        count = TokenCounter(load_tokenizer(path / "tokenizer.json", settings.max_tokens))
        sentences = split_sentences(docs, settings.max_tokens, count)
        texts = embedding_texts(docs, sentences, settings.embed_context, settings.max_tokens, count)[:2000]
        vectors = {}
        for profile in PROFILES:
            graph = cached_export(
                path,
                settings_fingerprint(settings),
                settings.cache_dir,
                adaptation=adaptation_path(settings),
                int8=profile == "large",
            )
            encoder = OnnxEncoder(graph, path / "tokenizer.json", settings.max_tokens, settings.threads)
            vectors[profile] = np.concatenate(
                [encoder.encode(texts[i : i + 16]) for i in range(0, len(texts), 16)]
            )
    cosines = (vectors["default"] * vectors["large"]).sum(axis=1)
    base = median([t for t, _ in timings["default"]])
    rows = [
        [
            f"qa index --full --profile {profile}, {len(docs)} articles, {len(sentences)} sentences",
            f"{median([t for t, _ in timings[profile]]):.1f} s",
            f"{base / median([t for t, _ in timings[profile]]):.2f}x",
            f"{median([m for _, m in timings[profile]]):.0f} MB",
        ]
        for profile in PROFILES
    ]
    print(table(["what", f"median of {args.runs}", "speed vs default", "peak RSS"], rows))
    print(
        f"\nint8 against float vectors, {len(texts)} texts: "
        f"mean cosine {cosines.mean():.4f}, lowest {cosines.min():.4f}"
    )


def _index(corpus: Path, index_dir: Path, profile: str) -> list[str]:
    command = ["-m", "qa", "index", "--full", "--profile", profile, "--corpus", str(corpus)]
    return [PYTHON, *command, "--index-dir", str(index_dir)]


if __name__ == "__main__":
    main()
