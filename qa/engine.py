"""The one entry point: open an index, ask questions, get cited answers."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np

from qa.abstain import (
    NOTHING_RELEVANT,
    RELATED_ONLY,
    Evidence,
    SentenceSupport,
    answer_supported,
    is_relevant,
)
from qa.answer_types import AnswerType, holds, question_type
from qa.config import Settings
from qa.conflicts import aspects_for, find_conflicts, statements_of
from qa.errors import UsageError
from qa.followup import resolve_query
from qa.models import Answer, Document, Passage
from qa.search import diversify, group_passages, make_passage, near_duplicate, pick_highlight, rank
from qa.store import StoredIndex

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")


def _stderr(message: str) -> None:
    print(f"qa: {message}", file=sys.stderr)


def clean_question(question: str, max_chars: int) -> str:
    """The question with control characters turned to spaces; refuses empty or oversized ones."""
    if not isinstance(question, str):
        raise UsageError("the question must be text")
    text = _ANSI_ESCAPE.sub(" ", question)  # colour codes pasted from a terminal
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)
    text = " ".join(text.split())
    if not text:
        raise UsageError('the question is empty; ask something, e.g. qa ask "who lifted the ban?"')
    if len(text) > max_chars:
        raise UsageError(f"the question is {len(text)} characters long; the limit is {max_chars}")
    return text


class QA:
    """Answers questions from one index. Build it with `QA.open()`; it holds no global state."""

    def __init__(self, stored: StoredIndex, settings: Settings) -> None:
        from qa.embedding import OnnxEncoder

        self.settings = settings
        self.stored = stored
        self.encoder = OnnxEncoder(
            stored.encoder_bytes, stored.tokenizer_path, stored.manifest.max_tokens, settings.threads
        )

    @classmethod
    def open(cls, settings: Settings | None = None, warn: Callable[[str], None] = _stderr) -> QA:
        """Load the index of `settings` (default: Settings()), building or refreshing it first if needed."""
        from qa.indexer import open_index

        settings = settings or Settings()
        return cls(open_index(settings, warn), settings)

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.stored.documents

    def document(self, name: str) -> Document:
        for doc in self.stored.documents:
            if doc.name == name:
                return doc
        raise KeyError(name)

    def ask(self, question: str, history: Sequence[str] = (), k: int | None = None) -> Answer:
        """The best passages for the question, best first, or `answered=False` with the reason."""
        k = self.settings.top_k if k is None else k
        if not isinstance(k, int) or k < 1:
            raise UsageError("k must be a whole number of at least 1")
        question = clean_question(question, self.settings.max_question_chars)
        earlier = [clean_question(h, self.settings.max_question_chars) for h in history if h and h.strip()]
        query = resolve_query(question, earlier)
        stored, sentences = self.stored, self.stored.sentences
        query_vector = self.encoder.encode([query])[0]
        depth = min(self.settings.candidates, len(sentences))
        dense_scores, dense_ids = stored.vectors.search(query_vector[None, :], depth)
        found = dense_ids[0] >= 0
        lexical_scores = stored.lexical.scores(query)
        kind = question_type(question)
        typed = self._typed_check(kind)
        hits = rank(
            dense_ids[0][found],
            dense_scores[0][found],
            lexical_scores,
            stored.sentence_vectors,
            query_vector,
            depth,
            self.settings.rrf_k,
            typed,
            self.settings.type_weight,
        )
        top = [h.unit for h in hits[:10]]
        evidence = Evidence(
            similarity=max((max(h.dense, h.alone) for h in hits[:10]), default=0.0),
            coverage=float(stored.lexical.coverage(query, top).max()) if top else 0.0,
        )
        if not is_relevant(evidence):
            return Answer(
                question=question, answered=False, passages=(), reason=NOTHING_RELEVANT, query=query
            )
        spans = group_passages(hits, sentences, self.settings.window, k)
        spans = diversify(_distinct(spans, stored, sentences), k)
        best_possible = (3.0 + self.settings.type_weight) / (self.settings.rrf_k + 1)
        passages: list[Passage] = []
        highlights: list[int] = []
        for span in spans:
            doc = stored.documents[span.doc]
            highlight = pick_highlight(span, query_vector, stored.sentence_vectors, lexical_scores, typed)
            score = min(1.0, span.best.fused / best_possible)
            passages.append(make_passage(doc, sentences, span, highlight, score))
            highlights.append(highlight)
        support = self._support(query, query_vector, typed)
        if typed is not None and kind != "reason":
            candidates = [u for span in spans[:3] for u in range(span.first, span.last + 1)]
            if not answer_supported(support(candidates)):
                return Answer(
                    question=question,
                    answered=False,
                    passages=tuple(passages),
                    reason=RELATED_ONLY,
                    query=query,
                )
        # Only passages that address the question take part in "sources differ".
        addressing = [p for p, s in zip(passages, support(highlights), strict=True) if s.addresses]
        conflicts = find_conflicts(statements_of(addressing), aspects_for(kind, question))
        return Answer(
            question=question,
            answered=bool(passages),
            passages=tuple(passages),
            query=query,
            conflicts=tuple(conflicts),
        )

    def _support(
        self, query: str, query_vector: np.ndarray, typed: Callable[[int], bool] | None
    ) -> Callable[[list[int]], list[SentenceSupport]]:
        def support(units: list[int]) -> list[SentenceSupport]:
            if not units:
                return []
            coverage = self.stored.lexical.coverage(query, units)
            similarity = self.stored.sentence_vectors[units].astype(np.float32) @ query_vector
            return [
                SentenceSupport(typed=bool(typed and typed(u)), coverage=float(c), similarity=float(m))
                for u, c, m in zip(units, coverage, similarity, strict=True)
            ]

        return support

    def _typed_check(self, kind: AnswerType | None) -> Callable[[int], bool] | None:
        if kind is None:
            return None
        docs, sentences = self.stored.documents, self.stored.sentences

        def typed(unit: int) -> bool:
            doc, _, start, end = (int(x) for x in sentences[unit])
            return holds(kind, docs[doc].text[start:end])

        return typed


def _distinct(spans: list, stored: StoredIndex, sentences: np.ndarray) -> list:
    """Drop passages whose text repeats one already kept (the same story syndicated twice)."""
    kept: list = []
    texts: list[str] = []
    for span in spans:
        doc = stored.documents[span.doc]
        text = doc.text[int(sentences[span.first, 2]) : int(sentences[span.last, 3])]
        if any(near_duplicate(text, other) for other in texts):
            continue
        kept.append(span)
        texts.append(text)
    return kept
