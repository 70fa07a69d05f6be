"""Shared fixtures: one real index of the real articles, built once per test session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa import QA, Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def run_qa(*args: str, corpus: Path, index_dir: Path) -> subprocess.CompletedProcess:
    """`python -m qa ARGS --corpus CORPUS --index-dir INDEX_DIR` as a user runs it, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "qa", *args, "--corpus", str(corpus), "--index-dir", str(index_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
DEV_COPY = ROOT / "tests" / "data" / "dev.jsonl"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The model's ONNX export is cached between runs inside the checkout, not in the user's ~/.cache.
os.environ.setdefault("QA_CACHE_DIR", str(ROOT / "build" / "qa-cache"))


def dev_questions_path() -> Path:
    """The shared dev questions where they are checked out beside the repo, else the copy in tests/."""
    return DEV if DEV.exists() else DEV_COPY


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(corpus=SEEDS, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def engine(seed_settings: Settings) -> QA:
    return QA.open(seed_settings, warn=lambda message: None)


@pytest.fixture(scope="session")
def dev_questions() -> list[dict]:
    return [json.loads(line) for line in dev_questions_path().read_text().splitlines() if line.strip()]
