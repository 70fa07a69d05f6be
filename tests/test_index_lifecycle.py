"""Staleness, atomic replacement and damage detection, on a temporary copy of the articles."""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import QA, IndexFileError, Settings
from qa.index import store, writing
from tests.conftest import SEEDS


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


def _open(settings: Settings) -> tuple[QA, list[str]]:
    said: list[str] = []
    return QA.open(settings, warn=said.append), said


def test_index_is_built_reused_and_rebuilt_when_articles_change(corpus, tmp_path):
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    first, said = _open(settings)
    assert any("no index yet" in s for s in said)
    build = first.stored.path

    again, said = _open(settings)
    assert said == [] and again.stored.path == build  # nothing changed: no rebuild

    os.utime(corpus / "000_f9b306b4da719ccb.txt")  # touched, same content: still no rebuild
    _, said = _open(settings)
    assert said == []

    with open(corpus / "004_85bf35164d9416cf.txt", "a", encoding="utf-8") as handle:
        handle.write("\nThe zebra council of Ruritania approved the plan on Friday.\n")
    edited, said = _open(settings)
    assert any("articles were added, changed or removed" in s for s in said)
    assert edited.stored.path != build and not build.exists()  # old build replaced whole
    assert "zebra" in edited.ask("What did the zebra council of Ruritania approve?").passages[0].text

    (corpus / "001_25a242c555f2ca6b.txt").unlink()
    removed, said = _open(settings)
    assert said and all(d.name != "001_25a242c555f2ca6b.txt" for d in removed.documents)

    changed, said = _open(settings.model_copy(update={"embed_context": 0}))
    assert any("chunking settings changed" in s for s in said)


def test_damaged_index_file_is_detected_and_rebuilt(corpus, tmp_path):
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    engine, _ = _open(settings)
    target = engine.stored.path / store.LEXICAL
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(IndexFileError, match="damaged"):
        store.load(settings.index_dir)
    repaired, said = _open(settings)
    assert any("damaged" in s for s in said)
    assert repaired.ask("Who lifted the ban?").answered


def test_a_manifest_from_another_version_is_refused(corpus, tmp_path):
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    engine, _ = _open(settings)
    manifest = engine.stored.path / store.MANIFEST
    manifest.write_text(
        manifest.read_text().replace(f'"format_version": {store.FORMAT_VERSION}', '"format_version": 99')
    )
    with pytest.raises(IndexFileError, match="another version"):
        store.load(settings.index_dir)


def test_round_trip_keeps_every_document_and_vector(engine, seed_settings):
    loaded = store.load(seed_settings.index_dir)
    assert loaded.documents == engine.stored.documents
    assert (loaded.sentences == engine.stored.sentences).all()
    assert loaded.vectors.ntotal == engine.stored.vectors.ntotal
    assert loaded.lexical.vocabulary == engine.stored.lexical.vocabulary


def test_large_corpora_get_an_ivf_index_that_answers_the_same(corpus, tmp_path, engine):
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index", exact_limit=100)
    approximate, _ = _open(settings)
    assert approximate.stored.manifest.faiss_kind.startswith("ivf")
    for question in ("Who is the chief technology officer of Cognitia?", "Which open-source alternatives?"):
        assert approximate.ask(question).passages[0].text == engine.ask(question).passages[0].text


def test_an_update_links_the_segments_it_keeps_and_hashes_only_what_it_writes(corpus, tmp_path, monkeypatch):
    from qa import build_index

    settings = Settings(corpus=corpus, index_dir=tmp_path / "index", exact_limit=100)
    build_index(settings, warn=lambda _: None, progress=False)
    first = store.current_build(settings.index_dir)
    inodes = {name: (first / name).stat().st_ino for name in store.SEGMENT_FILES}
    hashed: list[Path] = []
    digest = writing.data_file_digest
    monkeypatch.setattr(writing, "data_file_digest", lambda path: hashed.append(Path(path)) or digest(path))
    (corpus / "zebra.txt").write_text("The zebra council of Ruritania approved the tram plan on Friday.")
    manifest, changes = build_index(settings, warn=lambda _: None, progress=False)
    second = store.current_build(settings.index_dir)
    assert changes.added == ("zebra.txt",) and [e.folder for e in manifest.segments][0] == ""
    assert manifest.segments[0].faiss_kind.startswith("ivf") and manifest.segments[1].faiss_kind == "flat"
    assert {name: (second / name).stat().st_ino for name in store.SEGMENT_FILES} == inodes  # not copied
    new_folder = second / manifest.segments[1].folder
    written = {p for p in hashed if p.name in store.SEGMENT_FILES}
    assert written == {new_folder / name for name in store.SEGMENT_FILES}  # the kept one is not hashed again
    answer = QA.open(settings).ask("What did the zebra council approve?")
    assert "zebra" in answer.passages[0].text


