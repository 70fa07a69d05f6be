"""A build, step by step: plan, read the articles, run the stages, write the segments, publish.

The stages run here (`_run_here`) or on a Ray cluster (`_run_on_cluster`), the same functions either
way; an update embeds only what changed, into a new segment.

The steps live elsewhere, one concept each: `planning` (what changed, the profile, what can be
reused), `qa.ingest.corpus` (reading and cleaning), `stages` (split, embed, tag, assemble a
segment), `cluster` (the Ray runner), `encoder_source` (which encoder), `segments` (the merge
policy), `writing` (files, lock, publish) and `store` (reading an index back). See docs/design.md.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from pathlib import Path

from qa.config import Settings
from qa.errors import IndexFileError, ModelError
from qa.index import store, writing
from qa.index.embedding import MODEL_NAME, OnnxEncoder, TokenCounter, load_tokenizer
from qa.index.encoder_source import encoder_for_build, model_path, settings_fingerprint
from qa.index.entities import load_pipeline
from qa.index.planning import (
    Changes,
    Plan,
    known_profile,
    plan_update,
    profile_for,
    read_folder,
    reusable,
    stale_reason,
)
from qa.index.segments import Part, Segment, merged
from qa.index.stages import assemble_segment, embed_and_tag
from qa.ingest.chunking import chunker_fingerprint
from qa.ingest.corpus import CorpusFile, check_folder, corpus_changed, reader_fingerprint
from qa.models import Document, Manifest, Profile
from qa.progress import Warn, to_stderr


def build_index(
    settings: Settings,
    warn: Warn = to_stderr,
    progress: bool = True,
    only_if_needed: bool = False,
    full: bool = False,
    compact: bool = False,
    ray: str | None = None,
) -> tuple[Manifest, Changes]:
    """Read, clean, split and embed the corpus, then publish the new index atomically; see `run_build`.
    `ray` (a Ray cluster's address, or "auto") makes a full build whose articles are read, split,
    embedded and tagged on that cluster."""
    manifest, changes, _ = run_build(
        settings, warn, progress, only_if_needed, full or ray is not None, compact, ray
    )
    return manifest, changes


def run_build(
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
    say = warn if progress else None
    with writing.build_lock(
        settings.index_dir, on_wait=lambda: warn("another build is running; waiting for it")
    ):
        current = _load_current(settings) if only_if_needed or not full else None
        if only_if_needed and current is not None and stale_reason(settings, current.manifest) is None:
            unchanged = tuple(f.name for f in current.manifest.corpus if f.sha256)
            return current.manifest, Changes(unchanged=unchanged, full=False), current
        chunker = chunker_fingerprint()
        fingerprint = settings_fingerprint(settings)
        previous = None if full or current is None else reusable(current, settings, fingerprint, chunker)
        if previous is not None and corpus_changed(settings.corpus, previous.manifest.corpus):
            # New sentences will be tagged: spaCy loads (~1.5 s) while the folder is read and split.
            # Only on an update: the encoder then comes from the index, so no torch import can meet
            # the pipeline's brief block of torch (see entities._pipeline).
            threading.Thread(target=_preload_tagger, name="qa-preload", daemon=True).start()
        reader = reader_fingerprint()
        read = read_folder(settings, previous, reader, warn, listed_only=ray is not None)
        profile = known_profile(settings, current.manifest if current else None) or profile_for(
            settings, read.articles
        )
        plan = plan_update(previous, read.docs, read.seen, read.untouched)
        build = writing.new_build_dir(settings.index_dir)
        try:
            reused = None if previous is None else (previous.encoder_path, previous.encoder_sha256)
            encoder, encoder_file, weights_sha256 = encoder_for_build(
                settings, fingerprint, reused, build, warn, int8=profile == "large"
            )
            tokenizer_file = model_path(settings) / "tokenizer.json"
            fresh: Segment | None
            if ray is not None:
                fresh, plan = _run_on_cluster(
                    settings, ray, read.files, encoder_file, tokenizer_file, warn, progress
                )
            else:
                fresh = _run_here(settings, plan.fresh, encoder, tokenizer_file, say) if plan.fresh else None
            added: list[Part] = [(fresh, frozenset(), None)] if fresh is not None else []
            parts = merged(_kept(previous, plan) + added, compact, settings.exact_limit, say)
            files, entries = writing.write_segments(build, parts, previous)
            writing.write_encoder(build, encoder_file, tokenizer_file)
            files |= writing.encoder_checksums(build, weights_sha256)
            fingerprints = (fingerprint, reader, chunker)
            manifest = _manifest(settings, profile, encoder, plan, files, entries, parts, fingerprints)
            writing.publish(settings.index_dir, build, manifest)
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


def _run_here(
    settings: Settings, docs: list[Document], encoder: OnnxEncoder, tokenizer_file: Path, say: Warn | None
) -> Segment:
    """The local runner: the stages, in this process, on the articles embedded afresh."""
    count = TokenCounter(load_tokenizer(tokenizer_file, settings.max_tokens))
    embedded = embed_and_tag(docs, encoder, count, settings.max_tokens, settings.embed_context, say)
    return assemble_segment(embedded, settings.exact_limit)


def _run_on_cluster(
    settings: Settings,
    address: str,
    files: list[CorpusFile],
    encoder_file: Path,
    tokenizer_file: Path,
    warn: Warn,
    progress: bool,
) -> tuple[Segment, Plan]:
    """The Ray runner: the same stages, every article read and embedded on the cluster
    (qa.index.cluster); the segment assembled here as the local runner assembles its own."""
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
    segment = assemble_segment(work.embedded, settings.exact_limit)
    return segment, plan_update(None, list(segment.documents), work.entries, set())


def _kept(previous: store.StoredIndex | None, plan: Plan) -> list[Part]:
    """The previous build's segments that still hold a live article, with their deletion marks."""
    if previous is None:
        return []
    return [
        (segment, gone, entry.folder)
        for segment, entry, gone in zip(
            previous.segments, previous.manifest.segments, plan.deleted, strict=True
        )
        if len(gone) < len(segment.documents)  # a segment whose articles all went is dropped
    ]


def _manifest(
    settings: Settings,
    profile: Profile,
    encoder: OnnxEncoder,
    plan: Plan,
    files: dict[str, str],
    entries: list[store.SegmentEntry],
    parts: list[Part],
    fingerprints: tuple[str, str, str],  # the encoder's, the reading code's, the splitting code's
) -> Manifest:
    model, reader, chunker = fingerprints
    return Manifest(
        format_version=store.FORMAT_VERSION,
        model_name=MODEL_NAME,
        model_fingerprint=model,
        dimension=encoder.dimension,
        max_tokens=settings.max_tokens,
        embed_context=settings.embed_context,
        faiss_kind=" + ".join(dict.fromkeys(e.faiss_kind for e in entries)) or "flat",
        profile=profile,
        corpus_path=str(settings.corpus.resolve()),
        corpus=tuple(plan.seen),
        reader_fingerprint=reader,
        chunker_fingerprint=chunker,
        files=files,
        sentences=sum(int(s.live_rows(g).sum()) for s, g, _ in parts),
        segments=tuple(entries),
        created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )


def _load_current(settings: Settings) -> store.StoredIndex | None:
    """The current index if it is intact (every file checked), else None."""
    try:
        return store.load(settings.index_dir)
    except IndexFileError:
        return None


def _preload_tagger() -> None:
    with contextlib.suppress(ModelError):  # tagging reports it, when it loads the pipeline itself
        load_pipeline()
