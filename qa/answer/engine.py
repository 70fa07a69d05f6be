"""The one entry point: open an index, ask questions, get cited answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.answer.asking import Asked, Span, asked, asks_yes_or_no
from qa.answer.conflicts import Statement, find_conflicts
from qa.answer.questions import clean_question, earlier_questions
from qa.answer.reader import LABEL as READ_LABEL
from qa.answer.reader import SHIPPED_READER, LazyReader, Reader
from qa.answer.spans import find_answer
from qa.config import Settings
from qa.errors import ModelError, UsageError
from qa.index.entities import ANSWER_LABELS, mask_of
from qa.index.lexical import top_positive
from qa.index.store import StoredIndex
from qa.models import Answer, AnswerSpan, Document, NoAnswerReason, Passage
from qa.progress import Warn, to_stderr
from qa.retrieval.answer_types import AnswerType, ExpectedAnswer, expected_answer
from qa.retrieval.background import Background, load_background
from qa.retrieval.features import (
    QuestionContext,
    QuestionSignals,
    question_features,
    sentence_features,
    sigmoid,
)
from qa.retrieval.followup import resolve_query
from qa.retrieval.heuristics import DECISION_TOP
from qa.retrieval.passages import Hit, Window, distinct, diversify, group_passages, make_passage
from qa.retrieval.ranking import Models, load_models
from qa.retrieval.spelling import mend

if TYPE_CHECKING:
    from qa.index.embedding import OnnxEncoder
    from qa.index.warmup import EncoderWarmup

NOTHING_RELEVANT: NoAnswerReason = "nothing relevant"
RELATED_ONLY: NoAnswerReason = "related passages only"

MAX_K = 100  # passages per answer; also the bound of the top_k setting
READ_PASSAGES = 1  # passages whose marked sentence the reader reads when no entity answers


@dataclass(frozen=True)
class Ranking:
    """A question's candidate sentences, scored: what the answer is built from (and models fitted on)."""

    question: str
    query: str  # what was searched (a follow-up is widened with the chat)
    sentence_ids: np.ndarray  # candidate sentence ids, best first
    rows: np.ndarray  # their SENTENCE_FEATURES rows
    logits: np.ndarray  # the sentence model's logit for each
    question_row: np.ndarray  # QUESTION_FEATURES: evidence for answering at all
    context: QuestionContext
    answer_type: AnswerType | None  # what the question asks for; also picks what "sources differ" compares
    asked: Asked | None  # the kind of thing a span of the answering sentence gives (qa.answer.asking)
    top_spans: dict[int, Span | None]  # sentence id -> its answer, for the top sentences the decision read

    @property
    def probabilities(self) -> np.ndarray:
        return sigmoid(self.logits)


