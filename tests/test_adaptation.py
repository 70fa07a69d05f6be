"""The encoder adaptation: its file, which encoder it is merged into, and that fitting it works."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.config import Settings
from qa.errors import ModelError
from qa.index.adaptation import (
    RANK,
    SEEDS,
    SHIPPED_ADAPTATION,
    TARGETS,
    TrainingPair,
    apply_adaptation,
    fit_adaptation,
    read_adaptation,
    write_adaptation,
)
from qa.index.embedding import SentenceTransformerEncoder, default_model_path
from qa.index.encoder_source import adaptation_path, settings_fingerprint
from qa.index.planning import stale_reason
from qa.quality.evaluate import read_questions
from qa.quality.fitting import adaptation_pairs
from qa.text import normalize
from tests.conftest import ROOT


def test_the_shipped_adaptation_covers_every_layer_at_its_rank():
    changes = read_adaptation(SHIPPED_ADAPTATION)
    assert {name.rsplit(".", 1)[0] for name in changes} == {
        f"{layer}.{target}" for layer in range(6) for target in TARGETS
    }
    rank = RANK * len(SEEDS)  # the fits of every seed, side by side
    query = changes["0.attention.self.query.down"], changes["0.attention.self.query.up"]
    assert query[0].shape == (rank, 384) and query[1].shape == (384, rank)
    assert changes["5.intermediate.dense.up"].shape == (1536, rank)
    assert all(np.isfinite(a).all() and np.abs(a).max() > 0 for a in changes.values())


def test_write_then_read_keeps_the_matrices_and_leaves_no_partial_file(tmp_path: Path):
    rng = np.random.default_rng(0)
    changes = {"0.output.dense.down": rng.normal(size=(2, 3)), "0.output.dense.up": rng.normal(size=(4, 2))}
    path = tmp_path / "a.npz"
    write_adaptation(changes, path)
    back = read_adaptation(path)
    assert back.keys() == changes.keys()
    for name, array in changes.items():
        np.testing.assert_allclose(back[name], array, rtol=1e-3)
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]


def test_a_damaged_or_foreign_file_is_a_one_line_model_error(tmp_path: Path):
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(SHIPPED_ADAPTATION.read_bytes()[:1000])
    with pytest.raises(ModelError, match="cannot read the encoder adaptation") as caught:
        read_adaptation(damaged)
    assert "\n" not in str(caught.value)
    text = tmp_path / "text.npz"
    text.write_text("not an archive")
    with pytest.raises(ModelError, match="not a .npz file of matrices"):
        read_adaptation(text)
    half = tmp_path / "half.npz"
    write_adaptation({"0.output.dense.down": np.zeros((2, 3))}, half)
    with pytest.raises(ModelError, match=r"\.down/\.up"):
        read_adaptation(half)


def test_changes_for_another_shape_of_model_are_refused():
    encoder = SentenceTransformerEncoder(default_model_path())
    transformer = encoder._load()[0].auto_model
    wrong = {
        "0.output.dense.down": np.zeros((RANK, 10), np.float32),
        "0.output.dense.up": np.zeros((5, RANK)),
    }
    with pytest.raises(ModelError, match="does not fit this model"):
        apply_adaptation(transformer, wrong)
    with pytest.raises(ModelError, match="does not have"):
        apply_adaptation(
            transformer,
            {
                "9.output.dense.down": wrong["0.output.dense.down"],
                "9.output.dense.up": wrong["0.output.dense.up"],
            },
        )


def test_the_default_model_gets_the_shipped_adaptation_and_a_model_of_your_own_none(tmp_path: Path):
    default = Settings(corpus=tmp_path, index_dir=tmp_path / "i")
    own = Settings(corpus=tmp_path, index_dir=tmp_path / "i", model_path=default_model_path())
    chosen = Settings(
        corpus=tmp_path,
        index_dir=tmp_path / "i",
        model_path=default_model_path(),
        adaptation=SHIPPED_ADAPTATION,
    )
    assert adaptation_path(default) == SHIPPED_ADAPTATION
    assert adaptation_path(own) is None
    assert adaptation_path(chosen) == SHIPPED_ADAPTATION
    assert settings_fingerprint(default) == settings_fingerprint(chosen) != settings_fingerprint(own)


def test_an_index_built_with_another_adaptation_is_stale(engine, seed_settings: Settings, tmp_path: Path):
    assert stale_reason(seed_settings, engine.stored.manifest) is None
    other = tmp_path / "other.npz"
    changes = read_adaptation(SHIPPED_ADAPTATION)
    write_adaptation({name: array * 0.5 for name, array in changes.items()}, other)
    changed = seed_settings.model_copy(update={"adaptation": other})
    assert stale_reason(changed, engine.stored.manifest) == "the model changed"
    unadapted = seed_settings.model_copy(update={"model_path": default_model_path()})
    assert stale_reason(unadapted, engine.stored.manifest) == "the model changed"


def test_the_adaptation_moves_questions_towards_their_answers():
    """Fitted on a few pairs, it brings each question closer to its answer than to the distractor
    than the unadapted model does: the training pulls the right way."""
    pairs = [
        TrainingPair(
            "When did the bakery open?",
            "Its doors first opened to customers in 1998.",
            "The bakery sells rye bread.",
        ),
        TrainingPair(
            "Who runs the bakery?",
            "Maria Lenz has managed the shop for ten years.",
            "The bakery sells rye bread.",
        ),
        TrainingPair(
            "How much does a loaf cost?",
            "A loaf of rye is priced at four euros.",
            "The bakery opened a second shop.",
        ),
    ]
    changes = fit_adaptation(default_model_path(), pairs * 4)
    path = Path(ROOT / "build" / "test-adaptation.npz")
    path.parent.mkdir(exist_ok=True)
    write_adaptation(changes, path)

    def margins(encoder: SentenceTransformerEncoder) -> np.ndarray:
        q = encoder.encode([p.question for p in pairs])
        a = encoder.encode([p.answer for p in pairs])
        d = encoder.encode([p.distractor or "" for p in pairs])
        return (q * a).sum(axis=1) - (q * d).sum(axis=1)

    before = margins(SentenceTransformerEncoder(default_model_path()))
    after = margins(SentenceTransformerEncoder(default_model_path(), adaptation=path))
    path.unlink()
    assert (after > before).all()


def test_training_pairs_hold_evidence_and_a_distractor_without_it(engine):
    questions = [q for q in read_questions(ROOT / "tests" / "data" / "dev.jsonl") if q.evidence][:6]
    evidence = [normalize(e) for q in questions for e in q.evidence]
    pairs = adaptation_pairs(engine, questions)
    assert len(pairs) >= len(questions) - 1
    assert sum(any(e in normalize(p.answer) for e in evidence) for p in pairs) >= len(pairs) // 2
    for pair in pairs:
        assert pair.distractor is not None
        assert not any(e in normalize(pair.distractor) for e in evidence)
