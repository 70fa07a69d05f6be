"""Bad input, bad files, damaged indexes, killed builds and hostile text: never a traceback, never a
half-broken index."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import QA, CorpusError, IndexFileError, Settings, UsageError
from qa.index import layout, store
from qa.ingest.corpus import CorpusFile, read_corpus
from qa.interfaces.render import render_answer
from tests.conftest import ROOT, SEEDS

ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}


def qa_cli(*args: str | bytes, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], capture_output=True, cwd=cwd, env=ENV, timeout=600
    )


# --- questions -------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300), st.lists(st.text(max_size=50), max_size=3))
def test_any_text_is_answered_or_refused_cleanly(engine, question, history):
    try:
        answer = engine.ask(question, history)
    except UsageError:
        return
    for p in answer.passages:
        assert p.highlight in p.text


@pytest.mark.parametrize(
    "question",
    [
        "مَن رفع الحظر؟ who lifted the ban",
        "who lifted the ban? 🚫🤖",
        "who\u202e lifted the ban",
        "ban\x00ban",
    ],
)
def test_unusual_scripts_and_characters_get_an_answer(engine, question):
    assert engine.ask(question).question


def test_invalid_utf8_on_the_command_line(engine, seed_settings):
    result = qa_cli(
        b"ask",
        b"who lifted \xff\xfe the ban?",
        b"--corpus",
        str(seed_settings.corpus).encode(),
        b"--index-dir",
        str(seed_settings.index_dir).encode(),
    )
    assert result.returncode == 0 and b"Traceback" not in result.stderr


def test_hundred_kilobyte_question_is_refused_in_one_line(engine, seed_settings):
    result = qa_cli("ask", "x" * 100_000, "--index-dir", str(seed_settings.index_dir))
    assert result.returncode == 2 and result.stderr.count(b"\n") == 1


# --- corpus ----------------------------------------------------------------------------------------


def test_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "articles").mkdir()
    with pytest.raises(CorpusError, match="no articles to index"):
        read_corpus(tmp_path / "articles", lambda _: None)
    result = qa_cli("index", "--corpus", str(tmp_path / "articles"), "--index-dir", str(tmp_path / "i"))
    assert result.returncode == 1
    assert b"no .txt, .md, .html, .pdf, .docx, .epub or .eml files" in result.stderr
    assert b"Traceback" not in result.stderr


def test_bad_files_are_skipped_by_name_and_the_rest_is_read(tmp_path, monkeypatch):
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEEDS / "000_f9b306b4da719ccb.txt", folder)
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 1000)
    (folder / "latin1.txt").write_bytes("Caf\xe9 owners said the ban hurt sales.".encode("cp1252"))
    (folder / "undecodable.txt").write_bytes(b"A \x81\x8d\x8f\x90\x9d story.")
    with open(folder / "huge.txt", "w") as handle:
        handle.write("A sentence about nothing in particular. " * 520_000)  # about 20 MB
    said: list[str] = []
    docs, seen = read_corpus(folder, said.append)
    assert sorted(d.name for d in docs) == ["000_f9b306b4da719ccb.txt", "latin1.txt"]
    assert "Café" in docs[1].text
    for name in ("empty.txt", "binary.txt", "undecodable.txt", "huge.txt"):
        assert sum(name in s for s in said) == 1, (name, said)
    assert len(seen) == 6

    import qa.ingest.corpus as ingest

    listed = ingest.list_corpus(folder)
    monkeypatch.setattr(
        ingest, "list_corpus", lambda *_: [*listed, CorpusFile(folder / "gone.txt", "gone.txt")]
    )
    said.clear()
    docs, _ = read_corpus(folder, said.append)
    assert any("gone.txt" in s for s in said) and len(docs) == 2


# --- damaged indexes --------------------------------------------------------------------------------


@pytest.fixture()
def built(tmp_path, seed_settings, engine) -> Settings:
    """A private copy of the session's index, so damaging it hurts no other test."""
    shutil.copytree(seed_settings.index_dir, tmp_path / "index", symlinks=True)
    return seed_settings.model_copy(update={"index_dir": tmp_path / "index"})


