"""Check stories of the library against stories/README.md (all of them when none is named).

    .venv/bin/python scripts/check_stories.py [stories/<story> ...] [--quiet]

Prints each story's question counts and its errors and warnings; exits 1 when any story has an
error. Warnings (answering places perhaps left out of the evidence, on-topic "unanswerable"
questions the articles may answer after all) are for a person to read and settle.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.quality.stories import Story, check_story, check_summary, dump_check, library  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--quiet", action="store_true", help="one line a story, errors only")
    args = parser.parse_args()
    stories = [Story(f.resolve().name, f.resolve()) for f in args.folders] or library(ROOT / "stories")
    failed = 0
    for story in stories:
        check = check_story(story)
        if args.quiet:
            print(check_summary(check))
            for error in check.errors:
                print(f"  error: {error}")
        else:
            print(dump_check(check))
        failed |= bool(check.errors)
    return failed


if __name__ == "__main__":
    sys.exit(main())
