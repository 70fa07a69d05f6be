"""Build the index from the articles, and decide when an existing one must be rebuilt."""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa import store
from qa.chunking import embedding_texts, split_sentences
from qa.config import Settings
from qa.embedding import (
    MODEL_NAME,
    SentenceTransformerEncoder,
    default_model_path,
    load_tokenizer,
    model_fingerprint,
    token_counter,
)
from qa.entities import tag_sentences
from qa.errors import IndexFileError
from qa.ingest import corpus_changed, list_corpus, read_corpus
from qa.lexical import LexicalIndex
from qa.models import Manifest

if TYPE_CHECKING:
    import faiss

Report = Callable[[str], None]


def model_path(settings: Settings) -> Path:
    return settings.model_path or default_model_path()


def ivf_lists(n: int) -> tuple[int, int]:
    """Inverted lists, and lists probed per query, for n vectors (measured in bench/scale.py)."""
    nlist = int(max(64, min(16_384, 4 * math.sqrt(n), n // 39)))  # FAISS wants >= 39 points per list
    return nlist, min(nlist, max(64, nlist // 32))


def vector_index(vectors: np.ndarray, exact_limit: int) -> tuple[faiss.Index, str]:
    """Exact inner-product search up to `exact_limit` vectors; an IVF index above it.

    IVF rather than HNSW: on 1M real-shaped vectors here, HNSW32 reached recall@10 0.90 at
    efSearch 512, while IVF-Flat with 4,000 lists reached 0.98-0.99 at 62-124 probes in 2-5 ms.
    """
    import faiss

    dim = vectors.shape[1]
    if len(vectors) <= exact_limit:
        index: faiss.Index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index, "flat"
    nlist, nprobe = ivf_lists(len(vectors))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 64 * nlist), replace=False)
    ivf.train(vectors[np.sort(sample)])
    ivf.add(vectors)
    ivf.nprobe = nprobe  # saved in the index file
    return ivf, f"ivf{nlist},nprobe{nprobe}"


def build_index(
    settings: Settings, warn: Report, progress: bool = True, only_if_needed: bool = False
) -> Manifest:
    """Read, clean, split and embed the corpus, then publish the new index atomically.

    With only_if_needed, an index that became current while we waited for the lock (another
    process built it) is kept: two questions on a missing index do not build it twice.
    """
    path = model_path(settings)
    fingerprint = model_fingerprint(path)
    with store.build_lock(
        settings.index_dir, on_wait=lambda: warn("another build is running; waiting for it")
    ):
        if only_if_needed and (current := _current_manifest(settings)) is not None:
            return current
        docs, seen = read_corpus(settings.corpus, warn)
        tokenizer_file = path / "tokenizer.json"
        count = token_counter(load_tokenizer(tokenizer_file, settings.max_tokens))
        sentences = split_sentences(docs, settings.max_tokens, count)
        texts = embedding_texts(docs, sentences, settings.embed_context, settings.max_tokens, count)
        encoder = SentenceTransformerEncoder(path, threads=settings.threads)
        build = store.new_build_dir(settings.index_dir)
        try:
            if progress:
                warn(f"embedding {len(texts)} sentences from {len(docs)} articles")
            vectors = encoder.encode(texts, progress=progress)
            alone = [docs[u.doc].text[u.start : u.end] for u in sentences]
            sentence_vectors = vectors.copy()
            differs = [i for i, (a, t) in enumerate(zip(alone, texts, strict=True)) if a != t]
            if differs:
                sentence_vectors[differs] = encoder.encode([alone[i] for i in differs], progress=progress)
            title_vectors = encoder.encode([d.title for d in docs])
            if progress:
                warn("tagging named entities")
            entity_masks = tag_sentences(docs, sentences)
            index, kind = vector_index(vectors, settings.exact_limit)
            store.write_documents(build, docs)
            store.write_sentences(build, sentences)
            store.write_traits(build, entity_masks, alone)
            store.write_vectors(build, index)
            store.write_sentence_vectors(build, sentence_vectors)
            store.write_title_vectors(build, title_vectors)
            store.write_lexical(build, LexicalIndex.build(texts))
            encoder.export_onnx(build / store.ONNX)
            shutil.copyfile(tokenizer_file, build / store.TOKENIZER)
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
                files=store.file_checksums(build),
                sentences=len(sentences),
                created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            )
            store.publish(settings.index_dir, build, manifest)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
    return manifest


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


def open_index(settings: Settings, warn: Report) -> store.StoredIndex:
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
    warn(f"building the index ({reason})")
    build_index(settings, warn, only_if_needed=True)
    return store.load(settings.index_dir)
