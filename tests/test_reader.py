"""The reader (qa.answer.reader): the words of a sentence that answer a question no entity answers.

The sentences and questions here were written for these tests, after the reader was fitted and
before it was run on them; the council articles are tests/data/council (test_promise.py)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from qa import QA, Settings
from qa.answer.reader import LABEL, SHIPPED_READER, Reader, cached_reader, read_reader, write_reader
from qa.errors import ModelError
from qa.index.embedding import default_model_path
from qa.quality.reading import ReadingExample, fit_reader

COUNCIL = Path(__file__).parent / "data" / "council" / "articles"


@pytest.fixture(scope="module")
def reader() -> Reader:
    model = default_model_path()
    path = cached_reader(model, Path(os.environ["QA_CACHE_DIR"]))
    return Reader(path, model / "tokenizer.json")


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> QA:
    settings = Settings(corpus=COUNCIL, index_dir=tmp_path_factory.mktemp("council-index"))
    return QA.open(settings, warn=lambda message: None)


@pytest.mark.parametrize(
    ("question", "sentence", "answer"),
    [
        (
            "What job did she take at the hospital?",
            "After the election, Ines Varga took a job as a night porter at the county hospital.",
            "night porter",
        ),
        (
            "What did the inspectors find in the water tank?",
            "Inspectors found traces of lead paint in the school's water tank last spring.",
            "lead paint",
        ),
    ],
)
def test_the_reader_marks_the_words_that_answer(reader, question, sentence, answer):
    (read,) = reader.read(question, [sentence])
    assert read is not None
    assert answer in read.span.text and len(read.span.text) < len(sentence) / 2
    assert sentence[read.span.start : read.span.end] == read.span.text
    assert read.span.label == LABEL


def test_the_reader_reads_a_batch_and_an_empty_list(reader):
    sentences = ["The ferry leaves at dawn.", "Tickets cost twelve dollars at the pier office."]
    assert reader.read("How much is a ticket?", []) == []
    reads = reader.read("How much is a ticket?", sentences)
    assert len(reads) == 2 and all(r is not None for r in reads)
    assert "twelve dollars" in reads[1].span.text


def test_an_answer_no_entity_holds_is_read_by_the_reader(council):
    answer = council.ask("Where did the fire department move one truck?")
    top = answer.passages[0]
    assert "rented garage" in top.highlight
    assert top.answer is not None and top.answer.label == LABEL
    assert "rented garage" in top.answer.text
    assert top.text[top.answer.start : top.answer.end] == top.answer.text


def test_an_entity_answer_is_still_the_entity_span(council):
    answer = council.ask("When is the vote on the library levy?")
    assert answer.passages[0].answer is not None and answer.passages[0].answer.text == "Tuesday, May 11"


def test_a_yes_or_no_question_gets_no_read_span(council):
    answer = council.ask("Did the council approve the budget?")
    assert all(p.answer is None or p.answer.label != LABEL for p in answer.passages)


def test_without_the_reader_no_span_is_read(council):
    answer = council.with_reader(None).ask("Where did the fire department move one truck?")
    assert all(p.answer is None or p.answer.label != LABEL for p in answer.passages)


def test_a_broken_reader_file_warns_once_and_answers_without_it(council, tmp_path):
    broken = tmp_path / "reader.npz"
    broken.write_bytes(b"not a zip file")
    said: list[str] = []
    engine = QA(council.stored, council.settings, reader_file=broken, warn=said.append)
    for _ in range(2):
        answer = engine.ask("Where did the fire department move one truck?")
        assert answer.answered
        assert all(p.answer is None or p.answer.label != LABEL for p in answer.passages)
    assert len(said) == 1 and "without the reader" in said[0] and "not a .npz file" in said[0]


def test_a_reader_file_without_its_head_is_refused(tmp_path):
    arrays = {k: v for k, v in read_reader(SHIPPED_READER).items() if not k.startswith("qa_outputs")}
    path = tmp_path / "headless.npz"
    write_reader(arrays, path)
    with pytest.raises(ModelError, match="no start/end head"):
        read_reader(path)


def test_a_fit_is_exported_once_and_reads_what_it_learnt(tmp_path):
    """A few steps on one made-up fact pattern: the export is cached (made once) and its spans come
    from the sentence."""
    examples = [
        ReadingExample(f"Which colour is the {thing}?", f"The {thing} is painted {colour} this year.", 0, 0)
        for thing, colour in [("gate", "blue"), ("barn", "red"), ("fence", "green"), ("door", "yellow")]
    ]
    examples = [
        ReadingExample(e.question, e.sentence, e.sentence.index("painted") + 8, e.sentence.index(" this"))
        for e in examples
    ]
    arrays = fit_reader(default_model_path(), examples, epochs=1)
    assert {"qa_outputs.weight", "qa_outputs.bias"} <= arrays.keys()
    assert arrays["qa_outputs.weight"].shape == (2, 384)
    assert all(np.isfinite(a).all() for a in arrays.values())
    write_reader(arrays, tmp_path / "reader.npz")
    first = cached_reader(default_model_path(), tmp_path / "cache", tmp_path / "reader.npz")
    made = first.stat().st_mtime_ns
    again = cached_reader(default_model_path(), tmp_path / "cache", tmp_path / "reader.npz")
    assert again == first and again.stat().st_mtime_ns == made
    reads = Reader(first, default_model_path() / "tokenizer.json").read(
        "Which colour is the shed?", ["The shed is painted white this year."]
    )
    assert reads[0] is not None and reads[0].span.text in "The shed is painted white this year."
