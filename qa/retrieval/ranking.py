"""The fitted models: a sentence ranker and the decision to answer, as small linear models in JSON.

Applying them is a dot product, so a question pays for no import; fitting them is
`scripts/fit_models.py` (see `qa.quality.fitting`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qa.errors import ModelError
from qa.retrieval.features import QUESTION_FEATURES, SENTENCE_FEATURES, sigmoid

MODELS_FILE = "models.json"


class LinearModel(BaseModel):
    """Logistic regression over standardised features: p = sigmoid(w . (x - mean) / scale + b)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    @model_validator(mode="after")
    def _same_lengths(self) -> LinearModel:
        if not len(self.features) == len(self.mean) == len(self.scale) == len(self.weights):
            raise ValueError("features, mean, scale and weights differ in length")
        return self

    def logits(self, rows: np.ndarray) -> np.ndarray:
        if rows.ndim == 1:
            rows = rows[None, :]
        mean = np.asarray(self.mean, dtype=np.float32)
        scale = np.asarray(self.scale, dtype=np.float32)
        weights = np.asarray(self.weights, dtype=np.float32)
        return ((rows - mean) / scale) @ weights + np.float32(self.bias)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return sigmoid(self.logits(rows))


class Models(BaseModel):
    """Everything fitted, with what it was fitted on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: Literal[1] = 1
    fitted_on: tuple[str, ...] = Field(description="question files the weights were fitted on")
    sentence: LinearModel = Field(description="P(a candidate sentence answers the question)")
    on_topic: LinearModel = Field(description="P(the articles are about the question at all)")
    answerable: LinearModel = Field(description="P(the top passages answer the question)")
    on_topic_threshold: float = Field(description="below: 'nothing relevant'")
    answerable_threshold: float = Field(description="below: 'related passages only'")
    conflict_threshold: float = Field(
        default=0.5,
        description="'sources differ' compares the answers of sentences the ranker gives at least this "
        "probability of answering",
    )
    alike_threshold: float = Field(
        default=0.0,
        description="an answer is set against the best one only when their sentences are at least this "
        "alike (cosine): two reports of one fact",
    )
    unsure_threshold: float = Field(
        default=0.5, description="an answer whose answerable probability is below this is shown as unsure"
    )
    background_sha256: str = Field(
        description="the background vectors the decision models were fitted with (qa/retrieval/background.py)"
    )

    @model_validator(mode="after")
    def _known_features(self) -> Models:
        if self.sentence.features != SENTENCE_FEATURES:
            raise ValueError("sentence model features differ from this version's")
        for model in (self.on_topic, self.answerable):
            if model.features != QUESTION_FEATURES:
                raise ValueError("answer-decision features differ from this version's")
        return self


def load_models(path: Path | None = None) -> Models:
    """The models at `path`, or the ones shipped with qa."""
    try:
        if path is None:
            text = resources.files("qa").joinpath("data", MODELS_FILE).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return Models.model_validate_json(text)
    except (OSError, ValidationError, ValueError) as exc:
        where = path or f"qa/data/{MODELS_FILE}"
        raise ModelError(
            f"the ranking models in {where} cannot be used ({exc}); run scripts/fit_models.py --write"
        ) from exc
