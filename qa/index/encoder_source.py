"""Which encoder a build embeds with: the settings' model and adaptation, as an ONNX export.

The export is taken from the current index, the encoder cache, or made for the build alone."""

from __future__ import annotations

import shutil
from pathlib import Path

from qa.config import Settings
from qa.errors import ModelError
from qa.index.adaptation import SHIPPED_ADAPTATION
from qa.index.embedding import (
    OnnxEncoder,
    SentenceTransformerEncoder,
    cached_export,
    default_model_path,
    encoder_fingerprint,
    quantize_int8,
    verified_weights_sha256,
)
from qa.index.layout import ONNX
from qa.progress import Warn


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


def encoder_for_build(
    settings: Settings,
    fingerprint: str,
    reused: tuple[Path, str | None] | None,
    build: Path,
    warn: Warn,
    int8: bool,
) -> tuple[OnnxEncoder, Path, str | None]:
    """The ONNX encoder of this build, its file, and its weights' sha256 when already verified (not
    hashed again for the manifest): the current index's when it is `reused` (same model and profile,
    by the fingerprint: its file, and the sum its manifest vouches for), else the cached export
    (`int8` for the large profile), else (cache not writable) an export into `build` for it only.
    `fingerprint` is `settings_fingerprint(settings)`, as the build computed it."""
    path = model_path(settings)

    def load(source: Path, weights_sha256: str | None) -> tuple[OnnxEncoder, Path, str | None]:
        encoder = OnnxEncoder(
            source, path / "tokenizer.json", settings.max_tokens, settings.threads, spin=False
        )
        return encoder, source, weights_sha256

    adaptation = adaptation_path(settings)
    if reused is not None:
        return load(*reused)
    try:
        source = cached_export(path, fingerprint, settings.cache_dir, settings.threads, adaptation, int8)
    except OSError as exc:
        warn(
            f"cannot write the encoder cache {settings.cache_dir} ({exc.strerror}); exporting for this build"
        )
        exporter = SentenceTransformerEncoder(path, settings.threads, adaptation)
        if not int8:
            exporter.export_onnx(build / ONNX)
        else:
            (build / "float").mkdir()
            exporter.export_onnx(build / "float" / ONNX)
            quantize_int8(build / "float" / ONNX, build / ONNX)
            shutil.rmtree(build / "float")
        return load(build / ONNX, None)
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
