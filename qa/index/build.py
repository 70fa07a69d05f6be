"""Build the index from the articles, and decide when an existing one must be rebuilt."""

from __future__ import annotations

import contextlib
import math
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.config import Settings
from qa.errors import IndexFileError, ModelError
from qa.index import store
from qa.index.adaptation import SHIPPED_ADAPTATION
from qa.index.documents import DocumentList
from qa.index.embedding import (
    MODEL_NAME,
    OnnxEncoder,
    SentenceTransformerEncoder,
    TokenCounter,
    cached_export,
    default_model_path,
    encoder_fingerprint,
    load_tokenizer,
    quantize_int8,
    verified_weights_sha256,
)
from qa.index.entities import load_pipeline, tag
from qa.index.lexical import LexicalIndex, article_words
from qa.index.segments import Segment, WordCounts, merge, plan_merge
from qa.ingest.chunking import chunker_fingerprint, embedding_texts, split_sentences
from qa.ingest.corpus import (
    CorpusFile,
    check_folder,
    corpus_changed,
    list_corpus,
    read_changed,
    read_corpus,
    reader_fingerprint,
)
from qa.models import Document, IndexedFile, Manifest, Profile, SegmentEntry, Sentence
from qa.progress import Progress, Warn, to_stderr

if TYPE_CHECKING:
    import faiss

    from qa.index.warmup import EncoderWarmup
    from qa.ingest.web_pages import SavedPage

EMBED_BATCH = 16  # texts per onnxruntime call: 165 texts/s against 158 at 32 and 125 at 64 (bench/build.py)


def model_path(settings: Settings) -> Path:
    return settings.model_path or default_model_path()


def adaptation_path(settings: Settings) -> Path | None:
    """The adaptation merged into the encoder: the one set, else qa's own for the default model
    (it was fitted on that model's weights), and none for a model of your own."""
    if settings.adaptation is not None:
        return settings.adaptation
    return SHIPPED_ADAPTATION if settings.model_path is None else None


def settings_fingerprint(settings: Settings) -> str:
    return encoder_fingerprint(model_path(settings), adaptation_path(settings))


