"""The stages of a build: plain functions of a batch of whole articles, run here or on Ray workers.

Split, embed and tag (`embed_and_tag`), then assemble a segment (`assemble_segment`).

Nothing here reads settings from anywhere or writes files, so the same code runs in this process
(`qa.index.build`) and on a Ray worker (`qa.index.cluster`): a cluster build and a local build give
the same segments. Reading and cleaning is `qa.ingest.corpus.read_document`, the stage before.
"""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from qa.index.documents import DocumentList
from qa.index.embedding import OnnxEncoder, TokenCounter
from qa.index.entities import tag
from qa.index.lexical import LexicalIndex, article_words
from qa.index.segments import Segment, WordCounts
from qa.index.vectors import vector_index
from qa.ingest.chunking import embedding_texts, split_sentences
from qa.models import Document, Sentence
from qa.progress import Progress, Warn

EMBED_BATCH = 16  # texts per onnxruntime call: 165 texts/s against 158 at 32 and 125 at 64 (bench/build.py)


@dataclass(frozen=True)
class Embedded:
    """A batch of articles split, embedded and tagged: what a segment is assembled from."""

    documents: list[Document]  # with their entities
    sentences: list[Sentence]  # .doc is the position in `documents`
    texts: list[str]  # what each sentence was embedded as: itself in its context (embedding_texts)
    context_vectors: np.ndarray  # float32 (sentences, dim): `texts` embedded
    alone_vectors: np.ndarray  # float16 (sentences, dim): each sentence's own text embedded
    title_vectors: np.ndarray  # float32 (documents, dim)
    entity_masks: np.ndarray  # int32 (sentences,): entity labels found in each sentence
    texts_embedded: int  # encoder inputs: contexts, sentences that differ from them, titles


def embed_texts(encoder: OnnxEncoder, texts: list[str], progress: Progress | None = None) -> np.ndarray:
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


def embed_and_tag(
    docs: list[Document],
    encoder: OnnxEncoder,
    count: TokenCounter,
    max_tokens: int,
    embed_context: int,
    say: Warn | None = None,
) -> Embedded:
    """Split the articles into sentences, embed each sentence in its context and alone (where the
    two differ) and each title, and tag entities. `say` reports progress (None: quiet)."""
    sentences = split_sentences(docs, max_tokens, count)
    texts = embedding_texts(docs, sentences, embed_context, max_tokens, count)
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
        work = sum(map(len, texts)) + sum(len(alone[k]) for k in differs)
        embedding = Progress("embedding", len(texts) + len(differs), "texts", say, total_work=work)
        context_vectors = embed_texts(encoder, texts, embedding)
        alone_vectors = context_vectors.astype(np.float16)  # as stored: no second float32 copy of them all
        alone_vectors[differs] = embed_texts(encoder, [alone[k] for k in differs], embedding)
        title_vectors = embed_texts(encoder, [d.title for d in docs])
        embedding.finish()
        masks = np.zeros(len(sentences), dtype=np.int32)
        if tagged is not None:
            tagging_done = tagged.result()
            masks = tagging_done.masks
            docs = tagging_done.documents(docs)
            tagging.finish()
    except BaseException:
        failed.set()
        raise
    finally:
        tagger.shutdown(wait=True)
    return Embedded(
        documents=docs,
        sentences=sentences,
        texts=texts,
        context_vectors=context_vectors,
        alone_vectors=alone_vectors,
        title_vectors=title_vectors,
        entity_masks=masks,
        texts_embedded=len(texts) + len(differs) + len(docs),
    )


def sentence_traits(entity_masks: np.ndarray, texts: list[str]) -> np.ndarray:
    """Per sentence: its entity label mask, its length in words, and whether it is a question."""
    words = [len(t.split()) for t in texts]
    question = [t.rstrip(" \"'”’)").endswith("?") for t in texts]
    rows = np.stack(
        [entity_masks.astype(np.int32), np.array(words, np.int32), np.array(question, np.int32)], 1
    )
    return rows.reshape(-1, 3)


def assemble_segment(embedded: Embedded, exact_limit: int) -> Segment:
    """The segment of a batch, as written: its FAISS index, BM25 postings, traits and word counts."""
    docs, sentences = embedded.documents, embedded.sentences
    rows = np.array([[u.doc, u.paragraph, u.start, u.end] for u in sentences], dtype=np.int32).reshape(-1, 4)
    alone = [docs[u.doc].text[u.start : u.end] for u in sentences]
    return Segment(
        documents=DocumentList(docs),
        rows=rows,
        vectors=vector_index(embedded.context_vectors, exact_limit),
        # float16 as stored, and as a reader gets them (already so: not copied)
        sentence_vectors=embedded.alone_vectors.astype(np.float16, copy=False),
        title_vectors=embedded.title_vectors.astype(np.float16),
        traits=sentence_traits(embedded.entity_masks, alone),
        lexical=LexicalIndex.build(embedded.texts),
        words=WordCounts(article_words(d.text for d in docs)),
    )
