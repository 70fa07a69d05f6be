"""Say when the articles disagree: different answers to the same question, from different articles.

Only answers are compared: the span each passage's answering sentence gives for what the question
asks (qa.answer.spans), and only from sentences the ranker judges likely to answer it, so a figure
from another story is never set against the answer. Values are compared as what they are: numbers
by value with their scale and unit or currency, and by the side of the number their hedge puts the
true value on ("nearly 500" is not "about 300", "about 48,000" is "48,000", "more than 80" is not
"80"; "almost a fifth" is a percentage; a sum of money is not set against a count), dates field by
field (a weekday against a full date through the calendar), names by their words ("Okafor" is
"Maria Okafor"). For questions about how far something went, "partly"
and "fully" in the answering sentences are compared too. Nothing is generated: the note quotes the
values and names the articles (by outlet where known, else by file).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from qa.answer.asking import Kind
from qa.models import Conflict, ConflictValue
from qa.text import MONTHS, STOPWORDS, WEEKDAYS, normalize, words

Aspect = Literal["who", "what", "when", "where", "extent", "number"]
ASPECT_OF_KIND: dict[str, Aspect] = {
    "person": "who",
    "organisation": "who",
    "place": "where",
    "date": "when",
    "time": "when",
    "amount": "number",
    "count": "number",
    "duration": "number",
    "value": "what",
}
_LABEL = {
    "who": "who",
    "what": "what",
    "when": "when",
    "where": "where",
    "extent": "how far",
    "number": "how much or how many",
}

_PARTIAL = re.compile(r"\b(partially|partly|partial|in part)\b", re.I)
_FULL = re.compile(r"\b(fully|entirely|completely|in full|wholly)\b", re.I)
_ABOUT_EXTENT = re.compile(r"\b(fully|partly|partially|completely|entirely|extent|how far|in full)\b", re.I)

_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
     "hundred": 100, "dozen": 12, "a dozen": 12}  # fmt: skip
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "m": 1e6, "bn": 1e9, "k": 1e3}
_NUMBER = re.compile(
    r"(?P<n>\d+(?:[.,]\d+)*|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|m|k)\b)?",
    re.I,
)
_CURRENCY = {"$": "dollar", "€": "euro", "£": "pound", "¥": "yen", "₹": "rupee"}
_MONTH = re.compile(rf"\b({MONTHS})\b", re.I)
_WEEKDAY = re.compile(rf"\b({WEEKDAYS})\b", re.I)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_DAY = re.compile(r"\b([12]?\d|3[01])(?:st|nd|rd|th)?\b")
_DAYS = {
    "hour": 1 / 24,
    "day": 1.0,
    "week": 7.0,
    "fortnight": 14.0,
    "month": 30.0,
    "year": 365.0,
    "decade": 3650.0,
}


@dataclass(frozen=True)
class Statement:
    """One passage's answer to the question: the span its answering sentence gives."""

    rank: int
    doc: str
    answer: str
    sentence: str = ""
    source: str = ""  # how the note names the article: its outlet where known, else its file
    label: str = ""  # what the answer is (spaCy's entity label): a person is not set against a country


def find_conflicts(
    statements: Sequence[Statement],
    kind: Kind | str | None,
    question: str,
    alike: Callable[[int, int], bool] | None = None,
) -> list[Conflict]:
    """The different answers that different articles give, when they differ. `alike(a, b)` says
    whether the passages of ranks a and b report the same fact (their sentences are alike): an
    answer is set against the best one only then.

    Quiet when only one article answers, or all give compatible answers."""
    conflicts = []
    aspect = ASPECT_OF_KIND.get(kind or "")
    if aspect is not None:
        for answers in _comparable(statements, kind or ""):
            if alike is not None:
                answers = [s for s in answers if s is answers[0] or alike(answers[0].rank, s.rank)]
            conflict = _conflict(aspect, _group(answers, lambda a, b: _same(kind or "", a, b)), statements)
            if conflict is not None:
                conflicts.append(conflict)
    if _ABOUT_EXTENT.search(question):
        extents = [
            Statement(s.rank, s.doc, extent, s.sentence, s.source)
            for s in statements
            if (extent := _extent(s.sentence))
        ]
        conflict = _conflict("extent", _group(extents, lambda a, b: a == b), statements)
        if conflict is not None:
            conflicts.append(conflict)
    return conflicts


