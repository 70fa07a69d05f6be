"""Say when the articles disagree: different actors, dates, numbers or extents for the same thing.

Only what the text holds is compared: values are pulled from each passage's answering sentence
with patterns (administrations and presidents, dates and days, numbers with units, "partially" vs
"fully"), normalised, and reported when two articles state different values. Nothing is generated;
the note only quotes the values and names the articles (by outlet where known, else by file).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from qa.models import Conflict, ConflictValue, Passage
from qa.text import MONTHS, NUMBER_WORDS

_ADMINISTRATION = re.compile(
    r"\b(?:President\s+)?(?:[A-Z][a-z]+\s+)?([A-Z][a-z]+)(?:['’]s)?\s+administration\b|\bPresident\s+(?:[A-Z][a-z]+\s+)?([A-Z][a-z]+)\b"
)
_DATE = re.compile(
    rf"\b(?:({MONTHS})\s+(\d{{1,2}}),?\s+(\d{{4}})|(\d{{1,2}})\s+({MONTHS})\s+(\d{{4}}))\b"
    r"|\b(?:late\s+|early\s+|on\s+)?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today)\b",
    re.IGNORECASE,
)
_PARTIAL = re.compile(r"\b(partially|partly|partial|parts of|in part)\b", re.IGNORECASE)
_FULL = re.compile(
    r"\b(fully|entirely|completely|in full|effectively ends|ends a|ended the|all restrictions)\b",
    re.IGNORECASE,
)
_NUMBER_UNIT = re.compile(
    rf"\b(\d[\d,.]*|{NUMBER_WORDS})\s+(?:of\s+)?(days?|weeks?|months?|years?|dollars|percent|employees|people)\b",
    re.IGNORECASE,
)

Aspect = Literal["who", "when", "extent", "number"]
ASPECT_FOR_TYPE: dict[str, Aspect] = {
    "person": "who",
    "date": "when",
    "duration": "number",
    "quantity": "number",
}
_LABEL = {"who": "who", "when": "when", "extent": "how far", "number": "how much or how long"}


def _who(sentence: str) -> list[str]:
    names = []
    for match in _ADMINISTRATION.finditer(sentence):
        name = match.group(1) or match.group(2)
        if name and name not in ("The", "This", "That", "An", "A", "Its", "Their", "US", "U"):
            names.append(f"{name} administration")
    return names


def _when(sentence: str) -> list[str]:
    values = []
    for match in _DATE.finditer(sentence):
        if match.group(1):
            values.append(f"{match.group(1).capitalize()} {int(match.group(2))}, {match.group(3)}")
        elif match.group(5):
            values.append(f"{match.group(5).capitalize()} {int(match.group(4))}, {match.group(6)}")
        else:
            day = match.group(7)
            values.append(day.lower() if day.lower() in ("yesterday", "today") else day.capitalize())
    return values


def _extent(sentence: str) -> list[str]:
    if _PARTIAL.search(sentence):
        return ["partly"]
    if _FULL.search(sentence):
        return ["fully"]
    return []


def _number(sentence: str) -> list[str]:
    return [f"{m.group(1).lower()} {m.group(2).lower()}" for m in _NUMBER_UNIT.finditer(sentence)]


EXTRACTORS = {"who": _who, "when": _when, "extent": _extent, "number": _number}


@dataclass(frozen=True)
class Statement:
    """One passage that addresses the question, and its answering sentence."""

    rank: int
    doc: str
    sentence: str
    source: str = ""  # how the note names the article: its outlet where known, else its file


def find_conflicts(statements: Sequence[Statement], aspects: Sequence[Aspect]) -> list[Conflict]:
    """For each aspect, the values that different articles state, when they differ.

    Quiet when only one article states a value, or all state the same one. A passage stating two
    values for one aspect (e.g. two dates) is left out of that aspect: it does not take a side.
    """
    conflicts = []
    for aspect in aspects:
        by_value: dict[str, list[Statement]] = {}
        for statement in statements:
            values = list(dict.fromkeys(EXTRACTORS[aspect](statement.sentence)))
            if len(values) != 1:
                continue
            by_value.setdefault(values[0], []).append(statement)
        docs_by_value = {v: list(dict.fromkeys(s.doc for s in ss)) for v, ss in by_value.items()}
        all_docs = {d for ds in docs_by_value.values() for d in ds}
        if len(by_value) < 2 or len(all_docs) < 2:
            continue
        stated = tuple(
            ConflictValue(value=v, passages=tuple(s.rank for s in ss), docs=tuple(docs_by_value[v]))
            for v, ss in by_value.items()
        )
        source = {s.doc: s.source or s.doc for s in statements}
        sides = " vs ".join(
            f"{v.value} ({', '.join(dict.fromkeys(source[d] for d in v.docs))})" for v in stated
        )
        conflicts.append(
            Conflict(aspect=aspect, values=stated, note=f"Sources differ on {_LABEL[aspect]}: {sides}")
        )
    return conflicts


def aspects_for(answer_type: str | None, question: str) -> list[Aspect]:
    """Which aspects a question is about: its answer type, plus extent for questions about lifting."""
    aspects: list[Aspect] = []
    if answer_type in ASPECT_FOR_TYPE:
        aspects.append(ASPECT_FOR_TYPE[answer_type])
    if re.search(
        r"\b(fully|partly|partially|completely|entirely|extent|how far|whole|all)\b", question, re.I
    ):
        aspects.append("extent")
    return aspects


def statements_of(passages: Sequence[Passage]) -> list[Statement]:
    return [
        Statement(rank=i, doc=p.doc, sentence=p.highlight, source=p.outlet or p.doc)
        for i, p in enumerate(passages)
    ]
