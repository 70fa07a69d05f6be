"""The web UI: `python app.py [--host HOST] [--port PORT] [--corpus DIR] [--index-dir DIR]`.

The same as `python -m qa serve`; all the work is in `qa.ui`.
"""

import os
import sys

# Idle OpenMP workers (FAISS) sleep instead of spinning between questions; set before any import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from qa.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
