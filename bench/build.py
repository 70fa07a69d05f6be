"""Index build time for the seeds (whole `qa index --full` process) and encoder throughput.

Times a full build with an empty encoder cache (the model is exported to ONNX through torch first)
and with the export cached (no torch), then the ONNX encoder's throughput on the texts a build
embeds, by batch size.
Run: .venv/bin/python bench/build.py [RUNS]   (default 3, median shown)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, median, run_timed, table

from qa.index.embedding import (
    OnnxEncoder,
    TokenCounter,
    cached_export,
    default_model_path,
    load_tokenizer,
    model_fingerprint,
)
from qa.ingest.chunking import embedding_texts, split_sentences
from qa.ingest.corpus import read_corpus


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            cache = str(Path(tmp) / f"cache-{run}")
            for timings in (cold, warm):  # the first build of each run fills its own cache
                with tempfile.TemporaryDirectory() as index_dir:
                    command = [PYTHON, "-m", "qa", "index", "--full", "--index-dir", index_dir]
                    timings.append(run_timed(command, env={"QA_CACHE_DIR": cache}))
        model = default_model_path()
        docs, _ = read_corpus(ROOT / "seeds", lambda _: None)
        count = TokenCounter(load_tokenizer(model / "tokenizer.json", 256))
        sentences = split_sentences(docs, 256, count)
        texts = embedding_texts(docs, sentences, 1, 256, count)
        texts = sorted(texts + [docs[s.doc].text[s.start : s.end] for s in sentences], key=len)
        export = cached_export(model, model_fingerprint(model), Path(tmp) / "cache-0")
        encoder = OnnxEncoder(export, model / "tokenizer.json", 256, threads=2, spin=False)
        rates = {}
        for batch in (16, 32, 64):
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                for at in range(0, len(texts), batch):
                    encoder.encode(texts[at : at + batch])
                samples.append(len(texts) / (time.perf_counter() - start))
            rates[batch] = median(samples)

    def row(what: str, timings: list[tuple[float, float]]) -> list[object]:
        return [
            what,
            f"{median([t for t, _ in timings]):.1f} s",
            f"{max(m for _, m in timings):.0f} MB",
            runs,
        ]

    print(
        table(
            ["what", "median", "peak RSS (max)", "runs"],
            [
                row(f"qa index --full, {len(docs)} articles, encoder not cached (export via torch)", cold),
                row(f"qa index --full, {len(docs)} articles, encoder cached (no torch)", warm),
                *(
                    [
                        f"ONNX encoder, 2 threads, batches of {b}, {len(texts)} texts",
                        f"{r:.0f} texts/s",
                        "",
                        runs,
                    ]
                    for b, r in rates.items()
                ),
            ],
        )
    )


if __name__ == "__main__":
    main()
