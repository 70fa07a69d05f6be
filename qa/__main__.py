import os
import sys

# Idle OpenMP workers (FAISS) sleep instead of spinning between questions; set before any import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from qa.cli import main  # noqa: E402

sys.exit(main())
