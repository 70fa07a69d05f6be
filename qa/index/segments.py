"""Segments: an index is a list of them, written once each, merged when there are too many.

Each is written by a build or an update, and all are searched together as one table of their
live sentences.

An update embeds the added and changed articles into a new segment and marks the old versions of
changed and removed articles deleted in the segment that holds them; nothing already written is
copied. Search skips deleted rows inside FAISS (an ID selector), BM25 uses the live sentences'
statistics, and sentences are numbered across segments in order, so the answers are those of the
segments merged into one (`merge`), which happens when there are many or on `qa index --compact`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import numpy as np

from qa.index.documents import DocumentList
from qa.index.lexical import LexicalIndex, LexicalView, article_words
from qa.index.table import DOC, SentenceTable
from qa.index.vectors import vector_index
from qa.index.views import SegmentedVectors, StackedRows

if TYPE_CHECKING:
    import faiss

# More segments than this after an update: the small ones are merged (see `plan_merge`).
MAX_SEGMENTS = 8


class WordCounts:
    """How often a segment's articles use each lower-case word (spelling mends slips from these):
    counted when the segment was built and read from its file when first asked for, or, for a
    segment written before the file existed, counted from its documents then.

    The file is opened when the segment is loaded and read through that handle: an update publishes
    a new build and removes the old one's folder, and a segment loaded from it (kept by the update,
    or held by a running UI) must still read its counts. An open file outlives its removal."""

    def __init__(
        self,
        counts: Counter[str] | None = None,
        path: Path | None = None,
        documents: DocumentList | None = None,
    ) -> None:
        self._counts, self._documents = counts, documents
        self._file: BinaryIO | None = open(path, "rb") if path is not None and counts is None else None  # noqa: SIM115

    def get(self) -> Counter[str]:
        if self._counts is None:
            if self._file is not None:
                with self._file, np.load(self._file, allow_pickle=False) as npz:
                    pairs = zip(npz["words"].tolist(), npz["counts"].tolist(), strict=True)
                    self._counts = Counter(dict(pairs))
                self._file = None
            else:
                self._counts = article_words(d.text for d in self._documents or ())
        return self._counts


def live_words(segment: Segment, deleted: frozenset[str]) -> Counter[str]:
    """The segment's word counts less those of its deleted articles (only those are parsed)."""
    counts = segment.words.get()
    if not deleted:
        return counts
    names = segment.documents.names
    gone = article_words(segment.documents[i].text for i, name in enumerate(names) if name in deleted)
    return counts - gone  # drops the words only deleted articles used


@dataclass(frozen=True)
class Segment:
    """One segment's contents: its own articles, numbered from 0 within it."""

    documents: DocumentList
    rows: np.ndarray  # int32 (doc, paragraph, start, end), doc numbered within the segment
    vectors: faiss.Index  # each sentence embedded with its context
    sentence_vectors: np.ndarray  # float16, each sentence embedded alone
    title_vectors: np.ndarray  # float16, one per document
    traits: np.ndarray  # int32 (entity label mask, words, ends with "?")
    lexical: LexicalIndex
    words: WordCounts

    def __len__(self) -> int:
        return len(self.rows)

    def live_rows(self, deleted: frozenset[str]) -> np.ndarray:
        """Bool per sentence: its article is not marked deleted."""
        if not deleted:
            return np.ones(len(self.rows), dtype=bool)
        gone = np.array([name in deleted for name in self.documents.names], dtype=bool)
        return ~gone[self.rows[:, DOC]] if len(self.rows) else np.zeros(0, dtype=bool)

    def all_vectors(self) -> np.ndarray:
        """The context vectors as stored (float32), in row order."""
        import faiss

        if isinstance(self.vectors, faiss.IndexIVF):
            self.vectors.make_direct_map()  # IVF lists do not know their ids' order without it
        return cast("np.ndarray", self.vectors.reconstruct_n(0, self.vectors.ntotal))


Part = tuple[Segment, frozenset[str], str | None]  # a segment, its deleted articles, its folder if kept


@dataclass(frozen=True)
class Combined:
    """The live sentences of all segments as one index: what retrieval reads."""

    documents: DocumentList
    rows: np.ndarray  # doc numbered across segments
    traits: np.ndarray
    title_vectors: np.ndarray
    sentence_vectors: np.ndarray | StackedRows
    vectors: Any  # faiss.Index for one intact segment, else SegmentedVectors
    lexical: LexicalIndex | LexicalView
    words: Callable[[], Counter[str]]  # the live articles' word counts, computed when first asked

    @property
    def table(self) -> SentenceTable:
        return SentenceTable(
            documents=self.documents,
            rows=self.rows,
            context_index=self.vectors,
            sentence_vectors=self.sentence_vectors,
            title_vectors=self.title_vectors,
            entity_masks=self.traits[:, 0],
            words=self.traits[:, 1],
            question_marks=self.traits[:, 2].astype(bool),
            lexical=self.lexical,
            word_source=self.words,
        )


@dataclass(frozen=True)
class _Live:
    """The segments' live articles and sentences, numbered across segments in order."""

    documents: DocumentList
    rows: np.ndarray  # doc numbered across segments
    traits: np.ndarray
    title_vectors: np.ndarray
    numbers: list[np.ndarray]  # per segment: its sentence i -> number across segments, -1 deleted


