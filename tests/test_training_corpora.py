"""The training corpora (scripts/training-corpora/) are labelled data for the fitted models: each
evidence string must survive cleaning, and none of their questions may be one that is scored."""

import json
from pathlib import Path

import pytest

from qa.ingest.corpus import read_corpus
from qa.quality.evaluate import read_questions
from qa.text import normalize

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ROOT / "scripts" / "training-corpora"
CORPORA = sorted(p for p in TRAINING.iterdir() if p.is_dir())
SCORED = [ROOT / "tests" / "data" / "dev.jsonl", ROOT / "tests" / "data" / "tram_questions.jsonl"]


@pytest.mark.parametrize("folder", CORPORA, ids=[p.name for p in CORPORA])
def test_every_evidence_string_is_in_the_cleaned_articles(folder):
    docs, _ = read_corpus(folder / "articles", lambda message: pytest.fail(message))
    texts = [normalize(d.text) for d in docs]
    questions = read_questions(folder / "questions.jsonl")
    kinds = {q.type for q in questions}
    assert {"unanswerable", "unanswerable_ontopic"} <= kinds  # the answer decision learns from both
    for q in questions:
        strings = [*q.evidence, *(s for values in q.claims.values() for s in values)]
        assert bool(strings) != q.type.startswith("unanswerable"), q.id
        for evidence in strings:
            assert any(normalize(evidence) in t for t in texts), f"{q.id}: {evidence!r}"


def test_no_training_question_is_one_that_is_scored():
    scored = {normalize(json.loads(line)["question"]) for path in SCORED for line in path.open()}
    ids: list[str] = []
    for folder in CORPORA:
        for q in read_questions(folder / "questions.jsonl"):
            assert normalize(q.question) not in scored, q.question
            ids.append(q.id)
    assert len(ids) == len(set(ids))
