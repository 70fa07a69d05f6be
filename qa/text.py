"""Pure text helpers: sentence boundaries, word tokens and normalisation."""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sir st jr sr inc ltd co corp vs etc e.g i.e u.s u.k u.n
    jan feb mar apr jun jul aug sep sept oct nov dec no gen gov sen rep rev fig approx a.m p.m""".split()
)
_TITLES = frozenset("mr mrs ms dr prof sir st jr sr gen gov sen rep rev no fig".split())
# Capitalised words that open sentences and never follow an abbreviation inside one.
_SENTENCE_STARTERS = frozenset(
    """the a an it its he she they we i this that these those there his her their our but and so
    in on at by for from after before when while as if yet however meanwhile""".split()
)
# A sentence ends at . ! or ? (plus closing quotes/brackets) followed by space and a likely start.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "′": "'", "″": '"'})


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans [s, e) of text[start:end], trimmed of surrounding white space."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.end()
        word = text[cursor : match.start() + 1].split()[-1:] or [""]
        token = word[0].lower().rstrip(".").lstrip("\"'“‘(")
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
            following = text[stop:end].split()[:1]
            starter = following[0].strip("\"'“‘(").lower() if following else ""
            # "at 8 p.m. The closure", "Acme Corp. It said": a word that starts sentences ends it;
            # after a title ("Dr. Eleanor") or an initial ("J. Smith") a name follows, not a sentence.
            if token in _TITLES or len(token) == 1 or starter not in _SENTENCE_STARTERS:
                continue  # "Dr. Eleanor", "U.S. policy", "J. Smith": not a boundary
        spans.append((cursor, stop))
        cursor = stop
    spans.append((cursor, end))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def normalize(text: str) -> str:
    """Lower-case, straight quotes, folded white space: the form used for comparisons."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.lower().split())


def words(text: str) -> list[str]:
    """Lower-case word tokens with straight apostrophes."""
    return _WORD.findall(normalize(text))


STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves s t don didn doesn isn wasn weren
    also may might must shall said says say tell told did does much many ever get got one""".split()
)


def content_words(text: str) -> list[str]:
    """Word tokens without stop words: what a question is about."""
    return [w for w in words(text) if w not in STOPWORDS]


# Calendar and number words for the date and amount patterns of cleaning, answer types and
# conflicts (each compiles them case-insensitively, as "a|b|c" alternations).
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
MONTH_ABBREVIATIONS = "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundreds?|thousands?|millions?|billions?|trillions?|dozens?"
)
