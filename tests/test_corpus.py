"""Bring your own articles: .txt, .md and .html; unreadable files are skipped with a warning."""

import json
import os
import subprocess
import sys

from qa import QA, Settings
from qa.ingest.corpus import read_corpus
from tests.conftest import ROOT

HTML = """<!doctype html><html><head><title>Zorblax Corp opens a lab in Lisbon</title></head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a> | Subscribe</nav>
<article><h1>Zorblax Corp opens a lab in Lisbon</h1>
<p>Zorblax Corp said on Monday that it will open a research lab in Lisbon next spring, hiring
about 120 engineers to work on battery chemistry.</p>
<p>The company's chief executive, Mira Olsen, said the city was chosen for its universities and
its growing start-up scene, and that the lab would partner with local researchers.</p>
</article><footer>Copyright 2026. All rights reserved. Privacy policy.</footer></body></html>"""

MARKDOWN = """# Glimmer Bank fined over outages

Glimmer Bank was fined **4 million euros** by the regulator after a [series of outages](https://x.y/z)
left customers without access to their accounts for three days in March.
"""


def test_html_and_markdown_are_indexed_and_a_binary_file_is_skipped(tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "lab.html").write_text(HTML)
    (corpus / "bank.md").write_text(MARKDOWN)
    (corpus / "broken.txt").write_bytes(bytes(range(256)) * 8)
    said: list[str] = []
    engine = QA.open(Settings(corpus=corpus, index_dir=tmp_path / "index"), warn=said.append)
    assert sorted(d.name for d in engine.documents) == ["bank.md", "lab.html"]
    assert any("broken.txt" in s and "skipped" in s for s in said)
    lab = engine.ask("How many engineers will the Lisbon lab hire?")
    assert lab.answered and "120 engineers" in lab.passages[0].text
    assert "Subscribe" not in engine.document("lab.html").text
    assert engine.document("lab.html").date is None  # not guessed from "Copyright 2026"
    bank = engine.ask("How much was Glimmer Bank fined?")
    assert "4 million euros" in bank.passages[0].text and "**" not in bank.passages[0].text
    raw = (corpus / "bank.md").read_text()
    assert raw[bank.passages[0].start : bank.passages[0].end].startswith("Glimmer Bank was fined")


def test_eval_require_fails_below_the_bound(engine, seed_settings):
    from tests.conftest import dev_questions_path

    def run(*extra):
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "qa",
                "eval",
                str(dev_questions_path()),
                "--json",
                "--corpus",
                str(seed_settings.corpus),
                "--index-dir",
                str(seed_settings.index_dir),
                *extra,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )

    ok = run("--require", "hit_at_3=1.0", "--require", "refused_answerable=0")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["overall"]["claim_coverage"] == 1.0
    impossible = run("--require", "hit_at_1=1.01")
    assert impossible.returncode == 1 and "below the required" in impossible.stderr
    bad = run("--require", "nonsense=1")
    assert bad.returncode == 2


def test_a_subfolder_that_cannot_be_read_is_skipped_with_a_warning(tmp_path, monkeypatch):
    (tmp_path / "kept.txt").write_text("The council approved the budget on Tuesday.\n")
    locked = tmp_path / "lockeddir"
    locked.mkdir()
    (locked / "hidden-away.txt").write_text("The mayor resigned on Friday.\n")
    real_scandir = os.scandir

    def scandir(path):  # as for a folder without read permission (tests run as root, who reads all)
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    said: list[str] = []
    docs, _ = read_corpus(tmp_path, said.append)
    assert [d.name for d in docs] == ["kept.txt"]
    assert said == ["skipped lockeddir/: the folder cannot be read (Permission denied)"]
