"""Checksums as qa uses them, hex-encoded: sha256 for articles, the encoder and code; xxh3 for data.

xxh3 (prefixed "xxh3:") is for the index's own data files, which a cold start verifies every time:
it reads at memory speed (~10 GB/s here against sha256's 1.2), the difference between 0.05 s and
0.5 s for the 600 MB of a 10,000-article index. Both detect damage; neither is a signature."""

from __future__ import annotations

import hashlib
import mmap
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_modules(modules: Sequence[ModuleType]) -> str:
    """Identifies the source of some modules: an index records it for the code that made it."""
    return sha256_bytes(b"".join(Path(module.__file__ or "").read_bytes() for module in modules))


XXH3 = "xxh3:"


def _mapped(path: Path, digest: Callable[[Any], str]) -> str:
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return digest(b"")  # an empty file cannot be mapped
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as content:
            return digest(content)


def data_file_digest(path: Path) -> str:
    """The checksum an index records for a data file it writes (xxh3-128 of the whole file)."""
    import xxhash

    return XXH3 + _mapped(path, xxhash.xxh3_128_hexdigest)


def matches(path: Path, recorded: str | None) -> bool:
    """The file's checksum, computed the way it was recorded (xxh3, or sha256 by indexes written
    before xxh3), equals the record. Raises OSError for a missing file."""
    if recorded is None:
        return False
    if recorded.startswith(XXH3):
        return data_file_digest(path) == recorded
    return sha256_file(path) == recorded


def sha256_file(path: Path) -> str:
    """Without reading the file into memory (the encoder is tens of megabytes), and in one call that
    releases the GIL throughout: hashing block by block, a thread waits for the GIL between blocks
    (up to 5 ms each) while another thread imports, and took 0.25 s instead of 0.07 s for 90 MB."""
    return _mapped(path, lambda content: hashlib.sha256(content).hexdigest())
