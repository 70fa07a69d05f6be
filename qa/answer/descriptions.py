"""Descriptions: what a sentence says someone named is, the answer to "Who is X?"."""

from __future__ import annotations

import re

from qa.answer.asking import Span

# Office words (a closed class): they make a capitalised phrase a title rather than a name, and
# a phrase after a name ("X, chief technology officer at ...") a description of X.
_TITLE_WORDS_TEXT = """minister secretary president chair chairman chairwoman director director-general mayor
    leader chief head officer governor senator judge justice commissioner councillor
    spokesperson spokesman spokeswoman manager editor inspector detective constable
    superintendent general deputy vice ambassador prosecutor attorney coach captain professor
    chancellor premier king queen prince princess ceo founder co-founder"""
_TITLE_WORDS = frozenset(_TITLE_WORDS_TEXT.split())
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


def description(subject: str, sentence: str) -> Span | None:
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
