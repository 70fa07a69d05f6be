"""qa: answers questions about a folder of news articles with cited passages, never generated text.

    from qa import QA, Settings
    engine = QA.open(Settings(corpus="seeds"))
    answer = engine.ask("Who lifted the ban?")

The pipeline, one package per stage: `qa.ingest` (files to cleaned documents and sentences),
`qa.index` (encoder, FAISS, BM25, entities, files on disk), `qa.retrieval` (candidates, features,
fitted ranking, passages), `qa.answer` (the engine and its decisions, sources that differ),
`qa.interfaces` (CLI, web UI, renderers), `qa.quality` (evaluation and fitting). The names below
are the public API; they are imported on first use, so `import qa.interfaces.cli` stays light.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from qa.answer.engine import QA
    from qa.config import Settings
    from qa.errors import CorpusError, IndexFileError, IndexLockedError, ModelError, QAError, UsageError
    from qa.index.build import build_index
    from qa.index.planning import Changes
    from qa.models import Answer, Conflict, ConflictValue, Document, Passage

_HOMES = {
    "QA": "qa.answer.engine",
    "Settings": "qa.config",
    "Changes": "qa.index.planning",
    "build_index": "qa.index.build",
    **dict.fromkeys(
        ("CorpusError", "IndexFileError", "IndexLockedError", "ModelError", "QAError", "UsageError"),
        "qa.errors",
    ),
    **dict.fromkeys(("Answer", "Conflict", "ConflictValue", "Document", "Passage"), "qa.models"),
}


def __getattr__(name: str) -> _typing.Any:
    if name in _HOMES:
        return getattr(_importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "QA",
    "Answer",
    "Changes",
    "Conflict",
    "ConflictValue",
    "CorpusError",
    "Document",
    "IndexFileError",
    "IndexLockedError",
    "ModelError",
    "Passage",
    "QAError",
    "Settings",
    "UsageError",
    "build_index",
]
