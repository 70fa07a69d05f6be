"""What the learned models see: features of candidate sentences and of a whole question.

Everything here is a function of the question and the stored index: no model is loaded and nothing
is tuned by hand. The weights live in `qa/data/models.json`, fitted by `scripts/fit_models.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.index.lexical import LexicalIndex, QueryTerms
from qa.index.table import SentenceTable
from qa.retrieval.heuristics import DECISION_TOP, LEAD_PARAGRAPHS, NO_CANDIDATE_LOGIT, RANK_DECAY

# Per candidate sentence. "gap" features are relative to the best candidate of the same question, so
# that one weight works for questions (and corpora) whose raw scores sit at different levels.
SENTENCE_FEATURES = (
    "dense",  # cosine with the sentence embedded with its context (FAISS)
    "alone",  # cosine with the sentence embedded alone
    "dense_gap",
    "alone_gap",
    "bm25",  # BM25 over the question's best BM25 score
    "coverage",  # IDF-weighted share of the question's terms in the sentence
    "coverage_gap",
    "window_coverage",  # the same over the sentence and its neighbours in the paragraph
    "neighbour_alone",  # the best neighbour's cosine: answers often sit beside the matching sentence
    "type_match",  # holds the kind of thing asked for (NER label, reason cue, definition)
    "title",  # cosine of the question with the article's title
    "lead",  # in the article's first two paragraphs
    "question_mark",  # the sentence is itself a question (an FAQ heading, a rhetorical question)
    "length",  # log of the sentence's length in words
    "doc_gap",  # how far the article's best sentence is behind the best overall
    "rank_dense",  # 1 / (1 + rank / RANK_DECAY) in each ranking of the candidate pool
    "rank_alone",
    "rank_bm25",
)

# Per question, for the decision to answer at all.
QUESTION_FEATURES = (
    "top",  # the ranker's logit for the best sentence
    "alone_max",  # best cosine of the question with any candidate sentence
    "coverage_max",  # best share of the question's terms found in one sentence
    "top_window_coverage",  # share of the question's terms around the best sentence
    "known",  # share of the question's terms the corpus uses at all
    "title_max",  # best cosine of the question with an article's title: is the corpus about this?
    "typed_support",  # best coverage among the top sentences that hold the kind of thing asked for
    "clarity",  # alone_max minus how close unrelated news comes (see qa/retrieval/background.py)
    "asks_span",  # the question asks for a kind of thing a span answers (a name, a date, an amount...)
    "span_missing",  # it does, and none of the top sentences holds one it does not already name
    "span_support",  # the best ranker probability among the top sentences that hold such a span
)


@dataclass(frozen=True)
class QuestionContext:
    """What a question's decision features need besides its candidates."""

    known: float  # share of the question's terms the corpus uses at all
    title_max: float  # best cosine with an article title
    has_answer_type: bool  # the question asks for a type of thing (a date, a person, an amount...)
    background_similarity: float  # how close unrelated news comes to the question (background.py)
    asks_span: bool = False  # the question asks for a thing a span answers (qa.answer.asking.asked)
    # per candidate (in the order of the rows it goes with): 1 where the sentence holds such a span;
    # a question's reply fills in only its top sentences, which are all the decision reads
    span_found: np.ndarray | None = None


