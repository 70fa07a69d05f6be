"""What a question asks for (`asked`), and the span of a sentence that answers it (`Span`).

A question asks for a kind of thing: a person, an organisation, a place, a date or time, an
amount, a count, a duration, or a description of someone named ("Who is X?"); often also the noun
it names ("how many *people*", "which *administration*"). Finding that thing in a sentence is
`qa.answer.spans`. `Span` is here, below `qa.answer.spans` and `qa.answer.descriptions`, which both
make one, so that neither imports the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from qa.text import STOPWORDS, words

Kind = Literal[
    "person", "organisation", "place", "date", "time", "duration", "amount", "count", "description", "value"
]  # fmt: skip

_QUESTION_KINDS: list[tuple[re.Pattern[str], Kind]] = [
    (
        re.compile(
            r"\bhow (?:long|quickly|soon)\b(?! ago)|\bfor how many (?:days|weeks|months|years|hours)\b", re.I
        ),
        "duration",
    ),
    (re.compile(r"\bhow many\b", re.I), "count"),
    (
        # a measure: "how close", "how well does it protect" (a rate), "how deadly" (a share)
        re.compile(
            r"\bhow (?:much|big|large|far|high|low|tall|heavy|deep|old|fast|hot|cold|warm|often|close|near|"
            r"well|badly|deadly|effective|likely|common|severe|strong)\b|"
            r"\bwhat\b.*\bcost(?:s|ing)?\b|\bworth\b|\bprice tag\b|"
            r"\bwhat(?:['’]s|\s+(?:is|was|are|were))?\s+(?:the\s+)?(?:percentage|percent|share|proportion|rate|"
            r"amount|sum|price|cost|size|figure|total|fee|fine|bill|salary|budget)\b",
            re.I,
        ),
        "amount",
    ),
    (re.compile(r"\bwhat time\b|\bat what hour\b", re.I), "time"),
    (
        re.compile(r"\bwhen\b|\b(?:what|which) (?:date|day|year|month|week)\b|\bhow long ago\b", re.I),
        "date",
    ),
    (
        re.compile(
            r"\bwhere\b|\b(?:which|what) (?:city|country|town|village|region|place|province|state)\b", re.I
        ),
        "place",
    ),
    (
        re.compile(
            r"\b(?:which|what) (?:company|companies|firm|firms|organi[sz]ations?|agency|agencies|body|bodies|"
            r"group|groups|government|governments|administration|authority|authorities|court|club|team|"
            r"party|union|ministry|department|bank|regulator)\b|\b(?:which|what) \w+['’]s? administration\b",
            re.I,
        ),
        "organisation",
    ),
    (
        re.compile(
            r"\bwho(?:m|se)?\b|\b(?:which|what) (?:person|people|official|officials|minister)\b", re.I
        ),
        "person",
    ),
]
_WHO_IS = re.compile(
    r"^\s*(?i:who)(?:\s+(?i:is|was|are|were)|['’]s)\s+(?P<subject>(?:[A-Z][\w.'’-]*\s*){1,5})\??\s*$"
)
# "who is marta silva": a name typed in lower case (a verb or an article after "is" is no name)
_WHO_IS_LOWER = re.compile(
    r"^\s*who(?:\s+(?:is|was)|['’]s)\s+(?!(?:the|a|an|this|that|in|on|at|to|now|still|being|going)\b)"
    r"(?P<subject>[a-z][\w'’-]+(?:\s+[a-z][\w'’-]+){1,2})\s*\??\s*$"
)
_WHAT_IS_NAMED = re.compile(
    r"^\s*(?i:what)\s+(?i:is|was|are|were)\s+(?i:the)\s+(?P<subject>[A-Z][\w.'’&-]*(?:\s+(?:of|for|and|[A-Z][\w.'’&-]*))*)"
    r"\s*\??\s*$"
)
_WHAT_IS = re.compile(
    r"^\s*what\s+(?:is|was|are|were)\s+(?!(?:the|an?|it|its|their|his|her|this|that|these|those)\b)"
    r"(?P<subject>[\w.'’& -]{2,50}?)\s*\??\s*$",
    re.I,
)
_ASKED_NOUN = re.compile(
    r"\b(?:which|what|how many)\s+(?!(?:is|was|are|were|did|does|do|has|have|had)\b)"
    r"(?:\w+['’]s?\s+)?(?P<noun>[a-z]+)",
    re.I,
)
_WHAT_THE = re.compile(
    r"^\s*what(?:\s+(?:is|was|are|were)|['’]s)\s+(?:the|its|their|his|her)\s+(?P<phrase>[\w'’ -]+?)\s*"
    r"(?:\?|$|\b(?:on|of|in|for|at|to|from|by|with|that|which|who|when|after|before|now|today)\b)",
    re.I,
)
# "Which museum has it?", "What penalty does a firm face?": a thing named by its noun
_WHICH_NOUN = re.compile(
    r"^\s*(?:\w+\s+)?(?:which|what)\s+(?!(?:is|was|are|were|did|does|do|has|have|had|will|would|can|"
    r"could|should|happened|happens|about|if|else)\b)(?P<noun>[a-z]+)\b",
    re.I,
)
_KEYWORDS = re.compile(
    r"^(?!.*\?)(?!\s*(?:who|what|when|where|why|how|which|whose|whom|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|has|have|had|and|but|so|tell|explain)\b)\s*[\w'’.,&$€£%-]+(?:\s+[\w'’.,&$€£%-]+){1,7}\s*$",
    re.I,
)


@dataclass(frozen=True)
class Asked:
    """What a question asks for: a kind of thing, the noun it names ("how many *people*", "which
    *administration*"), the someone it asks to describe, and its own words."""

    kind: Kind
    noun: str | None
    subject: str | None
    question: str

    @property
    def content(self) -> list[str]:
        return [w for w in words(self.question) if w not in STOPWORDS]


@dataclass(frozen=True)
class Span:
    """An answer found in a sentence: [start, end) of the sentence, its text and entity label."""

    start: int
    end: int
    text: str
    label: str


_YES_OR_NO = re.compile(
    r"^\s*(?:and\s+|so\s+|but\s+)?(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|"
    r"may|might|must|isn['’]t|aren['’]t|wasn['’]t|didn['’]t|doesn['’]t|hasn['’]t|haven['’]t)\b",
    re.I,
)


_WH_WORD = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)
# What starts a clause inside a question: "the victims *who* died", "doing *when* it hit the bike"
_CLAUSE_START = re.compile(
    r"\b(?:when|where|who|whom|whose|which|after|before|while|if|because|since|until|as|that)\b", re.I
)