def _comparable(statements: Sequence[Statement], kind: str) -> list[list[Statement]]:
    """The answers in sets that can be compared, best first: those measured alike (a sum of money is
    not set against a count of people) or of one sort of name (a person is not set against a
    country), each article's best answer in each set (its side)."""
    sets: dict[str, dict[str, Statement]] = {}
    for statement in statements:
        if statement.answer:
            kept = sets.setdefault(_sort(kind, statement), {})
            kept.setdefault(statement.doc, statement)
    return [list(kept.values()) for kept in sets.values()]


_NAMES = {"PERSON": "person", "ORG": "body", "NORP": "body", "GPE": "place", "LOC": "place", "FAC": "place"}


def _sort(kind: str, statement: Statement) -> str:
    if kind in ("person", "organisation", "place", "value") and statement.label in _NAMES:
        return _NAMES[statement.label]
    if kind not in ("amount", "count", "duration", "value"):
        return ""
    amount = _amount(statement.answer)
    return "-" if amount is None else amount.unit


def _group(statements: Sequence[Statement], same: Callable[[str, str], bool]) -> list[list[Statement]]:
    """Statements in groups of compatible answers, in rank order (the first of a group names it)."""
    groups: list[list[Statement]] = []
    for statement in statements:
        for group in groups:
            if same(group[0].answer, statement.answer):
                group.append(statement)
                break
        else:
            groups.append([statement])
    return groups


def _conflict(aspect: Aspect, groups: list[list[Statement]], every: Sequence[Statement]) -> Conflict | None:
    docs = [list(dict.fromkeys(s.doc for s in group)) for group in groups]
    # A side needs an article no other side has: one article stating two things takes no side.
    sides = [
        (g, d)
        for g, d in zip(groups, docs, strict=True)
        if set(d) - {x for o in docs if o is not d for x in o}
    ]
    if len(sides) < 2:
        return None
    values = tuple(
        ConflictValue(value=group[0].answer, passages=tuple(s.rank for s in group), docs=tuple(d))
        for group, d in sides
    )
    source = {s.doc: s.source or s.doc for s in every}
    text = " vs ".join(f"{v.value} ({', '.join(dict.fromkeys(source[d] for d in v.docs))})" for v in values)
    return Conflict(aspect=aspect, values=values, note=f"Sources differ on {_LABEL[aspect]}: {text}")


def _extent(sentence: str) -> str:
    if _PARTIAL.search(sentence):
        return "partly"
    if _FULL.search(sentence):
        return "fully"
    return ""


def _same(kind: str, a: str, b: str) -> bool:
    """Whether two answers of one kind can both be true."""
    if normalize(a) == normalize(b):
        return True
    if kind in ("date", "time"):
        return _same_date(a, b)
    x, y = _amount(a), _amount(b)
    if x is not None and y is not None:
        return _same_amount(x, y)
    if kind in ("amount", "count", "duration"):
        return True  # a figure and no figure ("Thursday" for "how long"): nothing to compare
    return _same_words(a, b)


@dataclass(frozen=True)
class _Amount:
    value: float
    unit: str  # a currency, "percent", "day" for durations, "tally", or the word after the number
    bound: str = "="  # what the hedge says of the true value: "=" it or near it, ">" above, "<" below,
    # ">=" at least, "<=" at most


# A hedge says which side of its number the true value lies: "more than 80" is not "80", while
# "about 3,000" is "3,000" and "at least 80" may be.
_BOUNDS = (
    (">=", re.compile(r"\b(?:at least|no fewer than|no less than)\s*$", re.I)),
    ("<=", re.compile(r"\b(?:at most|up to|as many as|as much as|no more than)\s*$", re.I)),
    (">", re.compile(r"\b(?:more than|over|above|upwards of|in excess of|just over|exceeding)\s*$", re.I)),
    ("<", re.compile(r"\b(?:less than|fewer than|under|below|nearly|almost|close to|just under)\s*$", re.I)),
)
_FRACTIONS = {"half": 50.0, "third": 100 / 3, "quarter": 25.0, "fifth": 20.0, "tenth": 10.0}
_FRACTION = re.compile(r"\b(?:a|one)\s+(half|third|quarter|fifth|tenth)\b", re.I)


