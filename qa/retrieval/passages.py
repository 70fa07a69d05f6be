"""Passages as functions of their inputs: grow scored sentences into windows, merge, dedupe, diversify."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.models import Document, Passage
from qa.text import normalize


@dataclass(frozen=True)
class Hit:
    """One candidate sentence and the sentence model's probability that it answers."""

    unit: int
    score: float


@dataclass
class Span:
    """A passage: a window of consecutive sentences of one paragraph around its best hit."""

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
    """Grow each hit, best first, into a sentence window of its paragraph.

    A passage is the window of its best sentence and nothing else: a weaker hit inside it joins it,
    and one whose window would overlap it gets a window clipped at its edge. So a passage's span
    never depends on how many passages were asked for.
    """
    spans: list[Span] = []
    for hit in hits:
        doc, paragraph = int(sentences[hit.unit, 0]), int(sentences[hit.unit, 1])
        same = [s for s in spans if s.doc == doc and s.paragraph == paragraph]
        holder = next((s for s in same if s.first <= hit.unit <= s.last), None)
        if holder is not None:
            holder.members.append(hit)
            continue
        first, last = window(sentences, hit.unit, radius)
        for span in same:
            if span.last < hit.unit:
                first = max(first, span.last + 1)
            elif span.first > hit.unit:
                last = min(last, span.first - 1)
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
                if span.doc not in shown and span.best.score >= 0.5 * best.best.score:
                    pick = span
                    break
        chosen.append(pick)
        shown.add(pick.doc)
        remaining.remove(pick)
    # The set is chosen for diversity; it is shown in order of relevance.
    return sorted(chosen, key=lambda span: -span.best.score)


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
        author=doc.author,
    )