def main_clause(question: str) -> str:
    """The question up to the first clause after its question word: what it asks for is said there.
    "What speed was the car doing *when it hit the bike*?" asks for a speed, not a date; "What ages
    were the victims *who died*?" for ages, not a person."""
    wh = _WH_WORD.search(question)
    if wh is None:
        return question
    inner = _CLAUSE_START.search(question, wh.end())
    return question if inner is None else question[: inner.start()]


def asks_yes_or_no(question: str) -> bool:
    """A question answered yes or no ("Did the ban end?"): no span of a sentence answers it."""
    return _YES_OR_NO.match(question) is not None


def asked(question: str) -> Asked | None:
    """The kind of thing the question asks for, or None for a question no span answers (why, how,
    yes or no, "what happened"). "What was the <noun>?" and "which <noun>" ask for a `value`."""
    who_is = (
        _WHO_IS.match(question)
        or _WHO_IS_LOWER.match(question)
        or _WHAT_IS.match(question)
        or _WHAT_IS_NAMED.match(question)
    )
    if who_is is not None:
        return Asked("description", None, who_is.group("subject").strip(), question)
    clause = main_clause(question)
    for pattern, kind in _QUESTION_KINDS:
        if pattern.search(clause):
            noun = _ASKED_NOUN.search(clause)
            return Asked(kind, noun.group("noun").lower() if noun else None, None, question)
    what = _WHAT_THE.match(clause)
    if what is not None:
        return Asked("value", what.group("phrase").split()[-1].lower(), None, question)
    which = _WHICH_NOUN.match(clause)
    if which is not None:
        return Asked("value", which.group("noun").lower(), None, question)
    if _KEYWORDS.match(question):  # "kessel bridge repair cost": words typed into a search box
        return Asked("value", words(question)[-1], None, question)
    return None
