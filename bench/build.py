"""Index build time for the articles (whole `qa index` process) and encoder throughput.

Run: .venv/bin/python bench/build.py
"""

from __future__ import annotations

import tempfile
import time

from common import PYTHON, ROOT, median, run_timed, table

from qa.chunking import split_sentences
from qa.embedding import SentenceTransformerEncoder, default_model_path, load_tokenizer, token_counter
from qa.ingest import read_corpus


def main() -> None:
    builds = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as index_dir:
            builds.append(run_timed([PYTHON, "-m", "qa", "index", "--index-dir", index_dir]))
    docs, _ = read_corpus(ROOT / "seeds", lambda _: None)
    count = token_counter(load_tokenizer(default_model_path() / "tokenizer.json", 256))
    sentences = split_sentences(docs, 256, count)
    texts = [docs[s.doc].text[s.start : s.end] for s in sentences] * 8
    encoder = SentenceTransformerEncoder(default_model_path(), threads=2)
    encoder.encode(texts[:64])
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        encoder.encode(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    print(
        table(
            ["what", "median", "runs"],
            [
                [
                    f"qa index, {len(docs)} articles / {len(sentences)} sentences (whole process)",
                    f"{median([t for t, _ in builds]):.1f} s, peak RSS {max(m for _, m in builds):.0f} MB",
                    len(builds),
                ],
                [
                    "encoder throughput (sentence-transformers, 2 threads, batch 64)",
                    f"{median(rates):.0f} sentences/s",
                    len(rates),
                ],
            ],
        )
    )


if __name__ == "__main__":
    main()
