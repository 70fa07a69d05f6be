"""The reader: reads a question against a sentence and marks the words of the sentence that answer it.

The answer spans of `qa.answer.spans` find a thing of the kind a question asks for (a person, a date,
an amount) among the entities tagged at index time. Many questions ask for something no entity is
("What job was he doing?": "a shift foreman"; "What did the prosecution ask for?": "84 years"), or
the sentence's entity of that kind is not the one asked about. The reader is all-MiniLM-L6-v2 with a
start-and-end head, as extractive readers are trained (BERT on SQuAD), fitted here on the story
library's labelled answers (`qa.quality.reading`, `scripts/fit_reader.py`). It ships as a small file
of low-rank changes to the model's weights and the head (qa/data/reader.npz); the first use merges
them into the model and exports it to ONNX, int8, in the encoder cache, so a question runs it with
onnxruntime, never torch.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.answer.asking import Span
from qa.checksums import sha256_bytes, sha256_file
from qa.errors import ModelError
from qa.index.layout import ONNX, ONNX_WEIGHTS
from qa.progress import Warn

if TYPE_CHECKING:
    from tokenizers import Encoding, Tokenizer

SHIPPED_READER = Path(__file__).resolve().parents[1] / "data" / "reader.npz"
EXPORT_VERSION = 1  # bump when export_reader writes a different graph
MAX_TOKENS = 128  # question and sentence together; a longer sentence is cut (answers sit early in news)
MAX_ANSWER_TOKENS = 15  # the longest answer the reader marks, in word pieces
HEAD = ("qa_outputs.weight", "qa_outputs.bias")  # the start/end head's weights in the reader file
LABEL = "PHRASE"  # the AnswerSpan label of a span the reader marked (no entity label says what it is)


@dataclass(frozen=True)
class Read:
    """The reader's answer in one sentence, with its score (start and end logits summed)."""

    span: Span
    score: float


class Reader:
    """The exported reader through onnxruntime."""

    def __init__(self, model: Path, tokenizer_path: Path, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"cannot load the reader: {exc}") from exc
        self._tokenizer = reader_tokenizer(tokenizer_path)

    def read(self, question: str, sentences: Sequence[str]) -> list[Read | None]:
        """Each sentence's best span for the question (None for an empty sentence)."""
        if not sentences:
            return []
        encodings = self._tokenizer.encode_batch([(question, s) for s in sentences])
        starts, ends = self._session.run(None, pair_inputs(encodings))
        found: list[Read | None] = []
        for encoding, sentence, start, end in zip(encodings, sentences, starts, ends, strict=True):
            context = np.array([i for i, s in enumerate(encoding.sequence_ids) if s == 1], dtype=np.int64)
            if not len(context):
                found.append(None)
                continue
            found.append(_best_span(sentence, encoding.offsets, context, start, end))
        return found


def pair_inputs(encodings: Sequence[Encoding]) -> dict[str, np.ndarray]:
    """The model's inputs for encoded (question, sentence) pairs, as it reads and is fitted."""
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def reader_tokenizer(path: Path) -> Tokenizer:
    """The tokenizer as the reader reads, and is fitted: a question and a sentence as a pair, cut from
    the sentence's end at MAX_TOKENS, padded to the longest pair of a batch."""
    from qa.index.embedding import load_tokenizer

    tokenizer = load_tokenizer(path, MAX_TOKENS)
    tokenizer.enable_truncation(MAX_TOKENS, strategy="only_second")
    tokenizer.enable_padding()
    return tokenizer


def _best_span(
    sentence: str, offsets: list[tuple[int, int]], context: np.ndarray, start: np.ndarray, end: np.ndarray
) -> Read:
    """The span of context tokens (first <= last, at most MAX_ANSWER_TOKENS) with the highest
    start + end logit."""
    pair = start[context][:, None] + end[context][None, :]
    first, last = np.indices(pair.shape)
    pair[(last < first) | (last - first >= MAX_ANSWER_TOKENS)] = -np.inf
    a, b = np.unravel_index(int(np.argmax(pair)), pair.shape)
    begin, finish = offsets[int(context[a])][0], offsets[int(context[b])][1]
    return Read(Span(begin, finish, sentence[begin:finish], LABEL), float(pair[a, b]))


class LazyReader:
    """The reader of one reader file, made and loaded once: on a thread started beforehand (onnxruntime
    reads the model without holding Python's lock) or at first use. Engines that answer alike share
    it. Where it cannot be made, `get` says so once and gives None: answers are then marked by
    entity spans alone."""

    def __init__(self, reader_file: Path, cache_dir: Path, threads: int, warn: Warn) -> None:
        self._file, self._cache_dir, self._threads, self._warn = reader_file, cache_dir, threads, warn
        self._reader: Reader | None = None
        self._loading: threading.Thread | None = None
        self._failure = ""
        self._done = False

    def start(self) -> None:
        """Start loading on another thread, so that a first question seldom waits for it."""
        if not self._done and self._loading is None:
            self._loading = threading.Thread(target=self._load, name="qa-reader")
            self._loading.start()

    def get(self) -> Reader | None:
        if self._loading is not None:
            self._loading.join()
            self._loading = None
        elif not self._done:
            self._load()
        if self._failure:
            self._warn(f"answers are marked without the reader: {self._failure}")
            self._failure = ""
        return self._reader

    def _load(self) -> None:
        from qa.index.embedding import default_model_path

        try:
            model = default_model_path()  # the reader's changes were fitted on this model
            path = cached_reader(model, self._cache_dir, self._file, self._warn)
            self._reader = Reader(path, model / "tokenizer.json", self._threads)
        except Exception as exc:  # perhaps on its own thread: reported at first use, never raised there
            self._failure = str(exc) or type(exc).__name__
        self._done = True


