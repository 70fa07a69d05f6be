"""The command line, run as a user runs it: a separate process."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SEEDS


def run(*args: str, index_dir=None, env=None) -> subprocess.CompletedProcess:
    flags = ["--corpus", str(SEEDS), "--index-dir", str(index_dir)] if index_dir else []
    command = [sys.executable, "-m", "qa", *args, *flags]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )


@pytest.fixture(scope="module")
def index_dir(engine, seed_settings):
    return seed_settings.index_dir


def test_ask_prints_cited_passages(index_dir):
    result = run("ask", "who lifted the ban?", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert "paragraph" in result.stdout and ".txt" in result.stdout
    assert "**" in result.stdout  # the answering sentence is marked
    assert "Traceback" not in result.stderr
    # Seed articles without a headline are titled by their first sentence: cut to one line.
    heads = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert heads and all(len(line) <= 100 for line in heads)
    assert any(line.endswith("…") for line in heads)


def test_ask_json_is_exactly_one_object(index_dir):
    result = run("ask", "Who chairs the UK AI Council?", "--json", "-k", "3", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answered"] is True and len(data["passages"]) == 3
    assert "Thornton" in data["passages"][0]["highlight"]


def test_history_flag_resolves_a_follow_up(index_dir):
    result = run(
        "ask",
        "What did she say about the decision?",
        "--history",
        "Who is Eleanor Marsh?",
        "--json",
        index_dir=index_dir,
    )
    assert "welcome step" in json.loads(result.stdout)["passages"][0]["text"]


@pytest.mark.parametrize(
    "args", [("ask", ""), ("ask", "   "), ("ask", "why?", "-k", "0"), ("ask", "why?", "-k", "x")]
)
def test_bad_input_is_one_line_and_exit_2(index_dir, args):
    result = run(*args, index_dir=index_dir)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_very_long_question_is_refused_clearly(index_dir):
    result = run("ask", "ban " * 25_000, index_dir=index_dir)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "limit" in result.stderr


def test_no_answer_is_said_plainly(index_dir):
    result = run("ask", "How do I bake sourdough bread?", index_dir=index_dir)
    assert result.returncode == 0
    assert "No answer" in result.stdout


def test_missing_corpus_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa",
            "ask",
            "why?",
            "--corpus",
            str(tmp_path / "nope"),
            "--index-dir",
            str(tmp_path / "index"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0  # the error alone: no "building the index" first
    assert not (tmp_path / "index").exists()  # nothing created, no lock file left behind


def test_help_explains_both_commands():
    for command in ("ask", "index"):
        result = run(command, "--help")
        assert result.returncode == 0 and "--corpus" in result.stdout


def test_eval_prints_the_metrics(index_dir):
    from tests.conftest import dev_questions_path

    result = run("eval", str(dev_questions_path()), "--json", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["overall"]["hit_at_3"] == 1.0
