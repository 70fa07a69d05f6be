"""The background news a question is compared with: shipped in step with its articles and the models,
and telling an off-topic question from an on-topic one on the real articles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa import QA, Settings
from qa.errors import ModelError
from qa.index.opening import open_index
from qa.retrieval.background import Background, load_background
from qa.retrieval.features import QUESTION_FEATURES
from qa.retrieval.ranking import load_models

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_vectors_are_the_background_articles_embedded_now(tmp_path: Path) -> None:
    settings = Settings(corpus=ROOT / "scripts" / "background-articles", index_dir=tmp_path / "index")
    built = open_index(settings, lambda message: None).table.sentence_vectors
    shipped = load_background().vectors
    assert shipped.shape == built.shape
    # float16 vectors of one encoder on two machines: equal to a rounding step
    assert np.abs(shipped.astype(np.float32) - built.astype(np.float32)).max() < 2e-3


def test_shipped_models_were_fitted_with_the_shipped_background() -> None:
    assert load_models().background_sha256 == load_background().sha256


def test_models_fitted_with_other_background_vectors_are_refused(engine: QA) -> None:
    other = Background(np.ones((2, engine.background.vectors.shape[1]), dtype=np.float16))
    with pytest.raises(ModelError, match="background"):
        QA(engine.stored, engine.settings, engine.models, engine.encoder, other)


def test_a_broken_background_file_is_a_one_line_model_error(tmp_path: Path) -> None:
    broken = tmp_path / "background.npy"
    broken.write_bytes(b"not numpy")
    with pytest.raises(ModelError, match="fit_models.py --write"):
        load_background(broken)


def test_clarity_separates_an_off_topic_question_from_an_on_topic_one(engine: QA) -> None:
    clarity = QUESTION_FEATURES.index("clarity")
    on_topic = engine.rank("Why did the Commerce Department lift the export ban?").question_row[clarity]
    off_topic = engine.rank("How long should I boil an egg?").question_row[clarity]
    assert on_topic > 0.2 > off_topic