@pytest.mark.parametrize("name", [*store.SEGMENT_FILES, *layout.ENCODER_FILES, store.MANIFEST])
@pytest.mark.parametrize("damage", ["missing", "truncated", "flipped"])
def test_every_damaged_file_is_detected(built, name, damage):
    path = store.current_build(built.index_dir) / name
    data = path.read_bytes()
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    with pytest.raises(IndexFileError):
        store.load(built.index_dir)


def _ask_with_articles_gone(built: Settings, tmp_path: Path) -> subprocess.CompletedProcess:
    missing = str(tmp_path / "nothing-here")
    return qa_cli("ask", "who lifted the ban?", "--corpus", missing, "--index-dir", str(built.index_dir))


def test_damaged_index_without_articles_is_a_clear_error(built, tmp_path):
    (store.current_build(built.index_dir) / store.VECTORS).write_bytes(b"garbage")
    result = _ask_with_articles_gone(built, tmp_path)
    assert result.returncode == 1
    assert b"does not exist" in result.stderr and b"Traceback" not in result.stderr


def test_a_missing_folder_never_answers_from_an_index_of_another(built, tmp_path):
    """Issue 11, row 1: --corpus naming a folder that is not there is an error, whatever index exists."""
    result = _ask_with_articles_gone(built, tmp_path)
    assert result.returncode == 1 and result.stdout == b""
    assert b"does not exist" in result.stderr and len(result.stderr.strip().splitlines()) == 1


# --- killed and concurrent builds -------------------------------------------------------------------


def test_killing_a_build_at_any_moment_leaves_the_old_index_usable(built, tmp_path):
    corpus = tmp_path / "articles"
    shutil.copytree(SEEDS, corpus)
    # The copy has the same content: the index stays current, so `ask` must not need a rebuild.
    settings = built.model_copy(update={"corpus": corpus})
    QA.open(settings, warn=lambda _: None)
    for delay in (0.3, 1.5, 3.0, 5.0, 7.0, 9.0):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "qa",
                "index",
                "--corpus",
                str(corpus),
                "--index-dir",
                str(built.index_dir),
            ],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        loaded = store.load(built.index_dir)  # never half-written
        assert loaded.manifest.sentences > 0
        result = qa_cli(
            "ask",
            "Who is the chief technology officer of Cognitia?",
            "--json",
            "--corpus",
            str(corpus),
            "--index-dir",
            str(built.index_dir),
        )
        assert result.returncode == 0, result.stderr
        assert b"Eleanor Marsh" in result.stdout
    assert len(list((built.index_dir / "builds").iterdir())) <= 2


def test_two_builds_at_once_take_turns(built, tmp_path):
    command = [
        sys.executable,
        "-m",
        "qa",
        "index",
        "--corpus",
        str(built.corpus),
        "--index-dir",
        str(built.index_dir),
    ]
    # The first embeds everything again (seconds under the lock); an update of an unchanged folder
    # can finish before the second has even started, and then nobody waits.
    full = [*command, "--full"]
    first = subprocess.Popen(full, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    second = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, first_err = first.communicate(timeout=300)
    _, second_err = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0
    assert b"waiting for it" in second_err
    assert store.load(built.index_dir).manifest.sentences > 0
    assert len(list((built.index_dir / "builds").iterdir())) == 1


# --- hostile text in the terminal -------------------------------------------------------------------


def test_control_sequences_from_an_article_do_not_reach_the_terminal(tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "evil.txt").write_text(
        "The zebra council met in Oslo on Friday.\x1b[2J\x1b]0;pwned\x07 It approved the zebra plan.\u202e"
        " Members said the zebra plan was overdue.\n"
    )
    engine = QA.open(Settings(corpus=corpus, index_dir=tmp_path / "index"), warn=lambda _: None)
    answer = engine.ask("What did the zebra council approve?")
    assert "\x1b" in "".join(p.text for p in answer.passages)  # the data keeps it...
    for color in (False, True):
        shown = render_answer(answer, color=color)
        assert (
            "\x1b[2J" not in shown and "\x1b]0" not in shown and "\x07" not in shown and "\u202e" not in shown
        )
        assert "\\u001b" in shown  # ...the terminal sees it made visible


def test_binding_beyond_loopback_warns(capsys):
    from qa.interfaces.ui import warn_if_exposed

    warn_if_exposed("127.0.0.1")
    assert capsys.readouterr().err == ""
    warn_if_exposed("0.0.0.0")
    assert "warning" in capsys.readouterr().err
