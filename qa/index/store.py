"""The on-disk index: the only module that reads or writes `index/`.

Layout: `index/builds/<id>/` holds one complete build: manifest.json, the encoder (encoder.onnx,
encoder.weights, tokenizer.json) and its segments (see qa.index.segments), each a set of
SEGMENT_FILES (documents.json, sentences.npy, traits.npy, vectors.faiss, sentence_vectors.npy,
title_vectors.npy, lexical.npz, words.npz): the first in the build's own folder, later ones in
`segments/<id>/`. `index/current` is a symlink to the build in use. A new build is written beside
the old one, with hard links to the segments it keeps (nothing written is copied or hashed again),
and `current` is swapped with one atomic rename, so a reader sees the old index or the new one,
never half of one. Every file's checksum is in the manifest and checked at load (sha256 for the
encoder, xxh3 for the data files: see qa.checksums).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.checksums import XXH3, data_file_digest, matches, sha256_file
from qa.errors import IndexFileError, IndexLockedError
from qa.index.documents import DocumentList, documents_json
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
from qa.index.lexical import LexicalIndex
from qa.index.segments import Combined, Segment, WordCounts, combine
from qa.index.table import SentenceTable
from qa.models import Manifest, SegmentEntry

if TYPE_CHECKING:
    from qa.index.warmup import EncoderWarmup

# 2: Snowball stems, sentence traits (entity labels, length, question mark) and title vectors.
# 3: the article folder in the manifest; headlines, bylines and dates found anew.
# 4: BM25 term frequencies and sentence lengths kept (updates renumber postings instead of
#    tokenising every sentence again); the chunking code's fingerprint in the manifest.
# 5: the encoder's weights in their own file (encoder.weights) beside its graph.
# 6: segments (an update appends one, and marks changed and removed articles deleted); a format-5
#    build is read as one segment in the build's folder.
FORMAT_VERSION = 6
SEGMENT_FILES = (DOCUMENTS, SENTENCES, TRAITS, VECTORS, SENTENCE_VECTORS, TITLE_VECTORS, LEXICAL, WORDS)
# Segments written before it lack this one: their word counts come from their documents.
OPTIONAL_FILES = (WORDS,)


@dataclass(frozen=True)
class StoredIndex:
    """A verified build, read into memory: its segments, searched as one (`table`)."""

    path: Path
    manifest: Manifest
    segments: tuple[Segment, ...]
    encoder_path: Path
    tokenizer_path: Path

    @cached_property
    def combined(self) -> Combined:
        return combine(self.segments, [frozenset(e.deleted) for e in self.manifest.segments])

    @cached_property
    def table(self) -> SentenceTable:
        """The live sentences as retrieval reads them."""
        return self.combined.table

    # The live index as one, numbered across segments (see Combined).
    @property
    def documents(self) -> DocumentList:
        return self.combined.documents

    @property
    def sentences(self) -> np.ndarray:
        return self.combined.rows

    @property
    def vectors(self) -> Any:
        return self.combined.vectors

    @property
    def sentence_vectors(self) -> Any:
        return self.combined.sentence_vectors

    @property
    def title_vectors(self) -> np.ndarray:
        return self.combined.title_vectors

    @property
    def traits(self) -> np.ndarray:
        return self.combined.traits

    @property
    def lexical(self) -> Any:
        return self.combined.lexical


def segment_path(folder: str, name: str) -> str:
    """A segment file's path within its build, as the manifest names it."""
    return f"{folder}/{name}" if folder else name


def read_manifest(build: Path) -> Manifest:
    try:
        data = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexFileError(f"index manifest unreadable ({exc})") from exc
    if isinstance(data, dict) and data.get("format_version") == 5 and "segments" not in data:
        # Before segments: the build's own folder held the one segment. Read it as it is, so an
        # upgrade does not embed an archive again.
        one = {"folder": "", "sentences": data.get("sentences"), "faiss_kind": data.get("faiss_kind")}
        data = {**data, "format_version": FORMAT_VERSION, "segments": [one]}
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise IndexFileError("index built by another version of qa")
    try:
        return Manifest.model_validate(data)
    except ValueError as exc:
        raise IndexFileError("index manifest is damaged") from exc


