"""Build time and peak memory for 2 MB of text with a 1 MB article on one line (issue 11, row 9).

Run: .venv/bin/python bench/large_article.py [CODE_DIR]

CODE_DIR (default: this checkout) is put first on PYTHONPATH, so an older commit checked out with
`git worktree add /tmp/old REV` can be measured on the same corpus with the same packages.
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
from pathlib import Path

from common import PYTHON, ROOT, run_timed, table


def write_corpus(folder: Path) -> int:
    """A 1 MB one-line article and ordinary articles up to 2 MB, recombined from the seeds' sentences."""
    rng = random.Random(0)
    sentences = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        parts = re.split(r"(?<=[.!?])\s+", path.read_text(encoding="utf-8"))
        sentences += [s.strip() for s in parts if len(s.split()) > 6]
    line: list[str] = []
    while sum(len(s) + 1 for s in line) < 1_000_000:
        line.append(rng.choice(sentences))
    (folder / "one_line.txt").write_text(" ".join(line) + "\n", encoding="utf-8")
    total, n = 1_000_000, 0
    while total < 2_000_000:
        body = "\n\n".join(" ".join(rng.choice(sentences) for _ in range(4)) for _ in range(12))
        article = f"Article {n}: export rules\n\n{body}\n"
        (folder / f"article_{n:03d}.txt").write_text(article, encoding="utf-8")
        total += len(body)
        n += 1
    return sum(p.stat().st_size for p in folder.iterdir())


def main() -> None:
    code = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    with tempfile.TemporaryDirectory() as corpus, tempfile.TemporaryDirectory() as index:
        size = write_corpus(Path(corpus))
        command = [PYTHON, "-m", "qa", "index", "--corpus", corpus, "--index-dir", index]
        seconds, peak = run_timed(command, env={"PYTHONPATH": str(code)})
        index_mb = sum(p.stat().st_size for p in Path(index).rglob("*") if p.is_file()) / 1e6
    print(
        table(
            ["code", "corpus", "build s", "peak RSS MB", "index MB"],
            [[str(code), f"{size / 1e6:.1f} MB", f"{seconds:.0f}", f"{peak:.0f}", f"{index_mb:.0f}"]],
        )
    )


if __name__ == "__main__":
    main()
