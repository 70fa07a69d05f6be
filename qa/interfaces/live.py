"""The engine a long-running server (the UI, `qa mcp`) answers with, kept on the index now published."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from qa.answer.engine import QA
from qa.config import Settings
from qa.errors import IndexFileError
from qa.index import store
from qa.models import Document
from qa.progress import Warn


def _quiet(message: str) -> None:
    pass


class Loaded:
    """One loaded index: its engine and its articles by name (parsed when first asked for)."""

    def __init__(self, engine: QA) -> None:
        self.engine = engine

    @cached_property
    def documents(self) -> Mapping[str, Document]:
        return {d.name: d for d in self.engine.documents}


class LiveEngine:
    """Answers from the index now published. An index published since it was loaded (by a watcher,
    `qa index`, `qa add` or the UI's Add box, in this process or another) replaces it at the next
    question; a question already being answered finishes with the engine it started with."""

    def __init__(self, engine: QA, warn: Warn = _quiet) -> None:
        self._loaded = Loaded(engine)
        self._warn = warn
        self._lock = threading.Lock()  # one reload at a time: a newer index is never replaced by an older
        self._unreadable: Path | None = None  # a published build that failed to load: not tried again

    @property
    def settings(self) -> Settings:
        return self._loaded.engine.settings

    def current(self) -> Loaded:
        """The loaded index, reloaded first when another build has been published (a few system calls
        when nothing changed)."""
        loaded = self._loaded
        published = store.current_build(loaded.engine.settings.index_dir)
        if published is None or published in (loaded.engine.stored.path.resolve(), self._unreadable):
            return loaded
        return self.reload()

    @property
    def engine(self) -> QA:
        return self.current().engine

    def reload(self) -> Loaded:
        """Load the index now published, unless it is the one loaded; keep the loaded one when the new
        one cannot be read (said once)."""
        with self._lock:
            loaded = self._loaded
            old = loaded.engine
            index_dir = old.settings.index_dir
            for _ in range(3):  # a build published while we read removes the one we read: read again
                published = store.current_build(index_dir)
                if published is None or published == old.stored.path.resolve():
                    return loaded
                try:
                    stored = store.load(index_dir)
                except IndexFileError as exc:
                    if store.current_build(index_dir) != published:
                        continue
                    if published != self._unreadable:
                        self._warn(f"the new index cannot be read ({exc}); answering from the one loaded")
                    self._unreadable = published
                    return loaded
                # Same fitted models and background vectors (they ship with qa); the encoder is the
                # new build's own copy.
                engine = QA(stored, old.settings, models=old.models, background=old.background)
                self._loaded = Loaded(engine)
                return self._loaded
            return loaded
