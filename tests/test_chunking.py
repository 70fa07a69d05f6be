from hypothesis import given, settings
from hypothesis import strategies as st

from qa.index.embedding import TokenCounter, default_model_path, load_tokenizer
from qa.ingest.chunking import embedding_texts, split_sentences
from qa.ingest.cleaning import clean
from qa.models import Document
from qa.text import sentence_spans

COUNT = TokenCounter(load_tokenizer(default_model_path() / "tokenizer.json", 256))


def _doc(raw: str) -> Document:
    c = clean(raw)
    return Document(
        name="a.txt",
        title=c.title,
        date=c.date,
        text=c.text,
        segments=c.segments,
        paragraphs=c.paragraphs,
        sha256="0",
    )


def test_sentence_splitter_keeps_abbreviations_together():
    text = 'Dr. Eleanor Marsh spoke in the U.S. on Monday. "It works," she said. Then it ended.'
    parts = [text[s:e] for s, e in sentence_spans(text)]
    assert parts == [
        "Dr. Eleanor Marsh spoke in the U.S. on Monday.",
        '"It works," she said.',
        "Then it ended.",
    ]
    timed = "The strike began at 6 p.m. Eastern time on Monday. Talks resume at 9 a.m. Tuesday."
    assert [timed[s:e] for s, e in sentence_spans(timed)] == [
        "The strike began at 6 p.m. Eastern time on Monday.",
        "Talks resume at 9 a.m. Tuesday.",
    ]


def test_an_abbreviation_that_ends_a_sentence_ends_it():
    text = (
        "The road closed at 8 p.m. The closure lasts a week. Shares of Acme Corp. It fell. "
        "Talks with Beta Inc. and Gamma Co. failed. They resume at 9 a.m. on Monday near St. Louis."
    )
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "The road closed at 8 p.m.",
        "The closure lasts a week.",
        "Shares of Acme Corp.",
        "It fell.",
        "Talks with Beta Inc. and Gamma Co. failed.",
        "They resume at 9 a.m. on Monday near St. Louis.",
    ]


def test_long_sentence_is_cut_to_the_model_window():
    raw = "Intro sentence here.\n" + " ".join(f"word{i}" for i in range(600)) + ". Short end."
    doc = _doc(raw)
    units = split_sentences([doc], 256, COUNT)
    assert len(units) >= 4
    for u in units:
        assert COUNT(doc.text[u.start : u.end]) <= 254
    covered = " ".join(doc.text[u.start : u.end] for u in units)
    assert covered.split() == doc.text.split()


def test_headings_are_not_units_but_give_context():
    doc = _doc("Why was it imposed?\nIt was instituted due to national security concerns.")
    units = split_sentences([doc], 256, COUNT)
    assert [doc.text[u.start : u.end] for u in units] == [
        "It was instituted due to national security concerns."
    ]
    assert embedding_texts([doc], units, 1, 256, COUNT) == [
        "Why was it imposed? It was instituted due to national security concerns."
    ]


def test_context_is_the_previous_sentence_of_the_paragraph():
    doc = _doc("First one here. Second one here.\nThird in a new paragraph.")
    units = split_sentences([doc], 256, COUNT)
    texts = embedding_texts([doc], units, 1, 256, COUNT)
    assert texts == ["First one here.", "First one here. Second one here.", "Third in a new paragraph."]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .?!\n\"'Dr"), max_size=300))
def test_units_stay_in_bounds_and_within_their_paragraph(raw):
    c = clean(raw)
    if not c.text:
        return
    doc = _doc(raw)
    units = split_sentences([doc], 32, COUNT)
    for u in units:
        para = doc.paragraphs[u.paragraph - 1]
        assert para.start <= u.start < u.end <= para.end
        assert doc.text[u.start : u.end].strip() == doc.text[u.start : u.end]
        assert COUNT(doc.text[u.start : u.end]) <= 30
