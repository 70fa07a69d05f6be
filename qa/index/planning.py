"""What a build will do, decided before anything is embedded.

Whether the index is stale, which profile it takes, whether the current index's vectors can be
reused, how the folder is read, and which articles are embedded afresh (added, changed) or marked
deleted (changed, removed)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from qa.config import Settings
from qa.index import store
from qa.index.encoder_source import settings_fingerprint
from qa.ingest.chunking import chunker_fingerprint
from qa.ingest.corpus import (
    CorpusFile,
    check_folder,
    corpus_changed,
    list_corpus,
    read_changed,
    read_corpus,
    reader_fingerprint,
)
from qa.models import Document, IndexedFile, Manifest, Profile
from qa.progress import Warn


@dataclass(frozen=True)
class Changes:
    """What a build did with each article, compared with the index it replaced."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    full: bool = True  # every article was embedded (no earlier index could be reused)

    def summary(self) -> str:
        counts = (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged"
        )
        return ("full build: " if self.full else "") + counts


def known_profile(settings: Settings, current: Manifest | None) -> Profile | None:
    """The profile of the next build when it is known before the folder is read: the one asked for,
    or with `auto` the current index's (an archive that grows past `large_from` is not embedded
    again for it); None when it goes by the number of articles (`profile_for`)."""
    if settings.profile != "auto":
        return settings.profile
    if current is not None and current.corpus_path == str(settings.corpus.resolve()):
        return current.profile
    return None


def profile_for(settings: Settings, articles: int) -> Profile:
    """A new index's profile under `auto`: `large` from `large_from` articles. Below that size a full
    build takes minutes at most, and nothing should change what the answers are made of."""
    return "large" if articles >= settings.large_from else "default"


def reusable(
    previous: store.StoredIndex, settings: Settings, fingerprint: str, chunker: str
) -> store.StoredIndex | None:
    """The index, when its vectors can be reused: same model and profile, chunking (settings and
    code), folder and format."""
    m = previous.manifest
    same = (
        m.model_fingerprint == fingerprint
        and settings.profile in ("auto", m.profile)
        and m.max_tokens == settings.max_tokens
        and m.embed_context == settings.embed_context
        and m.corpus_path == str(settings.corpus.resolve())
        and m.chunker_fingerprint == chunker
    )  # its ONNX export is one of the files load() verified
    return previous if same else None


@dataclass(frozen=True)
class Plan:
    """The articles of the folder against the current index: which are embedded afresh (added or
    changed), and which names each of the index's segments no longer holds live."""

    fresh: list[Document]
    deleted: list[frozenset[str]]  # per segment of the previous index, old marks included
    changes: Changes
    seen: list[IndexedFile]  # every file of the folder as the manifest records it


def plan_update(
    previous: store.StoredIndex | None, read: list[Document], seen: list[IndexedFile], untouched: set[str]
) -> Plan:
    """Which articles are embedded afresh: those read (`untouched` ones were not opened: their size
    and time are as indexed) whose cleaned document differs from the index's live one, or that it
    lacks (the index was split by the same code and settings, see `reusable`). Only the stored
    documents of files that were read are parsed."""
    if previous is None:
        added = tuple(d.name for d in read)
        return Plan(list(read), [], Changes(added=added, full=True), seen)
    stored = previous.documents
    position = {name: i for i, name in enumerate(stored.names)}
    # A document read anew has no entities yet (tagging comes later): the stored ones are compared
    # without theirs, which the same tagging code (`reusable`) would find again.
    fresh = [
        d
        for d in read
        if d.name not in position or stored[position[d.name]].model_copy(update={"entities": ()}) != d
    ]
    fresh_names = {d.name for d in fresh}
    present = untouched | {d.name for d in read}
    removed = [n for n in stored.names if n not in present]
    where = {
        name: k
        for k, (segment, entry) in enumerate(zip(previous.segments, previous.manifest.segments, strict=True))
        for name in segment.documents.names
        if name not in entry.deleted
    }
    deleted: list[set[str]] = [set(e.deleted) for e in previous.manifest.segments]
    for name in removed + [n for n in fresh_names if n in position]:
        deleted[where[name]].add(name)
    changes = Changes(
        added=tuple(d.name for d in fresh if d.name not in position),
        changed=tuple(d.name for d in fresh if d.name in position),
        removed=tuple(removed),
        unchanged=tuple(e.name for e in seen if e.name in present and e.name not in fresh_names and e.sha256),
        full=False,
    )
    return Plan(fresh, [frozenset(d) for d in deleted], changes, seen)


class StoredArticles(Mapping[str, tuple[Document, IndexedFile]]):
    """The index's live documents by name, with the file entry each was read from: what
    `read_document` compares a changed file with, parsed only when it asks for one."""

    def __init__(self, stored: store.StoredIndex) -> None:
        self._documents = stored.documents
        self._where = {n: i for i, n in enumerate(self._documents.names)}
        self.entries = {f.name: f for f in stored.manifest.corpus if f.sha256 and f.name in self._where}

    def __getitem__(self, name: str) -> tuple[Document, IndexedFile]:
        return self._documents[self._where[name]], self.entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def stale_reason(settings: Settings, manifest: Manifest) -> str | None:
    """Why the index no longer matches the articles or settings, or None when it is current.

    Raises CorpusError when the article folder is missing: an index of other articles never answers.
    """
    if manifest.corpus_path != str(settings.corpus.resolve()):
        check_folder(settings.corpus)  # a clear error first when the folder is not there at all
        return f"it was built for another folder ({manifest.corpus_path})"
    if manifest.max_tokens != settings.max_tokens or manifest.embed_context != settings.embed_context:
        return "chunking settings changed"
    if manifest.model_fingerprint != settings_fingerprint(settings):
        return "the model changed"
    if settings.profile not in ("auto", manifest.profile):
        return f"the {settings.profile} build profile was asked for"
    if (
        manifest.reader_fingerprint != reader_fingerprint()
        or manifest.chunker_fingerprint != chunker_fingerprint()
    ):
        return "this version of qa reads or splits articles differently"
    if corpus_changed(settings.corpus, manifest.corpus):
        return "articles were added, changed or removed"
    return None


@dataclass(frozen=True)
class FolderRead:
    """The folder as a build reads it (a cluster build only lists it: its workers read the files)."""

    docs: list[Document]
    seen: list[IndexedFile]
    untouched: set[str]  # files not opened: their size and time are as the index has them
    files: list[CorpusFile]  # listed for the cluster to read
    articles: int  # in the folder, for the profile


def read_folder(
    settings: Settings, previous: store.StoredIndex | None, reader: str, warn: Warn, listed_only: bool
) -> FolderRead:
    """Read the folder's articles: only the files that changed when the index was made by the same
    reading code (`reader`), every file otherwise; with `listed_only`, list them and read none."""
    if listed_only:  # read on the cluster: the number of files decides the profile
        files = list_corpus(settings.corpus, warn)
        return FolderRead([], [], set(), files, len(files))
    if previous is not None and previous.manifest.reader_fingerprint == reader:
        known = StoredArticles(previous)  # unchanged files keep their documents: not read again
        docs, seen, untouched = read_changed(settings.corpus, warn, known.entries, known)
        return FolderRead(docs, seen, untouched, [], len(docs) + len(untouched))
    docs, seen = read_corpus(settings.corpus, warn)
    return FolderRead(docs, seen, set(), [], len(docs))
