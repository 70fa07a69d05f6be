"""sha256 as qa uses it, hex-encoded: of bytes already read, and of a file read in blocks."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Without reading the file whole: the encoder is tens of megabytes. hashlib releases the GIL on
    large blocks, so another thread can hash while this one reads."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
