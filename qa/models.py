"""Pydantic models: the data contract shared by the core, the CLI, the UI and the tests."""

from __future__ import annotations

import bisect
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Segment(_Frozen):
    """A run of cleaned text copied verbatim from the file (clean_start -> raw_start, length chars)."""

    clean_start: int
    raw_start: int
    length: int


class Paragraph(_Frozen):
    """One block of the cleaned article; headings are kept for reading but not searched."""

    number: int = Field(description="1-based position among the article's cleaned blocks")
    start: int = Field(description="offset into the cleaned text")
    end: int
    heading: bool = False


class Document(_Frozen):
    """A cleaned article with the map back to the file as it is on disk."""

    name: str = Field(description="file name relative to the corpus folder")
    title: str
    date: str | None = Field(
        default=None, description="YYYY-MM-DD: the date the article states, else the file's (date_from_file)"
    )
    date_from_file: bool = Field(
        default=False, description="the date is when the file was made: the article states none"
    )
    author: str | None = Field(default=None, description="from a byline or the page's metadata")
    outlet: str | None = Field(
        default=None, description="the site, publisher or sender, from metadata or a byline"
    )
    url: str | None = Field(default=None, description="the page's address (http or https only)")
    text: str = Field(description="the cleaned text: only deletions from the raw file")
    segments: tuple[Segment, ...]
    paragraphs: tuple[Paragraph, ...]
    pages: tuple[int, ...] = Field(
        default=(), description="offsets into the cleaned text where each page starts (PDF only)"
    )
    sha256: str
    entities: tuple[tuple[int, int, str], ...] = Field(
        default=(),
        description="named entities found at index time: (start, end, spaCy label) in the cleaned text",
    )

    def page_at(self, clean_offset: int) -> int | None:
        """The 1-based page holding the cleaned character at `clean_offset`; None without pages."""
        if not self.pages:
            return None
        return max(1, bisect.bisect_right(self.pages, clean_offset))

    def raw_offset(self, clean_offset: int) -> int:
        """The file offset of the cleaned character at `clean_offset` (or just past the end)."""
        for seg in self.segments:
            if seg.clean_start <= clean_offset < seg.clean_start + seg.length:
                return seg.raw_start + clean_offset - seg.clean_start
        if not self.segments:
            return 0
        last = self.segments[-1]
        return last.raw_start + last.length

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """File span [start, end) covering the cleaned span [start, end)."""
        if end <= start:
            at = self.raw_offset(start)
            return at, at
        return self.raw_offset(start), self.raw_offset(end - 1) + 1


class Sentence(_Frozen):
    """The unit of retrieval: one sentence (or a token-bounded piece of a long one)."""

    doc: int = Field(description="index into the document list")
    paragraph: int = Field(description="1-based paragraph number")
    start: int = Field(description="offset into the document's cleaned text")
    end: int


class AnswerSpan(_Frozen):
    """The answer read out of the marked sentence: the thing of the kind the question asks for."""

    text: str
    start: int = Field(description="offset of the answer inside the passage's text")
    end: int
    label: str = Field(
        default="",
        description="what it is: spaCy's entity label (PERSON, ORG, DATE, MONEY...) or DESCRIPTION",
    )


class Passage(_Frozen):
    """A cited span of an article, with the sentence that best answers the question."""

    doc: str = Field(description="file name")
    title: str
    paragraph: int
    start: int = Field(description="character offset into the file as it is on disk")
    end: int
    text: str = Field(description="the file's span after cleaning")
    highlight: str = Field(description="the answering sentence: a substring of text")
    highlight_start: int = Field(description="offset of highlight inside text")
    answer: AnswerSpan | None = Field(
        default=None,
        description="the answer inside the highlight (a name, date, amount...), when the question asks "
        "for such a thing and the sentence holds one it does not already name",
    )
    score: float = Field(description="relevance in [0, 1]; higher is better")
    date: str | None = None
    date_from_file: bool = Field(default=False, description="as Document.date_from_file")
    author: str | None = None
    outlet: str | None = None
    url: str | None = Field(default=None, description="the article's web address, when known")
    page: int | None = Field(default=None, description="the PDF page the passage starts on")


class ConflictValue(_Frozen):
    """One of the differing values, with the passages (by rank, 0-based) that state it."""

    value: str
    passages: tuple[int, ...]
    docs: tuple[str, ...]


class Conflict(_Frozen):
    """Sources name different values for the same thing."""

    aspect: Literal["who", "what", "when", "where", "extent", "number"]
    values: tuple[ConflictValue, ...]
    note: str


# Why a question got no answer: nothing in the articles is about it, or passages are about it but
# none answers it (they are shown, marked as not an answer). Empty for an answer.
NoAnswerReason = Literal["", "nothing relevant", "related passages only"]
Profile = Literal["default", "large"]  # how an index was built; see Settings.profile


class Answer(_Frozen):
    """The reply to one question: `model_dump_json()` is what `--json` prints."""

    question: str
    answered: bool
    passages: tuple[Passage, ...]
    reason: NoAnswerReason = Field(default="", description="why there is no answer; empty when answered")
    conflicts: tuple[Conflict, ...] = ()
    query: str = Field(default="", description="the query actually searched (follow-ups widened)")
    confidence: float | None = Field(
        default=None,
        description="the answer decision's probability (0 to 1) that the passages answer the question; "
        "None when nothing relevant was found",
    )
    unsure: bool = Field(
        default=False,
        description="answered, but the confidence is under one half: the closest passages, which may "
        "not answer it (shown without a marked answer)",
    )


class IndexedFile(_Frozen):
    """A corpus file as seen at build time; sha256 is empty for a file that was skipped."""

    name: str
    size: int
    mtime_ns: int
    sha256: str


class SegmentEntry(_Frozen):
    """One segment of an index: the articles one build or update embedded, in a folder of the build
    ("" for the build's own folder). Segments are written once; removing or changing an article
    marks it deleted here until the segments are merged."""

    folder: str
    sentences: int = Field(description="sentence rows in the segment, deleted ones included")
    faiss_kind: str
    deleted: tuple[str, ...] = Field(default=(), description="articles of this segment no longer live")


class Manifest(_Frozen):
    """Everything needed to tell whether an index on disk is current and intact."""

    format_version: int
    model_name: str
    model_fingerprint: str
    dimension: int
    max_tokens: int
    embed_context: int
    faiss_kind: str
    profile: Profile = Field(
        default="default", description="build profile: `large` embedded with the int8 encoder"
    )
    corpus_path: str = Field(description="the article folder, resolved: an index answers for it only")
    corpus: tuple[IndexedFile, ...]
    reader_fingerprint: str = Field(default="", description="the code that read the articles")
    chunker_fingerprint: str = Field(default="", description="the code that split them into sentences")
    files: dict[str, str] = Field(description="index file (path in the build) -> sha256")
    sentences: int = Field(description="live sentences, in all segments")
    segments: tuple[SegmentEntry, ...] = Field(description="in search order; the first is the largest")
    created_at: str
