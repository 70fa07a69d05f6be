"""Turn a raw article into clean text by deleting what is not article text.

Cleaning only ever deletes characters, so every cleaned character maps back to one character of
the file on disk: that map is what makes each citation's character span point into the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Day

from qa.models import Paragraph, Segment
from qa.text import MONTH_ABBREVIATIONS, MONTHS, content_words, sentence_spans, words

# The line breaks str.splitlines() knows.
_LINE_BREAK = re.compile(r"\r\n|[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_ARROWS = re.compile(r"[←→«»‹›↑↓▸▶◀☰|•·]")
_NAV_WORDS = re.compile(
    r"\b(subscribe|sign in|sign up|log in|login|menu|home|newsletter|share|search|blog|"
    r"skip to content|advertisement|cookies?|privacy policy|follow us)\b",
    re.IGNORECASE,
)
_READ_TIME = re.compile(r"\b\d+\s*(min|minute)s?\s+read\b", re.IGNORECASE)
_MONTHS = f"{MONTHS}|{MONTH_ABBREVIATIONS}"
_DATE = re.compile(
    rf"\b(\d{{1,2}}\s+(?:{_MONTHS})\.?\s+\d{{4}}|(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.IGNORECASE,
)
_MONTH_NUMBERS = {month[:3]: n for n, month in enumerate(MONTHS.split("|"), start=1)}  # "sep" -> 9
_STAMP_WORDS = r"(?:published|updated|posted)(?: on)?:?\s*"
# A date line is a stamp ("12 June 2025 · 5 min read"), not prose: "27 June 2023, shortly after 8 am,
# police stopped the car ..." opens a paragraph of a timeline and stays.
_DATELINE_WORDS = 10
_DATELINE = re.compile(rf"^\s*({_STAMP_WORDS})?{_DATE.pattern}\s*([·|•,-].*)?$", re.IGNORECASE)
# "By the Family Desk. Updated 12 June 2025.": a stamp inside a line that stays (a byline with more).
_STAMP = re.compile(rf"\b{_STAMP_WORDS}(?P<date>{_DATE.pattern})", re.IGNORECASE)
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+"
_STAMPED_DATE = re.compile(rf"(?:{_STAMP_WORDS})?(?:{_WEEKDAY})?(?P<date>{_DATE.pattern})", re.IGNORECASE)
_STAMP_LINES = 12  # such a stamp counts near the top of the file, not in the story's own sentences
_NAME = r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
# "By Colm Reddan", "By Jane Roe, Health Correspondent": a byline line names the author.
_BYLINE = re.compile(rf"^[Bb]y\s+({_NAME})\s*(?:[,|·—–-].*)?$")
# A byline's parts, in any order: "Riverside Gazette — Feb 26, 2027 — by Jane Doe". A hyphen
# separates only with spaces around it ("Smith-Jones" is one name, 2027-02-26 one date).
_BYLINE_SEPARATOR = re.compile(r"\s*[|·•—–]\s*|\s+-\s+")
_BY = re.compile(rf"[Bb]y\s+({_NAME})")
_OUTLET = re.compile(r"[A-Z][\w.'’&-]*(?:\s+(?:[A-Z][\w.'’&-]*|of|and|&)){0,4}")
# What the author is ("Health Correspondent"), not whom they write for.
_ROLE = re.compile(r"\b(correspondent|editor|reporter|writer|columnist|contributor|staff|desk)\b", re.I)
_BYLINE_WORDS = 16
# The tail of an HTML link whose opening was lost: `some-page-slug/">`.
_HTML_FRAGMENT = re.compile(r"(?<![^\s(])[\w\-./:%?=&#~+]*[/-][\w\-./:%?=&#~+]*[\"']\s*/?>")
_LINK_BAIT = re.compile(
    r"^(read more|related:|related articles?|see also|also read|recommended:|click here|"
    r"more (analysis|coverage|reporting|on this|stories) (by|from|at|in|on)\b|"
    r"sign up for|subscribe to)|related article|on a similar topic|comparable views on the subject",
    re.IGNORECASE,
)
# Markdown syntax: heading and quote marks, emphasis, images, and the URL part of links.
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_H1 = re.compile(r"^\s{0,3}#\s+\S")
_MD_PREFIX = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s?)")  # list bullets stay: plain text reads them too
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)|(?<=\S)(\*\*|__|\*|`)")


@dataclass(frozen=True)
class Cleaned:
    """What cleaning yields: the text, its map to the file, its blocks, and what its dateline or
    byline states (the date as YYYY-MM-DD, as metadata dates are)."""

    text: str
    segments: tuple[Segment, ...]
    paragraphs: tuple[Paragraph, ...]
    title: str
    date: str | None
    author: str | None = None
    outlet: str | None = None


@dataclass(frozen=True)
class _Byline:
    """Who wrote an article, for whom and when, as its byline line states them."""

    author: str | None
    outlet: str | None
    date: str | None


def iso_date(stated: str) -> str | None:
    """A date as `_DATE` finds it ("Feb. 26, 2027", "26 February 2027") as YYYY-MM-DD; None when
    there is no such day."""
    month = re.search(r"[A-Za-z]+", stated)
    try:
        if month is None:
            return Day.fromisoformat(stated).isoformat()
        day, year = sorted(int(n) for n in re.findall(r"\d+", stated))
        return Day(year, _MONTH_NUMBERS[month.group(0)[:3].lower()], day).isoformat()
    except (ValueError, KeyError):
        return None


def _read_byline(line: str) -> _Byline | None:
    """The byline a line is, or None: "By Jane Doe, Riverside Gazette — March 3, 2027", "Riverside
    Gazette | Thursday 26 Feb 2027 | by Jane Doe": a line that names its author, and whose every
    part is the author, a date, an outlet or the author's role."""
    if len(line.split()) > _BYLINE_WORDS:
        return None
    author = outlet = date = None
    parsed = not line.endswith(".")
    for part in _BYLINE_SEPARATOR.split(line):
        if stamp := _STAMPED_DATE.search(part):
            date = date or iso_date(stamp.group("date"))
            part = part[: stamp.start()] + part[stamp.end() :]
        role = False
        for piece in filter(None, (p.strip(" *_") for p in part.split(","))):
            if by := _BY.fullmatch(piece):
                author = author or by.group(1)
            elif _ROLE.search(piece):
                role = True
            elif _OUTLET.fullmatch(piece):
                if not role:  # after a role a name is the author's desk: "Editor, Quality & Compliance"
                    outlet = outlet or piece
            else:
                parsed = False
    return _Byline(author, outlet, date) if parsed and author else None


