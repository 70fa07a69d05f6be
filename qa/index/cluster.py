"""The Ray runner: a build's stages run on a Ray cluster, a batch of whole articles a task.

A build's stages (`qa.index.stages`: split, embed, tag) are plain functions of a batch of whole
articles. A local build runs them in its own process; `cluster_work` runs the same functions on a
Ray cluster, a batch of articles a task (read there too), and returns what they computed in file
order, so that the build assembles and writes the same index from it. Every step
is exact per article (a sentence's context, the heading above it and a run of sentences tagged
together never cross an article), so batching by article changes at most the vectors' last bits:
an encoder batch pads to its longest text.

Workers are not assumed to see the driver's disk: the driver reads each file and ships its bytes
with the task, and ships the encoder's files once through the object store. Ray is an optional
dependency (`pip install -e ".[cluster]"`), imported only when `cluster_work` runs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import QAError
from qa.index.cluster_worker import (
    BatchWork,
    ShippedArticle,
    ShippedEncoder,
    TaskSettings,
    code_identity,
    work_batch,
)
from qa.index.layout import ONNX, ONNX_WEIGHTS, TOKENIZER
from qa.index.stages import Embedded
from qa.ingest.corpus import (
    MAX_PACKED_BYTES,
    CorpusFile,
    large_file_note,
    no_articles,
    stat_corpus,
    unreadable,
)
from qa.models import Document, IndexedFile
from qa.progress import Progress, Warn, to_stderr

if TYPE_CHECKING:
    from ray import ObjectRef

# Tasks queued per slot of the cluster: a worker that finishes a batch finds the next one already
# shipped, while the driver holds at most this many batches' bytes and results in flight.
_QUEUED_PER_SLOT = 2


class ClusterError(QAError):
    """The Ray cluster cannot be used: Ray is missing, the cluster is unreachable or has no CPUs,
    or its nodes run other code than the driver."""


@dataclass(frozen=True)
class ArticleWork:
    """What the cluster computed for the articles, in the order of `files` (as read_corpus orders them)."""

    embedded: Embedded  # the articles read, split, embedded and tagged, as `embed_and_tag` gives them
    entries: list[IndexedFile]  # what read_corpus's `seen` list holds for them, skipped files included


@dataclass(frozen=True)
class _Looked:
    """What the driver saw of one file: its stat when it read it, and the warnings it owes for it."""

    file: CorpusFile
    stat: tuple[int, int] | None  # (size, mtime_ns), taken before reading, as read_document takes it
    notes: tuple[str, ...]  # said before the file's outcome (a large file)
    failure: str | None  # the driver could not read it: why, as read_document words it


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
            TaskSettings(max_tokens=max_tokens, embed_context=embed_context, threads=threads),
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
    settings: TaskSettings,
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
    task = ray.remote(work_batch).options(num_cpus=task_cpus)
    batches = [files[at : at + per_task] for at in range(0, len(files), per_task)]
    if say:
        say(
            f"reading, embedding and tagging {len(files):,} articles on the Ray cluster "
            f"({sum(node_cpus):g} CPUs in {len(node_cpus)} nodes, {len(batches)} tasks)"
        )
    steps = Progress("cluster", len(files), "articles", say)
    ours = code_identity()
    looked: dict[int, list[_Looked]] = {}
    pending: dict[ObjectRef, int] = {}
    finished: dict[int, BatchWork] = {}
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
                work: BatchWork = ray.get(ready[0])
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
        done = result.embedded
        say(
            f"cluster: {len(done.documents):,} articles, {done.texts_embedded:,} texts embedded "
            f"and {len(done.sentences):,} sentences tagged in {took:.1f} s "
            f"({done.texts_embedded / max(took, 1e-9):,.0f} texts a second)"
        )
    return result


def _look(f: CorpusFile) -> tuple[_Looked, ShippedArticle | None]:
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
    article = ShippedArticle(name=f.name, data=data, size=st.st_size)
    return _Looked(file=f, stat=stat, notes=notes, failure=None), article


class _Assembly:
    """The batches' results joined in file order, sentences renumbered to global document positions."""

    def __init__(self) -> None:
        self.batches = 0
        self.documents: list[Document] = []
        self.entries: list[IndexedFile] = []
        self._parts: list[Embedded] = []

    def add(self, looked: list[_Looked], work: BatchWork, warn: Warn) -> None:
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
            assert file.stat is not None  # a file the driver shipped was stat'ed first
            # The worker saw a copy: the size and time are those of the file the driver read.
            self.entries.append(outcome.model_copy(update={"size": file.stat[0], "mtime_ns": file.stat[1]}))
        part = work.embedded
        self.documents.extend(part.documents)
        sentences = [s.model_copy(update={"doc": s.doc + first_doc}) for s in part.sentences]
        self._parts.append(replace(part, sentences=sentences))
        self.batches += 1

    def result(self) -> ArticleWork:
        parts = self._parts
        embedded = Embedded(
            documents=self.documents,
            sentences=[s for p in parts for s in p.sentences],
            texts=[t for p in parts for t in p.texts],
            context_vectors=np.concatenate([p.context_vectors for p in parts]),
            alone_vectors=np.concatenate([p.alone_vectors for p in parts]),
            title_vectors=np.concatenate([p.title_vectors for p in parts]),
            entity_masks=np.concatenate([p.entity_masks for p in parts]),
            texts_embedded=sum(p.texts_embedded for p in parts),
        )
        return ArticleWork(embedded=embedded, entries=self.entries)


def _ship_encoder(ray: ModuleType, encoder_file: Path, tokenizer_file: Path) -> ShippedEncoder:
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
    return ShippedEncoder(checksum=digest.hexdigest(), files=[ray.put(files)])


def _check_code(ours: dict[str, str], theirs: dict[str, str]) -> None:
    differ = [name for name in ours if ours[name] != theirs.get(name)]
    if differ:
        raise ClusterError(
            f"a node of the Ray cluster runs other code than this machine ({', '.join(differ)} differ); "
            'install the same qa with `pip install -e ".[cluster]"` on every node'
        )