def ivf_lists(n: int) -> tuple[int, int]:
    """Inverted lists, and lists probed per query, for n vectors (measured in bench/scale.py)."""
    nlist = int(max(64, min(16_384, 4 * math.sqrt(n), n // 39)))  # FAISS wants >= 39 points per list
    return nlist, min(nlist, max(64, nlist // 32))


def vector_index(vectors: np.ndarray, exact_limit: int, trained: faiss.Index | None = None) -> faiss.Index:
    """Exact inner-product search up to `exact_limit` vectors; an IVF index above it (`faiss_kind`
    says which).

    IVF rather than HNSW: on 1M real-shaped vectors here, HNSW32 reached recall@10 0.90 at
    efSearch 512, while IVF-Flat with 4,000 lists reached 0.98-0.99 at 62-124 probes in 2-5 ms.
    A merge of segments passes the largest one's index as `trained`: its lists are kept while the
    merged segment stays within half to twice the size they were trained for, as training them is
    most of a merge's time at scale (k-means over up to 64 vectors a list).
    """
    import faiss

    dim = vectors.shape[1]
    if len(vectors) <= exact_limit:
        index: faiss.Index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index
    if isinstance(trained, faiss.IndexIVF) and trained.d == dim and 0.5 <= len(vectors) / trained.ntotal <= 2:
        # The trained centroids, not a clone: a loaded index's lists are mapped from its file, and
        # FAISS cannot clone those.
        quantizer = faiss.IndexFlatIP(dim)
        quantizer.add(trained.quantizer.reconstruct_n(0, trained.nlist))
        ivf = faiss.IndexIVFFlat(quantizer, dim, trained.nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.is_trained = True
        ivf.add(vectors)
        ivf.nprobe = trained.nprobe
        return ivf
    nlist, nprobe = ivf_lists(len(vectors))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 64 * nlist), replace=False)
    ivf.train(vectors[np.sort(sample)])
    ivf.add(vectors)
    ivf.nprobe = nprobe  # saved in the index file
    return ivf


def faiss_kind(index: faiss.Index) -> str:
    """How a segment's vectors are searched, as the manifest and `qa index` say it."""
    import faiss

    if isinstance(index, faiss.IndexIVF):
        return f"ivf{index.nlist},nprobe{index.nprobe}"
    return "flat"


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


def _load_current(settings: Settings) -> store.StoredIndex | None:
    """The current index if it is intact (every file checked), else None."""
    try:
        return store.load(settings.index_dir)
    except IndexFileError:
        return None


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


def _reusable(
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


Part = tuple[Segment, frozenset[str], str | None]  # a segment, its deleted articles, its folder if kept


@dataclass(frozen=True)
class _Sorted:
    """The articles of the folder against the current index: which are embedded afresh (added or
    changed), and which names each of the index's segments no longer holds live."""

    fresh: list[Document]
    deleted: list[frozenset[str]]  # per segment of the previous index, old marks included
    changes: Changes


def _sort_out(
    previous: store.StoredIndex | None, read: list[Document], seen: list[IndexedFile], untouched: set[str]
) -> _Sorted:
    """Which articles are embedded afresh: those read (`untouched` ones were not opened: their size
    and time are as indexed) whose cleaned document differs from the index's live one, or that it
    lacks (the index was split by the same code and settings, see `_reusable`). Only the stored
    documents of files that were read are parsed."""
    if previous is None:
        added = tuple(d.name for d in read)
        return _Sorted(list(read), [], Changes(added=added, full=True))
    stored = previous.documents
    position = {name: i for i, name in enumerate(stored.names)}
    # A document read anew has no entities yet (tagging comes later): the stored ones are compared
    # without theirs, which the same tagging code (`_reusable`) would find again.
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
    return _Sorted(fresh, [frozenset(d) for d in deleted], changes)


class _StoredArticles(Mapping[str, tuple[Document, IndexedFile]]):
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


def _preload_tagger() -> None:
    with contextlib.suppress(ModelError):  # tagging reports it, when it loads the pipeline itself
        load_pipeline()


def _embed(encoder: OnnxEncoder, texts: list[str], progress: Progress | None = None) -> np.ndarray:
    """Vectors of texts, in batches of similar length: little padding (the attention cost grows with
    the longest text of a batch), and memory bounded by the batch, not the corpus."""
    out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for at in range(0, len(order), EMBED_BATCH):
        batch = order[at : at + EMBED_BATCH]
        out[batch] = encoder.encode([texts[i] for i in batch])
        if progress is not None:
            progress.advance(len(batch), work=sum(len(texts[i]) for i in batch))
    return out


def _encoder(
    settings: Settings,
    path: Path,
    previous: store.StoredIndex | None,
    fingerprint: str,
    build: Path,
    warn: Warn,
    int8: bool,
) -> tuple[OnnxEncoder, Path, str | None]:
    """The ONNX encoder of this build, its file, and its weights' sha256 when already verified (not
    hashed again for the manifest): the current index's (same model and profile, by the fingerprint;
    the file its manifest vouches for), else the cached export (`int8` for the large profile), else
    (cache not writable) an export for this build only."""

    def load(source: Path, weights_sha256: str | None) -> tuple[OnnxEncoder, Path, str | None]:
        encoder = OnnxEncoder(
            source, path / "tokenizer.json", settings.max_tokens, settings.threads, spin=False
        )
        return encoder, source, weights_sha256

    adaptation = adaptation_path(settings)
    if previous is not None:
        return load(previous.encoder_path, previous.manifest.files.get(store.ONNX_WEIGHTS))
    try:
        source = cached_export(path, fingerprint, settings.cache_dir, settings.threads, adaptation, int8)
    except OSError as exc:
        warn(
            f"cannot write the encoder cache {settings.cache_dir} ({exc.strerror}); exporting for this build"
        )
        exporter = SentenceTransformerEncoder(path, settings.threads, adaptation)
        if not int8:
            exporter.export_onnx(build / store.ONNX)
        else:
            (build / "float").mkdir()
            exporter.export_onnx(build / "float" / store.ONNX)
            quantize_int8(build / "float" / store.ONNX, build / store.ONNX)
            shutil.rmtree(build / "float")
        return load(build / store.ONNX, None)
    try:
        weights_sha256 = verified_weights_sha256(source)
        if weights_sha256 is None:
            raise ModelError("its weights do not match their checksum")
        return load(source, weights_sha256)
    except ModelError:
        warn(f"the cached encoder {source} is damaged; exporting it again")
        source.unlink(missing_ok=True)
        source = cached_export(path, fingerprint, settings.cache_dir, settings.threads, adaptation, int8)
        return load(source, verified_weights_sha256(source))


def build_index(
    settings: Settings,
    warn: Warn = to_stderr,
    progress: bool = True,
    only_if_needed: bool = False,
    full: bool = False,
    compact: bool = False,
    ray: str | None = None,
) -> tuple[Manifest, Changes]:
    """Read, clean, split and embed the corpus, then publish the new index atomically; see `_build`.
    `ray` (a Ray cluster's address, or "auto") makes a full build whose articles are read, split,
    embedded and tagged on that cluster."""
    manifest, changes, _ = _build(
        settings, warn, progress, only_if_needed, full or ray is not None, compact, ray
    )
    return manifest, changes


def _embed_segment(
    settings: Settings, docs: list[Document], encoder: OnnxEncoder, count: TokenCounter, say: Warn | None
) -> Segment:
    """Split, embed and tag the articles into a new segment (its articles numbered from 0)."""
    sentences = split_sentences(docs, settings.max_tokens, count)
    texts = embedding_texts(docs, sentences, settings.embed_context, settings.max_tokens, count)
    alone = [docs[u.doc].text[u.start : u.end] for u in sentences]
    differs = np.array([k for k in range(len(texts)) if alone[k] != texts[k]], dtype=np.int64)
    if say and sentences:
        articles = "article" if len(docs) == 1 else "articles"
        say(f"embedding {len(sentences)} sentences from {len(docs)} {articles}")
    # Entities are tagged on a second thread while the encoder runs: onnxruntime releases the GIL,
    # and spaCy's import and load (~2.5 s) would otherwise come on top.
    tagging = Progress("tagging entities", len(sentences), "sentences", say)
    failed = threading.Event()

    def on_tagged(done: int) -> None:
        if failed.is_set():  # the build has failed: stop at the next chunk, not the last
            raise CancelledError
        tagging.advance(done)

    tagger = ThreadPoolExecutor(1, thread_name_prefix="qa-entities")
    try:
        tagged = tagger.submit(tag, docs, sentences, on_tagged=on_tagged) if sentences else None
        # Each sentence in its context, and alone where the two texts differ.
        work = sum(map(len, texts)) + sum(len(alone[k]) for k in differs)
        embedding = Progress("embedding", len(texts) + len(differs), "texts", say, total_work=work)
        vectors = _embed(encoder, texts, embedding)
        sentence_vectors = vectors.astype(np.float16)  # as stored: no second float32 copy of them all
        sentence_vectors[differs] = _embed(encoder, [alone[k] for k in differs], embedding)
        title_vectors = _embed(encoder, [d.title for d in docs])
        embedding.finish()
        traits = np.zeros((len(sentences), 3), dtype=np.int32)
        if tagged is not None:
            tagging_done = tagged.result()
            traits = store.sentence_traits(tagging_done.masks, alone)
            docs = tagging_done.documents(docs)
            tagging.finish()
    except BaseException:
        failed.set()
        raise
    finally:
        tagger.shutdown(wait=True)
    return _segment(settings, docs, sentences, texts, vectors, sentence_vectors, title_vectors, traits)


def _segment(
    settings: Settings,
    docs: list[Document],
    sentences: list[Sentence],
    texts: list[str],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    title_vectors: np.ndarray,
    traits: np.ndarray,
) -> Segment:
    """A segment of embedded and tagged articles, as written: the one place a local build and a
    cluster build (`_cluster_segment`) assemble one."""
    rows = np.array([[u.doc, u.paragraph, u.start, u.end] for u in sentences], dtype=np.int32).reshape(-1, 4)
    return Segment(
        documents=DocumentList(docs),
        rows=rows,
        vectors=vector_index(vectors, settings.exact_limit),
        # float16 as stored, and as a reader gets them (already so from a local build: not copied)
        sentence_vectors=sentence_vectors.astype(np.float16, copy=False),
        title_vectors=title_vectors.astype(np.float16),
        traits=traits,
        lexical=LexicalIndex.build(texts),
        words=WordCounts(article_words(d.text for d in docs)),
    )


def _cluster_segment(
    settings: Settings,
    address: str,
    files: list[CorpusFile],
    encoder_file: Path,
    tokenizer_file: Path,
    count: TokenCounter,
    warn: Warn,
    progress: bool,
) -> tuple[Segment, list[IndexedFile]]:
    """Every article read, split, embedded and tagged on a Ray cluster (qa.index.cluster), then
    assembled here exactly as a local build assembles its own."""
    from qa.index.cluster import cluster_work

    work = cluster_work(
        address,
        settings.corpus,
        files,
        max_tokens=settings.max_tokens,
        embed_context=settings.embed_context,
        encoder_file=encoder_file,
        tokenizer_file=tokenizer_file,
        threads=settings.threads,
        warn=warn,
        progress=progress,
    )
    docs, sentences = work.documents, work.sentences
    texts = embedding_texts(docs, sentences, settings.embed_context, settings.max_tokens, count)
    alone = [docs[u.doc].text[u.start : u.end] for u in sentences]
    traits = store.sentence_traits(work.entity_masks, alone)
    segment = _segment(
        settings, docs, sentences, texts, work.context_vectors, work.alone_vectors, work.title_vectors, traits
    )
    return segment, work.entries


def _build(
    settings: Settings,
    warn: Warn,
    progress: bool,
    only_if_needed: bool,
    full: bool,
    compact: bool = False,
    ray: str | None = None,
) -> tuple[Manifest, Changes, store.StoredIndex]:
    """Read, clean, split and embed the corpus, then publish the new index atomically.

    An update embeds only added and changed articles, into a new segment; the segments already
    written are kept as they are (hard links), with the old versions of changed and removed articles
    marked deleted. Segments are merged when there are more than MAX_SEGMENTS, or all of them with
    `compact`. A change of model or chunking settings, or `full`, embeds everything into one segment.
    Encoding is ONNX throughout: torch is imported only to export a model seen for the first time.
    With only_if_needed, an index that became current while we waited for the lock (another
    process built it) is kept: two questions on a missing index do not build it twice.
    """
    check_folder(settings.corpus)  # the error first and alone: no lock file left behind
    path = model_path(settings)
    fingerprint = settings_fingerprint(settings)
    with store.build_lock(
        settings.index_dir, on_wait=lambda: warn("another build is running; waiting for it")
    ):
        current = _load_current(settings) if only_if_needed or not full else None
        if only_if_needed and current is not None and stale_reason(settings, current.manifest) is None:
            unchanged = tuple(f.name for f in current.manifest.corpus if f.sha256)
            return current.manifest, Changes(unchanged=unchanged, full=False), current
        chunker = chunker_fingerprint()
        previous = None if full or current is None else _reusable(current, settings, fingerprint, chunker)
        if previous is not None and corpus_changed(settings.corpus, previous.manifest.corpus):
            # New sentences will be tagged: spaCy loads (~1.5 s) while the folder is read and split.
            # Only on an update: the encoder then comes from the index, so no torch import can meet
            # the pipeline's brief block of torch (see entities._pipeline).
            threading.Thread(target=_preload_tagger, name="qa-preload", daemon=True).start()
        reader = reader_fingerprint()
        untouched: set[str] = set()
        article_files: list[CorpusFile] = []  # listed here for a cluster build only
        if ray is not None:  # read on the cluster, below: the number of files decides the profile
            docs: list[Document] = []
            seen: list[IndexedFile] = []
            article_files = list_corpus(settings.corpus, warn)
            articles = len(article_files)
        elif previous is not None and previous.manifest.reader_fingerprint == reader:
            articles_known = _StoredArticles(previous)
            docs, seen, untouched = read_changed(
                settings.corpus, warn, articles_known.entries, articles_known
            )
            articles = len(docs) + len(untouched)
        else:
            docs, seen = read_corpus(settings.corpus, warn)
            articles = len(docs)
        profile = known_profile(settings, current.manifest if current else None) or profile_for(
            settings, articles
        )
        tokenizer_file = path / "tokenizer.json"
        count = TokenCounter(load_tokenizer(tokenizer_file, settings.max_tokens))
        plan = _sort_out(previous, docs, seen, untouched)
        build = store.new_build_dir(settings.index_dir)
        try:
            encoder, encoder_file, weights_sha256 = _encoder(
                settings, path, previous, fingerprint, build, warn, int8=profile == "large"
            )
            say = warn if progress else None
            fresh: Segment | None
            if ray is not None:
                fresh, seen = _cluster_segment(
                    settings, ray, article_files, encoder_file, tokenizer_file, count, warn, progress
                )
                plan = _sort_out(None, list(fresh.documents), seen, set())
            else:
                fresh = _embed_segment(settings, plan.fresh, encoder, count, say) if plan.fresh else None
            # What the new build holds: the previous build's live segments, then the new one.
            parts: list[Part] = []
            if previous is not None:
                for segment, entry, gone in zip(
                    previous.segments, previous.manifest.segments, plan.deleted, strict=True
                ):
                    if len(gone) < len(segment.documents):  # a segment whose articles all went is dropped
                        parts.append((segment, gone, entry.folder))
            if fresh is not None:
                parts.append((fresh, frozenset(), None))
            parts = _merged(settings, parts, compact, say)
            files, entries = _write_segments(build, parts, previous)
            store.write_encoder(build, encoder_file, tokenizer_file)
            files |= store.encoder_checksums(build, weights_sha256)
            manifest = Manifest(
                format_version=store.FORMAT_VERSION,
                model_name=MODEL_NAME,
                model_fingerprint=fingerprint,
                dimension=encoder.dimension,
                max_tokens=settings.max_tokens,
                embed_context=settings.embed_context,
                faiss_kind=" + ".join(dict.fromkeys(e.faiss_kind for e in entries)) or "flat",
                profile=profile,
                corpus_path=str(settings.corpus.resolve()),
                corpus=tuple(seen),
                reader_fingerprint=reader,
                chunker_fingerprint=chunker,
                files=files,
                sentences=sum(int(s.live_rows(g).sum()) for s, g, _ in parts),
                segments=tuple(entries),
                created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            )
            store.publish(settings.index_dir, build, manifest)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
    # What the new build holds, as it is in memory: the caller need not read it back.
    built = store.StoredIndex(
        path=build,
        manifest=manifest,
        segments=tuple(s for s, _, _ in parts),
        encoder_path=build / store.ONNX,
        tokenizer_path=build / store.TOKENIZER,
    )
    return manifest, plan.changes, built


def _write_segments(
    build: Path, parts: list[Part], previous: store.StoredIndex | None
) -> tuple[dict[str, str], list[SegmentEntry]]:
    """Each segment into the new build: linked from the previous build where it was kept, else
    written; their files' checksums and their manifest entries."""
    files: dict[str, str] = {}
    entries = []
    for k, (segment, gone, source) in enumerate(parts):
        if source is not None and previous is not None:
            folder = source  # deletion marks live in the manifest: the files stay as written
            files |= store.link_segment(previous.path, build, folder, previous.manifest.files)
        else:  # only the first segment is ever in the build's own folder
            folder = "" if k == 0 else f"segments/{build.name}-{k}"
            files |= store.write_segment(build, folder, segment)
        entry = SegmentEntry(
            folder=folder,
            sentences=len(segment),
            faiss_kind=faiss_kind(segment.vectors),
            deleted=tuple(sorted(gone)),
        )
        entries.append(entry)
    return files, entries


def _merged(
    settings: Settings,
    parts: list[Part],
    compact: bool,
    say: Warn | None,
) -> list[Part]:
    """The segments after merging the ones `plan_merge` picks (all with `compact`)."""
    if compact:  # asked for: everything written anew in the current layout, even a single segment
        chosen = list(range(len(parts)))
    else:
        shares = [len(g) / max(1, len(s.documents)) for s, g, _ in parts]
        chosen = plan_merge([len(s) for s, _, _ in parts], shares)
    if not chosen:
        return parts
    if say:
        say(f"merging {len(chosen)} segments" if len(chosen) > 1 else "writing the index anew as one segment")
    merged = merge(
        [parts[k][0] for k in chosen],
        [parts[k][1] for k in chosen],
        lambda vectors, trained: vector_index(vectors, settings.exact_limit, trained),
    )
    out = [p for k, p in enumerate(parts) if k not in chosen]
    out.insert(min(chosen), (merged, frozenset(), None))
    return out


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
        return _build(settings, warn, progress=True, only_if_needed=True, full=False)[2]
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


@dataclass(frozen=True)
class Added:
    """What `add_articles` did: the pages saved, the addresses that failed and why."""

    saved: tuple[SavedPage, ...]
    failed: tuple[str, ...]  # one line each, naming the address
    manifest: Manifest | None  # the updated index; None when nothing was saved


def add_articles(
    settings: Settings,
    urls: list[str],
    warn: Warn = to_stderr,
    progress: bool = True,
    public_only: bool = False,
) -> Added:
    """Fetch each web page, save the articles among them into the corpus folder, then update the
    index (only the new articles are embedded). A page that fails leaves the folder as it was.
    `public_only` refuses addresses on this machine or its private network (a UI served to others)."""
    from qa.ingest.web_pages import FetchError, fetch_page, save_page

    check_folder(settings.corpus)  # a clear error before any fetch
    saved, failed = [], []
    for url in urls:
        try:
            fetched = fetch_page(url, public_only=public_only, deadline=settings.fetch_deadline)
            page = save_page(settings.corpus, fetched)
        except FetchError as exc:
            failed.append(str(exc))
            continue
        saved.append(page)
    manifest = build_index(settings, warn=warn, progress=progress)[0] if saved else None
    return Added(saved=tuple(saved), failed=tuple(failed), manifest=manifest)