def _lines(raw: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _LINE_BREAK.finditer(raw):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(raw)))
    return spans


def _is_body(line: str) -> bool:
    return len(line.split()) >= 8 or line.rstrip().endswith((".", "!", "?", '"', "”"))


def _nav_lines(raw: str, lines: list[tuple[int, int]]) -> set[int]:
    """Site chrome before the article starts: menus, site names, back links."""
    nav: set[int] = set()
    head: list[int] = []
    for i, (s, e) in enumerate(lines):
        line = raw[s:e].strip()
        if not line:
            continue
        if _is_body(line):
            break
        head.append(i)
    nav_words: set[str] = set()
    for i in head:
        line = raw[lines[i][0] : lines[i][1]].strip()
        caps = any(len(w) >= 4 and w.isupper() for w in line.split())
        if len(line.split()) <= 6 and (_ARROWS.search(line) or _NAV_WORDS.search(line) or caps):
            nav.add(i)
            nav_words.update(w.lower() for w in line.split())
    for i in head:
        line = raw[lines[i][0] : lines[i][1]].strip()
        if len(line.split()) == 1 and line.lower() in nav_words:
            nav.add(i)  # the bare site name repeated from a menu line
    return nav


def _delete_inline(raw: str, s: int, e: int, keep: bytearray, markdown: bool) -> None:
    line = raw[s:e]
    for match in _HTML_FRAGMENT.finditer(line):
        keep[s + match.start() : s + match.end()] = bytes(match.end() - match.start())
    if markdown:
        for pattern in (_MD_IMAGE, _MD_PREFIX, _MD_EMPHASIS):
            for match in pattern.finditer(line):
                keep[s + match.start() : s + match.end()] = bytes(match.end() - match.start())
        for match in _MD_LINK.finditer(line):
            keep[s + match.start() : s + match.start() + 1] = b"\0"
            keep[s + match.end(1) : s + match.end()] = bytes(match.end() - match.end(1))
    for ss, se in sentence_spans(raw, s, e):
        if _LINK_BAIT.search(raw[ss:se]):
            keep[ss:se] = bytes(se - ss)


