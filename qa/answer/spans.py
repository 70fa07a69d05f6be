"""The answer inside a sentence: the span of the kind of thing a question asks for.

A question asks for a kind of thing (`asked`): a person, an organisation, a place, a date or time,
an amount, a count, a duration, or a description of someone named ("Who is X?"). The candidates in
a sentence are the named entities spaCy found there at index time (`Document.entities`) whose label
can be that kind; one the question already contains is not an answer to it. Of the rest, the one
nearest the words the question and the sentence share is the answer. Numbers keep their hedge
("nearly 500") and a name the noun the question asks about ("Trump administration" for "which
administration"). Nothing is loaded at question time: this is string work on stored spans.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from qa.text import MONTHS, STOPWORDS, WEEKDAYS, normalize, words

Kind = Literal[
    "person", "organisation", "place", "date", "time", "duration", "amount", "count", "description", "value"
]  # fmt: skip

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
_HEDGE = re.compile(
    r"(?:\b(?:about|around|nearly|almost|roughly|some|approximately|over|under|more than|less than|"
    r"fewer than|at least|at most|up to|as many as|as much as|close to|just over|just under|"
    r"an estimated)\s+)$",
    re.I,
)
_REPORTING = re.compile(r"\b(?:said|says|told|tells|according to|added|wrote|warned|stated)\b", re.I)
_DETERMINER = re.compile(r"^(?:the|a|an)\s+", re.I)
# Office words (a closed class): they make a capitalised phrase a title rather than a name, and
# a phrase after a name ("X, chief technology officer at ...") a description of X.
_TITLE_WORDS_TEXT = """minister secretary president chair chairman chairwoman director director-general mayor
    leader chief head officer governor senator judge justice commissioner councillor
    spokesperson spokesman spokeswoman manager editor inspector detective constable
    superintendent general deputy vice ambassador prosecutor attorney coach captain professor
    chancellor premier king queen prince princess ceo founder co-founder"""
_TITLE_WORDS = frozenset(_TITLE_WORDS_TEXT.split())
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
    for pattern, kind in _QUESTION_KINDS:
        if pattern.search(question):
            noun = _ASKED_NOUN.search(question)
            return Asked(kind, noun.group("noun").lower() if noun else None, None, question)
    what = _WHAT_THE.match(question)
    if what is not None:
        return Asked("value", what.group("phrase").split()[-1].lower(), None, question)
    which = _WHICH_NOUN.match(question)
    if which is not None:
        return Asked("value", which.group("noun").lower(), None, question)
    if _KEYWORDS.match(question):  # "kessel bridge repair cost": words typed into a search box
        return Asked("value", words(question)[-1], None, question)
    return None


def find_answer(question: Asked, sentence: str, entities: Sequence[tuple[int, int, str]]) -> Span | None:
    """The span of `sentence` that answers `question`, or None when it holds no such thing.
    `entities` are (start, end, label) offsets into the sentence."""
    if question.kind == "description":
        return _description(question.subject or "", sentence)  # a sentence without X says nothing of X
    priors = LABELS[question.kind]
    asked_text = normalize(question.question)
    anchors = _anchors(question.content, sentence)
    ordered = sorted(entities)
    if question.kind in ("amount", "count", "duration", "value"):
        ordered = sorted([*ordered, *_untagged_numbers(sentence, ordered)])
    best: tuple[float, Span] | None = None
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
        if best is None or score > best[0]:
            best = (score, Span(start, end, text, label))
    return _whole(question, sentence, best[1], ordered) if best else None


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


_HONORIFICS = frozenset("dr mr mrs ms miss sir dame prof professor".split())
_BEFORE_CUT = re.compile(
    r"(?:[,;:(—–\"“”]|\b(?:said|says|told|tells|including|by|with|from|for|to|and|as|of|that|when|while)\b)\s*",
    re.I,
)
# where a description ends: a clause boundary, a verb of saying or being, "and" before more words
# ("a mining engineer and a former board member"; "Museums and Monuments" is one name)
_NOUN_END = re.compile(
    r"[,;:.!?()—–\"“”]|\s(?:said|says|told|who|which|that|whose|has|have|had|was|is)\s|\sand\s(?![A-Z])"
)
_RELATIVE = re.compile(r"^(?:who|which)\s+(?:(?:is|was|are|were)\s+)?")


def _description(subject: str, sentence: str) -> Span | None:
    """ "Who is X?": what the sentence says X is. In order: "X is a ...", a noun phrase after it
    ("X, the chief engineer,"), the title or phrase before it ("the chief engineer, X", "Mayor X",
    "a gang called X"), then a clause after it ("X, who runs a guesthouse")."""
    found = _mention(subject, sentence)
    if found is None:
        return None
    start, end = found
    after = sentence[end:]
    is_a = re.match(r"(?:['’]s)?\s+(?:is|was|are|were|becomes|became|remains)\s+", after)
    if is_a is not None:
        span = _phrase(sentence, end + is_a.end())
        if span is not None:
            return span
    clause: Span | None = None
    comma = re.match(r"(?:['’]s)?\s*(?:,|\(|—|–)\s*", after)
    if comma is not None:
        at = end + comma.end()
        relative = _RELATIVE.match(sentence[at:])
        if relative is not None:
            tail = sentence[at + relative.end() :]
            cut = re.search(r"[,;.!?()—–\"“”]", tail)
            text = tail[: cut.start() if cut else len(tail)].rstrip()
            if 0 < len(text.split()) <= 12:
                clause = Span(at + relative.end(), at + relative.end() + len(text), text, "DESCRIPTION")
        elif _DETERMINED.match(sentence[at:]) is not None or _TITLED.match(sentence[at:]) is not None:
            span = _phrase(sentence, at)
            if span is not None:
                return span
    before = sentence[:start]
    person = _is_name(subject.title())  # "who is carol henning": a name typed in lower case
    called = re.search(r"\s+(?:called|named|known as|dubbed)\s+$", before)
    if called is not None:
        before = before[: called.start()]
    elif not person and not re.search(r"[,(—–]\s*$", before):
        return clause  # a thing, not a person: no title stands before it
    cuts = list(_BEFORE_CUT.finditer(before.rstrip(" ,(—–")))
    begin = cuts[-1].end() if cuts else 0
    for cut in reversed(cuts[:-1]):  # "director of finance": back over a cut to the office it follows
        if _holds_title(before[begin:]) or len(before[cut.end() :].split()) > 8:
            break
        if _holds_title(before[cut.end() : begin]):
            begin = cut.end()
    determiners = list(re.finditer(r"\b(?:a|an|the)\s", before[begin:]))
    if determiners and determiners[-1].start() > 0:  # "He has asked a former transport secretary"
        begin += determiners[-1].start()
    kept = [w for w in before[begin:].split() if w.lower().rstrip(".") not in _HONORIFICS]
    if kept and len(kept) <= 8:
        text = " ".join(kept).rstrip(" ,(—–")
        at = before.rfind(text)
        if text and at >= 0 and not _is_name(text):
            return Span(at, at + len(text), text, "DESCRIPTION")
    return clause


# "X, chief technology officer at ...": an office named in the first words after the name
_TITLED = re.compile(
    r"(?i:(?:[a-z][\w-]*\s+){0,3}(?:"
    + "|".join(sorted(_TITLE_WORDS_TEXT.split(), key=len, reverse=True))
    + r")\b)"
)
_DETERMINED = re.compile(r"(?:the|a|an|its|his|her|their|one|[\w-]+['’]s)\s", re.I)


def _phrase(sentence: str, at: int) -> Span | None:
    """The noun phrase starting at `at`, to the first clause boundary; at most 12 words."""
    rest = sentence[at:]
    stop = _NOUN_END.search(rest)
    text = rest[: stop.start() if stop else len(rest)].rstrip()
    if 0 < len(text.split()) <= 12:
        return Span(at, at + len(text), text, "DESCRIPTION")
    return None


def _mention(subject: str, sentence: str) -> tuple[int, int] | None:
    """Where the sentence names the subject: whole, by its last word, or by a word that starts like
    one of its words (a misspelt name: "Warromi" for "Waromi")."""
    parts = subject.split()
    for name in (subject, parts[-1] if parts else ""):
        if name:
            found = re.search(rf"\b{re.escape(name)}\b", sentence, re.I)
            if found is not None:
                return found.start(), found.end()
    stems = {p[:4].lower() for p in parts if len(p) >= 4}
    names = [m for m in re.finditer(r"\b[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*", sentence) if m.start() > 0]
    for match in names:
        if any(w[:4].lower() in stems for w in match.group().split()):
            return match.start(), match.end()
    return None


def _holds_title(text: str) -> bool:
    return any(w.lower().strip(",.") in _TITLE_WORDS for w in text.split())


def _is_name(text: str) -> bool:
    """Every word capitalised and none a common title word: most likely a person's name."""
    tokens = text.split()
    return all(t[:1].isupper() for t in tokens) and not any(
        t.lower().strip(",.") in _TITLE_WORDS for t in tokens
    )
