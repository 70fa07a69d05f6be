"""What type of answer a question asks for, and whether a sentence holds one (classic factoid QA)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from qa.text import MONTHS, NUMBER_WORDS, WEEKDAYS

AnswerType = Literal["date", "duration", "quantity", "person", "place", "reason", "definition"]

_NUMBER_WORDS = f"{NUMBER_WORDS}|several|few"  # vague amounts answer "how many" too

PATTERNS: dict[str, re.Pattern[str]] = {
    "date": re.compile(
        rf"\b(({MONTHS})\s+\d{{1,2}}|\d{{1,2}}\s+({MONTHS})|({MONTHS})\s+\d{{4}}|(in|since|by|of)\s+(19|20)\d{{2}}|"
        rf"{WEEKDAYS}|yesterday|today|tonight|last (week|month|year)|(days?|weeks?|months?|years?) ago)\b",
        re.IGNORECASE,
    ),
    "duration": re.compile(
        rf"\b((\d+|{_NUMBER_WORDS}|a|an)\s+(\w+\s+)?(seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)|"
        rf"since\s+\w+)\b",
        re.IGNORECASE,
    ),
    "quantity": re.compile(
        # A year ("in 2020") is a date and "GPT-4" a name, not quantities.
        rf"(\$|€|£)\s?\d|\b\d[\d,.]*\s*(%|percent|per cent)|(?<![\w-])(?!(?:19|20)\d\d\b)\d[\d,.]*\b"
        rf"|\b({_NUMBER_WORDS})\b",
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
        # Amounts and measurements: "how many", "what share", "what size", "how far did it fall".
        re.compile(
            r"\bhow (much|many|far|big|large|old|long ago|tall|heavy|high|low)\b|"
            r"\bwhat (percentage|percent|share|proportion|number|amount|price|cost|size|age|sum|fraction)\b",
            re.I,
        ),
        "quantity",
    ),
    (
        # People and named bodies: "who", "which company", "which competitors".
        re.compile(
            r"\bwho(m|se)?\b|\b(which|what) (person|people|official|officials|company|companies|firm|firms|"
            r"competitors?|rivals?|organi[sz]ations?|agency|agencies|administration|president|country|"
            r"countries|government|governments|group|groups|body|bodies)\b",
            re.I,
        ),
        "person",
    ),
    (re.compile(r"\bwhere\b|\bwhich (city|country|place)\b", re.I), "place"),
    (re.compile(r"\bwhy\b|\bwhat (is|was) the reason\b|\bfor what reason\b", re.I), "reason"),
]


def question_type(question: str) -> AnswerType | None:
    """The kind of answer a question wants, or None for open questions ("What is X?")."""
    for pattern, answer_type in _QUESTION_TYPES:
        if pattern.search(question):
            return answer_type
    return None


_WHAT_IS = re.compile(
    r"^\s*what\s+(?:is|are|was|were)\s+(?:an?\s+|the\s+)?(?P<subject>[^?]{2,60}?)\s*\??\s*$", re.I
)
_QUOTE = "[\"'“”‘’]?"
_GENUS = (
    "set|kind|type|form|framework|approach|method|system|way|principle|process|technique|term|concept|"
    "practice|philosophy|model|tool|body|group|programme|program|policy|law|rule"
)


@dataclass(frozen=True)
class ExpectedAnswer:
    """The type of answer a question wants, and how to recognise a sentence that gives one."""

    answer_type: AnswerType
    pattern: re.Pattern[str]

    def holds(self, sentence: str) -> bool:
        return bool(self.pattern.search(sentence))


def expected_answer(question: str) -> ExpectedAnswer | None:
    """Like `question_type`, and for "What is X?" a pattern for sentences that define X:
    "X is a ...", "X, a set of ...", "the concept of X", "known as X"."""
    answer_type = question_type(question)
    if answer_type is not None:
        return ExpectedAnswer(answer_type, PATTERNS[answer_type])
    match = _WHAT_IS.match(question)
    if match is None:
        return None
    subject = r"\s+".join(re.escape(w) for w in match.group("subject").split())
    definition = re.compile(
        rf"{_QUOTE}{subject}{_QUOTE}\s*(?:,|:|—|–|-|\(|is|are|refers to|means|describes)?\s*"
        rf"(?:an?|the)\s+(?:\w+\s+)?(?:{_GENUS})\b"
        rf"|(?:concept|idea|notion|principle) of\s+{_QUOTE}{subject}"
        rf"|(?:known as|called|defined as|dubbed)\s+{_QUOTE}{subject}"
        # An acronym defined by its expansion: "the National Medicines Safety Authority (NMSA)". The
        # capitals are matched case-sensitively: ignoring case, every word would start an expansion
        # and a long sentence cost ~0.5 ms of backtracking per search.
        rf"|(?-i:[A-Z][\w-]*(?:\s+(?:of|for|and|the|[A-Z][\w-]*))+)\s*\(\s*{subject}\s*\)",
        re.IGNORECASE,
    )
    return ExpectedAnswer("definition", definition)