def test_an_index_built_meanwhile_is_not_built_again(corpus, tmp_path):
    from qa import build_index

    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    first, _ = build_index(settings, warn=lambda _: None, progress=False)
    build = store.current_build(settings.index_dir)
    again, _ = build_index(settings, warn=lambda _: None, progress=False, only_if_needed=True)
    assert again == first and store.current_build(settings.index_dir) == build
    rebuilt, _ = build_index(settings, warn=lambda _: None, progress=False)
    assert store.current_build(settings.index_dir) != build and rebuilt.created_at >= first.created_at


QUESTIONS_FOR_UPDATES = (
    "Who lifted the ban?",
    "Who is Eleanor Marsh?",
    "When was the lifting of the ban announced?",
    "What did the zebra council of Ruritania approve?",
    "Which open-source alternatives did foreign enterprises turn to?",
)


def test_an_update_embeds_only_what_changed_and_answers_as_a_full_rebuild(corpus, tmp_path):
    from qa import build_index

    quiet = {"warn": lambda _: None, "progress": False}
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    aside = tmp_path / "002.txt"
    shutil.move(corpus / "002_17632f222889c6ff.txt", aside)
    _, first = build_index(settings, **quiet)
    assert first.full and len(first.added) == 4

    shutil.move(aside, corpus / "002_17632f222889c6ff.txt")  # added
    with open(corpus / "004_85bf35164d9416cf.txt", "a", encoding="utf-8") as handle:  # changed
        handle.write("\nThe zebra council of Ruritania approved the plan on Friday.\n")
    (corpus / "001_25a242c555f2ca6b.txt").unlink()  # removed
    _, changes = build_index(settings, **quiet)
    assert changes == type(changes)(
        added=("002_17632f222889c6ff.txt",),
        changed=("004_85bf35164d9416cf.txt",),
        removed=("001_25a242c555f2ca6b.txt",),
        unchanged=("000_f9b306b4da719ccb.txt", "003_3739d69c4638959f.txt"),
        full=False,
    )
    updated = QA.open(settings)
    full_settings = Settings(corpus=corpus, index_dir=tmp_path / "full")
    _, everything = build_index(full_settings, **quiet, full=True)
    assert everything.full
    rebuilt = QA.open(full_settings)

    # The update appended a segment, so its articles are numbered in another order: compare by article.
    a, b = _by_article(updated.stored), _by_article(rebuilt.stored)
    assert a.keys() == b.keys()
    for name, (rows, traits, vectors, title) in a.items():
        rows_b, traits_b, vectors_b, title_b = b[name]
        assert (rows == rows_b).all() and (traits == traits_b).all(), name
        # New articles go through the index's ONNX export, the full build through torch: equal to float noise.
        assert abs(vectors - vectors_b).max() < 2e-3 and abs(title - title_b).max() < 2e-3, name
    assert updated.stored.lexical.vocabulary == rebuilt.stored.lexical.vocabulary
    for question in QUESTIONS_FOR_UPDATES:
        x, y = updated.ask(question), rebuilt.ask(question)
        assert [(p.doc, p.start, p.end) for p in x.passages] == [(p.doc, p.start, p.end) for p in y.passages]
        assert x.answered == y.answered and x.reason == y.reason, question
        assert all(abs(p.score - q.score) < 0.01 for p, q in zip(x.passages, y.passages, strict=True))


def _by_article(stored: store.StoredIndex) -> dict[str, tuple]:
    """Each live article's sentence rows (paragraph, start, end), traits, sentence and title vectors."""
    out = {}
    docs = stored.sentences[:, 0]
    for number, doc in enumerate(stored.documents):
        mine = np.flatnonzero(docs == number)
        out[doc.name] = (
            stored.sentences[mine, 1:],
            stored.traits[mine],
            stored.table.sentence_vectors[mine].astype(float),
            stored.title_vectors[number].astype(float),
        )
    return out


