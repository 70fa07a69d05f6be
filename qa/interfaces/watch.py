"""A folder that keeps itself indexed: `qa watch`, and `qa serve --watch` / `qa mcp --watch`.

The folder is watched with `watchfiles` (the OS's notifications through Rust's notify, grouped by
its debouncing). A batch of changes is read only once every file in it has kept its size and time
for SETTLE_S seconds (a file still being written keeps changing), then the index is updated as
`qa index` does it (append-only segments, under the same build lock) and `on_update` is told.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from qa.config import Settings
from qa.errors import QAError
from qa.index.build import build_index
from qa.index.planning import Changes
from qa.ingest.corpus import check_folder
from qa.models import Manifest
from qa.progress import Warn

if TYPE_CHECKING:
    from qa.interfaces.live import LiveEngine

SETTLE_S = 1.5  # a file must keep its size and modification time this long before it is read
STEP_MS = 200  # watchfiles hands over a batch once the folder has been quiet this long
CATCH_UP_MS = 500  # how long the watcher runs before the index is first brought up to date

OnUpdate = Callable[[Manifest, Changes], None]


def _stats(paths: Iterable[Path]) -> dict[Path, tuple[int, int] | None]:
    out: dict[Path, tuple[int, int] | None] = {}
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            out[path] = None  # removed (or gone again): settled as far as we are concerned
            continue
        out[path] = (st.st_size, st.st_mtime_ns)
    return out


def _settled(paths: set[Path], settle: float, stop: threading.Event) -> bool:
    """Wait until none of `paths` has changed for `settle` seconds; False when stopped first."""
    before = _stats(paths)
    while True:
        if stop.wait(settle):
            return False
        after = _stats(paths)
        if after == before:
            return True
        before = after


def update_index(settings: Settings, on_update: OnUpdate, warn: Warn) -> None:
    """Bring the index up to date with the folder; `on_update` only when an article changed. A problem
    (the folder gone, a disk full) is one line: the next change is tried again."""
    try:
        manifest, changes = build_index(settings, warn=warn, progress=False, only_if_needed=True)
    except (QAError, OSError) as exc:
        warn(f"error: the index was not updated: {exc}")
        return
    if changes.full or changes.added or changes.changed or changes.removed:
        on_update(manifest, changes)


def watch_corpus(
    settings: Settings,
    on_update: OnUpdate,
    warn: Warn,
    stop: threading.Event | None = None,
    settle: float = SETTLE_S,
) -> None:
    """Keep the index of `settings.corpus` up to date until `stop` is set (or Ctrl-C): first with what
    changed while nobody watched, then after every settled batch of changes."""
    from watchfiles import DefaultFilter, watch

    check_folder(settings.corpus)
    stop = stop or threading.Event()
    # The index folder may sit inside the article folder: its own writes are no articles.
    ignored = DefaultFilter(ignore_paths=[str(settings.index_dir.resolve())])
    caught_up = False
    for changes in watch(
        settings.corpus,
        watch_filter=ignored,
        step=STEP_MS,
        stop_event=stop,
        rust_timeout=CATCH_UP_MS,
        yield_on_timeout=True,
    ):
        if not caught_up:
            # Caught up only once the watcher runs: a file saved during this update is its next batch.
            caught_up = True
            update_index(settings, on_update, warn)
        if not changes:
            continue
        if not _settled({Path(path) for _, path in changes}, settle, stop):
            return
        update_index(settings, on_update, warn)


def update_line(manifest: Manifest, changes: Changes) -> str:
    """What one update did, for `qa watch`'s log."""
    articles = sum(1 for f in manifest.corpus if f.sha256)
    segments = len(manifest.segments)
    return (
        f"index updated: {changes.summary()}; {articles} articles, {manifest.sentences} sentences, "
        f"{segments} segment{'s' if segments != 1 else ''}"
    )


@contextlib.contextmanager
def watching(settings: Settings, on_update: OnUpdate, warn: Warn) -> Iterator[None]:
    """Watch the folder on a thread of its own while the body runs (a server answering questions)."""
    stop = threading.Event()

    def run() -> None:
        try:
            watch_corpus(settings, on_update, warn, stop)
        except Exception as exc:  # the server goes on answering from the index it has
            warn(f"error: stopped watching {settings.corpus}: {exc}")

    thread = threading.Thread(target=run, name="qa-watch", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)  # an update under way is left to the process's end (builds are atomic)


def keep_current(live: LiveEngine, warn: Warn) -> AbstractContextManager[None]:
    """While a server runs (`--watch`): watch its folder; it answers from each update at once."""

    def updated(manifest: Manifest, changes: Changes) -> None:
        live.reload()
        warn(update_line(manifest, changes))

    warn(f"watching {live.settings.corpus} for added, changed and removed articles")
    return watching(live.settings, updated, warn)
