"""The large build profile: an int8 encoder chosen by size (or asked for), kept by updates, recorded."""

import shutil
from pathlib import Path

import numpy as np

from qa import QA, Settings
from qa.index.build import build_index
from qa.index.layout import current_build
from qa.index.planning import stale_reason
from qa.index.store import read_manifest
from tests.conftest import SEEDS


def _open(settings: Settings) -> tuple[QA, list[str]]:
    said: list[str] = []
    return QA.open(settings, warn=said.append), said


def test_auto_picks_large_by_size_keeps_it_on_updates_and_a_profile_asked_for_rebuilds(tmp_path, engine):
    corpus = tmp_path / "articles"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index", large_from=5)
    large, _ = _open(settings)
    assert large.stored.manifest.profile == "large"
    # What the encoder of a large index reads: its own int8 copy, close to the float model's vectors
    # but not the same, and still answering.
    stored_vectors = large.stored.sentence_vectors.astype(np.float32)
    float_vectors = engine.stored.sentence_vectors.astype(np.float32)
    cosines = (stored_vectors * float_vectors).sum(axis=1)
    assert 0.95 < cosines.mean() < 0.9999
    assert large.encoder.encode(["who lifted the ban?"]).shape == (1, 384)
    assert "ban" in large.ask("Who lifted the ban?").passages[0].text.lower()

    # Fewer articles than large_from now, and one added: `auto` keeps the index's profile, and the
    # update embeds the new article only (it is not re-embedded for crossing the size).
    (corpus / "001_25a242c555f2ca6b.txt").unlink()
    (corpus / "tram.txt").write_text(
        "Tram line opens\n\nThe new tram line to the harbour opened on Monday after four years of work.\n",
        encoding="utf-8",
    )
    manifest, changes = build_index(settings, warn=lambda _: None, progress=False)
    assert manifest.profile == "large" and not changes.full and changes.added == ("tram.txt",)

    asked = settings.model_copy(update={"profile": "default"})
    assert stale_reason(asked, manifest) == "the default build profile was asked for"
    default, said = _open(asked)
    assert any("default build profile" in s for s in said)
    assert default.stored.manifest.profile == "default"
    assert read_manifest(current_build(settings.index_dir)).profile == "default"


def test_a_new_index_below_the_size_is_built_as_before(tmp_path):
    settings = Settings(corpus=SEEDS, index_dir=tmp_path / "index", large_from=6)
    manifest, changes = build_index(settings, warn=lambda _: None, progress=False)
    assert manifest.profile == "default" and changes.full
    assert stale_reason(settings, manifest) is None


def test_qa_index_shows_the_profile(tmp_path: Path, capsys):
    from qa.interfaces.cli import main

    assert main(["index", "--profile", "large", "--corpus", str(SEEDS), "--index-dir", str(tmp_path)]) == 0
    assert "(flat index, 1 segment, large profile, int8 encoder)" in capsys.readouterr().out
