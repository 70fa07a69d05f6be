"""The head start a new `qa ask` process takes: the encoder hashed and loaded while qa imports."""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np
import pytest

from qa import QA, IndexFileError
from qa.index import store
from qa.index.warmup import EncoderWarmup, warm_up


def test_the_warmed_up_encoder_is_the_index_encoder(engine, seed_settings):
    warmup = warm_up(seed_settings.index_dir, seed_settings.max_tokens, 1)
    assert warmup is not None and warmup.build == engine.stored.path
    assert warmup.sha256.result() == engine.stored.manifest.files[store.ONNX_WEIGHTS]
    encoder = warmup.encoder_of(engine.stored.path)
    questions = ["Who lifted the ban?", "When was the ban lifted?"]
    assert np.allclose(encoder.encode(questions), engine.encoder.encode(questions), atol=1e-5)
    assert warmup.encoder_of(engine.stored.path.parent / "another-build") is None


def test_no_index_no_warmup(tmp_path):
    assert warm_up(tmp_path / "index", 256, 1) is None


def _done(value: object) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def test_loading_trusts_only_the_checksum_the_warmup_computed_for_that_build(engine, seed_settings):
    build = engine.stored.path
    wrong = EncoderWarmup(build, _done("0" * 64), _done(engine.encoder))
    with pytest.raises(IndexFileError, match="encoder.weights"):
        store.load(seed_settings.index_dir, wrong)
    elsewhere = EncoderWarmup(build.parent / "another-build", _done("0" * 64), _done(engine.encoder))
    assert store.load(seed_settings.index_dir, elsewhere).path == build  # hashed anew, not trusted


def test_qa_opens_with_the_warmed_up_encoder(engine, seed_settings):
    warmup = warm_up(seed_settings.index_dir, seed_settings.max_tokens, 1)
    opened = QA.open(seed_settings, warn=lambda _: None, warmup=warmup)
    assert opened.encoder is warmup.encoder.result()
    question = "Who lifted the ban?"
    assert opened.ask(question).passages == engine.ask(question).passages
