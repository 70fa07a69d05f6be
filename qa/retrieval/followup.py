"""Understand a follow-up question from the chat so far."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.text import content_words, words

_PRONOUNS = frozenset(
    "he she him her his hers they them their theirs it its this that these those then".split()
)
_ELLIPTIC = re.compile(r"^\s*(and|but|so|also|what about|how about|and what about)\b", re.IGNORECASE)


def leans_on_history(question: str) -> bool:
    """True for "What did she say?", "When?", "And why was it lifted?": not understood alone."""
    tokens = words(question)
    if not tokens:
        return False
    if _ELLIPTIC.match(question):
        return True
    if len(content_words(question)) <= 1:
        return True
    return any(t in _PRONOUNS for t in tokens)


def resolve_query(question: str, history: Sequence[str]) -> str:
    """The text to search: the question, widened with the latest earlier question when it leans on it.

    A self-contained question is searched as it is, so an unrelated new question does not drift
    toward the old topic.
    """
    earlier = [h.strip() for h in history if h and h.strip()]
    if not earlier or not leans_on_history(question):
        return question
    return f"{earlier[-1]} {question}"
