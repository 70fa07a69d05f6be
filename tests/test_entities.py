"""NER tags from spaCy's real small English pipeline, mapped onto sentences."""

from qa.index.entities import ANSWER_LABELS, mask_of, tag
from qa.ingest.cleaning import clean
from qa.models import Document, Sentence
from qa.text import sentence_spans


def _document(text: str) -> tuple[Document, list[Sentence]]:
    cleaned = clean(text)
    doc = Document(
        name="tram.txt",
        title=cleaned.title,
        text=cleaned.text,
        segments=cleaned.segments,
        paragraphs=cleaned.paragraphs,
        sha256="0",
    )
    sentences = [
        Sentence(doc=0, paragraph=p.number, start=s, end=e)
        for p in doc.paragraphs
        for s, e in sentence_spans(doc.text, p.start, p.end)
    ]
    return doc, sentences


def test_each_sentence_gets_the_labels_of_its_own_entities():
    doc, sentences = _document(
        "Mayor Helena Voss opened the debate on the new tram line.\n"
        "The council voted on Tuesday, 14 March 2025. The line will cost $210 million.\n"
        "Many residents welcomed the plan."
    )
    masks = tag([doc], sentences).masks
    person, date, amount = (mask_of(ANSWER_LABELS[k]) for k in ("person", "date", "quantity"))
    assert masks[0] & person
    assert masks[1] & date and not masks[1] & amount
    assert masks[2] & amount
    assert not masks[3] & (person | date | amount)
