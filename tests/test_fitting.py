"""Fitting the ranking models: the maths on small synthetic data, and the shipped file."""

from pathlib import Path

import numpy as np

from qa.quality.evaluate import EvalQuestion
from qa.quality.fitting import Sample, _thresholds, fit_listwise, fit_logistic, folds
from qa.retrieval.features import QUESTION_FEATURES, SENTENCE_FEATURES, QuestionContext
from qa.retrieval.ranking import load_models


def test_logistic_regression_finds_the_separating_feature():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(400, 3))
    labels = (rows[:, 1] > 0).astype(np.float32)
    model = fit_logistic(rows, labels, ("a", "b", "c"))
    assert abs(model.weights[1]) > 5 * max(abs(model.weights[0]), abs(model.weights[2]))
    assert ((model.probabilities(rows) > 0.5) == labels.astype(bool)).mean() > 0.95


def test_listwise_ranker_puts_each_questions_evidence_first():
    rng = np.random.default_rng(1)
    n = len(SENTENCE_FEATURES)
    samples = []
    for i in range(30):
        rows = rng.normal(size=(20, n)).astype(np.float32)
        labels = np.zeros(20, dtype=np.float32)
        labels[3] = 1.0
        rows[3, 0] += 3.0  # the evidence stands out on the first feature only
        question = EvalQuestion(id=str(i), type="factoid", question="q", evidence=("e",))
        context = QuestionContext(known=1.0, title_max=0.5, has_answer_type=False, background_similarity=0.2)
        samples.append(Sample(question, rows, labels, context))
    model = fit_listwise(samples, SENTENCE_FEATURES)
    firsts = [int(np.argmax(model.logits(s.rows))) for s in samples]
    assert firsts.count(3) >= 27
    probabilities = model.probabilities(samples[0].rows)
    assert 0 <= probabilities.min() and probabilities.max() <= 1


def test_thresholds_sit_in_the_middle_of_a_clean_gap():
    on_topic = np.array([0.1, 0.2, 0.8, 0.9, 0.9])
    answerable = np.array([0.1, 0.1, 0.2, 0.9, 0.95])
    t1, t2 = _thresholds(
        on_topic, answerable, ["off_topic", "off_topic", "on_topic", "answerable", "answerable"]
    )
    assert 0.2 < t1 < 0.8 and abs(t1 - 0.5) < 0.05
    assert 0.2 < t2 < 0.9


def test_folds_cover_every_question_once():
    parts = folds(5, 23)
    assert sorted(np.concatenate(parts).tolist()) == list(range(23))


def test_the_shipped_models_load_and_match_this_versions_features():
    models = load_models()
    assert models.sentence.features == SENTENCE_FEATURES
    assert models.on_topic.features == QUESTION_FEATURES
    # fitted on the story library's development stories, never on a lockbox story
    from qa.quality.stories import lockbox

    locked = set(lockbox(Path(__file__).resolve().parents[1] / "stories"))
    assert len(models.fitted_on) >= 40 and all(name.startswith("stories/") for name in models.fitted_on)
    assert not {name.removeprefix("stories/") for name in models.fitted_on} & locked
    assert 0 < models.on_topic_threshold < 1 and 0 < models.answerable_threshold < 1
    assert (
        0 < models.unsure_threshold < 1
        and 0 < models.conflict_threshold < 1
        and 0 < models.alike_threshold < 1
    )