def _live(segments: Sequence[Segment], deleted: Sequence[frozenset[str]]) -> _Live:
    documents: list[DocumentList] = []
    rows, traits, titles, numbering = [], [], [], []
    at = kept_docs = 0
    for segment, gone in zip(segments, deleted, strict=True):
        live_docs = np.array([name not in gone for name in segment.documents.names], dtype=bool)
        doc_numbers = np.cumsum(live_docs) - 1 + kept_docs
        kept_docs += int(live_docs.sum())
        live = segment.live_rows(gone)
        numbers = np.full(len(segment), -1, dtype=np.int64)
        numbers[live] = np.arange(at, at + int(live.sum()))
        at += int(live.sum())
        block = np.array(segment.rows[live])
        block[:, DOC] = doc_numbers[block[:, DOC]]
        rows.append(block)
        traits.append(segment.traits[live])
        titles.append(segment.title_vectors[live_docs])
        documents.append(segment.documents.pick(live_docs.tolist()))
        numbering.append(numbers)
    return _Live(
        documents=DocumentList.join(documents),
        rows=np.concatenate(rows).astype(np.int32).reshape(-1, 4),
        traits=np.concatenate(traits).reshape(-1, 3),
        title_vectors=np.concatenate(titles),
        numbers=numbering,
    )


def _all_live_words(segments: Sequence[Segment], deleted: Sequence[frozenset[str]]) -> Counter[str]:
    return sum((live_words(s, gone) for s, gone in zip(segments, deleted, strict=True)), Counter())


def combine(segments: Sequence[Segment], deleted: Sequence[frozenset[str]]) -> Combined:
    """The segments' live sentences numbered in segment order. One segment with nothing deleted is
    used as it is (no copy): the common case after a full build or a merge."""
    if len(segments) == 1 and not deleted[0]:
        only = segments[0]
        return Combined(
            only.documents,
            only.rows,
            only.traits,
            only.title_vectors,
            only.sentence_vectors,
            only.vectors,
            only.lexical,
            only.words.get,
        )
    live = _live(segments, deleted)
    return Combined(
        documents=live.documents,
        rows=live.rows,
        traits=live.traits,
        title_vectors=live.title_vectors,
        sentence_vectors=StackedRows([s.sentence_vectors for s in segments], live.numbers),
        vectors=SegmentedVectors([s.vectors for s in segments], live.numbers),
        lexical=LexicalView([s.lexical for s in segments], live.numbers),
        words=lambda: _all_live_words(segments, deleted),
    )


def merge(segments: Sequence[Segment], deleted: Sequence[frozenset[str]], vector_index: Any) -> Segment:
    """One segment holding the live articles of `segments`, in order: arrays gathered, BM25 postings
    renumbered, nothing embedded or tokenised again. `vector_index(vectors, trained)` builds its
    FAISS index (exact or IVF by size), given the largest part's index to reuse trained lists."""
    live = _live(segments, deleted)
    vectors = np.concatenate(
        [np.zeros((0, segments[0].sentence_vectors.shape[1]), np.float32)]
        + [s.all_vectors()[n >= 0] for s, n in zip(segments, live.numbers, strict=True)]
    )
    sentence_vectors = np.concatenate(
        [s.sentence_vectors[n >= 0] for s, n in zip(segments, live.numbers, strict=True)]
    )
    largest = max(segments, key=len).vectors
    return Segment(
        documents=live.documents,
        rows=live.rows,
        vectors=vector_index(vectors, largest),
        sentence_vectors=sentence_vectors.astype(np.float16, copy=False),  # stored float16 already
        title_vectors=live.title_vectors,
        traits=live.traits,
        lexical=LexicalIndex.merge([s.lexical for s in segments], live.numbers),
        words=WordCounts(_all_live_words(segments, deleted)),
    )


def plan_merge(sizes: Sequence[int], deleted_shares: Sequence[float]) -> list[int]:
    """Which segments (positions) an update merges: none while there are at most MAX_SEGMENTS;
    past that, every segment but the largest (merging small ones costs little), or all of them when
    half of the largest is deleted."""
    if len(sizes) <= MAX_SEGMENTS:
        return []
    largest = max(range(len(sizes)), key=lambda i: sizes[i])
    if deleted_shares[largest] >= 0.5:
        return list(range(len(sizes)))
    return [i for i in range(len(sizes)) if i != largest]


def merged(
    parts: list[Part], compact: bool, exact_limit: int, say: Callable[[str], None] | None
) -> list[Part]:
    """The segments after merging the ones `plan_merge` picks (all with `compact`)."""
    if compact:  # asked for: everything written anew in the current layout, even a single segment
        chosen = list(range(len(parts)))
    else:
        shares = [len(g) / max(1, len(s.documents)) for s, g, _ in parts]
        chosen = plan_merge([len(s) for s, _, _ in parts], shares)
    if not chosen:
        return parts
    if say:
        say(f"merging {len(chosen)} segments" if len(chosen) > 1 else "writing the index anew as one segment")
    merged = merge(
        [parts[k][0] for k in chosen],
        [parts[k][1] for k in chosen],
        lambda vectors, trained: vector_index(vectors, exact_limit, trained),
    )
    out = [p for k, p in enumerate(parts) if k not in chosen]
    out.insert(min(chosen), (merged, frozenset(), None))
    return out
