"""The README shows what the program prints: its example is compared with a real answer."""

from __future__ import annotations

import re

from qa.interfaces.render import render_answer
from tests.conftest import ROOT

COMMAND = '$ .venv/bin/qa ask "Who lifted the ban?" -k 3'


def _example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```text\n" + re.escape(COMMAND) + r"\n(.*?)```", readme, re.S)
    assert found is not None, "README lost its example"
    return found.group(1).rstrip("\n")


def test_the_readme_example_is_what_qa_ask_prints(engine):
    printed = render_answer(engine.ask("Who lifted the ban?", k=3), color=False)
    assert _example() == printed, "README's example differs from the output: paste the new output there"