def load(index_dir: Path, warmup: EncoderWarmup | None = None) -> StoredIndex:
    """Read and verify the current build; raises IndexFileError for anything missing or damaged.
    `warmup` may already be hashing the encoder of this build."""
    build = current_build(index_dir)
    if build is None:
        raise IndexFileError(f"no index in {index_dir}")
    manifest = read_manifest(build)
    # The encoder's weights are most of the bytes: hash them on a second thread while the rest is read.
    with ThreadPoolExecutor(max_workers=1) as pool:
        if warmup is not None and warmup.build == build:
            weights_hash = warmup.sha256
        else:
            weights_hash = pool.submit(sha256_file, build / ONNX_WEIGHTS)
        for name in (ONNX, TOKENIZER):
            _verified(build, name, manifest)
        segments = tuple(_read_segment(build, entry, manifest) for entry in manifest.segments)
        try:
            intact = weights_hash.result() == manifest.files.get(ONNX_WEIGHTS)
        except OSError:
            intact = False
    if not intact:
        raise IndexFileError(f"index file {ONNX_WEIGHTS} is missing or damaged")
    pairs = zip(segments, manifest.segments, strict=True)
    live = [int(s.live_rows(frozenset(e.deleted)).sum()) for s, e in pairs]
    if sum(live) != manifest.sentences:
        raise IndexFileError("index files disagree with the manifest on the number of sentences")
    return StoredIndex(
        path=build,
        manifest=manifest,
        segments=segments,
        encoder_path=build / ONNX,
        tokenizer_path=build / TOKENIZER,
    )


def _verified(build: Path, name: str, manifest: Manifest) -> Path:
    """The path of an index file whose checksum matches the manifest's record."""
    path = build / name
    try:
        intact = matches(path, manifest.files.get(name))
    except OSError as exc:
        raise IndexFileError(f"index file {name} is missing") from exc
    if not intact:
        raise IndexFileError(f"index file {name} is damaged (checksum mismatch)")
    return path


def _read_segment(build: Path, entry: SegmentEntry, manifest: Manifest) -> Segment:
    """A segment's files, verified, then mapped rather than copied where their format allows (arrays,
    FAISS): a reader pays for the pages it touches, and a 10,000-article index opens in tenths of a
    second. Mapped files stay readable after a later update removes their build."""
    import faiss

    paths = {
        name: _verified(build, segment_path(entry.folder, name), manifest)
        for name in SEGMENT_FILES
        if name not in OPTIONAL_FILES or segment_path(entry.folder, name) in manifest.files
    }
    try:
        documents = DocumentList.from_json(paths[DOCUMENTS].read_bytes())  # each parsed when used
        sentences, traits, sentence_vectors, title_vectors = (
            np.load(paths[name], mmap_mode="r", allow_pickle=False)
            for name in (SENTENCES, TRAITS, SENTENCE_VECTORS, TITLE_VECTORS)
        )
        # One thread per query: on two cores, OpenMP fan-out for one vector costs more than it saves.
        faiss.omp_set_num_threads(1)
        # IVF lists and flat codes each have their own mapping (the two flags do not combine).
        mapped = faiss.IO_FLAG_MMAP if entry.faiss_kind.startswith("ivf") else faiss.IO_FLAG_MMAP_IFC
        vectors = faiss.read_index(str(paths[VECTORS]), mapped)
        if isinstance(vectors, faiss.IndexIVF):
            # Mapped lists prefetch on a pool of 32 threads per search by default: on two cores
            # that cost 1.6 ms of a 2.6 ms search at 10,000 articles (in memory: 0.9 ms; 1.0 without).
            lists: Any = faiss.downcast_InvertedLists(vectors.invlists)  # type: ignore[arg-type]
            lists.prefetch_nthread = 0
        with np.load(paths[LEXICAL], allow_pickle=False) as npz:
            lexical = LexicalIndex(
                vocabulary=tuple(npz["vocabulary"].tolist()),
                indptr=npz["indptr"],
                sentence_ids=npz["sentence_ids"],
                weights=npz["weights"],
                tfs=npz["tfs"],
                lengths=npz["lengths"],
            )
    except Exception as exc:  # a checksum-valid file that still does not parse: another writer's bug
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise IndexFileError(f"index files do not parse ({first_line})") from exc
    counts = (
        len(sentences),
        len(traits),
        vectors.ntotal,
        len(sentence_vectors),
        lexical.size,
        entry.sentences,
    )
    postings = {len(lexical.sentence_ids), len(lexical.weights), len(lexical.tfs), int(lexical.indptr[-1])}
    if len(set(counts)) != 1 or len(title_vectors) != len(documents) or len(postings) != 1:
        raise IndexFileError("index files disagree on the number of sentences or postings")
    words = WordCounts(path=paths[WORDS]) if WORDS in paths else WordCounts(documents=documents)
    return Segment(documents, sentences, vectors, sentence_vectors, title_vectors, traits, lexical, words)


def check_index_dir(index_dir: Path) -> None:
    """Refuse an index path that exists but is not a folder (a file given as --index-dir)."""
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexFileError(
            f"{index_dir} is not a folder", advice="pass --index-dir DIR (or set QA_INDEX_DIR)"
        )


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


def sentence_traits(entity_masks: np.ndarray, texts: list[str]) -> np.ndarray:
    """Per sentence: its entity label mask, its length in words, and whether it is a question."""
    words = [len(t.split()) for t in texts]
    question = [t.rstrip(" \"'”’)").endswith("?") for t in texts]
    rows = np.stack(
        [entity_masks.astype(np.int32), np.array(words, np.int32), np.array(question, np.int32)], 1
    )
    return rows.reshape(-1, 3)


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
