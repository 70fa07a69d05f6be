"""Reading, splitting, embedding and tagging on a Ray cluster gives what a local build computes.

One Ray node is started on the loopback interface for this module (2 CPUs, no dashboard, no usage
statistics) and stopped at its end; cluster_work connects to it as to any cluster.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

from qa.config import Settings
from qa.errors import CorpusError
from qa.index.cluster import ClusterError, cluster_work
from qa.index.embedding import OnnxEncoder, TokenCounter, cached_export, load_tokenizer
from qa.index.encoder_source import adaptation_path, model_path, settings_fingerprint
from qa.index.entities import tag
from qa.ingest.chunking import embedding_texts, split_sentences
from qa.ingest.corpus import CorpusFile, list_corpus, read_corpus, read_document
from tests.conftest import ROOT

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_spec("ray") is None, reason='Ray is not installed: pip install -e ".[dev,cluster]"'
    ),
]

# Read by Ray in the node's processes and in this one (the driver, when it imports ray). The first:
# a node of one machine on 127.0.0.1; without it Ray swaps 127.0.0.1 for the machine's network
# address (for other nodes to join), and driver and node would talk over that. The token: this
# run's own, whatever ~/.ray/auth_token holds (Ray turns authentication on when that file exists).
RAY_ENVIRONMENT = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_AUTH_MODE": "token",
    "RAY_AUTH_TOKEN": secrets.token_hex(32),
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",  # stop at once: no other node to hand work to
}
RAY_IMPORTED_FIRST = "ray" in sys.modules
os.environ.update(RAY_ENVIRONMENT)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def ray_head() -> Iterator[str]:
    """The address (127.0.0.1:PORT) of a one-node Ray cluster started for these tests."""
    if RAY_IMPORTED_FIRST:
        pytest.fail("ray was imported before this module set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0")
    # Short: Ray's socket paths under it must fit in 107 bytes.
    temp = Path(tempfile.mkdtemp(prefix="qa-ray-", dir="/tmp"))
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("ray")),
        "start",
        "--head",
        "--block",  # stays in the foreground; SIGTERM to it stops every process it started
        f"--port={port}",
        f"--ray-client-server-port={_free_port()}",
        "--node-ip-address=127.0.0.1",
        "--num-cpus=2",
        "--object-store-memory=300000000",
        "--include-dashboard=false",
        "--disable-usage-stats",
        f"--temp-dir={temp}",
    ]
    log = (temp / "head.log").open("wb")
    head = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    try:
        deadline = time.monotonic() + 90
        # `ray start` writes the cluster's address there once the node is up.
        while not (temp / "ray_current_cluster").exists():
            if head.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Ray head did not start: {(temp / 'head.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        head.send_signal(signal.SIGTERM)
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            head.kill()  # its processes share its fate (Linux): they end with it
            head.wait()
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def encoder_files() -> tuple[Path, Path]:
    """The ONNX export a build of the seeds uses (as encoder_for_build gets it), and its tokenizer."""
    settings = Settings(corpus=SEEDS)
    path = model_path(settings)
    graph = cached_export(
        path, settings_fingerprint(settings), settings.cache_dir, settings.threads, adaptation_path(settings)
    )
    return graph, path / "tokenizer.json"


def _encode(encoder: OnnxEncoder, texts: list[str]) -> np.ndarray:
    """In the texts' own order, batches of 32: other batches (other padding) than the cluster's."""
    out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    for at in range(0, len(texts), 32):
        out[at : at + 32] = encoder.encode(texts[at : at + 32])
    return out


def _assert_close(ours: np.ndarray, theirs: np.ndarray, tolerance: float = 1e-4) -> None:
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert float(np.abs(ours - theirs).max(initial=0.0)) < tolerance


def test_the_cluster_reads_splits_embeds_and_tags_as_a_local_build(ray_head, encoder_files):
    graph, tokenizer_file = encoder_files
    settings = Settings(corpus=SEEDS)
    said: list[str] = []
    work = cluster_work(
        ray_head,
        SEEDS,
        list_corpus(SEEDS),
        max_tokens=settings.max_tokens,
        embed_context=settings.embed_context,
        encoder_file=graph,
        tokenizer_file=tokenizer_file,
        articles_per_task=2,  # 3 tasks for the 5 articles
        warn=said.append,
    )

    docs, seen = read_corpus(SEEDS, lambda message: None)
    count = TokenCounter(load_tokenizer(tokenizer_file, settings.max_tokens))
    sentences = split_sentences(docs, settings.max_tokens, count)
    texts = embedding_texts(docs, sentences, settings.embed_context, settings.max_tokens, count)
    alone = [docs[s.doc].text[s.start : s.end] for s in sentences]
    tagging = tag(docs, sentences)
    done = work.embedded  # what the build's stages made of the articles
    assert done.documents == tagging.documents(docs)  # with their entities, as a local build keeps them
    assert all(d.entities for d in done.documents)
    assert work.entries == seen
    assert done.sentences == sentences
    assert {s.doc for s in done.sentences} == set(range(len(docs)))  # renumbered across tasks
    assert done.entity_masks.dtype == np.int32
    assert np.array_equal(done.entity_masks, tagging.masks)
    encoder = OnnxEncoder(graph, tokenizer_file, settings.max_tokens, threads=2)
    _assert_close(done.context_vectors, _encode(encoder, texts))
    assert done.alone_vectors.dtype == np.float16  # as a segment stores them, in both runners
    _assert_close(done.alone_vectors.astype(np.float32), _encode(encoder, alone), tolerance=1e-3)
    _assert_close(done.title_vectors, _encode(encoder, [d.title for d in docs]))
    same = [k for k in range(len(texts)) if texts[k] == alone[k]]
    assert 0 < len(same) < len(texts)  # the seeds have both: a context vector is reused for some
    assert np.array_equal(done.alone_vectors[same], done.context_vectors[same].astype(np.float16))
    differ = len(texts) - len(same)
    assert done.texts_embedded == len(texts) + differ + len(docs)
    assert said[0].startswith("reading, embedding and tagging 5 articles on the Ray cluster")
    assert said[-1].startswith(f"cluster: 5 articles, {done.texts_embedded:,} texts embedded")


def test_unreadable_files_are_skipped_with_the_warnings_of_a_local_read(
    ray_head, encoder_files, tmp_path, monkeypatch
):
    graph, tokenizer_file = encoder_files
    for seed in sorted(SEEDS.iterdir())[:2]:
        shutil.copy2(seed, tmp_path / seed.name)
    (tmp_path / "000_a_binary.txt").write_bytes(b"\0\1\2 a picture, not an article")
    (tmp_path / "zz_neither.txt").write_bytes(b"caf\x81 \x8d\x8f\x90\x9d")  # not UTF-8, nor cp1252
    local: list[str] = []
    docs, seen = read_corpus(tmp_path, local.append)
    gone = CorpusFile(path=tmp_path / "removed.txt", name="removed.txt")  # listed, then deleted
    with pytest.raises(CorpusError) as removed:
        read_document(gone)

    monkeypatch.setenv("RAY_ADDRESS", ray_head)  # what "auto" connects to
    said: list[str] = []
    work = cluster_work(
        "auto",
        tmp_path,
        [*list_corpus(tmp_path), gone],
        max_tokens=256,
        embed_context=1,
        encoder_file=graph,
        tokenizer_file=tokenizer_file,
        articles_per_task=2,
        warn=said.append,
        progress=False,
    )
    assert len(local) == 2 and all(line.startswith("skipped ") for line in local)
    assert said == [*local, f"skipped {removed.value}"]
    assert [d.model_copy(update={"entities": ()}) for d in work.embedded.documents] == docs and len(docs) == 2
    assert work.entries == seen  # the skipped files with an empty sha256; none for the removed one
    assert [e.sha256 == "" for e in work.entries] == [True, False, False, True]
    assert work.embedded.title_vectors.shape == (2, work.embedded.context_vectors.shape[1])


def test_a_folder_of_unreadable_files_is_refused_as_read_corpus_refuses_it(ray_head, encoder_files, tmp_path):
    graph, tokenizer_file = encoder_files
    (tmp_path / "binary.txt").write_bytes(b"\0\0\0")
    with pytest.raises(CorpusError) as local:
        read_corpus(tmp_path, lambda message: None)
    with pytest.raises(CorpusError) as cluster:
        cluster_work(
            ray_head,
            tmp_path,
            list_corpus(tmp_path),
            max_tokens=256,
            embed_context=1,
            encoder_file=graph,
            tokenizer_file=tokenizer_file,
            warn=lambda message: None,
        )
    assert str(cluster.value) == str(local.value)


def test_an_address_nobody_listens_at_fails_at_once(encoder_files):
    graph, tokenizer_file = encoder_files
    started = time.monotonic()
    with pytest.raises(ClusterError, match="cannot reach the Ray cluster at 127.0.0.1"):
        cluster_work(
            f"127.0.0.1:{_free_port()}",
            SEEDS,
            list_corpus(SEEDS),
            max_tokens=256,
            embed_context=1,
            encoder_file=graph,
            tokenizer_file=tokenizer_file,
        )
    assert time.monotonic() - started < 10


@pytest.mark.slow
def test_qa_index_on_the_cluster_answers_as_a_local_build(ray_head, tmp_path, engine, seed_settings, capsys):
    """`qa index --ray ADDRESS` writes an index that gives the dev questions the answers of a local build."""
    import json

    from qa import QA
    from qa.interfaces.cli import main

    remote = seed_settings.model_copy(update={"index_dir": tmp_path / "index"})
    args = ["index", "--ray", ray_head, "--corpus", str(remote.corpus), "--index-dir", str(remote.index_dir)]
    assert main(args) == 0
    assert "full build: 5 added" in capsys.readouterr().out
    on_cluster = QA.open(remote, warn=lambda _: None)
    assert on_cluster.stored.manifest.segments[0].sentences == engine.stored.manifest.segments[0].sentences
    questions = [
        json.loads(line) for line in (ROOT / "tests" / "data" / "dev.jsonl").read_text().splitlines()
    ]
    for q in questions:
        ours, theirs = (
            on_cluster.ask(q["question"], q.get("history", [])),
            engine.ask(q["question"], q.get("history", [])),
        )
        assert ours.answered == theirs.answered and ours.reason == theirs.reason, q["question"]
        assert [(p.doc, p.start, p.end, p.highlight) for p in ours.passages] == [
            (p.doc, p.start, p.end, p.highlight) for p in theirs.passages
        ], q["question"]
        assert all(abs(a.score - b.score) < 1e-3 for a, b in zip(ours.passages, theirs.passages, strict=True))
