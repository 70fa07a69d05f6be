"""A corpus nobody fitted anything on: three articles about a tram line, with questions written
before the ranking was ever run on them (tests/data/tram_questions.jsonl)."""

from pathlib import Path

import pytest

from qa import QA, Settings
from qa.quality.evaluate import evaluate, read_questions

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def tram(tmp_path_factory: pytest.TempPathFactory) -> QA:
    settings = Settings(corpus=DATA / "tram", index_dir=tmp_path_factory.mktemp("tram-index"))
    return QA.open(settings, warn=lambda message: None)


def test_unseen_questions_on_an_unseen_corpus(tram):
    report = evaluate(read_questions(DATA / "tram_questions.jsonl"), tram.ask)
    m = report.overall
    assert m.hit_at_1 >= 0.8 and m.hit_at_3 == 1.0, report.results
    assert m.refused_answerable == 0.0
    assert report.by_type["unanswerable"].refused_unanswerable == 1.0


def test_a_person_named_once_is_found_and_marked(tram):
    answer = tram.ask("Who is Helena Voss?")
    assert answer.answered
    assert "Mayor Helena Voss" in answer.passages[0].highlight


def test_a_price_question_gets_the_price_not_the_budget(tram):
    answer = tram.ask("What is the ticket price?")
    assert "2.40 euros" in answer.passages[0].highlight