def _build_in_a_new_process(settings: Settings, full: bool = False) -> list[str]:
    """build_index in a fresh interpreter: its change summary, and whether it imported torch."""
    import subprocess
    import sys

    script = (
        "import sys; from qa import Settings, build_index\n"
        f"s = Settings.model_validate_json({settings.model_dump_json()!r})\n"
        f"_, changes = build_index(s, warn=print, progress=False, full={full})\n"
        "print(changes.summary()); print('torch' in sys.modules)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return done.stdout.splitlines()[-2:]


def test_an_update_does_not_import_torch(corpus, tmp_path):
    from qa import build_index

    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    build_index(settings, warn=lambda _: None, progress=False)
    (corpus / "new.txt").write_text("The zebra council of Ruritania approved the plan on Friday.")
    assert _build_in_a_new_process(settings) == ["1 added, 0 changed, 0 removed, 5 unchanged", "False"]
    assert "zebra" in QA.open(settings).ask("What did the zebra council approve?").passages[0].text


def test_a_full_build_with_the_encoder_cached_does_not_import_torch(corpus, tmp_path):
    from qa import build_index

    first = Settings(corpus=corpus, index_dir=tmp_path / "first", cache_dir=tmp_path / "cache")
    second = first.model_copy(update={"index_dir": tmp_path / "second"})
    build_index(first, lambda _: None, False)
    (export,) = first.cache_dir.glob("encoders/*/encoder.onnx")
    assert _build_in_a_new_process(second, full=True) == [
        "full build: 5 added, 0 changed, 0 removed, 0 unchanged",
        "False",
    ]
    assert list(first.cache_dir.glob("encoders/*/encoder.onnx")) == [export]  # one export per model
    question = "Who lifted the ban?"
    assert QA.open(second).ask(question).passages == QA.open(first).ask(question).passages


def test_a_damaged_cached_encoder_is_exported_again(corpus, tmp_path):
    from qa import build_index

    cache = tmp_path / "cache"
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index", cache_dir=cache)
    build_index(settings, lambda _: None, False)
    (export,) = cache.glob("encoders/*/encoder.onnx")
    export.unlink()  # the index keeps its own link to the file; the cache gets a damaged one
    export.write_bytes(b"not an onnx graph")
    said: list[str] = []
    build_index(settings, said.append, progress=False, full=True)
    assert any("damaged; exporting it again" in line for line in said)
    assert export.read_bytes() != b"not an onnx graph"
    assert (export.parent / "encoder.weights").stat().st_size > 1_000_000
    assert "ban" in QA.open(settings).ask("Who lifted the ban?").passages[0].text


def test_weights_damaged_in_the_cache_and_the_index_they_share_are_exported_again(corpus, tmp_path):
    """The index links the cached weights: one damaged file is damaged in both. The rebuild the
    index's checksum asks for must not embed the articles again with the same damaged weights."""
    cache = tmp_path / "cache"
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index", cache_dir=cache)
    question = "Who lifted the ban?"
    expected = QA.open(settings, warn=lambda _: None).ask(question).passages
    (weights,) = cache.glob("encoders/*/encoder.weights")
    with weights.open("r+b") as handle:  # in place: the index's hard link sees it too
        handle.seek(weights.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0xFF]))
    said: list[str] = []
    assert QA.open(settings, warn=said.append).ask(question).passages == expected
    assert any("damaged; exporting it again" in line for line in said)


def test_an_update_cleans_only_new_files_unless_the_reading_code_changed(corpus, tmp_path, monkeypatch):
    from qa import build_index
    from qa.index import build as indexer
    from qa.ingest import corpus as ingest

    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    build_index(settings, lambda _: None, progress=False)
    cleaned: list[int] = []
    real_clean = ingest.clean

    def counting_clean(*args, **kwargs):
        cleaned.append(1)
        return real_clean(*args, **kwargs)

    monkeypatch.setattr(ingest, "clean", counting_clean)
    (corpus / "zebra.txt").write_text("The zebra council of Ruritania approved the tram plan on Friday.")
    build_index(settings, lambda _: None, progress=False)
    assert len(cleaned) == 1  # the five unchanged articles kept their documents
    monkeypatch.setattr(indexer, "reader_fingerprint", lambda: "the cleaning code changed")
    _, changes = build_index(settings, lambda _: None, progress=False)
    assert len(cleaned) == 1 + 6 and len(changes.unchanged) == 6  # all read again, none re-embedded


def test_two_builds_in_the_same_second_get_their_own_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(writing.time, "strftime", lambda _: "20261123-120000")
    first = writing.new_build_dir(tmp_path)
    (tmp_path / "current").symlink_to(first.relative_to(tmp_path))  # the first is published
    second = writing.new_build_dir(tmp_path)
    assert second != first and first.is_dir() and second.is_dir()


