import os

# Idle OpenMP workers (FAISS) sleep instead of spinning between questions; set before any import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from qa.cli import entry_point  # noqa: E402

entry_point()
