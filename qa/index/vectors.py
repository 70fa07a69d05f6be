"""How a segment's vectors are searched: exact inner product up to a size, inverted lists (IVF) above."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import faiss


def ivf_lists(n: int) -> tuple[int, int]:
    """Inverted lists, and lists probed per query, for n vectors (measured in bench/scale.py)."""
    nlist = int(max(64, min(16_384, 4 * math.sqrt(n), n // 39)))  # FAISS wants >= 39 points per list
    return nlist, min(nlist, max(64, nlist // 32))


def vector_index(vectors: np.ndarray, exact_limit: int, trained: faiss.Index | None = None) -> faiss.Index:
    """Exact inner-product search up to `exact_limit` vectors; an IVF index above it (`faiss_kind`
    says which).

    IVF rather than HNSW: on 1M real-shaped vectors here, HNSW32 reached recall@10 0.90 at
    efSearch 512, while IVF-Flat with 4,000 lists reached 0.98-0.99 at 62-124 probes in 2-5 ms.
    A merge of segments passes the largest one's index as `trained`: its lists are kept while the
    merged segment stays within half to twice the size they were trained for, as training them is
    most of a merge's time at scale (k-means over up to 64 vectors a list).
    """
    import faiss

    dim = vectors.shape[1]
    if len(vectors) <= exact_limit:
        index: faiss.Index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index
    if isinstance(trained, faiss.IndexIVF) and trained.d == dim and 0.5 <= len(vectors) / trained.ntotal <= 2:
        # The trained centroids, not a clone: a loaded index's lists are mapped from its file, and
        # FAISS cannot clone those.
        quantizer = faiss.IndexFlatIP(dim)
        quantizer.add(trained.quantizer.reconstruct_n(0, trained.nlist))
        ivf = faiss.IndexIVFFlat(quantizer, dim, trained.nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.is_trained = True
        ivf.add(vectors)
        ivf.nprobe = trained.nprobe
        return ivf
    nlist, nprobe = ivf_lists(len(vectors))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 64 * nlist), replace=False)
    ivf.train(vectors[np.sort(sample)])
    ivf.add(vectors)
    ivf.nprobe = nprobe  # saved in the index file
    return ivf


def faiss_kind(index: faiss.Index) -> str:
    """How a segment's vectors are searched, as the manifest and `qa index` say it."""
    import faiss

    if isinstance(index, faiss.IndexIVF):
        return f"ivf{index.nlist},nprobe{index.nprobe}"
    return "flat"