def clean(raw: str, markdown: bool = False) -> Cleaned:
    """Delete site chrome, HTML leftovers, link bait, repeated lines and extra blank lines."""
    keep = bytearray(b"\1" * len(raw))
    lines = _lines(raw)
    nav = _nav_lines(raw, lines)
    seen: set[str] = set()
    date: str | None = None
    author: str | None = None
    outlet: str | None = None
    # A Markdown level-1 heading is the headline by definition.
    h1 = next((i for i, (s, e) in enumerate(lines) if markdown and _MD_H1.match(raw[s:e])), None)
    for i, (s, e) in enumerate(lines):
        line = raw[s:e].strip()
        bare = line.strip("*_ ") if markdown else line  # "*Published 14 March 2025*"
        short = len(bare.split()) <= _DATELINE_WORDS
        dateline = (short and _DATELINE.match(bare)) or (len(line.split()) <= 10 and _READ_TIME.search(line))
        # A short "By Name" line is deleted; a longer byline stays, as a heading, as it always has:
        # the ranker's "lead" feature was fitted on paragraphs numbered with it.
        short_byline = _BYLINE.match(bare) if len(bare.split()) <= 8 and not bare.endswith(".") else None
        byline = _read_byline(bare) or (_Byline(short_byline.group(1), None, None) if short_byline else None)
        if byline and author is None:
            author, outlet, date = byline.author, byline.outlet, date or byline.date
        duplicate = line.lower() in seen and len(line) > 0
        if i in nav or dateline or short_byline or duplicate:
            if dateline and date is None and (found := _DATE.search(bare)):
                date = iso_date(found.group(0))
            keep[s:e] = bytes(e - s)
            continue
        seen.add(line.lower())
        if date is None and i < _STAMP_LINES and len(bare.split()) <= 30 and (stamp := _STAMP.search(bare)):
            date = iso_date(stamp.group("date"))
        _delete_inline(raw, s, e, keep, markdown)
    # Trim spaces at line edges and collapse blank-line runs: paragraphs end up one line break apart.
    out_chars: list[str] = []
    segments: list[Segment] = []
    soft_breaks: set[int] = set()
    previous: tuple[int, str] | None = None  # raw line number and kept text of the last kept line
    headline: str | None = None
    for number, (s, e) in enumerate(lines):
        kept = [i for i in range(s, e) if keep[i]]
        while kept and raw[kept[0]].isspace():
            kept.pop(0)
        while kept and raw[kept[-1]].isspace():
            kept.pop()
        if not kept:
            continue
        line = "".join(raw[i] for i in kept)
        if out_chars:
            # The break before this line: its own character ("\n", or "\r" of an old Mac file).
            brk = s - 1
            if previous is not None and _wraps_into(previous, number, raw[s:e]):
                soft_breaks.add(len(out_chars))
            _append(out_chars, segments, raw[brk], brk)
        previous = (number, line)
        if number == h1:
            headline = line
        for i in kept:
            if raw[i].isspace() and out_chars and out_chars[-1].isspace():
                continue  # runs of spaces inside a line fold to their first
            _append(out_chars, segments, raw[i], i)
    text = "".join(out_chars)
    # A hard-wrapped story wraps nearly every paragraph; one or two such breaks are layout lines
    # (a menu, a headline above its dateline), kept as they are.
    paragraphs = _paragraphs(text, soft_breaks if len(soft_breaks) >= 3 else set())
    title = headline or _title(text, paragraphs)
    return Cleaned(text, tuple(segments), paragraphs, title, date, author, outlet)


def _append(out: list[str], segments: list[Segment], char: str, raw_at: int) -> None:
    at = len(out)
    out.append(char)
    if segments:
        last = segments[-1]
        if last.clean_start + last.length == at and last.raw_start + last.length == raw_at:
            segments[-1] = Segment(
                clean_start=last.clean_start, raw_start=last.raw_start, length=last.length + 1
            )
            return
    segments.append(Segment(clean_start=at, raw_start=raw_at, length=1))


# A line that is an item of a list: a bullet or a number, then a space.
LIST_ITEM = re.compile(r"^\s*([-*+•]|\d+[.)])\s")
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")


