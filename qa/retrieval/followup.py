"""Understand a follow-up question from the chat so far."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.retrieval.heuristics import FOLLOW_UP_CHAIN
from qa.text import content_words, words

_PRONOUNS = frozenset(
    "he she him her his hers they them their theirs it its this that these those then".split()
)
# "there" points back to a place ("How many people work there?") unless it is existential ("Is there
# a cure?", "There were three"), which English marks with a form of "be" (or "have") beside it.
_EXISTENTIAL_THERE = re.compile(
    r"\bthere\s+(is|are|was|were|be|been|has|have|had|will|would|seems?|appears?)\b"
    r"|\b(is|are|was|were|be|will|would)\s+there\b",
    re.IGNORECASE,
)
_COPULA = frozenset("is are was were am be".split())
_ELLIPTIC = re.compile(r"^\s*(and|but|so|also|what about|how about|and what about)\b", re.IGNORECASE)


def leans_on_history(question: str) -> bool:
    """True for "What did she say?", "When?", "And why was it lifted?": not understood alone."""
    tokens = words(question)
    if not tokens:
        return False
    if _ELLIPTIC.match(question):
        return True
    content = content_words(question)
    # "When?", "Which year?", "Who else?": fragments. One word with a form of "be" is a whole
    # question ("Who is the superintendent?", "What is BCC?").
    if not content or (len(content) == 1 and not _COPULA.intersection(tokens)):
        return True
    if tokens.count("there") > len(_EXISTENTIAL_THERE.findall(question)):
        return True
    return any(t in _PRONOUNS for t in tokens)


def resolve_query(question: str, history: Sequence[str]) -> str:
    """The text to search: the question, widened with the earlier question it leans on, itself
    resolved the same way ("Which company makes Calmera?" -> "Where is its factory?" -> "How many
    people work there?" searches all three), back to the latest question that stands on its own or
    FOLLOW_UP_CHAIN questions back.

    A self-contained question is searched as it is, so an unrelated new question does not drift
    toward the old topic.
    """
    earlier = [h.strip() for h in history if h and h.strip()]
    chain = [question]
    while earlier and leans_on_history(chain[0]) and len(chain) <= FOLLOW_UP_CHAIN:
        chain.insert(0, earlier.pop())
    return " ".join(chain)
