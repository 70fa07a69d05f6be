"""sha256 as qa uses it, hex-encoded: of bytes already read, and of a file read in blocks."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_modules(modules: Sequence[ModuleType]) -> str:
    """Identifies the source of some modules: an index records it for the code that made it."""
    return sha256_bytes(b"".join(Path(module.__file__ or "").read_bytes() for module in modules))


def sha256_file(path: Path) -> str:
    """Without reading the file whole: the encoder is tens of megabytes. hashlib releases the GIL on
    large blocks, so another thread can hash while this one reads."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
