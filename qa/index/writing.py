"""Writing an index: the build lock, a build's folder and files, checksums, and the atomic publish.

Segments are written, or linked from the previous build; the build keeps its own copy of the
encoder. Reading it back is `qa.index.store`; the file names are `qa.index.layout`."""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from qa.checksums import XXH3, data_file_digest, sha256_file
from qa.errors import IndexLockedError
from qa.index.documents import documents_json
from qa.index.layout import (
    DOCUMENTS,
    ENCODER_FILES,
    LEXICAL,
    MANIFEST,
    ONNX,
    ONNX_WEIGHTS,
    SENTENCE_VECTORS,
    SENTENCES,
    TITLE_VECTORS,
    TOKENIZER,
    TRAITS,
    VECTORS,
    WORDS,
    current_build,
)
from qa.index.segments import Part, Segment
from qa.index.store import SEGMENT_FILES, StoredIndex, check_index_dir, segment_path
from qa.index.vectors import faiss_kind
from qa.models import Manifest, SegmentEntry


@contextlib.contextmanager
def build_lock(index_dir: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """One builder at a time. A second one calls `on_wait` and waits; with on_wait=None it fails at once.

    The lock is an flock on index/.lock: the kernel drops it when the holder dies, even by SIGKILL.
    """
    check_index_dir(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            if on_wait is None:
                raise IndexLockedError("another `qa index` is building this index; try again later") from exc
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def new_build_dir(index_dir: Path) -> Path:
    """A fresh folder for a build; folders left by killed builds are removed first."""
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    keep = current_build(index_dir)
    for old in builds.iterdir():
        if keep is None or old.resolve() != keep:
            shutil.rmtree(old, ignore_errors=True)
    # Named by time and process; a second build by the same process within the same second (an
    # update takes well under one) gets a counter rather than the current build's folder.
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    for attempt in itertools.count():
        path = builds / (stamp if attempt == 0 else f"{stamp}-{attempt}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise AssertionError("unreachable")


def write_segment(build: Path, folder: str, segment: Segment) -> dict[str, str]:
    """Write a segment's files into `folder` of the build; their checksums by path, for the manifest."""
    import faiss

    where = build / folder
    where.mkdir(parents=True, exist_ok=True)
    (where / DOCUMENTS).write_text(documents_json(segment.documents), encoding="utf-8")
    # Sentence rows: int32 (doc, paragraph, start, end), the layout `SentenceTable` reads.
    np.save(where / SENTENCES, segment.rows.astype(np.int32).reshape(-1, 4), allow_pickle=False)
    np.save(where / TRAITS, segment.traits.astype(np.int32).reshape(-1, 3), allow_pickle=False)
    faiss.write_index(segment.vectors, str(where / VECTORS))
    np.save(where / SENTENCE_VECTORS, segment.sentence_vectors.astype(np.float16), allow_pickle=False)
    np.save(where / TITLE_VECTORS, segment.title_vectors.astype(np.float16), allow_pickle=False)
    lexical = segment.lexical
    with open(where / LEXICAL, "wb") as handle:
        np.savez(
            handle,
            vocabulary=np.array(lexical.vocabulary, dtype=str),
            indptr=lexical.indptr,
            sentence_ids=lexical.sentence_ids,
            weights=lexical.weights,
            tfs=lexical.tfs,
            lengths=lexical.lengths,
        )
    counts = segment.words.get()
    words = sorted(counts)
    with open(where / WORDS, "wb") as handle:
        np.savez(
            handle, words=np.array(words, dtype=str), counts=np.array([counts[w] for w in words], np.int64)
        )
    return {segment_path(folder, name): data_file_digest(where / name) for name in SEGMENT_FILES}


def link_segment(source: Path, build: Path, folder: str, checksums: dict[str, str]) -> dict[str, str]:
    """Keep a segment of the previous build: hard links to its files (a copy where the file system
    has none), and their checksums as the previous manifest recorded them (it verified them at load)."""
    (build / folder).mkdir(parents=True, exist_ok=True)
    kept = {}
    for name in SEGMENT_FILES:
        path = segment_path(folder, name)
        if path not in checksums:  # an optional file the segment was written without
            continue
        _link_or_copy(source / path, build / path)
        # A segment from before xxh3 recorded sha256, which every cold start would pay for (0.5 s at
        # 10,000 articles): recorded again once, at memory speed, as the files are linked.
        recorded = checksums[path]
        kept[path] = recorded if recorded.startswith(XXH3) else data_file_digest(build / path)
    return kept


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def write_segments(
    build: Path, parts: list[Part], previous: StoredIndex | None
) -> tuple[dict[str, str], list[SegmentEntry]]:
    """Each segment into the new build: linked from the previous build where it was kept, else
    written; their files' checksums and their manifest entries."""
    files: dict[str, str] = {}
    entries = []
    for k, (segment, gone, source) in enumerate(parts):
        if source is not None and previous is not None:
            folder = source  # deletion marks live in the manifest: the files stay as written
            files |= link_segment(previous.path, build, folder, previous.manifest.files)
        else:  # only the first segment is ever in the build's own folder
            folder = "" if k == 0 else f"segments/{build.name}-{k}"
            files |= write_segment(build, folder, segment)
        entry = SegmentEntry(
            folder=folder,
            sentences=len(segment),
            faiss_kind=faiss_kind(segment.vectors),
            deleted=tuple(sorted(gone)),
        )
        entries.append(entry)
    return files, entries


def write_encoder(build: Path, onnx_file: Path, tokenizer_file: Path) -> None:
    """The build's own copy of the encoder (graph, and the weights beside it), so the index answers
    even after the cache is cleared: hard links where the file system allows (the weights are 90 MB
    and never modified), else copies."""
    if onnx_file != build / ONNX:  # an export made for this build only is in place already
        for name, source in ((ONNX_WEIGHTS, onnx_file.parent / ONNX_WEIGHTS), (ONNX, onnx_file)):
            _link_or_copy(source, build / name)
    shutil.copyfile(tokenizer_file, build / TOKENIZER)


def encoder_checksums(build: Path, weights_sha256: str | None = None) -> dict[str, str]:
    """sha256 of the build's encoder files; `weights_sha256` when the encoder's weights are a link to
    a file whose checksum is known (verified when the previous index was loaded, or checked against
    the cached export's record): 90 MB not hashed again."""
    return {
        name: weights_sha256 if name == ONNX_WEIGHTS and weights_sha256 else sha256_file(build / name)
        for name in ENCODER_FILES
    }


def file_checksums(build: Path) -> dict[str, str]:
    """Every file of a build but its manifest, by path in the build, checksummed the way the
    manifest records it (for checks)."""
    return {
        str(p.relative_to(build)): data_file_digest(p) if p.name in SEGMENT_FILES else sha256_file(p)
        for p in sorted(build.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def publish(index_dir: Path, build: Path, manifest: Manifest) -> None:
    """Write the manifest, flush everything to disk, and make this build current in one rename."""
    (build / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    for name in (*manifest.files, MANIFEST):  # files linked from the last build have nothing to flush
        with open(build / name, "rb") as handle:
            os.fsync(handle.fileno())
    for folder in {e.folder for e in manifest.segments} | {""}:
        _fsync_dir(build / folder)
    link = index_dir / "current"
    staging = index_dir / f".current-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        staging.unlink()
    staging.symlink_to(build.relative_to(index_dir))
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)  # an index folder from before builds were versioned
    os.replace(staging, link)
    _fsync_dir(index_dir)
    for old in (index_dir / "builds").iterdir():
        if old.resolve() != build.resolve():
            shutil.rmtree(old, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
