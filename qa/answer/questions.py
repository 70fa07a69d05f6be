"""Checks of a question and of the chat's earlier questions, before anything is loaded for them."""

from __future__ import annotations

import re
import unicodedata

from qa.errors import UsageError

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
