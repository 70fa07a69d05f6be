"""The on-disk index and reading it back: a build's files, verified, as segments searched as one.

Layout: `index/builds/<id>/` holds one complete build: manifest.json, the encoder (encoder.onnx,
encoder.weights, tokenizer.json) and its segments (see qa.index.segments), each a set of
SEGMENT_FILES (documents.json, sentences.npy, traits.npy, vectors.faiss, sentence_vectors.npy,
title_vectors.npy, lexical.npz, words.npz): the first in the build's own folder, later ones in
`segments/<id>/`. `index/current` is a symlink to the build in use. A new build is written beside
the old one, with hard links to the segments it keeps (nothing written is copied or hashed again),
and `current` is swapped with one atomic rename, so a reader sees the old index or the new one,
never half of one. Every file's checksum is in the manifest and checked at load (sha256 for the
encoder, xxh3 for the data files: see qa.checksums). Writing a build is qa.index.writing.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.checksums import matches, sha256_file
from qa.errors import IndexFileError
from qa.index.documents import DocumentList
from qa.index.layout import (
    DOCUMENTS,
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

    @property
    def encoder_sha256(self) -> str | None:
        """The encoder weights' checksum as the manifest records it (verified when loaded)."""
        return self.manifest.files.get(ONNX_WEIGHTS)

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
