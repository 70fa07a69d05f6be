"""Build the index from the articles, and decide when an existing one must be rebuilt."""

from __future__ import annotations

import math
import shutil
import threading
import time
from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from qa.config import Settings
from qa.errors import IndexFileError, ModelError
from qa.index import store
from qa.index.embedding import (
    MODEL_NAME,
    OnnxEncoder,
    SentenceTransformerEncoder,
    TokenCounter,
    cached_export,
    default_model_path,
    load_tokenizer,
    model_fingerprint,
)
from qa.index.entities import tag_sentences
from qa.index.lexical import LexicalIndex
from qa.ingest.chunking import embedding_texts, split_sentences
from qa.ingest.corpus import corpus_changed, list_corpus, read_corpus, reader_fingerprint
from qa.models import Document, Manifest, Sentence
from qa.progress import Progress, Warn, to_stderr

if TYPE_CHECKING:
    import faiss

EMBED_BATCH = 16  # texts per onnxruntime call: 108 texts/s against 98 at 32 and 68 at 64 (seeds, 2 cores)


def model_path(settings: Settings) -> Path:
    return settings.model_path or default_model_path()


def ivf_lists(n: int) -> tuple[int, int]:
    """Inverted lists, and lists probed per query, for n vectors (measured in bench/scale.py)."""
    nlist = int(max(64, min(16_384, 4 * math.sqrt(n), n // 39)))  # FAISS wants >= 39 points per list
    return nlist, min(nlist, max(64, nlist // 32))


def vector_index(
    vectors: np.ndarray, exact_limit: int, trained: faiss.Index | None = None
) -> tuple[faiss.Index, str]:
    """Exact inner-product search up to `exact_limit` vectors; an IVF index above it.

    IVF rather than HNSW: on 1M real-shaped vectors here, HNSW32 reached recall@10 0.90 at
    efSearch 512, while IVF-Flat with 4,000 lists reached 0.98-0.99 at 62-124 probes in 2-5 ms.
    An update passes the previous index as `trained`: its lists are kept while the corpus stays
    within half to twice the size they were trained for, as training them is most of an update's
    time at scale (k-means over up to 64 vectors a list).
    """
    import faiss

    dim = vectors.shape[1]
    if len(vectors) <= exact_limit:
        index: faiss.Index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index, "flat"
    if isinstance(trained, faiss.IndexIVF) and trained.d == dim and 0.5 <= len(vectors) / trained.ntotal <= 2:
        ivf = cast("faiss.IndexIVF", faiss.clone_index(trained))
        ivf.reset()
        ivf.add(vectors)
        return ivf, f"ivf{ivf.nlist},nprobe{ivf.nprobe}"
    nlist, nprobe = ivf_lists(len(vectors))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 64 * nlist), replace=False)
    ivf.train(vectors[np.sort(sample)])
    ivf.add(vectors)
    ivf.nprobe = nprobe  # saved in the index file
    return ivf, f"ivf{nlist},nprobe{nprobe}"


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


@dataclass(frozen=True)
class _Reuse:
    """Rows of the previous index that still hold for the new one, per new sentence and document."""

    previous: store.StoredIndex
    vectors: np.ndarray  # float32, the previous index's context vectors
    sentence_rows: dict[int, int]  # new sentence -> previous sentence
    title_rows: dict[int, int]  # new document -> previous document


def _reusable_index(settings: Settings, fingerprint: str) -> store.StoredIndex | None:
    """The current index, when its vectors can be reused: same model, chunking, folder and format."""
    try:
        previous = store.load(settings.index_dir)
    except IndexFileError:
        return None
    m = previous.manifest
    same = (
        m.model_fingerprint == fingerprint
        and m.max_tokens == settings.max_tokens
        and m.embed_context == settings.embed_context
        and m.corpus_path == str(settings.corpus.resolve())
    )  # its ONNX export is one of the files load() verified
    return previous if same else None


def _all_vectors(index: faiss.Index) -> np.ndarray:
    import faiss

    if isinstance(index, faiss.IndexIVF):
        index.make_direct_map()  # IVF lists do not know their ids' order without it
    return index.reconstruct_n(0, index.ntotal)


def _plan_reuse(
    previous: store.StoredIndex, docs: list[Document], sentences: list[Sentence]
) -> tuple[_Reuse, Changes]:
    """An article is reused when it cleans to the same document and splits into the same sentences
    (so a change of the cleaning or splitting code re-embeds what it touches, nothing else)."""
    old_docs = {d.name: i for i, d in enumerate(previous.documents)}
    old_rows: dict[int, list[int]] = {}
    for row, doc in enumerate(previous.sentences[:, 0]):
        old_rows.setdefault(int(doc), []).append(row)
    new_rows: dict[int, list[int]] = {}
    for row, sentence in enumerate(sentences):
        new_rows.setdefault(sentence.doc, []).append(row)
    sentence_rows: dict[int, int] = {}
    title_rows: dict[int, int] = {}
    added, changed, unchanged = [], [], []
    for i, doc in enumerate(docs):
        j = old_docs.get(doc.name)
        if j is None:
            added.append(doc.name)
            continue
        mine, theirs = new_rows.get(i, []), old_rows.get(j, [])
        same = previous.documents[j] == doc and [
            (s.paragraph, s.start, s.end) for s in (sentences[r] for r in mine)
        ] == [tuple(int(x) for x in previous.sentences[r, 1:]) for r in theirs]
        if not same:
            changed.append(doc.name)
            continue
        unchanged.append(doc.name)
        title_rows[i] = j
        sentence_rows.update(zip(mine, theirs, strict=True))
    names = {d.name for d in docs}
    removed = tuple(d.name for d in previous.documents if d.name not in names)
    reuse = _Reuse(previous, _all_vectors(previous.vectors), sentence_rows, title_rows)
    return reuse, Changes(tuple(added), tuple(changed), removed, tuple(unchanged), full=False)


def _rows(mapping: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """New rows and the previous rows they take their values from."""
    return np.fromiter(mapping.keys(), np.int64), np.fromiter(mapping.values(), np.int64)


def _embed(encoder: OnnxEncoder, texts: list[str], progress: Progress | None = None) -> np.ndarray:
    """Vectors of texts, in batches of similar length: little padding (the attention cost grows with
    the longest text of a batch), and memory bounded by the batch, not the corpus. Batches of 16
    embed the seeds' texts 1.6x faster than batches of 64 here (bench/build.py)."""
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
) -> tuple[OnnxEncoder, Path]:
    """The ONNX encoder of this build, and its file: the current index's (same model, by the
    fingerprint), else the cached export, else (cache not writable) an export for this build only."""

    def load(source: Path) -> tuple[OnnxEncoder, Path]:
        encoder = OnnxEncoder(
            source, path / "tokenizer.json", settings.max_tokens, settings.threads, spin=False
        )
        return encoder, source

    if previous is not None:
        return load(previous.encoder_path)
    try:
        source = cached_export(path, fingerprint, settings.cache_dir, settings.threads)
    except OSError as exc:
        warn(
            f"cannot write the encoder cache {settings.cache_dir} ({exc.strerror}); exporting for this build"
        )
        SentenceTransformerEncoder(path, settings.threads).export_onnx(build / store.ONNX)
        return load(build / store.ONNX)
    try:
        return load(source)
    except ModelError:
        warn(f"the cached encoder {source} is damaged; exporting it again")
        source.unlink(missing_ok=True)
        return load(cached_export(path, fingerprint, settings.cache_dir, settings.threads))


def build_index(
    settings: Settings,
    warn: Warn = to_stderr,
    progress: bool = True,
    only_if_needed: bool = False,
    full: bool = False,
) -> tuple[Manifest, Changes]:
    """Read, clean, split and embed the corpus, then publish the new index atomically.

    Articles unchanged since the current index keep their vectors and entity tags; only added and
    changed ones are embedded. A change of model or chunking settings, or `full`, embeds everything.
    Encoding is ONNX throughout: torch is imported only to export a model seen for the first time.
    With only_if_needed, an index that became current while we waited for the lock (another
    process built it) is kept: two questions on a missing index do not build it twice.
    """
    path = model_path(settings)
    fingerprint = model_fingerprint(path)
    with store.build_lock(
        settings.index_dir, on_wait=lambda: warn("another build is running; waiting for it")
    ):
        if only_if_needed and (current := _current_manifest(settings)) is not None:
            return current, Changes(unchanged=tuple(f.name for f in current.corpus if f.sha256), full=False)
        previous = None if full else _reusable_index(settings, fingerprint)
        reader = reader_fingerprint()
        same_reader = previous is not None and previous.manifest.reader_fingerprint == reader
        known = {d.name: d for d in previous.documents} if same_reader and previous else None
        docs, seen = read_corpus(settings.corpus, warn, known)
        tokenizer_file = path / "tokenizer.json"
        count = TokenCounter(load_tokenizer(tokenizer_file, settings.max_tokens))
        sentences = split_sentences(docs, settings.max_tokens, count)
        texts = embedding_texts(docs, sentences, settings.embed_context, settings.max_tokens, count)
        alone = [docs[u.doc].text[u.start : u.end] for u in sentences]
        if previous is None:
            reuse = None
            changes = Changes(added=tuple(d.name for d in docs))
        else:
            reuse, changes = _plan_reuse(previous, docs, sentences)
        fresh = [i for i in range(len(sentences)) if reuse is None or i not in reuse.sentence_rows]
        fresh_docs = [i for i in range(len(docs)) if reuse is None or i not in reuse.title_rows]
        build = store.new_build_dir(settings.index_dir)
        try:
            encoder, encoder_file = _encoder(settings, path, previous, fingerprint, build, warn)
            say = warn if progress else None
            differs = [i for i in fresh if alone[i] != texts[i]]
            if say and fresh:
                articles = "article" if len(fresh_docs) == 1 else "articles"
                say(f"embedding {len(fresh)} sentences from {len(fresh_docs)} {articles}")
            dimension = encoder.dimension  # the same model as any reused vectors (same fingerprint)
            vectors = np.zeros((len(sentences), dimension), dtype=np.float32)
            sentence_vectors = np.zeros((len(sentences), dimension), dtype=np.float32)
            title_vectors = np.zeros((len(docs), dimension), dtype=np.float32)
            entity_masks = np.zeros(len(sentences), dtype=np.int32)
            if reuse is not None and reuse.sentence_rows:
                new, old = _rows(reuse.sentence_rows)
                vectors[new] = reuse.vectors[old]
                sentence_vectors[new] = reuse.previous.sentence_vectors[old]
                entity_masks[new] = reuse.previous.traits[old, 0]
                new_docs, old_docs = _rows(reuse.title_rows)
                title_vectors[new_docs] = reuse.previous.title_vectors[old_docs]
            # Entities are tagged on a second thread while the encoder runs: onnxruntime releases
            # the GIL, and spaCy's import and load (~2.5 s) would otherwise come on top.
            tagging = Progress("tagging entities", len(fresh), "sentences", say)
            failed = threading.Event()

            def on_tagged(count: int) -> None:
                if failed.is_set():  # the build has failed: stop at the next chunk, not the last
                    raise CancelledError
                tagging.advance(count)

            tagger = ThreadPoolExecutor(1, thread_name_prefix="qa-entities")
            try:
                fresh_sentences = [sentences[i] for i in fresh]
                tagged = (
                    tagger.submit(tag_sentences, docs, fresh_sentences, on_tagged=on_tagged)
                    if fresh
                    else None
                )
                # Each fresh sentence in its context, and alone where the two texts differ.
                work = sum(len(texts[i]) for i in fresh) + sum(len(alone[i]) for i in differs)
                embedding = Progress("embedding", len(fresh) + len(differs), "texts", say, total_work=work)
                vectors[fresh] = _embed(encoder, [texts[i] for i in fresh], embedding)
                sentence_vectors[fresh] = vectors[fresh]
                sentence_vectors[differs] = _embed(encoder, [alone[i] for i in differs], embedding)
                title_vectors[fresh_docs] = _embed(encoder, [docs[i].title for i in fresh_docs])
                embedding.finish()
                if tagged is not None:
                    entity_masks[fresh] = tagged.result()
                    tagging.finish()
            except BaseException:
                failed.set()
                raise
            finally:
                tagger.shutdown(wait=True)
            trained = reuse.previous.vectors if reuse is not None else None
            index, kind = vector_index(vectors, settings.exact_limit, trained)
            store.write_documents(build, docs)
            store.write_sentences(build, sentences)
            store.write_traits(build, entity_masks, alone)
            store.write_vectors(build, index)
            store.write_sentence_vectors(build, sentence_vectors)
            store.write_title_vectors(build, title_vectors)
            store.write_lexical(build, LexicalIndex.build(texts))
            store.write_encoder(build, encoder_file, tokenizer_file)
            manifest = Manifest(
                format_version=store.FORMAT_VERSION,
                model_name=MODEL_NAME,
                model_fingerprint=fingerprint,
                dimension=int(vectors.shape[1]),
                max_tokens=settings.max_tokens,
                embed_context=settings.embed_context,
                faiss_kind=kind,
                corpus_path=str(settings.corpus.resolve()),
                corpus=tuple(seen),
                reader_fingerprint=reader,
                files=store.file_checksums(build),
                sentences=len(sentences),
                created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            )
            store.publish(settings.index_dir, build, manifest)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
    return manifest, changes


def _current_manifest(settings: Settings) -> Manifest | None:
    """The manifest of an intact, up-to-date index, or None."""
    try:
        stored = store.load(settings.index_dir)
    except IndexFileError:
        return None
    return stored.manifest if stale_reason(settings, stored.manifest) is None else None


def stale_reason(settings: Settings, manifest: Manifest) -> str | None:
    """Why the index no longer matches the articles or settings, or None when it is current.

    Raises CorpusError when the article folder is missing: an index of other articles never answers.
    """
    if manifest.corpus_path != str(settings.corpus.resolve()):
        list_corpus(settings.corpus)  # a clear error first when the folder is not there at all
        return f"it was built for another folder ({manifest.corpus_path})"
    if manifest.max_tokens != settings.max_tokens or manifest.embed_context != settings.embed_context:
        return "chunking settings changed"
    if manifest.model_fingerprint != model_fingerprint(model_path(settings)):
        return "the model changed"
    if corpus_changed(settings.corpus, manifest.corpus):
        return "articles were added, changed or removed"
    return None


def open_index(settings: Settings, warn: Warn) -> store.StoredIndex:
    """The current index: built when missing, rebuilt when stale or damaged."""
    store.check_index_dir(settings.index_dir)
    build = store.current_build(settings.index_dir)
    reason = None
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
            return store.load(settings.index_dir)
        except IndexFileError as exc:
            if store.current_build(settings.index_dir) != build:
                return store.load(settings.index_dir)  # a build was published while we read: use it
            reason = exc.problem
    warn(f"{'building' if build is None else 'updating'} the index ({reason})")
    build_index(settings, warn, only_if_needed=True)
    return store.load(settings.index_dir)