class QA:
    """Answers questions from one index. Build it with `QA.open()`; it holds no global state."""

    def __init__(
        self,
        stored: StoredIndex,
        settings: Settings,
        models: Models | None = None,
        encoder: OnnxEncoder | None = None,
        background: Background | None = None,
        reader_file: Path | None = SHIPPED_READER,
        warn: Warn = to_stderr,
    ) -> None:
        """`reader_file`: the reader's fitted changes (qa.answer.reader), None for answers read by
        entity spans alone; loaded at its first use (`QA.open` starts loading it at once)."""
        from qa.index.embedding import OnnxEncoder

        self.settings = settings
        self.stored = stored
        self.models = models or load_models()
        self.background = background or load_background()
        if self.models.background_sha256 not in ("", self.background.sha256):
            raise ModelError(
                "the answer-decision models were fitted with other background vectors than "
                "qa/data/background.npy; run scripts/fit_models.py --write"
            )
        self.encoder = encoder or OnnxEncoder(
            stored.encoder_path, stored.tokenizer_path, stored.manifest.max_tokens, settings.threads
        )
        self._table = stored.table
        self._reader: LazyReader | None = None
        if reader_file is not None:
            self._reader = LazyReader(reader_file, settings.cache_dir, settings.threads, warn)

    @classmethod
    def open(
        cls, settings: Settings | None = None, warn: Warn = to_stderr, warmup: EncoderWarmup | None = None
    ) -> QA:
        """Load the index of `settings` (default: Settings()), building or refreshing it first if needed.
        `warmup` (qa.index.warmup) may already be loading its encoder."""
        from qa.index.opening import open_index

        settings = settings or Settings()
        stored = open_index(settings, warn, warmup)
        encoder = warmup.encoder_of(stored.path) if warmup is not None else None
        engine = cls(stored, settings, encoder=encoder, warn=warn)
        if engine._reader is not None:
            engine._reader.start()
        return engine

    def with_models(self, models: Models) -> QA:
        """The same index, encoder and reader answering with other fitted models (for held-out
        evaluation)."""
        engine = QA(self.stored, self.settings, models, self.encoder, self.background, reader_file=None)
        engine._reader = self._reader  # loaded once, whichever engine uses it first
        return engine

    def with_reader(self, reader_file: Path | None) -> QA:
        """The same index, encoder and models marking answers with another reader (None: none)."""
        return QA(self.stored, self.settings, self.models, self.encoder, self.background, reader_file)

    @property
    def reader(self) -> Reader | None:
        """The reader (exported once into the encoder cache); None when there is none, or it cannot
        be made here (answers are then marked by entity spans alone)."""
        return None if self._reader is None else self._reader.get()

    @property
    def documents(self) -> Sequence[Document]:
        """The index's articles (each parsed when first used)."""
        return self.stored.documents

    def document(self, name: str) -> Document:
        for doc in self.stored.documents:
            if doc.name == name:
                return doc
        raise KeyError(name)

    def ask(self, question: str, history: Sequence[str] = (), k: int | None = None) -> Answer:
        """The best passages for the question, best first, or `answered=False` with the reason."""
        models = self.models
        return settle(
            self.reply(question, history, k),
            models.unsure_threshold,
            models.conflict_threshold,
            models.alike_threshold,
        )

    def reply(self, question: str, history: Sequence[str] = (), k: int | None = None) -> Reply:
        """The reply before it is settled: passages and answer spans, nothing yet judged unsure or
        compared (`settle` does that, with the fitted thresholds)."""
        k = self.settings.top_k if k is None else k
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise UsageError(f"k must be a whole number from 1 to {MAX_K}")
        ranking = self.rank(question, history)
        models = self.models
        kind = ranking.asked.kind if ranking.asked is not None else None
        on_topic = float(models.on_topic.probabilities(ranking.question_row)[0])
        if on_topic < models.on_topic_threshold or not len(ranking.sentence_ids):
            nothing = Answer(
                question=ranking.question,
                answered=False,
                passages=(),
                reason=NOTHING_RELEVANT,
                query=ranking.query,
            )
            return Reply(nothing, kind, np.zeros((0, 0), dtype=np.float32))
        passages, highlights = self._passages(ranking, k)
        vectors = np.asarray(
            self._table.sentence_vectors[np.array(highlights, dtype=np.int64)], dtype=np.float32
        )
        likeness = vectors @ vectors.T  # cosine of the passages' answering sentences (unit vectors)
        answerable = float(models.answerable.probabilities(ranking.question_row)[0])
        confidence = round(answerable, 4)
        if answerable < models.answerable_threshold:
            related = Answer(
                question=ranking.question,
                answered=False,
                passages=tuple(p.model_copy(update={"answer": None}) for p in passages),
                reason=RELATED_ONLY,
                query=ranking.query,
                confidence=confidence,
            )
            return Reply(related, kind, likeness)
        answer = Answer(
            question=ranking.question,
            answered=True,
            passages=tuple(self._read(ranking.question, passages)),
            query=ranking.query,
            confidence=confidence,
        )
        return Reply(answer, kind, likeness)

    def rank(self, question: str, history: Sequence[str] = ()) -> Ranking:
        """Candidate sentences for the question, scored by the sentence model, best first."""
        max_chars = self.settings.max_question_chars
        question = clean_question(question, max_chars)
        earlier = earlier_questions(history, max_chars)
        table = self._table
        query = mend(
            resolve_query(question, earlier),
            table.lexical.uses,
            lambda: table.word_counts,
            self.encoder.knows_word,
        )
        terms = table.lexical.query(query)
        vector = self.encoder.encode([query])[0]
        bm25 = table.lexical.scores(terms)
        depth = self.settings.candidates
        dense = table.nearest(vector, depth)
        seeds = np.array(list(dict.fromkeys([*dense, *map(int, top_positive(bm25, depth))])), dtype=np.int64)
        prev, nxt = table.neighbours(seeds)
        pool = np.array(list(dict.fromkeys([*seeds, *prev[prev >= 0], *nxt[nxt >= 0]])), dtype=np.int64)
        expected = expected_answer(question)
        answer_type = expected.answer_type if expected is not None else None
        signals = QuestionSignals(vector, terms, bm25, dense, self._holds_answer_type(expected, pool))
        rows = sentence_features(table, signals, pool)
        logits = self.models.sentence.logits(rows)
        order = np.argsort(-logits, kind="stable")
        wanted = asked(question)
        ordered = pool[order]
        top_spans: dict[int, Span | None] = {}
        span_found = None
        if wanted is not None:
            top_spans = {int(u): self.answer_in(wanted, int(u)) for u in ordered[:DECISION_TOP]}
            span_found = np.zeros(len(ordered), dtype=bool)
            span_found[: len(top_spans)] = [span is not None for span in top_spans.values()]
        context = QuestionContext(
            known=table.lexical.known_share(terms),
            title_max=float(table.title_similarity(None, vector).max(initial=0.0)),
            has_answer_type=expected is not None,
            background_similarity=self.background.similarity(vector),
            asks_span=wanted is not None,
            span_found=span_found,
        )
        question_row = question_features(rows[order], logits[order], context)
        return Ranking(
            question,
            query,
            ordered,
            rows[order],
            logits[order],
            question_row,
            context,
            answer_type,
            wanted,
            top_spans,
        )

    def answer_in(self, wanted: Asked | None, sentence_id: int) -> Span | None:
        """The span of the sentence that answers what the question asks for, if it holds one."""
        if wanted is None:
            return None
        return find_answer(wanted, self._table.text(sentence_id), self._table.entities(sentence_id))

    def _holds_answer_type(self, expected: ExpectedAnswer | None, pool: np.ndarray) -> np.ndarray | None:
        """Per sentence: holds the type of answer the question asks for (entity labels from the index;
        a reason or a definition by its wording), or None for an open question."""
        if expected is None:
            return None
        if expected.answer_type in ANSWER_LABELS:
            return (self._table.entity_masks & mask_of(ANSWER_LABELS[expected.answer_type])) != 0
        holds = np.zeros(len(self._table), dtype=bool)
        for sentence_id in pool:
            holds[sentence_id] = expected.holds(self._table.text(int(sentence_id)))
        return holds

    def _passages(self, ranking: Ranking, k: int) -> tuple[list[Passage], list[int]]:
        """Sentence windows around the best sentences: merged, deduplicated, diversified, and each
        with its most likely answering sentence marked."""
        table = self._table
        probabilities = ranking.probabilities
        hits = [Hit(int(u), float(p)) for u, p in zip(ranking.sentence_ids, probabilities, strict=True)]
        windows = group_passages(hits, table, self.settings.window, k)
        texts = [table.text(s.first, s.last) for s in windows]
        windows = diversify(distinct(windows, texts), k)
        likelihood = dict(zip(map(int, ranking.sentence_ids), map(float, probabilities), strict=True))
        passages, highlights = [], []
        for window in windows:
            highlight = _most_likely(window, likelihood)
            passage = make_passage(table, window, highlight, window.best.score)
            # the top sentences' answers were found for the decision: not searched for again
            span = (
                ranking.top_spans[highlight]
                if highlight in ranking.top_spans
                else self.answer_in(ranking.asked, highlight)
            )
            passages.append(_with_answer(passage, span))
            highlights.append(highlight)
        return passages, highlights

    def _read(self, question: str, passages: Sequence[Passage]) -> list[Passage]:
        """The passages, the first READ_PASSAGES marked sentences without an entity span of the kind
        asked for given the span the reader reads as the answer (not for a yes-or-no question: no
        span answers it). The reader costs about 5 ms a sentence here; the first passage is the
        answer, the others its support."""
        unread = [i for i, p in enumerate(passages[:READ_PASSAGES]) if p.answer is None]
        if not unread or asks_yes_or_no(question) or self.reader is None:
            return list(passages)
        reads = self.reader.read(question, [passages[i].highlight for i in unread])
        marked = list(passages)
        for i, read in zip(unread, reads, strict=True):
            marked[i] = _with_answer(passages[i], read.span if read is not None else None)
        return marked