def _wraps_into(previous: tuple[int, str], number: int, next_line: str) -> bool:
    """True when a line break only wraps a paragraph (a hard-wrapped wire story): the line before
    is body text that stops mid-sentence, directly above this one, and this one is no list item."""
    before, text = previous
    return (
        before == number - 1
        and _is_body(text)
        and not _SENTENCE_END.search(text)
        and not LIST_ITEM.match(next_line)
    )


def _paragraphs(text: str, soft_breaks: set[int]) -> tuple[Paragraph, ...]:
    """The text's blocks, one paragraph each, except that a list the text introduces with a colon
    joins the paragraph introducing it: "Contact your doctor if your child has:" says nothing
    without its items, which alone read as headings (short, unpunctuated) and would go unsearched.
    A list nothing introduces ("Most read" and its links) stays apart."""
    blocks, start = [], 0
    for match in re.finditer(f"{_LINE_BREAK.pattern}|$", text):
        if match.start() in soft_breaks:
            continue
        if match.start() > start:
            blocks.append((start, match.start()))
        start = match.end()
        if match.start() == len(text):
            break
    joined: list[list[int]] = []
    for s, e in blocks:
        if joined and LIST_ITEM.match(text[s:e]) and _introduces_list(text, *joined[-1]):
            joined[-1][1] = e
        else:
            joined.append([s, e])
    paragraphs = []
    for n, (s, e) in enumerate(joined, start=1):
        block = text[s:e]
        short = len(block.split()) <= 14 and "\n" not in block  # a list with its introduction is text
        # A line ending in a comma opens or closes a letter ("Brothers and sisters,", "In
        # solidarity,"): short, but no heading.
        heading = short and not block.rstrip().endswith((".", "!", '"', "”", "'", "’", ":", ";", ","))
        paragraphs.append(Paragraph(number=n, start=s, end=e, heading=heading))
    return tuple(paragraphs)


def _introduces_list(text: str, start: int, end: int) -> bool:
    """The paragraph ends with a colon, or is such a paragraph with its list so far."""
    lines = text[start:end].splitlines()
    return lines[0].rstrip().endswith(":") and all(LIST_ITEM.match(line) for line in lines[1:])


_MENU = re.compile(r"[|>»/•·]|\b(skip to|main content|menu|subscribe|sign in|log in)\b", re.IGNORECASE)


def _is_headline(block: str) -> bool:
    """A heading that reads as a headline, not site chrome: a few words, no menu separators."""
    return len(block.split()) >= 4 and not block.endswith("?") and not _MENU.search(block)


# A paragraph this long is article body: the headline is above the first one.
_BODY_WORDS = 15


def _title(text: str, paragraphs: tuple[Paragraph, ...]) -> str:
    """The headline: of the headings above the body that read as one, the one whose words the
    article repeats most (a site name, a menu or the weather does not recur in the story); ""
    when none has a third of its words in the body (see ingest for the fallbacks)."""
    # Words, not tokens: a menu's "|" do not count.
    body_at = next(
        (i for i, p in enumerate(paragraphs) if len(words(text[p.start : p.end])) >= _BODY_WORDS), None
    )
    if body_at is None:
        return ""  # no body at all: nothing to check a headline against
    body = _word_starts(text[paragraphs[body_at].start :])
    best, best_share = "", 0.0
    for paragraph in paragraphs[:body_at]:
        block = text[paragraph.start : paragraph.end]
        if not (paragraph.heading and _is_headline(block)):
            continue
        own = _word_starts(block)
        share = len(own & body) / len(own) if own else 0.0
        if share > best_share:
            best, best_share = block, share
    # A headline paraphrases its story, but a third of its words recur in it; a menu's rarely do.
    return best if best_share >= 1 / 3 else ""


def _word_starts(text: str) -> set[str]:
    """Content words cut to five letters, so that inflections match ("retreating", "retreat")."""
    return {w[:5] for w in content_words(text)}


def first_sentence(text: str, paragraphs: tuple[Paragraph, ...]) -> str:
    """The article's first sentence of body text, whole."""
    first = next((p for p in paragraphs if not p.heading), paragraphs[0] if paragraphs else None)
    if first is None:
        return ""
    spans = sentence_spans(text, first.start, first.end)
    return text[spans[0][0] : spans[0][1]] if spans else text[first.start : first.end]
