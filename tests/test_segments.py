"""Segments: an update appends one and marks the old versions of changed and removed articles
deleted; answers from several segments equal those of the segments merged into one, and of a full
build of the same folder."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import QA, IndexFileError, Settings, build_index
from qa.index import segments, store
from qa.index.lexical import LexicalIndex, LexicalView
from tests.conftest import SEEDS

QUIET = {"warn": lambda _: None, "progress": False}
DATA = Path(__file__).parent / "data"
REMOVED, CHANGED = "001_25a242c555f2ca6b.txt", "004_85bf35164d9416cf.txt"


def _answers(settings: Settings) -> list[tuple]:
    engine = QA.open(settings, warn=lambda _: None)
    out = []
    for line in (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        a = engine.ask(q["question"], q.get("history", []))
        passages = [(p.doc, p.start, p.end, p.highlight, round(p.score, 5)) for p in a.passages]
        out.append((q["question"], a.answered, a.reason, a.unsure, round(a.confidence or 0, 5), passages))
    return out


@pytest.fixture(scope="module")
def segmented(tmp_path_factory) -> Settings:
    """The seeds built, then the tram articles added, then one seed changed and one removed:
    three segments, two articles of the first marked deleted."""
    root = tmp_path_factory.mktemp("segmented")
    corpus = root / "articles"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(corpus=corpus, index_dir=root / "index")
    build_index(settings, **QUIET)
    for path in sorted((DATA / "tram").iterdir()):
        shutil.copy(path, corpus / path.name)
    build_index(settings, **QUIET)
    with open(corpus / CHANGED, "a", encoding="utf-8") as handle:
        handle.write("\nThe zebra council of Ruritania approved the plan on Friday.\n")
    (corpus / REMOVED).unlink()
    build_index(settings, **QUIET)
    return settings


@pytest.mark.slow
def test_answers_from_several_segments_equal_one_merged_index_and_a_full_build(segmented, tmp_path):
    manifest = store.load(segmented.index_dir).manifest
    assert len(manifest.segments) == 3 and manifest.segments[0].deleted == (REMOVED, CHANGED)
    merged_dir, full_dir = tmp_path / "merged", tmp_path / "full"
    shutil.copytree(segmented.index_dir, merged_dir, symlinks=True)
    merged = segmented.model_copy(update={"index_dir": merged_dir})
    compacted, changes = build_index(merged, **QUIET, compact=True)
    assert len(compacted.segments) == 1 and compacted.segments[0].deleted == () and not changes.added
    full = segmented.model_copy(update={"index_dir": full_dir})
    build_index(full, **QUIET, full=True)

    from_segments = _answers(segmented)
    assert sum(bool(a[5]) for a in from_segments) > 15  # not a comparison of empty replies
    assert from_segments == _answers(merged)
    assert from_segments == _answers(full)
    # The words typing slips are mended from: counted at build, less the deleted articles' words.
    words = [store.load(s.index_dir).table.word_counts for s in (segmented, merged, full)]
    assert words[0] == words[1] == words[2] and words[0]["zebra"] == 1
    mended = QA.open(segmented, warn=lambda _: None).ask("Who is the chief technology oficer of Cognitia?")
    assert "officer" in mended.query


@pytest.mark.slow
def test_a_removed_article_is_marked_deleted_until_the_segments_are_merged(segmented, tmp_path, capsys):
    from qa.interfaces.cli import main

    build = store.current_build(segmented.index_dir)
    stored_names = [d["name"] for d in json.loads((build / store.DOCUMENTS).read_text())]
    assert REMOVED in stored_names  # still written in the first segment, marked deleted
    engine = QA.open(segmented, warn=lambda _: None)
    assert REMOVED not in {d.name for d in engine.documents}
    assert all(p.doc != REMOVED for p in engine.ask("Who lifted the ban?", k=20).passages)
    zebra = engine.ask("What did the zebra council of Ruritania approve?").passages[0]
    assert zebra.doc == CHANGED and "zebra" in zebra.text

    copy = segmented.model_copy(update={"index_dir": tmp_path / "index"})
    shutil.copytree(segmented.index_dir, copy.index_dir, symlinks=True)
    args = ["index", "--compact", "--corpus", str(copy.corpus), "--index-dir", str(copy.index_dir)]
    assert main(args) == 0
    assert "1 segment," in capsys.readouterr().out
    build = store.current_build(copy.index_dir)
    stored_names = [d["name"] for d in json.loads((build / store.DOCUMENTS).read_text())]
    assert REMOVED not in stored_names and stored_names.count(CHANGED) == 1
    assert not (build / "segments").exists()


@pytest.mark.slow
def test_segments_merge_when_there_are_many(tmp_path, monkeypatch):
    monkeypatch.setattr(segments, "MAX_SEGMENTS", 2)
    corpus = tmp_path / "articles"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    build_index(settings, **QUIET)
    facts = ["The zebra council approved the tram plan.", "The heron board rejected the ferry plan."]
    counts = []
    for i, fact in enumerate(facts):
        (corpus / f"note_{i}.txt").write_text(fact, encoding="utf-8")
        manifest, _ = build_index(settings, **QUIET)
        counts.append(len(manifest.segments))
    assert counts == [2, 2]  # the third segment was merged with the second, the first left as it was
    first = store.current_build(settings.index_dir)
    assert manifest.segments[0].folder == "" and (first / store.VECTORS).exists()
    engine = QA.open(settings, warn=lambda _: None)
    assert "zebra" in engine.ask("Which council approved the tram plan?").passages[0].text
    assert "heron" in engine.ask("Which board rejected the ferry plan?").passages[0].text


def test_which_segments_an_update_merges():
    many = segments.MAX_SEGMENTS + 1
    assert segments.plan_merge([100] * segments.MAX_SEGMENTS, [0.0] * segments.MAX_SEGMENTS) == []
    sizes = [1000] + [5] * (many - 1)
    assert segments.plan_merge(sizes, [0.0] * many) == list(range(1, many))
    assert segments.plan_merge(sizes, [0.6] + [0.0] * (many - 1)) == list(range(many))


def test_bm25_over_segments_equals_bm25_over_them_merged():
    rng = np.random.default_rng(7)
    words = "ban lifted export council tram zebra ferry vote budget court ruling appeal heron".split()
    parts_texts = [[" ".join(rng.choice(words, rng.integers(2, 9))) for _ in range(n)] for n in (30, 7, 12)]
    parts = [LexicalIndex.build(texts) for texts in parts_texts]
    global_ids, at = [], 0
    for texts in parts_texts:
        live = rng.random(len(texts)) > 0.3
        numbers = np.full(len(texts), -1, dtype=np.int64)
        numbers[live] = np.arange(at, at + live.sum())
        at += int(live.sum())
        global_ids.append(numbers)
    view, merged = LexicalView(parts, global_ids), LexicalIndex.merge(parts, global_ids)
    assert view.vocabulary == merged.vocabulary and view.size == merged.size
    for query in ("zebra council", "ban lifted by the court", "heron ferry appeal vote", "sourdough"):
        a, b = view.query(query), merged.query(query)
        assert a == b
        assert np.allclose(view.scores(a), merged.scores(b), rtol=0, atol=1e-6)
        ids = np.arange(merged.size)
        assert (view.presence(a, ids) == merged.presence(b, ids)).all()
        assert view.known_share(a) == merged.known_share(b)


@pytest.mark.slow
def test_an_index_from_before_segments_is_read_without_embedding_again(tmp_path):
    corpus = tmp_path / "articles"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    build_index(settings, **QUIET)
    path = store.current_build(settings.index_dir) / store.MANIFEST
    old = json.loads(path.read_text())
    del old["segments"]
    path.write_text(json.dumps({**old, "format_version": 5}))  # what qa wrote before segments
    said: list[str] = []
    assert QA.open(settings, warn=said.append).ask("Who lifted the ban?").answered and said == []
    (corpus / "zebra.txt").write_text("The zebra council of Ruritania approved the tram plan on Friday.")
    manifest, changes = build_index(settings, **QUIET)
    assert changes.added == ("zebra.txt",) and len(manifest.segments) == 2


@pytest.mark.slow
def test_a_damaged_file_of_a_later_segment_is_detected(segmented, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(segmented.index_dir, copy, symlinks=True)
    manifest = store.load(copy).manifest
    target = store.current_build(copy) / manifest.segments[1].folder / store.SENTENCE_VECTORS
    data = target.read_bytes()
    target.unlink()  # a hard link shared with the first index: replace it rather than write through
    target.write_bytes(data[:-7] + bytes(7))
    with pytest.raises(IndexFileError, match="damaged"):
        store.load(copy)


@pytest.mark.slow
def test_killing_an_update_at_any_moment_leaves_the_segments_it_links_intact(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    corpus = tmp_path / "articles"
    shutil.copytree(SEEDS, corpus)
    settings = Settings(corpus=corpus, index_dir=tmp_path / "index")
    build_index(settings, **QUIET)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for i, delay in enumerate((0.3, 0.8, 1.2, 1.6, 2.2)):
        (corpus / f"note_{i}.txt").write_text(f"The zebra council number {i} approved the tram plan.")
        command = [
            sys.executable,
            "-m",
            "qa",
            "index",
            "--corpus",
            str(corpus),
            "--index-dir",
            str(settings.index_dir),
        ]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        store.load(settings.index_dir)  # every file of every segment matches its checksum
        answer = QA.open(settings, warn=lambda _: None).ask("Who lifted the ban?")
        assert answer.answered and answer.passages
    assert len(list((settings.index_dir / "builds").iterdir())) <= 2