def test_an_update_splits_only_new_articles_unless_the_splitting_code_changed(corpus, tmp_path, monkeypatch):
    from qa import build_index
    from qa.index import build as indexer
    from qa.index import stages

    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    build_index(settings, lambda _: None, progress=False)
    split: list[str] = []
    real_split = stages.split_sentences

    def recording_split(docs, *args, **kwargs):
        split.extend(d.name for d in docs)
        return real_split(docs, *args, **kwargs)

    monkeypatch.setattr(stages, "split_sentences", recording_split)
    (corpus / "zebra.txt").write_text("The zebra council of Ruritania approved the tram plan on Friday.")
    build_index(settings, lambda _: None, progress=False)
    assert split == ["zebra.txt"]
    monkeypatch.setattr(indexer, "chunker_fingerprint", lambda: "the splitting code changed")
    _, changes = build_index(settings, lambda _: None, progress=False)
    assert changes.full and len(split) == 1 + 6  # everything split and embedded again


def test_the_index_an_update_hands_back_is_the_one_a_reader_loads(corpus, tmp_path):
    from qa import build_index
    from qa.index.opening import open_index

    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    build_index(settings, lambda _: None, progress=False)
    (corpus / "zebra.txt").write_text("The zebra council of Ruritania approved the tram plan on Friday.")
    built = open_index(settings, lambda _: None)  # updates, and answers from memory
    loaded = store.load(settings.index_dir)
    assert built.path == loaded.path and built.manifest == loaded.manifest
    assert built.documents == loaded.documents and len(built.segments) == len(loaded.segments) == 2
    for mine_segment, their_segment in zip(built.segments, loaded.segments, strict=True):
        assert mine_segment.documents == their_segment.documents
        for name in ("rows", "sentence_vectors", "title_vectors", "traits"):
            mine, theirs = getattr(mine_segment, name), getattr(their_segment, name)
            assert mine.dtype == theirs.dtype and (mine == theirs).all(), name
        assert mine_segment.vectors.ntotal == their_segment.vectors.ntotal
        assert mine_segment.lexical.vocabulary == their_segment.lexical.vocabulary
        assert (mine_segment.lexical.weights == their_segment.lexical.weights).all()
    assert built.manifest.files == writing.file_checksums(built.path)  # the reused encoder's sum holds


def test_a_segment_loaded_before_an_update_still_reads_its_word_counts(corpus, tmp_path):
    """The word counts are read when first needed (spelling): a segment kept by an update, or held
    by a running UI while an update publishes, still reads them after the old build's folder is gone."""
    from qa import build_index
    from qa.index.opening import open_index

    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    build_index(settings, lambda _: None, progress=False)
    held = store.load(settings.index_dir)
    (corpus / "zebra.txt").write_text("The zebra council of Ruritania approved the tram plan on Friday.")
    built = open_index(settings, lambda _: None)
    assert not held.path.exists()  # the old build was removed when the new one was published
    assert held.segments[0].words.get()["ban"] > 0
    assert built.segments[0].words.get() == held.segments[0].words.get()


def test_an_index_made_by_code_that_read_articles_differently_is_refreshed(corpus, tmp_path, monkeypatch):
    """After an upgrade that cleans or splits articles differently, the next question updates the index
    (titles, sentences), though no article changed."""
    from qa.index import planning
    from qa.index.opening import open_index
    from qa.index.planning import stale_reason

    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    manifest = open_index(settings, lambda _: None).manifest
    assert stale_reason(settings, manifest) is None
    for name in ("reader_fingerprint", "chunker_fingerprint"):
        with monkeypatch.context() as patch:
            patch.setattr(planning, name, lambda: "the code changed")  # where staleness is judged
            assert (
                stale_reason(settings, manifest) == "this version of qa reads or splits articles differently"
            )
            said: list[str] = []
            open_index(settings, said.append)
            assert said and "reads or splits articles differently" in said[0]
        manifest = open_index(settings, lambda _: None).manifest


def test_a_stale_index_that_cannot_be_updated_answers_as_it_is(corpus, tmp_path, monkeypatch):
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    _open(settings)
    (corpus / "zebra.txt").write_text("The zebra council of Ruritania approved the tram plan on Friday.")

    def read_only(*args, **kwargs):  # as on a read-only path (tests run as root, who writes anywhere)
        raise PermissionError(13, "Permission denied", str(tmp_path / "index" / ".lock"))

    monkeypatch.setattr(writing, "build_lock", read_only)
    engine, said = _open(settings)
    assert said[-1] == (
        "the index is out of date (articles were added, changed or removed) and cannot be updated "
        "(Permission denied): answering from it as it is"
    )
    assert engine.ask("Who lifted the ban?").answered
    assert "zebra.txt" not in {d.name for d in engine.documents}
    # never an index of another folder
    other = tmp_path / "other"
    shutil.copytree(SEEDS, other)
    with pytest.raises(PermissionError):
        QA.open(Settings(corpus=other, index_dir=tmp_path / "index"), warn=lambda message: None)
