"""The index a question is answered from: loaded when current, else built or updated first.

On a read-only path a stale index is answered from as it is, said in one line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qa.config import Settings
from qa.errors import IndexFileError
from qa.index import store
from qa.index.planning import stale_reason
from qa.ingest.corpus import check_folder
from qa.models import Manifest
from qa.progress import Warn

if TYPE_CHECKING:
    from qa.index.warmup import EncoderWarmup


def open_index(settings: Settings, warn: Warn, warmup: EncoderWarmup | None = None) -> store.StoredIndex:
    """The current index: built when missing, rebuilt when stale or damaged."""
    store.check_index_dir(settings.index_dir)
    build = store.current_build(settings.index_dir)
    reason = None
    manifest: Manifest | None = None
    if build is None:
        reason = "no index yet"
    else:
        try:
            manifest = store.read_manifest(build)
            reason = stale_reason(settings, manifest)
        except IndexFileError as exc:
            reason = exc.problem
    if reason is None:
        try:
            return store.load(settings.index_dir, warmup)
        except IndexFileError as exc:
            if store.current_build(settings.index_dir) != build:
                return store.load(settings.index_dir)  # a build was published while we read: use it
            reason = exc.problem
    check_folder(settings.corpus)  # before saying a build starts: a missing folder is only an error
    warn(f"{'building' if build is None else 'updating'} the index ({reason})")
    try:
        # Only now: an index that is current needs none of the build's modules (a faster cold start).
        from qa.index.build import run_build

        return run_build(settings, warn, progress=True, only_if_needed=True, full=False)[2]
    except PermissionError as exc:
        # An index on a read-only path (a shared drive, a container): its own folder's articles
        # are still answered from it as it is, said in one line. Never an index of another folder.
        if manifest is None or manifest.corpus_path != str(settings.corpus.resolve()):
            raise
        stored = store.load(settings.index_dir, warmup)
        warn(
            f"the index is out of date ({reason}) and cannot be updated ({exc.strerror}): "
            "answering from it as it is"
        )
        return stored