def reader_model_fingerprint(model_path: Path, reader_file: Path) -> str:
    from qa.index.embedding import model_fingerprint

    try:
        return f"reader-{EXPORT_VERSION};{model_fingerprint(model_path)};{sha256_file(reader_file)}"
    except OSError as exc:
        raise ModelError(f"cannot read the reader {reader_file}: {exc.strerror}") from exc


def cached_reader(
    model_path: Path, cache_dir: Path, reader_file: Path = SHIPPED_READER, warn: Warn | None = None
) -> Path:
    """The reader's int8 ONNX export, made on first use (torch, some seconds) and read from
    `cache_dir` afterwards; written in a temporary folder and moved into place graph last."""
    from qa.index.embedding import is_exported, publish_export, quantize_int8

    key = sha256_bytes(reader_model_fingerprint(model_path, reader_file).encode())[:16]
    folder = cache_dir / "readers" / key
    if is_exported(folder):
        return folder / ONNX
    arrays = read_reader(reader_file)

    def make(partial: Path) -> None:
        (partial / "float").mkdir()
        try:
            export_reader(model_path, arrays, partial / "float" / ONNX)
            quantize_int8(partial / "float" / ONNX, partial / ONNX)
        except (OSError, ModelError):
            raise
        except Exception as exc:  # torch and onnx raise their own kinds; the reader is then left out
            raise ModelError(f"cannot export the reader: {exc}") from exc

    with _EXPORTING:  # one engine exports, another of this process waits for it
        if is_exported(folder):
            return folder / ONNX  # another engine of this process made it meanwhile
        if warn is not None:
            warn("preparing the reader model (once, some seconds)")
        return publish_export(folder, make, (ONNX_WEIGHTS,))


# Exports of the reader are serialised within a process (processes use folders of their own).
_EXPORTING = threading.Lock()


def prepare_reader(cache_dir: Path, warn: Warn) -> None:
    """Make the shipped reader's export in the cache if it is not there (`qa index` does this)."""
    from qa.index.embedding import default_model_path

    try:
        cached_reader(default_model_path(), cache_dir, SHIPPED_READER, warn)
    except (ModelError, OSError) as exc:
        warn(f"answers will be marked without the reader: {exc}")


def read_reader(path: Path) -> dict[str, np.ndarray]:
    """The reader file: low-rank changes (`<layer>.<matrix>.down` and `.up`) and the head."""
    from qa.index.adaptation import load_matrices

    arrays = load_matrices(path, "the reader")
    if any(name not in arrays for name in HEAD):
        raise ModelError(f"the reader {path} has no start/end head")
    return arrays


def write_reader(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Written as the encoder adaptation is: atomically, as float16."""
    from qa.index.adaptation import write_adaptation

    write_adaptation(arrays, path)


def question_answering_model(model_path: Path) -> Any:
    """all-MiniLM-L6-v2 as a transformers BERT with a start/end head (the head's weights unset)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForQuestionAnswering
    from transformers.utils import logging as transformers_logging

    level = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()  # "newly initialized: qa_outputs": the head is ours
    transformers_logging.disable_progress_bar()
    try:
        return AutoModelForQuestionAnswering.from_pretrained(str(model_path))
    finally:
        transformers_logging.set_verbosity(level)
        transformers_logging.enable_progress_bar()


def export_reader(model_path: Path, arrays: dict[str, np.ndarray], target: Path) -> None:
    """The model with the reader's changes merged in, as ONNX: the graph at `target`, its weights
    beside it (ONNX_WEIGHTS, as the encoder's export)."""
    import torch

    from qa.index.adaptation import apply_adaptation
    from qa.index.embedding import export_token_model

    model = question_answering_model(model_path).eval()
    apply_adaptation(model.bert, {n: a for n, a in arrays.items() if n not in HEAD})
    with torch.no_grad():
        model.qa_outputs.weight.copy_(torch.from_numpy(arrays[HEAD[0]]))
        model.qa_outputs.bias.copy_(torch.from_numpy(arrays[HEAD[1]]))

    class _Logits(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(input_ids, attention_mask, token_type_ids)
            return out.start_logits, out.end_logits

    sample = torch.ones((2, 8), dtype=torch.int64)
    export_token_model(
        _Logits(model), (sample, sample, torch.zeros_like(sample)), target, ["start_logits", "end_logits"]
    )
