"""The sentence table: everything the index knows of each sentence, behind one typed facade.

Retrieval and answering read sentences only through this class, so the storage facts (the column
layout of sentences.npy, float16 vectors, FAISS padding a short result with -1) live here and in
`store.py`, which writes them. A sentence is named by its row number, its id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from qa.index.lexical import LexicalIndex, LexicalView, article_words
from qa.models import Document

if TYPE_CHECKING:
    import faiss

    from qa.index.views import SegmentedVectors, StackedRows

# Columns of the int32 sentence rows.
DOC, PARAGRAPH, START, END = range(4)


@dataclass(frozen=True)
class SentenceTable:
    documents: Sequence[Document]
    rows: np.ndarray  # int32 (doc, paragraph, start, end); offsets index the document's clean text
    context_index: faiss.Index | SegmentedVectors  # each sentence embedded with its context, searched first
    sentence_vectors: np.ndarray | StackedRows  # float16, each sentence embedded alone
    title_vectors: np.ndarray  # float16, one per document
    entity_masks: np.ndarray  # int32 NER label bitmask per sentence
    words: np.ndarray  # int32 word count per sentence
    question_marks: np.ndarray  # bool: the sentence ends with "?"
    lexical: LexicalIndex | LexicalView

    def __len__(self) -> int:
        return len(self.rows)

    # Where the word counts come from: counted when the index was built (see segments.WordCounts);
    # None counts the documents' texts.
    word_source: Callable[[], Counter[str]] | None = None

    @cached_property
    def word_counts(self) -> Counter[str]:
        """How often the articles use each lower-case word: built on first use (spelling), kept."""
        if self.word_source is not None:
            return self.word_source()
        return article_words(doc.text for doc in self.documents)

    def docs(self, sentence_ids: np.ndarray) -> np.ndarray:
        return self.rows[sentence_ids, DOC]

    def paragraphs(self, sentence_ids: np.ndarray) -> np.ndarray:
        return self.rows[sentence_ids, PARAGRAPH]

    def place(self, sentence_id: int) -> tuple[int, int]:
        """(document, paragraph) of one sentence."""
        return int(self.rows[sentence_id, DOC]), int(self.rows[sentence_id, PARAGRAPH])

    def char_span(self, first: int, last: int) -> tuple[int, int]:
        """Character offsets, in the document's clean text, of sentences first..last (one paragraph)."""
        return int(self.rows[first, START]), int(self.rows[last, END])

    def entities(self, sentence_id: int) -> list[tuple[int, int, str]]:
        """The named entities of one sentence, as (start, end, label) offsets into its text."""
        doc = self.documents[int(self.rows[sentence_id, DOC])]
        start, end = self.char_span(sentence_id, sentence_id)
        return [(s - start, e - start, label) for s, e, label in doc.entities if s < end and start < e]

    def text(self, first: int, last: int | None = None) -> str:
        """The clean text of sentence `first`, or of sentences first..last."""
        start, end = self.char_span(first, first if last is None else last)
        return self.documents[int(self.rows[first, DOC])].text[start:end]

    def nearest(self, vector: np.ndarray, depth: int) -> dict[int, float]:
        """Up to `depth` sentences closest to the vector in context, as id -> cosine, best first."""
        scores, ids = self.context_index.search(vector[None, :].astype(np.float32), min(depth, len(self)))
        found = ids[0] >= 0  # an IVF index returns fewer than asked when its probed lists run short
        return {int(u): float(s) for u, s in zip(ids[0][found], scores[0][found], strict=True)}

    def alone_similarity(self, sentence_ids: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Cosine of each sentence, embedded alone, with a unit-length query vector."""
        return self.sentence_vectors[sentence_ids].astype(np.float32) @ vector.astype(np.float32)

    def title_similarity(self, docs: np.ndarray | None, vector: np.ndarray) -> np.ndarray:
        """Cosine of the given documents' titles (all when None) with a unit-length query vector."""
        titles = self._titles if docs is None else self._titles[docs]
        return titles @ vector.astype(np.float32)

    @cached_property
    def _titles(self) -> np.ndarray:
        """The titles' vectors as float32, once: converting 10,000 of them took 4 ms a question."""
        return np.asarray(self.title_vectors, dtype=np.float32)

    def neighbours(self, sentence_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The previous and next sentence in the same paragraph (-1 where there is none)."""
        n = len(self.rows)
        prev, nxt = sentence_ids - 1, sentence_ids + 1
        same_prev = (prev >= 0) & self.same_paragraph(sentence_ids, np.clip(prev, 0, n - 1))
        same_next = (nxt < n) & self.same_paragraph(sentence_ids, np.clip(nxt, 0, n - 1))
        return np.where(same_prev, prev, -1), np.where(same_next, nxt, -1)

    def same_paragraph(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        rows_a, rows_b = self.rows[a], self.rows[b]
        return (rows_a[:, DOC] == rows_b[:, DOC]) & (rows_a[:, PARAGRAPH] == rows_b[:, PARAGRAPH])
