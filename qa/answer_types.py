"""What kind of thing a question asks for, and whether a sentence holds one (classic factoid QA)."""

from __future__ import annotations

import re
from typing import Literal

AnswerType = Literal["date", "duration", "quantity", "person", "place", "reason"]

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    "hundred|hundreds|thousand|thousands|million|millions|billion|billions|trillion|dozen|several|few"
)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"

PATTERNS: dict[str, re.Pattern[str]] = {
    "date": re.compile(
        rf"\b(({_MONTHS})\s+\d{{1,2}}|\d{{1,2}}\s+({_MONTHS})|({_MONTHS})\s+\d{{4}}|(in|since|by|of)\s+(19|20)\d{{2}}|"
        rf"{_WEEKDAYS}|yesterday|today|tonight|last (week|month|year)|(days?|weeks?|months?|years?) ago)\b",
        re.IGNORECASE,
    ),
    "duration": re.compile(
        rf"\b((\d+|{_NUMBER_WORDS}|a|an)\s+(\w+\s+)?(seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)|"
        rf"since\s+\w+)\b",
        re.IGNORECASE,
    ),
    "quantity": re.compile(
        rf"(\$|€|£)\s?\d|\b\d[\d,.]*\s*(%|percent|per cent)|\b\d[\d,.]*\b|\b({_NUMBER_WORDS})\b",
        re.IGNORECASE,
    ),
    "person": re.compile(
        r"\b(Dr|Mr|Mrs|Ms|Sir|Dame|Prof|President|Secretary|Senator)\.?\s+[A-Z]|"
        r"\b[A-Z][a-z]+\s+[A-Z][a-z]+,\s+(the\s+)?(chief|chair|head|director|founder|president|lead|ceo|cto)|"
        r"\b(said|says|according to)\s+[A-Z]|"
        r"\b[A-Z][\w.]*\s+(administration|government|department|ministry|council|agency|bureau)\b|"
        r"\b(Department|Bureau|Ministry|Council|Agency|Commission|government|administration) of\b|"
        r"\b(chairman|chairwoman|officer|founder|spokesperson|minister|secretary)\b|"
        r"\b(the|by)\s+(United States|US|U\.S\.|UK|EU|White House|Washington|Congress|Pentagon|Kremlin)\b",
    ),
    "place": re.compile(
        r"\b[A-Z][a-z]+([ -][A-Z][a-z]+)?-based\b|\b(in|from|at|based in|headquartered in)\s+[A-Z][a-z]+",
    ),
    "reason": re.compile(
        r"\b(because|due to|owing to|citing|cited|stemmed from|reason|so that|in order to|aimed at|"
        r"concerns?|fear|why)\b",
        re.IGNORECASE,
    ),
}

_QUESTION_TYPES: list[tuple[re.Pattern[str], AnswerType]] = [
    (re.compile(r"\bhow long\b|\bfor how many (days|weeks|months|years)\b", re.I), "duration"),
    (re.compile(r"\bwhen\b|\bwhat (date|day|year|month|time)\b|\bwhich (date|day|year)\b", re.I), "date"),
    (
        re.compile(r"\bhow (much|many)\b|\bwhat (percentage|share|number|amount|price|cost)\b", re.I),
        "quantity",
    ),
    (
        re.compile(r"\bwho(m|se)?\b|\bwhich (person|official|company|agency|administration|president)", re.I),
        "person",
    ),
    (re.compile(r"\bwhere\b|\bwhich (city|country|place)\b", re.I), "place"),
    (re.compile(r"\bwhy\b|\bwhat (is|was) the reason\b|\bfor what reason\b", re.I), "reason"),
]


def question_type(question: str) -> AnswerType | None:
    """The kind of answer a question wants, or None for open questions ("What is X?")."""
    for pattern, kind in _QUESTION_TYPES:
        if pattern.search(question):
            return kind
    return None


def holds(kind: AnswerType, sentence: str) -> bool:
    """True when the sentence contains something of the wanted kind."""
    return bool(PATTERNS[kind].search(sentence))
