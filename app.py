"""The web UI: `python app.py [--host HOST] [--port PORT] [--corpus DIR] [--index-dir DIR]`.

The same as `python -m qa serve`; all the work is in `qa.interfaces.ui`.
"""

import sys

from qa.interfaces.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
