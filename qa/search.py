"""Retrieval as functions of their inputs: fuse rankings, grow passages, mark the answering sentence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa.lexical import top_positive
from qa.models import Document, Passage
from qa.text import normalize


@dataclass(frozen=True)
class Hit:
    """One sentence with its fused score and what each signal said of it."""

    unit: int
    fused: float
    dense: float  # cosine with the sentence embedded with its context
    alone: float  # cosine with the sentence embedded alone
    lexical: float  # BM25
    typed: bool  # holds the kind of answer the question asks for


def _rrf(ranking: Sequence[int], rrf_k: int) -> dict[int, float]:
    return {unit: 1.0 / (rrf_k + rank + 1) for rank, unit in enumerate(ranking)}


def rank(
    dense_ids: np.ndarray,
    dense_scores: np.ndarray,
    lexical_scores: np.ndarray,
    sentence_vectors: np.ndarray,
    query_vector: np.ndarray,
    depth: int,
    rrf_k: int,
    typed: Callable[[int], bool] | None,
    type_weight: float,
) -> list[Hit]:
    """Reciprocal rank fusion of three rankings of the candidates, with a bonus for the answer type.

    The rankings: dense search over sentences embedded with their context, the same candidates
    re-scored against each sentence embedded alone, and BM25. Candidates are the union of the
    dense and the BM25 top `depth`.
    """
    lexical_ids = top_positive(lexical_scores, depth)
    candidates = list(dict.fromkeys([*map(int, dense_ids), *map(int, lexical_ids)]))
    if not candidates:
        return []
    alone = sentence_vectors[candidates].astype(np.float32) @ query_vector
    alone_of = dict(zip(candidates, map(float, alone), strict=True))
    dense_of = {int(u): float(s) for u, s in zip(dense_ids, dense_scores, strict=True)}
    by_alone = [candidates[i] for i in np.argsort(-alone, kind="stable")]
    scores: dict[int, float] = {u: 0.0 for u in candidates}
    for ranking in (list(map(int, dense_ids)), by_alone, list(map(int, lexical_ids))):
        for unit, value in _rrf(ranking, rrf_k).items():
            scores[unit] += value
    hits = []
    for unit in candidates:
        is_typed = typed(unit) if typed is not None else False
        fused = scores[unit] + (type_weight / (rrf_k + 1) if is_typed else 0.0)
        hits.append(
            Hit(unit, fused, dense_of.get(unit, 0.0), alone_of[unit], float(lexical_scores[unit]), is_typed)
        )
    hits.sort(key=lambda h: (-h.fused, h.unit))
    return hits


@dataclass
class Span:
    """A growing passage: a window of consecutive sentences of one paragraph."""

    doc: int
    paragraph: int
    first: int  # first unit index
    last: int  # last unit index (inclusive)
    best: Hit
    members: list[Hit]


def window(sentences: np.ndarray, unit: int, radius: int) -> tuple[int, int]:
    """The units within `radius` of `unit` that share its paragraph."""
    doc, paragraph = int(sentences[unit, 0]), int(sentences[unit, 1])
    first = last = unit
    while first > 0 and first > unit - radius and _same(sentences, first - 1, doc, paragraph):
        first -= 1
    while last + 1 < len(sentences) and last < unit + radius and _same(sentences, last + 1, doc, paragraph):
        last += 1
    return first, last


def _same(sentences: np.ndarray, i: int, doc: int, paragraph: int) -> bool:
    return int(sentences[i, 0]) == doc and int(sentences[i, 1]) == paragraph


def group_passages(hits: Sequence[Hit], sentences: np.ndarray, radius: int, limit: int) -> list[Span]:
    """Grow each hit into a sentence window; hits whose windows touch are merged into one passage."""
    spans: list[Span] = []
    for hit in hits:
        first, last = window(sentences, hit.unit, radius)
        doc, paragraph = int(sentences[hit.unit, 0]), int(sentences[hit.unit, 1])
        merged = False
        for span in spans:
            if (
                span.doc == doc
                and span.paragraph == paragraph
                and first <= span.last + 1
                and last >= span.first - 1
            ):
                if span.first <= hit.unit <= span.last:
                    span.members.append(hit)  # already shown: no need to widen
                else:
                    span.first, span.last = min(span.first, first), max(span.last, last)
                    span.members.append(hit)
                merged = True
                break
        if not merged:
            spans.append(Span(doc, paragraph, first, last, hit, [hit]))
        if len(spans) >= limit * 3:
            break
    return spans


def diversify(spans: list[Span], k: int) -> list[Span]:
    """Best first, but each further passage from an article already shown waits behind other articles.

    The first passage is always the best one; after it, a passage from a new article is preferred
    unless it scores under half of the best remaining same-article one.
    """
    chosen: list[Span] = []
    remaining = list(spans)
    shown: set[int] = set()
    while remaining and len(chosen) < k:
        best = remaining[0]
        pick = best
        if best.doc in shown:
            for span in remaining:
                if span.doc not in shown and span.best.fused >= 0.5 * best.best.fused:
                    pick = span
                    break
        chosen.append(pick)
        shown.add(pick.doc)
        remaining.remove(pick)
    # The set is chosen for diversity; it is shown in order of relevance.
    return sorted(chosen, key=lambda span: -span.best.fused)


def _similar(a: set[str], b: set[str]) -> bool:
    if not a or not b or min(len(a), len(b)) < 0.8 * max(len(a), len(b)):
        return False  # Jaccard >= 0.8 needs sizes within 80% of each other
    return len(a & b) / len(a | b) >= 0.8


def distinct(spans: list[Span], texts: Sequence[str]) -> list[Span]:
    """Drop passages whose text repeats one already kept, give or take a few words (the same story
    syndicated twice)."""
    kept: list[Span] = []
    kept_words: list[set[str]] = []
    for span, text in zip(spans, texts, strict=True):
        words = set(normalize(text).split())
        if any(_similar(words, other) for other in kept_words):
            continue
        kept.append(span)
        kept_words.append(words)
    return kept


def pick_highlight(
    span: Span,
    query_vector: np.ndarray,
    sentence_vectors: np.ndarray,
    lexical_scores: np.ndarray,
    typed: Callable[[int], bool] | None,
) -> int:
    """The sentence of the passage that best answers: similarity of the sentence alone, nudged by
    its BM25 score and by holding the kind of answer asked for."""
    units = list(range(span.first, span.last + 1))
    dense = sentence_vectors[span.first : span.last + 1].astype(np.float32) @ query_vector
    lex = lexical_scores[span.first : span.last + 1]
    top = float(lex.max()) if len(lex) and lex.max() > 0 else 1.0
    scores = [
        float(dense[i]) + 0.15 * float(lex[i]) / top + (0.1 if typed is not None and typed(u) else 0.0)
        for i, u in enumerate(units)
    ]
    return span.first + int(np.argmax(scores))


def make_passage(
    doc: Document, sentences: np.ndarray, span: Span, highlight_unit: int, score: float
) -> Passage:
    start, end = int(sentences[span.first, 2]), int(sentences[span.last, 3])
    h_start, h_end = int(sentences[highlight_unit, 2]), int(sentences[highlight_unit, 3])
    raw_start, raw_end = doc.raw_span(start, end)
    return Passage(
        doc=doc.name,
        title=doc.title,
        paragraph=span.paragraph,
        start=raw_start,
        end=raw_end,
        text=doc.text[start:end],
        highlight=doc.text[h_start:h_end],
        highlight_start=h_start - start,
        score=round(score, 4),
        date=doc.date,
    )
