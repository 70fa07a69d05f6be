"""Passages as functions of their inputs: grow scored sentences into windows, merge, dedupe, diversify."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa.index.table import SentenceTable
from qa.models import Passage
from qa.retrieval.heuristics import DUPLICATE_JACCARD, SAME_ARTICLE_RATIO, WINDOWS_PER_PASSAGE
from qa.text import normalize


@dataclass(frozen=True)
class Hit:
    """One candidate sentence and the sentence model's probability that it answers."""

    sentence_id: int
    score: float


@dataclass
class Window:
    """A passage: a window of consecutive sentences of one paragraph around its best hit."""

    doc: int
    paragraph: int
    first: int  # first sentence id
    last: int  # last sentence id (inclusive)
    best: Hit
    members: list[Hit]


def window_bounds(table: SentenceTable, sentence_id: int, radius: int) -> tuple[int, int]:
    """The first and last sentence within `radius` of `sentence_id` that share its paragraph."""
    place = table.place(sentence_id)
    first = last = sentence_id
    while first > 0 and first > sentence_id - radius and table.place(first - 1) == place:
        first -= 1
    while last + 1 < len(table) and last < sentence_id + radius and table.place(last + 1) == place:
        last += 1
    return first, last


def group_passages(hits: Sequence[Hit], table: SentenceTable, radius: int, limit: int) -> list[Window]:
    """Grow each hit, best first, into a sentence window of its paragraph.

    A passage is the window of its best sentence and nothing else: a weaker hit inside it joins it,
    and one whose window would overlap it gets a window clipped at its edge. So a passage's extent
    never depends on how many passages were asked for.
    """
    windows: list[Window] = []
    for hit in hits:
        doc, paragraph = table.place(hit.sentence_id)
        same = [s for s in windows if s.doc == doc and s.paragraph == paragraph]
        holder = next((s for s in same if s.first <= hit.sentence_id <= s.last), None)
        if holder is not None:
            holder.members.append(hit)
            continue
        first, last = window_bounds(table, hit.sentence_id, radius)
        for window in same:
            if window.last < hit.sentence_id:
                first = max(first, window.last + 1)
            elif window.first > hit.sentence_id:
                last = min(last, window.first - 1)
        windows.append(Window(doc, paragraph, first, last, hit, [hit]))
        if len(windows) >= limit * WINDOWS_PER_PASSAGE:
            break
    return windows


def diversify(windows: list[Window], k: int) -> list[Window]:
    """Best first, but each further passage from an article already shown waits behind other articles.

    The first passage is always the best one; after it, a passage from a new article is preferred
    unless it scores under half of the best remaining same-article one.
    """
    chosen: list[Window] = []
    remaining = list(windows)
    shown: set[int] = set()
    while remaining and len(chosen) < k:
        best = remaining[0]
        pick = best
        if best.doc in shown:
            for window in remaining:
                if window.doc not in shown and window.best.score >= SAME_ARTICLE_RATIO * best.best.score:
                    pick = window
                    break
        chosen.append(pick)
        shown.add(pick.doc)
        remaining.remove(pick)
    # The set is chosen for diversity; it is shown in order of relevance.
    return sorted(chosen, key=lambda window: -window.best.score)


def _similar(a: set[str], b: set[str]) -> bool:
    if not a or not b or min(len(a), len(b)) < DUPLICATE_JACCARD * max(len(a), len(b)):
        return False  # such a Jaccard needs sizes within that ratio of each other
    return len(a & b) / len(a | b) >= DUPLICATE_JACCARD


def distinct(windows: list[Window], texts: Sequence[str]) -> list[Window]:
    """Drop passages whose text repeats one already kept, give or take a few words (the same story
    syndicated twice)."""
    kept: list[Window] = []
    kept_words: list[set[str]] = []
    for window, text in zip(windows, texts, strict=True):
        words = set(normalize(text).split())
        if any(_similar(words, other) for other in kept_words):
            continue
        kept.append(window)
        kept_words.append(words)
    return kept


def make_passage(table: SentenceTable, window: Window, highlight_id: int, score: float) -> Passage:
    """The passage as the reader sees it: its text, the marked sentence, and where both are in the
    article as read from disk."""
    doc = table.documents[window.doc]
    start, end = table.char_span(window.first, window.last)
    h_start, h_end = table.char_span(highlight_id, highlight_id)
    raw_start, raw_end = doc.raw_span(start, end)
    return Passage(
        doc=doc.name,
        title=doc.title,
        paragraph=window.paragraph,
        start=raw_start,
        end=raw_end,
        text=doc.text[start:end],
        highlight=doc.text[h_start:h_end],
        highlight_start=h_start - start,
        score=round(score, 4),
        date=doc.date,
        date_from_file=doc.date_from_file,
        author=doc.author,
        outlet=doc.outlet,
        url=doc.url,
        page=doc.page_at(start),
    )
