"""The one entry point: open an index, ask questions, get cited answers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.answer.conflicts import aspects_for, find_conflicts, statements_of
from qa.config import Settings
from qa.errors import UsageError
from qa.index.entities import ANSWER_LABELS, mask_of
from qa.index.lexical import top_positive
from qa.index.store import StoredIndex
from qa.models import Answer, Document, NoAnswerReason, Passage
from qa.progress import Warn, to_stderr
from qa.retrieval.answer_types import PATTERNS, answer_shape
from qa.retrieval.features import (
    SENTENCE_FEATURES,
    QuestionContext,
    QuestionSignals,
    question_features,
    sentence_features,
)
from qa.retrieval.followup import resolve_query
from qa.retrieval.passages import Hit, Span, distinct, diversify, group_passages, make_passage
from qa.retrieval.ranking import Models, load_models

if TYPE_CHECKING:
    from qa.index.embedding import OnnxEncoder

NOTHING_RELEVANT: NoAnswerReason = "nothing relevant"
RELATED_ONLY: NoAnswerReason = "related passages only"

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")


def clean_question(question: str, max_chars: int, what: str = "the question") -> str:
    """The question with control characters turned to spaces; refuses empty or oversized ones.
    `what` names it in errors ("earlier question 2")."""
    if not isinstance(question, str):
        raise UsageError(f"{what} must be text, not {type(question).__name__}")
    text = _ANSI_ESCAPE.sub(" ", question)  # colour codes pasted from a terminal
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)
    text = " ".join(text.split())
    if not text:
        raise UsageError('the question is empty; ask something, e.g. qa ask "who lifted the ban?"')
    if len(text) > max_chars:
        raise UsageError(f"{what} is {len(text)} characters long; the limit is {max_chars}")
    return text


MAX_K = 100  # passages per answer; also the bound of the top_k setting


def earlier_questions(history: object, max_chars: int) -> list[str]:
    """The chat's earlier questions, oldest first, checked: a list (or tuple) of strings; a single
    string is taken as one earlier question. Blank ones are dropped."""
    if history is None:
        return []
    if isinstance(history, str):
        history = [history]
    if not isinstance(history, list | tuple):
        raise UsageError(f"history must be a list of earlier questions, not {type(history).__name__}")
    return [
        clean_question(h, max_chars, what=f"earlier question {i}")
        for i, h in enumerate(history, start=1)
        if not (isinstance(h, str) and not h.strip())
    ]


@dataclass(frozen=True)
class Ranking:
    """A question's candidate sentences, scored: what the answer is built from (and models fitted on)."""

    question: str
    query: str  # what was searched (a follow-up is widened with the chat)
    units: np.ndarray  # candidate sentence ids, best first
    rows: np.ndarray  # their SENTENCE_FEATURES rows
    logits: np.ndarray  # the sentence model's logit for each
    question_row: np.ndarray  # QUESTION_FEATURES: evidence for answering at all
    context: QuestionContext
    aspects_kind: str | None  # the kind of answer asked for, for "sources differ"

    @property
    def probabilities(self) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits, -30, 30)))