def _amount(text: str) -> _Amount | None:
    """A number in the answer, with its scale and its unit (currency, %, the word after it)."""
    tally = re.search(r"\b(\d+)\s*[-–]\s*(\d+)\b", text)
    if tally is not None and not re.search(r"[$€£¥₹%]", text):  # a vote or a score, "5-4", compared whole
        return _Amount(float(tally.group(1)) * 1000 + float(tally.group(2)), "tally")
    fraction = _FRACTION.search(text)
    if fraction is not None and _NUMBER.search(text[: fraction.start()]) is None:  # "almost a fifth"
        return _Amount(_FRACTIONS[fraction.group(1).lower()], "percent", _bound(text[: fraction.start()]))
    match = _NUMBER.search(text)
    if match is None:
        return None
    raw = match.group("n").lower()
    try:
        value = float(_NUMBER_WORDS[raw]) if raw in _NUMBER_WORDS else float(raw.replace(",", ""))
    except ValueError:  # "1.2.3": a version or a list, not an amount
        return None
    if match.group("scale"):
        value *= _SCALE[match.group("scale").lower()]
    before = text[: match.start()]
    after = words(text[match.end() :])
    currency = next((name for sign, name in _CURRENCY.items() if sign in before), "")
    if currency:
        unit = currency
    elif "%" in text or after[:1] == ["percent"] or after[:2] == ["per", "cent"]:
        unit = "percent"
    else:
        unit = after[0].rstrip("s") if after else ""
    if unit in _DAYS:  # durations in days: "one week" is "seven days"
        value, unit = value * _DAYS[unit], "day"
    return _Amount(value, unit, _bound(before))


def _bound(before: str) -> str:
    return next((bound for bound, hedge in _BOUNDS if hedge.search(before)), "=")


# Which bounds on one number can both be true: "over 80" and "more than 80", "80" and "at least 80".
_COMPATIBLE_BOUNDS = {
    frozenset({"="}), frozenset({">"}), frozenset({"<"}), frozenset({">="}), frozenset({"<="}),
    frozenset({"=", ">="}), frozenset({"=", "<="}), frozenset({">", ">="}), frozenset({"<", "<="}),
}  # fmt: skip


def _same_amount(a: _Amount, b: _Amount) -> bool:
    # different things ("$48.2 million" and "5") are not comparable, so no disagreement
    if a.unit != b.unit:
        return True
    return a.value == b.value and frozenset({a.bound, b.bound}) in _COMPATIBLE_BOUNDS


def _date_fields(text: str) -> dict[str, str]:
    fields = {}
    if (month := _MONTH.search(text)) is not None:
        fields["month"] = month.group(1).lower()
        day = _DAY.search(text[month.end() : month.end() + 5]) or _DAY.search(
            text[max(0, month.start() - 5) : month.start()]
        )
        if day is not None:
            fields["day"] = str(int(day.group(1)))
    if (year := _YEAR.search(text)) is not None:
        fields["year"] = year.group(1)
    if (weekday := _WEEKDAY.search(text)) is not None:
        fields["weekday"] = weekday.group(1).lower()
    if (clock := re.search(r"\b(\d{1,2})(?::(\d\d))?\s*([ap])\.?m\b", text, re.I)) is not None:
        hour = int(clock.group(1)) % 12 + (12 if clock.group(3).lower() == "p" else 0)
        fields["clock"] = f"{hour}:{clock.group(2) or '00'}"
    elif (named := re.search(r"\b(midnight|noon|midday)\b", text, re.I)) is not None:
        fields["clock"] = "0:00" if named.group(1).lower() == "midnight" else "12:00"
    return fields


def _same_date(a: str, b: str) -> bool:
    x, y = _date_fields(a), _date_fields(b)
    for fields in (x, y):
        if {"month", "day", "year"} <= fields.keys() and "weekday" not in fields:
            month = MONTHS.split("|").index(fields["month"]) + 1
            try:
                fields["weekday"] = (
                    datetime.date(int(fields["year"]), month, int(fields["day"])).strftime("%A").lower()
                )
            except ValueError:
                pass
    shared = x.keys() & y.keys()
    if not shared:
        return True  # "Thursday" and "last year": nothing to compare
    return all(x[f] == y[f] for f in shared)


def _same_words(a: str, b: str) -> bool:
    """Names and descriptions: the same when one's words are among the other's, or they share a
    name (a capitalised word that is not the first of a sentence)."""
    x = {w for w in words(a) if w not in STOPWORDS}
    y = {w for w in words(b) if w not in STOPWORDS}
    if not x or not y or x <= y or y <= x:
        return True
    names_a = {w.lower() for w in re.findall(r"\b[A-Z][\w'’-]+", a)}
    names_b = {w.lower() for w in re.findall(r"\b[A-Z][\w'’-]+", b)}
    return bool(names_a & names_b)
