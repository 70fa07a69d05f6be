"""Split cleaned articles into sentences (the retrieval units) and the text embedded for each."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Protocol

from qa.checksums import sha256_of_modules
from qa.models import Document, Sentence
from qa.text import sentence_spans


class CountTokens(Protocol):
    """Word pieces in a text (qa.index.embedding.TokenCounter): one at a time, or `prime`d with many
    texts counted in one batch and remembered."""

    def __call__(self, text: str) -> int: ...

    def prime(self, texts: Sequence[str]) -> None: ...


# [CLS] and [SEP] take two of the model's word pieces.
SPECIAL_TOKENS = 2


def chunker_fingerprint() -> str:
    """Identifies the code that splits a document into sentences and embedding texts (this module and
    the sentence splitter in qa.text) and tags them (qa.index.entities): an index made by the same
    code can hand on the sentences, vectors, postings and entities of an unchanged document."""
    from qa import text
    from qa.index import entities

    return sha256_of_modules((sys.modules[__name__], text, entities))


def _split_long(text: str, start: int, end: int, limit: int, count: CountTokens) -> list[tuple[int, int]]:
    """Cut a span that is over the token limit at word boundaries into pieces within it."""
    if count(text[start:end]) <= limit:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    last_fit = None
    for match in re.finditer(r"\S+", text[start:end]):
        word_end = start + match.end()
        if count(text[piece_start:word_end]) <= limit:
            last_fit = word_end
            continue
        if last_fit is None:  # one "word" over the limit: cut it by characters
            last_fit = max(piece_start + 1, word_end - 1)
            while last_fit > piece_start + 1 and count(text[piece_start:last_fit]) > limit:
                last_fit = piece_start + (last_fit - piece_start) // 2
        pieces.append((piece_start, last_fit))
        piece_start = last_fit
        while piece_start < end and text[piece_start].isspace():
            piece_start += 1
        last_fit = word_end if count(text[piece_start:word_end]) <= limit else None
    if piece_start < end:
        pieces.append((piece_start, end))
    return pieces


def split_sentences(docs: Sequence[Document], max_tokens: int, count: CountTokens) -> list[Sentence]:
    """Every searchable sentence of every article, each within the model's token window."""
    limit = max_tokens - SPECIAL_TOKENS
    count.prime(
        [
            doc.text[s:e]
            for doc in docs
            for paragraph in doc.paragraphs
            if not paragraph.heading
            for s, e in sentence_spans(doc.text, paragraph.start, paragraph.end)
        ],
    )
    units: list[Sentence] = []
    for doc_index, doc in enumerate(docs):
        for paragraph in doc.paragraphs:
            if paragraph.heading:
                continue
            for s, e in sentence_spans(doc.text, paragraph.start, paragraph.end):
                for ps, pe in _split_long(doc.text, s, e, limit, count):
                    units.append(Sentence(doc=doc_index, paragraph=paragraph.number, start=ps, end=pe))
    return units


def embedding_texts(
    docs: Sequence[Document], units: Sequence[Sentence], context: int, max_tokens: int, count: CountTokens
) -> list[str]:
    """The text embedded for each unit: the sentence after up to `context` sentences before it.

    A sentence that opens its paragraph takes the heading above it (an FAQ question, a section
    title) as context instead, so "It was instituted due to..." is found for "why was it imposed".
    Context is dropped where it would push the sentence past the model's window.
    """
    limit = max_tokens - SPECIAL_TOKENS
    joined: list[tuple[str, str, bool]] = []  # (with context, alone, has context)
    for i, unit in enumerate(units):
        doc = docs[unit.doc]
        sentence = doc.text[unit.start : unit.end]
        before: list[str] = []
        j = i - 1
        while len(before) < context and j >= 0:
            prev = units[j]
            if prev.doc != unit.doc or prev.paragraph != unit.paragraph:
                break
            before.insert(0, doc.text[prev.start : prev.end])
            j -= 1
        if not before and context:
            heading = _heading_before(doc, unit.paragraph)
            if heading:
                before = [heading]
        joined.append((" ".join([*before, sentence]), sentence, bool(before)))
    count.prime([text for text, _, has_context in joined if has_context])
    return [
        sentence if has_context and count(text) > limit else text for text, sentence, has_context in joined
    ]


def _heading_before(doc: Document, paragraph: int) -> str | None:
    if paragraph < 2:
        return None
    above = doc.paragraphs[paragraph - 2]
    return doc.text[above.start : above.end] if above.heading else None
