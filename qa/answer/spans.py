"""The answer inside a sentence: the span of the kind of thing a question asks for.

The candidates in a sentence are the named entities spaCy found there at index time
(`Document.entities`) whose label can be the kind asked for (`qa.answer.asking`); one the question
already contains is not an answer to it. Of the rest, the one nearest the words the question and
the sentence share is the answer. Numbers keep their hedge ("nearly 500") and a name the noun the
question asks about ("Trump administration" for "which administration"). A description of someone
named is read by `qa.answer.descriptions`. Nothing is loaded at question time: this is string
work on stored spans.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.answer.asking import Asked, Span
from qa.answer.descriptions import description
from qa.text import MONTHS, WEEKDAYS, normalize

# Entity labels that can answer each kind, with how likely each is to be the thing asked for (a
# "who" is most often a person, sometimes the body that acted).
LABELS: dict[str, dict[str, float]] = {
    "person": {"PERSON": 1.0, "ORG": 0.8, "NORP": 0.5, "GPE": 0.5},
    "organisation": {"ORG": 1.0, "GPE": 0.8, "NORP": 0.7, "PERSON": 0.5},
    "place": {"GPE": 1.0, "LOC": 1.0, "FAC": 0.9, "ORG": 0.3},
    "date": {"DATE": 1.0, "TIME": 0.7},
    "time": {"TIME": 1.0, "DATE": 0.7},
    "duration": {"DATE": 1.0, "TIME": 0.9, "QUANTITY": 0.6, "CARDINAL": 0.3},
    "amount": {"MONEY": 1.0, "PERCENT": 1.0, "QUANTITY": 1.0, "CARDINAL": 0.7},
    "count": {"CARDINAL": 1.0, "QUANTITY": 0.8, "MONEY": 0.4, "PERCENT": 0.4},
    # "What was the vote?": any figure or name may be it; the nearest to the question's words wins.
    "value": {
        "CARDINAL": 0.6, "MONEY": 0.6, "PERCENT": 0.6, "QUANTITY": 0.6, "DATE": 0.5, "TIME": 0.5,
        "PERSON": 0.5, "ORG": 0.5, "GPE": 0.4, "LOC": 0.4, "FAC": 0.4, "PRODUCT": 0.4, "EVENT": 0.4,
        "LAW": 0.4, "WORK_OF_ART": 0.4, "NORP": 0.3,
    },
}  # fmt: skip

_HEDGE = re.compile(
    r"(?:\b(?:about|around|nearly|almost|roughly|some|approximately|over|under|more than|less than|"
    r"fewer than|at least|at most|up to|as many as|as much as|close to|just over|just under|"
    r"an estimated)\s+)$",
    re.I,
)
_REPORTING = re.compile(r"\b(?:said|says|told|tells|according to|added|wrote|warned|stated)\b", re.I)
_DETERMINER = re.compile(r"^(?:the|a|an)\s+", re.I)
_ABBREVIATED = re.compile(r"(?:\b[a-z]\.[a-z]\.|\b(?:Inc|Corp|Co|Ltd|Jr|Sr|St|No)\.)$", re.I)
_ONLY = re.compile(r"^(?:only|just)\s+(?=\S*\d)", re.I)
_LASTS = re.compile(
    r"\b(?:\d[\d.,]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few|"
    r"\w+teen|\w+ty|half|a dozen|dozens of)[\s-]+(?:\w+[\s-]+)?(?:seconds?|minutes?|hours?|days?|nights?|"
    r"weeks?|fortnights?|months?|years?|decades?|summers?|winters?|seasons?|terms?)\b",
    re.I,
)
_CALENDAR = re.compile(
    rf"\b(?:{MONTHS}|{WEEKDAYS}|yesterday|today|tomorrow|tonight|ago|(?:19|20)\d\d)\b", re.I
)
_CURRENCY_BEFORE = re.compile(r"(?:[A-Z]{1,3})?[$€£¥₹]\s?$|\b(?:US|C|A|NZ|HK|NT)\$$")
_CURRENCY_AFTER = re.compile(
    r"^\s+(?:euros?|dollars?|pounds?|yen|yuan|rupees?|francs?|kronor|krona|krone|rand|naira|shillings?|"
    r"pesos?|reais|real|won|lira|liras)\b",
    re.I,
)


def find_answer(question: Asked, sentence: str, entities: Sequence[tuple[int, int, str]]) -> Span | None:
    """The span of `sentence` that answers `question`, or None when it holds no such thing.
    `entities` are (start, end, label) offsets into the sentence."""
    if question.kind == "description":
        return description(question.subject or "", sentence)  # a sentence without X says nothing of X
    priors = LABELS[question.kind]
    asked_text = normalize(question.question)
    anchors = _anchors(question.content, sentence)
    ordered = sorted(entities)
    if question.kind in ("amount", "count", "duration", "value"):
        ordered = sorted([*ordered, *_untagged_numbers(sentence, ordered)])
    best: tuple[float, Span] | None = None
    acted = _acted_at(question, sentence)
    for position, (start, end, label) in enumerate(ordered):
        prior = priors.get(label)
        if prior is None:
            continue
        start, end = _widen(question, sentence, max(0, start), min(len(sentence), end), label)
        if label in ("DATE", "TIME", "QUANTITY", "MONEY", "CARDINAL") and position + 1 < len(ordered):
            # "11 years and eight months", "between £6m and £7m": one answer in two entities
            following = ordered[position + 1]
            joined = re.match(r"\s*(and|to|-|–)\s*$", sentence[end : following[0]])
            between = re.search(r"\bbetween\s+(?:\S+\s+)?$", sentence[:start], re.I) is not None
            whole = joined is not None and (
                (joined.group(1) == "and" and (between or question.kind == "duration"))
                or (joined.group(1) != "and" and question.kind in ("amount", "count", "duration"))
            )
            if whole and following[2] == label:
                end = _widen(question, sentence, following[0], min(len(sentence), following[1]), label)[1]
        text = sentence[start:end]
        if not text.strip() or normalize(text) in asked_text:
            continue  # what the question already says does not answer it
        if question.kind == "value" and not _near(question, sentence, start, end, anchors):
            continue  # "what is the X?" is answered by a value said of an X, not by any value
        score = prior - _distance(start, end, anchors, len(sentence))
        if question.kind == "duration" and not _LASTS.search(text):
            score -= 0.5  # "Monday" or "63" is no length of time
        if question.kind == "date" and _LASTS.search(text) and not _CALENDAR.search(text):
            score -= 0.5  # "nine months" is how long, not when
        tail = sentence[end : end + 40].lower()
        noun = question.noun
        if question.kind in ("count", "value") and noun and re.match(rf"\W*(?:\w+\W+)?{noun[:5]}", tail):
            score += 0.5  # "how many people": a number that counts people
        if noun and question.kind in ("organisation", "person", "place") and text.lower().endswith(noun):
            score += (
                0.5  # "which administration": a name the sentence gives that noun ("Trump administration")
            )
        if question.kind == "person" and _REPORTING.search(sentence[max(0, start - 30) : end + 30]):
            score += 0.1  # "who said": the speaker
        if acted is not None and start > acted and not _AGENT.search(sentence[max(0, start - 40) : start]):
            score -= 1.0  # "who lifted the ban?": who did it stands before the verb, or after "by"
        if best is None or score > best[0]:
            best = (score, Span(start, end, text, label))
    return _whole(question, sentence, best[1], ordered) if best else None


# "Who lifted the ban?": the verb a who-question asks about (not "who is", "who said")
_WHO_DID = re.compile(
    r"^\s*who\s+(?!(?:is|was|are|were|has|have|had|do|does|did|will|would|can|could|should|said|says|"
    r"told|tells)\b)(?P<verb>[a-z]{4,})\b",
    re.I,
)
_AGENT = re.compile(r"\bby\s+(?:\S+\s+){0,3}$", re.I)


def _acted_at(question: Asked, sentence: str) -> int | None:
    """Where the sentence says the verb of "who <verb>ed ...?", by its first four letters."""
    if question.kind not in ("person", "organisation"):
        return None
    did = _WHO_DID.match(question.question)
    if did is None:
        return None
    found = re.search(rf"\b{re.escape(did.group('verb')[:4])}\w*", sentence, re.I)
    return found.start() if found else None


_TEMPORAL = ("DATE", "TIME")
_PLACES = ("GPE", "LOC", "FAC")
# "£1,100 a day", "$39 an hour": a rate is the unit of its amount
_RATE = re.compile(r"\s+(?:a|an|per|each)\s+(hour|day|night|week|month|year)\b", re.I)
_RANGE_START = re.compile(
    r"\b(?:between|from)\s+(?:about\s+|around\s+|roughly\s+)?[\w$£€.,-]+\s+(?:and|to)\s+$", re.I
)


def _whole(question: Asked, sentence: str, span: Span, entities: Sequence[tuple[int, int, str]]) -> Span:
    """The answer with what the tagger split off it: the rest of a range ("between one and two
    years", "a few days to two weeks"), a date's day or time beside it ("Monday, 15 January",
    "Friday night", "8pm on Saturday"), a place's region ("Kinokawa, Wakayama Prefecture") and an
    amount's rate ("$39 an hour")."""
    start, end = span.start, span.end
    asked_words = question.question.lower()
    joins = {"date": _TEMPORAL, "time": ("TIME",), "place": _PLACES}.get(question.kind, ())
    if span.label in joins:
        for other_start, other_end, label in entities:
            if label not in joins or (_LASTS.search(sentence[other_start:other_end]) and label == "DATE"):
                continue  # "Tuesday, more than 125 years": a length of time is not part of a date
            if other_start >= end:
                gap = r",\s*" if question.kind == "place" else r"\s*(?:,|at|on|and)?\s*"
                if re.fullmatch(gap, sentence[end:other_start]):
                    end = other_end
            elif other_end <= start and question.kind != "place":
                if re.fullmatch(r"\s*(?:,|at|on)?\s*", sentence[other_end:start]):
                    start = other_start
    ranged = _RANGE_START.search(sentence[:start])
    if ranged is not None and question.kind in ("duration", "amount", "count", "date"):
        start = ranged.start()  # the tagger found only the range's second half
    elif re.match(r"(?i)between\b", sentence[start:end]) and (
        follows := re.match(r"\s+and\s+", sentence[end:])
    ):
        second = next((e for s, e, _ in entities if s == end + follows.end()), None)
        if second is not None:
            end = second
    rate = _RATE.match(sentence[end:])
    if question.kind == "amount" and rate is not None and rate.group(1).lower() not in asked_words:
        end += rate.end()  # "each month" asked: the rate is the question's, not the answer's
    if (start, end) == (span.start, span.end):
        return span
    return Span(start, end, sentence[start:end], span.label)


