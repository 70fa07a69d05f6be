"""A head start for a new process: the current build's encoder, checked and loaded on other threads.

A cold `qa ask` spends most of its time importing Python modules, on one core. The encoder's two
big jobs need little Python: hashing its 90 MB of weights (hashlib, ~0.07 s) and building its
onnxruntime session (~0.1 s), and both release the GIL. Started before the rest of qa is imported,
they run on the second core meanwhile; `store.load` and `QA` use them when they open that build.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qa.checksums import sha256_file
from qa.index.layout import ONNX, ONNX_WEIGHTS, TOKENIZER, current_build

if TYPE_CHECKING:
    from qa.index.embedding import OnnxEncoder


@dataclass(frozen=True)
class EncoderWarmup:
    build: Path
    sha256: Future[str]  # of the build's encoder weights
    encoder: Future[OnnxEncoder]

    def encoder_of(self, build: Path) -> OnnxEncoder | None:
        """The encoder, when it was loaded for `build` (an index rebuilt meanwhile has another);
        raises what loading it raised."""
        return self.encoder.result() if build == self.build else None


def warm_up(index_dir: Path, max_tokens: int, threads: int) -> EncoderWarmup | None:
    """Start hashing and loading the encoder of the current build of `index_dir`, if there is one."""
    build = current_build(index_dir)
    if build is None:
        return None
    workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="qa-warmup")
    sha256 = workers.submit(sha256_file, build / ONNX_WEIGHTS)
    # Imported here, not on the worker: two threads importing at once only contend for the GIL,
    # and a module one thread has half imported is a hazard for the other.
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    from qa.index.embedding import OnnxEncoder

    encoder = workers.submit(OnnxEncoder, build / ONNX, build / TOKENIZER, max_tokens, threads)
    workers.shutdown(wait=False)
    return EncoderWarmup(build, sha256, encoder)
