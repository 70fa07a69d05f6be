"""Unrelated news a question is compared with, to tell whether the articles are about it at all.

A question's best cosine with the articles means little on its own: some questions are close to
any news text, some to none. How much better the articles match it than news about other things
(`clarity`, after Cronen-Townsend et al.'s query clarity) carries across corpora. The background is
ten short articles on other subjects in `scripts/background-articles/`, embedded alone, sentence by
sentence, the way the index embeds articles; `scripts/fit_models.py --write` writes their vectors
to `qa/data/background.npy` together with the models fitted against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from io import BytesIO
from pathlib import Path

import numpy as np

from qa.checksums import sha256_bytes
from qa.errors import ModelError

BACKGROUND_FILE = "background.npy"
BACKGROUND_TOP = 3


@dataclass(frozen=True)
class Background:
    vectors: np.ndarray  # float16 (sentences x dim), unit length

    @property
    def sha256(self) -> str:
        """Identifies the vectors: the fitted decision models record which ones they were fitted with."""
        return sha256_bytes(np.ascontiguousarray(self.vectors, dtype=np.float16).tobytes())

    def similarity(self, vector: np.ndarray) -> float:
        """How close unrelated news comes to a unit-length query vector: the mean cosine of its
        BACKGROUND_TOP closest background sentences, so that one sentence that happens to share the
        question's subject does not decide it alone (held out, 3 did as well as 1 or better: 5-fold
        on-topic refusals .25 -> .50, the rest unchanged; 5 refused more answerable questions)."""
        similarities = self.vectors.astype(np.float32) @ vector.astype(np.float32)
        return float(np.sort(similarities)[-BACKGROUND_TOP:].mean()) if len(similarities) else 0.0

    def to_bytes(self) -> bytes:
        out = BytesIO()
        np.save(out, np.ascontiguousarray(self.vectors, dtype=np.float16), allow_pickle=False)
        return out.getvalue()


def load_background(path: Path | None = None) -> Background:
    """The background vectors at `path`, or the ones shipped with qa."""
    where = path or f"qa/data/{BACKGROUND_FILE}"
    try:
        if path is None:
            data = resources.files("qa").joinpath("data", BACKGROUND_FILE).read_bytes()
        else:
            data = path.read_bytes()
        vectors = np.load(BytesIO(data), allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"the background vectors in {where} cannot be read ({exc}); run scripts/fit_models.py --write"
        ) from exc
    if vectors.ndim != 2 or vectors.dtype != np.float16 or not len(vectors):
        raise ModelError(f"the background vectors in {where} are not a float16 matrix")
    return Background(vectors)