@dataclass(frozen=True)
class Reply:
    """A reply before it is settled, with what settling reads besides the answer."""

    answer: Answer
    kind: str | None  # what the question asks for (qa.answer.asking.asked), for "sources differ"
    likeness: np.ndarray  # cosine between the passages' answering sentences, passage by passage


def settle(reply: Reply, unsure_below: float, compare_from: float, alike_from: float) -> Answer:
    """The reply, decided (a pure function, so its thresholds are fitted offline): unsure (closest
    passages, nothing marked, no note) when its confidence is under `unsure_below`; else "sources
    differ" on the answers of the passages whose relevance is at least `compare_from`, each said in
    a sentence at least `alike_from` alike to the answer's own (two reports of one fact)."""
    answer = reply.answer
    if not answer.answered:
        return answer
    if answer.confidence is not None and answer.confidence < unsure_below:
        passages = tuple(p.model_copy(update={"answer": None}) for p in answer.passages)
        return answer.model_copy(update={"passages": passages, "unsure": True, "conflicts": ()})
    # Only answers that are things (an entity, a description) are compared: words the reader marked
    # are free text, and two wordings of one answer would read as a disagreement.
    statements = [
        Statement(
            i,
            p.doc,
            p.answer.text if p.answer and p.answer.label != READ_LABEL else "",
            p.highlight,
            p.outlet or p.doc,
            p.answer.label if p.answer else "",
        )
        for i, p in enumerate(answer.passages)
        if p.score >= compare_from
    ]

    def alike(a: int, b: int) -> bool:
        return bool(reply.likeness[a, b] >= alike_from)

    conflicts = tuple(find_conflicts(statements, reply.kind, answer.question, alike))
    return answer.model_copy(update={"unsure": False, "conflicts": conflicts})


def _with_answer(passage: Passage, span: Span | None) -> Passage:
    """The passage with its marked sentence's answer (offsets into the passage's text)."""
    if span is None:
        return passage
    at = passage.highlight_start + span.start
    answer = AnswerSpan(text=span.text, start=at, end=at + len(span.text), label=span.label)
    return passage.model_copy(update={"answer": answer})


def _most_likely(window: Window, likelihood: dict[int, float]) -> int:
    """The sentence of the passage the model thinks most likely answers (first one on a tie)."""
    sentence_ids = range(window.first, window.last + 1)
    return max(sentence_ids, key=lambda u: (likelihood.get(u, 0.0), -u))
