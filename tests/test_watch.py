"""`qa serve --watch` and `qa watch`: a folder that keeps itself indexed under a running server."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SEEDS
from tests.serving import running_app

LIGHTHOUSE = """Kessel Point lighthouse shines again after the winter storms
The lighthouse at Kessel Point was relit on Tuesday by the harbour master, Ingrid Solvang, three months
after a storm broke its lantern.

The repair cost 86,000 kroner and was paid for by the fishing cooperative of the island.
"""
LIGHTHOUSE_QUESTION = "Who relit the lighthouse at Kessel Point?"

FERRY_FIRST = """A new ferry will link Orrin Island to the mainland this spring
The ferry to Orrin Island will run twice a day from 4 May, the island council said on Monday, after
two years in which islanders relied on a fishing boat.

"""
FERRY_SECOND = """Tickets for the Orrin Island ferry will cost 7.40 euros each way, paid on board, and
children under twelve will travel free.
"""
FERRY_QUESTION = "How much will a ticket for the Orrin Island ferry cost?"


def wait_for(check: Callable[[], Any], seconds: float, what: str) -> Any:
    """Poll `check` until it returns something true, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what} not within {seconds} s (last: {last!r})")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any, Path]]:
    from gradio_client import Client

    root = tmp_path_factory.mktemp("watch")
    corpus, log = root / "articles", root / "serve.log"
    shutil.copytree(SEEDS, corpus)
    with running_app(corpus, root / "index", args=["--watch"], log=log) as app:
        client = Client(app.url, verbose=False)
        wait_for(lambda: "watching" in log.read_text(), 30, "the watcher starting")
        yield corpus, client, log


def cited(client: Any, question: str) -> list[dict]:
    return client.predict(question, [], api_name="/ask")["passages"]


def test_an_article_written_into_the_folder_is_answered_within_ten_seconds(served):
    corpus, client, _ = served
    article = corpus / "lighthouse.txt"
    assert all(p["doc"] != article.name for p in cited(client, LIGHTHOUSE_QUESTION))
    article.write_text(LIGHTHOUSE)
    best = wait_for(
        lambda: next((p for p in cited(client, LIGHTHOUSE_QUESTION)[:1] if p["doc"] == article.name), None),
        10,
        "an answer from the new article",
    )
    assert "Ingrid Solvang" in best["highlight"]


def test_a_removed_article_stops_being_cited(served):
    corpus, client, _ = served
    article = corpus / "lighthouse.txt"
    if not article.exists():  # run on its own
        article.write_text(LIGHTHOUSE)
        cites = lambda: any(p["doc"] == article.name for p in cited(client, LIGHTHOUSE_QUESTION))  # noqa: E731
        wait_for(cites, 20, "the article added")
    article.unlink()
    wait_for(
        lambda: all(p["doc"] != article.name for p in cited(client, LIGHTHOUSE_QUESTION)),
        20,
        "the removed article no longer cited",
    )


def test_a_file_written_in_two_halves_is_read_whole_and_a_bad_file_warned_about_once(served):
    corpus, client, log = served
    ferry = corpus / "ferry.txt"
    with ferry.open("w") as handle:
        handle.write(FERRY_FIRST)
        handle.flush()
        os.fsync(handle.fileno())
        time.sleep(1)
        handle.write(FERRY_SECOND)
    (corpus / "broken.txt").write_bytes(bytes(range(256)) * 40)
    best = wait_for(
        lambda: next((p for p in cited(client, FERRY_QUESTION)[:1] if p["doc"] == ferry.name), None),
        20,
        "an answer from the second half",
    )
    assert "7.40 euros" in best["highlight"]
    lines = log.read_text().splitlines()
    # The file was indexed once, whole: never its first half and then the whole as a change.
    updates = [line for line in lines if "index updated" in line]
    assert updates and not any(" 1 changed" in line for line in updates), updates
    warned = [line for line in lines if "broken.txt" in line]
    assert warned == ["qa: skipped broken.txt: looks binary, not text"], warned
    assert "Traceback" not in log.read_text()


def test_qa_watch_prints_one_line_per_update_and_stops_cleanly_on_ctrl_c(tmp_path):
    corpus = tmp_path / "articles"
    shutil.copytree(SEEDS, corpus)
    log = tmp_path / "watch.log"
    index_dir = tmp_path / "index"
    command = [sys.executable, "-m", "qa", "watch", "--corpus", str(corpus), "--index-dir", str(index_dir)]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=output, text=True)
    try:
        # The first update builds the missing index; then the folder is watched.
        wait_for(lambda: "5 added" in log.read_text(), 120, "the first build")
        (corpus / "lighthouse.txt").write_text(LIGHTHOUSE)
        wait_for(lambda: "1 added" in log.read_text(), 30, "the update")
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    lines = log.read_text().splitlines()
    assert lines[0].startswith("qa: watching") and lines[-1] == "qa: interrupted", lines
    updates = [line for line in lines if "index updated" in line]
    assert len(updates) == 2 and "1 added, 0 changed, 0 removed, 5 unchanged" in updates[1], lines
    assert stdout == "" and process.returncode == 130
    answer = subprocess.run(
        [sys.executable, "-m", "qa", "ask", LIGHTHOUSE_QUESTION, "-k", "1", "--corpus", str(corpus)]
        + ["--index-dir", str(index_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert "Ingrid Solvang" in answer.stdout and "updating the index" not in answer.stderr
