"""The one entry point: open an index, ask questions, get cited answers."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.abstain import (
    NOTHING_RELEVANT,
    RELATED_ONLY,
    Evidence,
    SentenceSupport,
    answer_supported,
    is_relevant,
)
from qa.answer_types import AnswerShape, answer_shape
from qa.config import Settings
from qa.conflicts import aspects_for, find_conflicts, statements_of
from qa.errors import UsageError
from qa.followup import resolve_query
from qa.models import Answer, Document, Passage
from qa.search import Hit, Span, distinct, diversify, group_passages, make_passage, pick_highlight, rank
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


@dataclass(frozen=True)
class _Query:
    """What every step needs to know about the question being answered."""

    text: str
    vector: np.ndarray
    lexical: np.ndarray  # BM25 score of every sentence
    typed: Callable[[int], bool] | None  # does a sentence hold the kind of answer asked for


class QA:
    """Answers questions from one index. Build it with `QA.open()`; it holds no global state."""

    def __init__(self, stored: StoredIndex, settings: Settings) -> None:
        from qa.embedding import OnnxEncoder

        self.settings = settings
        self.stored = stored
        # Which sentences hold which answer shape (by pattern): a pure function of the index, memoised.
        # Bounded: "What is X?" makes a pattern per X.
        self._typed_cache: dict[str, dict[int, bool]] = {}
        self.encoder = OnnxEncoder(
            stored.encoder_path, stored.tokenizer_path, stored.manifest.max_tokens, settings.threads
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
        shape = answer_shape(question)
        kind = shape.kind if shape is not None else None
        q = _Query(
            query,
            self.encoder.encode([query])[0],
            self.stored.lexical.scores(query),
            self._typed_check(shape),
        )

        hits = self._retrieve(q)
        if not is_relevant(self._evidence(q, hits)):
            return Answer(
                question=question, answered=False, passages=(), reason=NOTHING_RELEVANT, query=query
            )
        spans, passages, highlights = self._passages(q, hits, k)
        if q.typed is not None and kind not in ("reason", "definition"):
            around_top = [u for span in spans[:3] for u in range(span.first, span.last + 1)]
            if not answer_supported(self._support(q, around_top)):
                return Answer(
                    question=question,
                    answered=False,
                    passages=tuple(passages),
                    reason=RELATED_ONLY,
                    query=query,
                )
        # Only passages whose answering sentence addresses the question take part in "sources differ".
        support = self._support(q, highlights)
        addressing = [p for p, s in zip(passages, support, strict=True) if s.addresses]
        conflicts = find_conflicts(statements_of(addressing), aspects_for(kind, question))
        return Answer(
            question=question,
            answered=True,
            passages=tuple(passages),
            query=query,
            conflicts=tuple(conflicts),
        )

    def _retrieve(self, q: _Query) -> list[Hit]:
        """Dense, sentence-alone and BM25 rankings fused (see `search.rank`)."""
        stored = self.stored
        depth = min(self.settings.candidates, len(stored.sentences))
        scores, ids = stored.vectors.search(q.vector[None, :], depth)
        found = ids[0] >= 0  # an IVF index may return fewer than asked
        return rank(
            ids[0][found],
            scores[0][found],
            q.lexical,
            stored.sentence_vectors,
            q.vector,
            depth,
            self.settings.rrf_k,
            q.typed,
            self.settings.type_weight,
        )

    def _evidence(self, q: _Query, hits: list[Hit]) -> Evidence:
        top = [h.unit for h in hits[:10]]
        return Evidence(
            similarity=max((max(h.dense, h.alone) for h in hits[:10]), default=0.0),
            coverage=float(self.stored.lexical.coverage(q.text, top).max()) if top else 0.0,
        )

    def _passages(self, q: _Query, hits: list[Hit], k: int) -> tuple[list[Span], list[Passage], list[int]]:
        """Sentence windows around the hits: merged, deduplicated, diversified, highlighted."""
        stored, sentences = self.stored, self.stored.sentences
        spans = group_passages(hits, sentences, self.settings.window, k)
        texts = [stored.documents[s.doc].text[sentences[s.first, 2] : sentences[s.last, 3]] for s in spans]
        spans = diversify(distinct(spans, texts), k)
        best_possible = (3.0 + self.settings.type_weight) / (self.settings.rrf_k + 1)
        passages, highlights = [], []
        for span in spans:
            highlight = pick_highlight(span, q.vector, stored.sentence_vectors, q.lexical, q.typed)
            score = min(1.0, span.best.fused / best_possible)
            passages.append(make_passage(stored.documents[span.doc], sentences, span, highlight, score))
            highlights.append(highlight)
        return spans, passages, highlights

    def _support(self, q: _Query, units: list[int]) -> list[SentenceSupport]:
        if not units:
            return []
        coverage = self.stored.lexical.coverage(q.text, units)
        similarity = self.stored.sentence_vectors[units].astype(np.float32) @ q.vector
        return [
            SentenceSupport(typed=bool(q.typed and q.typed(u)), coverage=float(c), similarity=float(m))
            for u, c, m in zip(units, coverage, similarity, strict=True)
        ]

    def _typed_check(self, shape: AnswerShape | None) -> Callable[[int], bool] | None:
        if shape is None:
            return None
        docs, sentences = self.stored.documents, self.stored.sentences
        if len(self._typed_cache) > 256:
            self._typed_cache.clear()
        known = self._typed_cache.setdefault(shape.pattern.pattern, {})

        def typed(unit: int) -> bool:
            found = known.get(unit)
            if found is None:
                doc, _, start, end = (int(x) for x in sentences[unit])
                found = known[unit] = shape.holds(docs[doc].text[start:end])
            return found

        return typed
