"""How cost grows with the corpus: 10k, 100k and 1M passages.

Vectors: real all-MiniLM-L6-v2 embeddings (the articles' sentences, and 3,000 sentences of words
drawn from the articles, encoded with the real model), mixed pairwise and perturbed
(v = r1 + 0.5 r2 + noise, normalised), so neighbourhoods look like real text rather than uniform
noise, on which approximate indexes look unrealistically bad or good. Queries: the dev questions
encoded with the real model, plus perturbed copies. FAISS runs one thread per query.
Lexical: BM25 over synthetic sentences whose words are drawn from the articles' sentences.
The encoder is timed separately (bench/warm_latency.py); this is the search part only.

Run: .venv/bin/python bench/scale.py [SIZES...]   (default 10000 100000 1000000)
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

import faiss
import numpy as np
from common import ROOT, median, percentile, table

from qa import QA, Settings
from qa.index.embedding import SentenceTransformerEncoder, default_model_path
from qa.index.lexical import LexicalIndex
from qa.index.vectors import vector_index


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def synthetic_vectors(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        a, b = rng.integers(0, len(real), m), rng.integers(0, len(real), m)
        block = real[a] + 0.5 * real[b] + rng.normal(0, 0.04, (m, real.shape[1])).astype(np.float32)
        out[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def timed_queries(search, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    times, ids = [], []
    for q in queries:
        start = time.perf_counter()
        _, found = search(q[None, :])
        times.append((time.perf_counter() - start) * 1000)
        ids.append(found[0])
    return times, np.array(ids)


def main() -> None:
    sizes = [int(s) for s in sys.argv[1:]] or [10_000, 100_000, 1_000_000]
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(7)
    engine = QA.open(Settings(corpus=ROOT / "seeds", index_dir=ROOT / "index"))
    words = [w for d in engine.documents for w in d.text.split()]
    made_up = [" ".join(random.Random(i).choices(words, k=8 + i % 23)) for i in range(3000)]
    encoder = SentenceTransformerEncoder(default_model_path())
    real = np.vstack([engine.stored.sentence_vectors.astype(np.float32), encoder.encode(made_up)])
    questions = [json.loads(line)["question"] for line in (ROOT / "tests" / "data" / "dev.jsonl").open()]
    base_queries = engine.encoder.encode(questions)
    noisy = base_queries[rng.integers(0, len(base_queries), 179)] + rng.normal(0, 0.03, (179, real.shape[1]))
    queries = np.vstack([base_queries, noisy / np.linalg.norm(noisy, axis=1, keepdims=True)]).astype(
        np.float32
    )
    lexical_queries = questions * 5
    vector_rows, lexical_rows = [], []
    for n in sizes:
        vectors = synthetic_vectors(real, n, rng)
        before = rss_mb()
        start = time.perf_counter()
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        flat_build, flat_mem = time.perf_counter() - start, rss_mb() - before
        flat_times, truth = timed_queries(lambda q, index=flat: index.search(q, 10), queries)
        vector_rows.append(
            [
                f"{n:,}",
                "flat (exact)",
                f"{flat_build:.1f}",
                f"{flat_mem:.0f}",
                f"{median(flat_times):.2f}",
                f"{percentile(flat_times, 0.99):.2f}",
                "1.000",
            ]
        )
        before = rss_mb()
        start = time.perf_counter()
        faiss.omp_set_num_threads(2)  # building uses both cores
        ivf = vector_index(vectors, exact_limit=0)
        faiss.omp_set_num_threads(1)
        ivf_build, ivf_mem = time.perf_counter() - start, rss_mb() - before
        chosen = ivf.nprobe
        for nprobe in sorted({max(1, chosen // 2), chosen, chosen * 2}):
            ivf.nprobe = nprobe
            times, found = timed_queries(lambda q, index=ivf: index.search(q, 10), queries)
            recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])
            label = f"IVF{ivf.nlist} nprobe={nprobe}" + (" (used)" if nprobe == chosen else "")
            vector_rows.append(
                [
                    f"{n:,}",
                    label,
                    f"{ivf_build:.1f}",
                    f"{ivf_mem:.0f}",
                    f"{median(times):.2f}",
                    f"{percentile(times, 0.99):.2f}",
                    f"{recall:.3f}",
                ]
            )
        del flat, ivf, vectors
        corpus = [" ".join(random.Random(i).choices(words, k=20)) for i in range(n)]
        before = rss_mb()
        start = time.perf_counter()
        lexical = LexicalIndex.build(corpus)
        lex_build, lex_mem = time.perf_counter() - start, rss_mb() - before
        del corpus
        times = []
        for q in lexical_queries:
            start = time.perf_counter()
            lexical.search(q, 40)
            times.append((time.perf_counter() - start) * 1000)
        lexical_rows.append(
            [
                f"{n:,}",
                f"{lex_build:.1f}",
                f"{lex_mem:.0f}",
                f"{median(times):.2f}",
                f"{percentile(times, 0.99):.2f}",
            ]
        )
        del lexical
        print(f"done {n:,}", file=sys.stderr, flush=True)
    print(f"vector search, {len(queries)} queries, top 10, one thread per query\n")
    print(
        table(
            ["passages", "index", "build s", "memory MB", "query p50 ms", "query p99 ms", "recall@10"],
            vector_rows,
        )
    )
    print(f"\nBM25 (qa.index.lexical), {len(lexical_queries)} queries, top 40\n")
    print(table(["passages", "build s", "memory MB", "query p50 ms", "query p99 ms"], lexical_rows))


if __name__ == "__main__":
    main()