@dataclass(frozen=True)
class QuestionSignals:
    """What is known of one question before its candidates are scored."""

    vector: np.ndarray
    terms: QueryTerms
    bm25: np.ndarray  # BM25 score of every sentence
    dense: dict[int, float]  # FAISS hits: sentence_id -> cosine with the sentence in context
    holds_answer_type: np.ndarray | None  # bool per sentence; None when the question has no answer type


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Logits as probabilities; clipped so that exp never overflows."""
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))


def _rank_feature(order: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=np.float32)
    out[order] = 1.0 / (1.0 + np.arange(len(order), dtype=np.float32) / RANK_DECAY)
    return out


def sentence_features(table: SentenceTable, signals: QuestionSignals, sentence_ids: np.ndarray) -> np.ndarray:
    """Feature rows (len(sentence_ids) x SENTENCE_FEATURES) for a pool of candidate sentences."""
    n = len(sentence_ids)
    vector = signals.vector
    alone = table.alone_similarity(sentence_ids, vector)
    floor = min(signals.dense.values()) if signals.dense else float(alone.min(initial=0.0))
    dense = np.array([signals.dense.get(int(u), floor) for u in sentence_ids], dtype=np.float32)
    bm25 = signals.bm25[sentence_ids].astype(np.float32)
    bm25_top = float(bm25.max(initial=0.0))

    prev, nxt = table.neighbours(sentence_ids)
    has_prev, has_next = prev >= 0, nxt >= 0
    # Presence of each query term in the sentence and in its neighbours, in one lookup.
    stacked = np.concatenate(
        [sentence_ids, np.where(has_prev, prev, sentence_ids), np.where(has_next, nxt, sentence_ids)]
    )
    presence = table.lexical.presence(signals.terms, stacked)
    own = presence[:n]
    window = own | (presence[n : 2 * n] & has_prev[:, None]) | (presence[2 * n :] & has_next[:, None])
    coverage = LexicalIndex.weighted_share(signals.terms, own)
    window_coverage = LexicalIndex.weighted_share(signals.terms, window)

    neighbour = np.zeros(n, dtype=np.float32)
    for side, present in ((prev, has_prev), (nxt, has_next)):
        if present.any():
            scores = table.alone_similarity(side[present], vector)
            neighbour[present] = np.maximum(neighbour[present], scores)

    docs = table.docs(sentence_ids)
    doc_best = np.full(len(table.documents), -np.inf, dtype=np.float32)
    np.maximum.at(doc_best, docs, alone)  # (not np.unique: its first call imports numpy.ma, 10 ms)
    doc_gap = doc_best[docs] - np.float32(alone.max(initial=0.0))
    title = table.title_similarity(docs, vector)
    type_match = (
        signals.holds_answer_type[sentence_ids].astype(np.float32)
        if signals.holds_answer_type is not None
        else np.zeros(n, np.float32)
    )

    columns = {
        "dense": dense,
        "alone": alone,
        "dense_gap": dense - dense.max(initial=0.0),
        "alone_gap": alone - alone.max(initial=0.0),
        "bm25": bm25 / bm25_top if bm25_top > 0 else np.zeros(n, np.float32),
        "coverage": coverage,
        "coverage_gap": coverage - coverage.max(initial=0.0),
        "window_coverage": window_coverage,
        "neighbour_alone": neighbour,
        "type_match": type_match,
        "title": title,
        "lead": (table.paragraphs(sentence_ids) <= LEAD_PARAGRAPHS).astype(np.float32),
        "question_mark": table.question_marks[sentence_ids].astype(np.float32),
        "length": np.log1p(table.words[sentence_ids].astype(np.float32)),
        "doc_gap": doc_gap,
        "rank_dense": _rank_feature(np.argsort(-dense, kind="stable"), n),
        "rank_alone": _rank_feature(np.argsort(-alone, kind="stable"), n),
        "rank_bm25": _rank_feature(np.argsort(-bm25, kind="stable")[: int((bm25 > 0).sum())], n),
    }
    return np.stack([columns[name] for name in SENTENCE_FEATURES], axis=1).astype(np.float32)


def question_features(
    rows: np.ndarray, logits: np.ndarray, context: QuestionContext, top: int = DECISION_TOP
) -> np.ndarray:
    """The QUESTION_FEATURES row of one question, from its candidates' rows and ranker logits."""
    if not len(rows):
        nothing = [NO_CANDIDATE_LOGIT, 0.0, 0.0, 0.0, context.known, context.title_max, 0.0]
        asks = float(context.asks_span)
        return np.array([*nothing, -context.background_similarity, asks, asks, 0.0], dtype=np.float32)
    column = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
    alone_max = float(rows[:, column["alone"]].max())
    best = np.argsort(-logits, kind="stable")[:top]
    coverage = rows[best, column["coverage"]]
    if context.has_answer_type:
        coverage = coverage * rows[best, column["type_match"]]
    found = (
        context.span_found[best].astype(np.float32)
        if context.span_found is not None
        else np.zeros(len(best), dtype=np.float32)
    )
    asks = float(context.asks_span)
    support = float((sigmoid(logits[best]) * found).max()) if asks else 0.0
    return np.array(
        [
            float(logits[best[0]]),
            alone_max,
            float(rows[:, column["coverage"]].max()),
            float(rows[best[0], column["window_coverage"]]),
            context.known,
            context.title_max,
            float(coverage.max()),
            alone_max - context.background_similarity,
            asks,
            asks * float(not found.any()),
            support,
        ],
        dtype=np.float32,
    )
