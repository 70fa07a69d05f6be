"""Views of several segments as one, without copying them.

Their FAISS indexes searched together (deleted rows skipped inside FAISS), and their float16
sentence vectors gathered by global id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class SegmentedVectors:
    """The segments' FAISS indexes searched as one: deleted rows are skipped inside FAISS (a bitmap
    selector), so each segment still returns its k best live sentences, then the best k overall."""

    def __init__(self, parts: Sequence[Any], global_ids: Sequence[np.ndarray]) -> None:
        import faiss

        self.parts = tuple(parts)
        self.global_ids = tuple(global_ids)
        self.ntotal = sum(int((g >= 0).sum()) for g in self.global_ids)
        self._params: list[Any] = []
        self._bitmaps: list[np.ndarray] = []  # FAISS keeps a raw pointer: the arrays must live as long
        for index, numbers in zip(self.parts, self.global_ids, strict=True):
            live = numbers >= 0
            if live.all():
                self._params.append(None)
                continue
            bitmap = np.packbits(live, bitorder="little")
            self._bitmaps.append(bitmap)
            selector = faiss.IDSelectorBitmap(len(live), faiss.swig_ptr(bitmap))
            if isinstance(index, faiss.IndexIVF):
                self._params.append(faiss.SearchParametersIVF(sel=selector, nprobe=index.nprobe))  # type: ignore[call-arg]
            else:
                self._params.append(faiss.SearchParameters(sel=selector))  # type: ignore[call-arg]

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of shape (1, k) like `faiss.Index.search` for one query; ids are global, and
        -1 pads a short result."""
        found_scores, found_ids = [], []
        for index, numbers, params in zip(self.parts, self.global_ids, self._params, strict=True):
            depth = min(k, index.ntotal)
            if depth == 0:
                continue
            scores, ids = (
                index.search(queries, depth, params=params) if params else index.search(queries, depth)
            )
            hit = ids[0] >= 0
            found_scores.append(scores[0][hit])
            found_ids.append(numbers[ids[0][hit]])
        scores = np.concatenate([np.zeros(0, np.float32), *found_scores])
        ids = np.concatenate([np.zeros(0, np.int64), *found_ids])
        best = np.lexsort((ids, -scores))[:k]  # ties by sentence number, as one exact index gives them
        out_scores = np.full((1, k), -np.inf, dtype=np.float32)
        out_ids = np.full((1, k), -1, dtype=np.int64)
        out_scores[0, : len(best)], out_ids[0, : len(best)] = scores[best], ids[best]
        return out_scores, out_ids


class StackedRows:
    """Rows of several arrays (the segments' float16 sentence vectors) indexed by global sentence id,
    without copying them into one array at load."""

    def __init__(self, parts: Sequence[np.ndarray], global_ids: Sequence[np.ndarray]) -> None:
        self.parts = tuple(parts)
        live = [np.flatnonzero(g >= 0) for g in global_ids]
        self._part = np.concatenate([np.full(len(rows), p, np.int32) for p, rows in enumerate(live)])
        self._local = np.concatenate([rows.astype(np.int64) for rows in live])
        self.shape = (len(self._local), self.parts[0].shape[1])

    def __len__(self) -> int:
        return len(self._local)

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        out = np.empty((len(ids), self.shape[1]), dtype=self.parts[0].dtype)
        part, local = self._part[ids], self._local[ids]
        # At most a few parts: a mask each. Not np.unique, whose first call imports numpy.ma (~15 ms
        # of a cold start on an index of several segments).
        for p in range(len(self.parts)):
            mine = part == p
            if mine.any():
                out[mine] = self.parts[p][local[mine]]
        return out

    def astype(self, dtype: Any) -> np.ndarray:
        """All rows as one array (tests and benchmarks; retrieval gathers rows by id)."""
        return self[np.arange(len(self))].astype(dtype)