class QA:
    """Answers questions from one index. Build it with `QA.open()`; it holds no global state."""

    def __init__(
        self,
        stored: StoredIndex,
        settings: Settings,
        models: Models | None = None,
        encoder: OnnxEncoder | None = None,
    ) -> None:
        from qa.index.embedding import OnnxEncoder

        self.settings = settings
        self.stored = stored
        self.models = models or load_models()
        self.encoder = encoder or OnnxEncoder(
            stored.encoder_path, stored.tokenizer_path, stored.manifest.max_tokens, settings.threads
        )
        self._table = stored.table

    @classmethod
    def open(cls, settings: Settings | None = None, warn: Warn = to_stderr) -> QA:
        """Load the index of `settings` (default: Settings()), building or refreshing it first if needed."""
        from qa.index.build import open_index

        settings = settings or Settings()
        return cls(open_index(settings, warn), settings)

    def with_models(self, models: Models) -> QA:
        """The same index and encoder answering with other fitted models (for held-out evaluation)."""
        return QA(self.stored, self.settings, models, self.encoder)

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
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise UsageError(f"k must be a whole number from 1 to {MAX_K}")
        ranking = self.rank(question, history)
        models = self.models
        on_topic = float(models.on_topic.probabilities(ranking.question_row)[0])
        if on_topic < models.on_topic_threshold or not len(ranking.units):
            return Answer(
                question=ranking.question,
                answered=False,
                passages=(),
                reason=NOTHING_RELEVANT,
                query=ranking.query,
            )
        passages, highlights = self._passages(ranking, k)
        answerable = float(models.answerable.probabilities(ranking.question_row)[0])
        if answerable < models.answerable_threshold:
            return Answer(
                question=ranking.question,
                answered=False,
                passages=tuple(passages),
                reason=RELATED_ONLY,
                query=ranking.query,
            )
        # "Sources differ" compares only passages whose answering sentence is about the question.
        addressing = [
            p for p, unit in zip(passages, highlights, strict=True) if self._addresses(ranking, unit)
        ]
        conflicts = find_conflicts(statements_of(addressing), aspects_for(ranking.aspects_kind, question))
        return Answer(
            question=ranking.question,
            answered=True,
            passages=tuple(passages),
            query=ranking.query,
            conflicts=tuple(conflicts),
        )

    def rank(self, question: str, history: Sequence[str] = ()) -> Ranking:
        """Candidate sentences for the question, scored by the sentence model, best first."""
        max_chars = self.settings.max_question_chars
        question = clean_question(question, max_chars)
        earlier = earlier_questions(history, max_chars)
        query = resolve_query(question, earlier)
        stored, table = self.stored, self._table
        terms = stored.lexical.query(query)
        vector = self.encoder.encode([query])[0]
        bm25 = stored.lexical.scores(terms)
        depth = min(self.settings.candidates, len(stored.sentences))
        scores, ids = stored.vectors.search(vector[None, :], depth)
        found = ids[0] >= 0  # an IVF index may return fewer than asked
        dense = {int(u): float(s) for u, s in zip(ids[0][found], scores[0][found], strict=True)}
        seeds = np.array(list(dict.fromkeys([*dense, *map(int, top_positive(bm25, depth))])), dtype=np.int64)
        prev, nxt = table.neighbours(seeds)
        pool = np.array(list(dict.fromkeys([*seeds, *prev[prev >= 0], *nxt[nxt >= 0]])), dtype=np.int64)
        shape = answer_shape(question)
        kind = shape.kind if shape is not None else None
        signals = QuestionSignals(vector, terms, bm25, dense, self._typed(kind, shape, pool))
        rows = sentence_features(table, signals, pool)
        logits = self.models.sentence.logits(rows)
        order = np.argsort(-logits, kind="stable")
        context = QuestionContext(
            known=stored.lexical.known_share(terms),
            title_max=float((stored.title_vectors.astype(np.float32) @ vector).max(initial=0.0)),
            typed=kind is not None,
        )
        question_row = question_features(rows, logits, context)
        return Ranking(question, query, pool[order], rows[order], logits[order], question_row, context, kind)

    def _typed(self, kind: str | None, shape: Any, pool: np.ndarray) -> np.ndarray | None:
        """Per sentence: holds the kind of thing the question asks for (entity labels from the index;
        a reason or a definition by its wording), or None for an open question."""
        if kind is None:
            return None
        if kind in ANSWER_LABELS:
            return (self._table.entity_masks & mask_of(ANSWER_LABELS[kind])) != 0
        pattern = PATTERNS["reason"] if kind == "reason" else shape.pattern
        typed = np.zeros(len(self.stored.sentences), dtype=bool)
        for unit in pool:
            typed[unit] = bool(pattern.search(self.stored.sentence_text(int(unit))))
        return typed

    @staticmethod
    def _addresses(ranking: Ranking, unit: int) -> bool:
        """The sentence holds most of the question's (IDF-weighted) words, or is close to it in meaning:
        the majority mark on both scales, not a fitted value."""
        found = np.flatnonzero(ranking.units == unit)
        if not len(found):
            return False
        row = ranking.rows[found[0]]
        return bool(
            row[SENTENCE_FEATURES.index("coverage")] >= 0.5 or row[SENTENCE_FEATURES.index("alone")] >= 0.5
        )

    def _passages(self, ranking: Ranking, k: int) -> tuple[list[Passage], list[int]]:
        """Sentence windows around the best sentences: merged, deduplicated, diversified, and each
        with its most likely answering sentence marked."""
        stored, sentences = self.stored, self.stored.sentences
        probabilities = ranking.probabilities
        hits = [Hit(int(u), float(p)) for u, p in zip(ranking.units, probabilities, strict=True)]
        spans = group_passages(hits, sentences, self.settings.window, k)
        texts = [stored.documents[s.doc].text[sentences[s.first, 2] : sentences[s.last, 3]] for s in spans]
        spans = diversify(distinct(spans, texts), k)
        likelihood = dict(zip(map(int, ranking.units), map(float, probabilities), strict=True))
        passages, highlights = [], []
        for span in spans:
            highlight = _most_likely(span, likelihood)
            passages.append(
                make_passage(stored.documents[span.doc], sentences, span, highlight, span.best.score)
            )
            highlights.append(highlight)
        return passages, highlights


def _most_likely(span: Span, likelihood: dict[int, float]) -> int:
    """The sentence of the passage the model thinks most likely answers (first one on a tie)."""
    units = range(span.first, span.last + 1)
    return max(units, key=lambda u: (likelihood.get(u, 0.0), -u))