# A figure the tagger did not mark: "600GB", "a quarter", "three in four"
_FIGURE = re.compile(
    r"(?<![\w.,])\d[\d,]*(?:\.\d+)?(?:[a-zA-Z]{1,3}\b)?|\b(?:a|one)\s+(?:half|third|quarter|fifth|tenth)\b|"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine)\s+in\s+(?:two|three|four|five|six|seven|eight|nine|ten)\b",
    re.I,
)


def _untagged_numbers(sentence: str, entities: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Figures outside every tagged span, as cardinals (the tagger misses some units and fractions)."""
    return [
        (m.start(), m.end(), "CARDINAL")
        for m in _FIGURE.finditer(sentence)
        if not any(start < m.end() and m.start() < end for start, end, _ in entities)
    ]


# How far (in characters) a `value` may stand from the noun the question asks about: within the
# same clause of a news sentence, about six words.
VALUE_REACH = 40


def _near(question: Asked, sentence: str, start: int, end: int, anchors: Sequence[int]) -> bool:
    """A value is said of the asked noun ("a 5-4 vote", "Naturalis museum") or, for a question
    without one, of one of its words."""
    if question.noun:
        named = [m.start() for m in re.finditer(rf"\b{re.escape(question.noun[:5])}", sentence, re.I)]
        anchors = named or anchors
    return any(start - VALUE_REACH <= a <= end + VALUE_REACH for a in anchors)


def _anchors(content: Sequence[str], sentence: str) -> list[int]:
    """Where the question's words occur in the sentence, a word matching by its first four letters
    ("lifted" is "lift")."""
    stems = {w[:4] for w in content if len(w) > 2}
    return [
        m.start()
        for m in re.finditer(r"\w+", sentence)
        if len(m.group()) > 2 and m.group().lower()[:4] in stems
    ]


def _distance(start: int, end: int, anchors: Sequence[int], length: int) -> float:
    """How far the span is from the nearest shared word, as a share of the sentence (1 when none)."""
    if not anchors:
        return 0.5
    gap = min(0 if start <= a < end else min(abs(a - start), abs(a - end)) for a in anchors)
    return gap / max(length, 1)


def _widen(question: Asked, sentence: str, start: int, end: int, label: str) -> tuple[int, int]:
    """What the tagger left off an answer: the rest of a word it cut ("£7" of "£7m"), a currency
    sign or name, the hedge before a number ("nearly 500"), the other half of a tally ("5-4"), and
    the asked noun after a name ("Trump administration"); a leading "the" is not part of it."""
    while end < len(sentence) and sentence[end].isalnum():
        end += 1
    if label == "MONEY" or question.kind in ("amount", "count", "value"):
        currency = _CURRENCY_BEFORE.search(sentence[:start])
        if currency is not None:
            start = currency.start()
        named = _CURRENCY_AFTER.match(sentence[end:])
        if named is not None and label in ("MONEY", "CARDINAL"):
            end += named.end()
    tally = re.match(r"[-–]\d+\b", sentence[end:])
    if tally is not None and sentence[start:end].strip()[-1:].isdigit():
        end += tally.end()  # "5" of a "5-4" vote is half the answer
    hedge = _HEDGE.search(sentence[:start])
    if hedge is not None and question.kind in ("amount", "count", "duration", "value"):
        start = hedge.start()
    while end > start and sentence[end - 1] in ".,;:" and not _ABBREVIATED.search(sentence[start:end]):
        end -= 1  # "30 km/h." ends a sentence, not the answer ("7 a.m." keeps its point)
    only = _ONLY.match(sentence[start:end])
    if only is not None:
        start += only.end()  # "only 4.9 percent": the figure, not the writer's view of it
    lead = _DETERMINER.match(sentence[start:end])
    if lead is not None and question.kind in ("person", "organisation", "place"):
        start += lead.end()
    if question.noun and question.kind in ("organisation", "person", "place"):
        follows = re.match(rf"(?:['’]s)?\s+{re.escape(question.noun)}\b", sentence[end:], re.I)
        if follows is not None:
            end += follows.end()
    return start, end
