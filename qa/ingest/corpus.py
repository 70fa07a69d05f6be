"""Read the article folder: the only module that reads the corpus."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from qa.checksums import sha256_bytes, sha256_file, sha256_of_modules
from qa.errors import CorpusError
from qa.ingest.cleaning import clean, first_sentence
from qa.models import Document, IndexedFile
from qa.progress import Warn

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
# A news article is tens of kilobytes; a file past this is a dump or a mistake, and embedding it would
# take many minutes on a CPU.
MAX_FILE_BYTES = 5 * 1024 * 1024
# Past this an article is indexed with a warning: at about 240 sentences a second on two cores, it
# alone takes minutes.
LARGE_FILE_BYTES = 512 * 1024


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    name: str


def list_corpus(corpus: Path, warn: Warn | None = None) -> list[CorpusFile]:
    """Article files of the folder (recursively), sorted by name; hidden files skipped, and so are
    links that lead outside the folder (a link to /etc/passwd is not an article)."""
    if not corpus.exists():
        raise CorpusError(f"article folder {corpus} does not exist; pass --corpus DIR or set QA_CORPUS")
    if not corpus.is_dir():
        raise CorpusError(f"{corpus} is not a folder; pass a folder of .txt, .md or .html articles")
    root = corpus.resolve()
    files = []
    for path in sorted(corpus.rglob("*")):
        rel = path.relative_to(corpus)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            continue
        # rglob does not enter linked folders, so only a linked file can lead outside (resolving
        # every path costs a system call per path part: a tenth of a second per 1,000 articles).
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            if warn is not None:
                warn(f"skipped {rel.as_posix()}: it links outside the article folder")
            continue
        files.append(CorpusFile(path=path, name=rel.as_posix()))
    return files


def stat_corpus(files: list[CorpusFile]) -> dict[str, tuple[int, int]]:
    """name -> (size, mtime_ns): the cheap first look at whether anything changed."""
    out = {}
    for f in files:
        try:
            st = f.path.stat()
        except OSError:
            continue
        out[f.name] = (st.st_size, st.st_mtime_ns)
    return out


def _decode(data: bytes, name: str) -> str:
    if b"\0" in data[:8192]:
        raise CorpusError(f"{name}: looks binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name}: not UTF-8 or Windows-1252 text") from exc
    return text


@dataclass(frozen=True)
class HtmlArticle:
    """What a saved web page yields: its article text and what its metadata states."""

    text: str
    date: str | None
    author: str | None


def _without_code(html: str) -> str:
    """The page without <script>, <style>, <noscript> and <template>: their text is never article
    text, nor part of a title (an <h1> holding a <script>)."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    for element in tree.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    return lxml_html.tostring(tree, encoding="unicode")


def _html_article(html: str, name: str) -> HtmlArticle:
    try:
        import trafilatura  # imported only when a corpus has HTML: it is slow to import
    except ImportError as exc:
        raise CorpusError(f"{name}: HTML support is not installed ({exc}); run scripts/setup.sh") from exc

    html = _without_code(html)
    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not text or not text.strip():
        raise CorpusError(f"{name}: no article text found in the HTML")
    # Not "extensive": it guesses a date from a copyright line ("(c) 2025" -> 2025-01-01).
    meta = trafilatura.extract_metadata(html, extensive=False)
    headline = " ".join(meta.title.split()) if meta is not None and meta.title else None
    if headline and not text.startswith(headline):
        text = f"{headline}\n{text}"
    return HtmlArticle(
        text=text,
        date=meta.date if meta is not None and meta.date else None,
        author=meta.author if meta is not None and meta.author else None,
    )


def readable_name(name: str) -> str | None:
    """A file name as words ("01_wire-fever-syrup-recall.txt" -> "Wire fever syrup recall"), or None
    when it holds too few words to name anything (a hash, a number)."""
    words = [w for w in re.split(r"[\W_]+", Path(name).stem) if w and not w.isdigit()]
    real = [w for w in words if re.fullmatch(r"[A-Za-z]{3,}", w)]  # hashes hold digits: not words
    if len(real) < 2 or len(real) < len(words) / 2:
        return None
    phrase = " ".join(words)
    return phrase[:1].upper() + phrase[1:]


def reader_fingerprint() -> str:
    """Identifies the code that turns a file into a Document (this module, cleaning, text): an index
    made by the same code can hand its documents on for files whose bytes did not change."""
    from qa import text
    from qa.ingest import cleaning

    return sha256_of_modules((sys.modules[__name__], cleaning, text))


KnownDocuments = Mapping[str, tuple[Document, IndexedFile]]


def read_document(f: CorpusFile, known: KnownDocuments | None = None) -> tuple[Document, IndexedFile]:
    """Read and clean one article; raises CorpusError when it cannot be used.

    `known` holds documents made from earlier versions of the folder by the same code, with the
    file each was read from: a file of the same size and modification time is not read again (the
    test `corpus_changed` makes too), and one whose sha256 matches is not cleaned again (cleaning
    is most of an update's time).
    """
    earlier = known.get(f.name) if known is not None else None
    try:
        st = f.path.stat()
        if st.st_size > MAX_FILE_BYTES:
            raise CorpusError(f"{f.name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        if earlier is not None and (st.st_size, st.st_mtime_ns) == (earlier[1].size, earlier[1].mtime_ns):
            return earlier
        data = f.path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{f.name}: cannot be read ({exc.strerror or exc})") from exc
    sha = sha256_bytes(data)
    entry = IndexedFile(name=f.name, size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=sha)
    if earlier is not None and earlier[0].sha256 == sha:
        return earlier[0], entry
    raw = _decode(data, f.name)
    suffix = f.path.suffix.lower()
    page = None
    if suffix in (".html", ".htm"):
        # Citations of HTML articles point into the extracted text, not the markup.
        page = _html_article(raw, f.name)
        raw = page.text
    cleaned = clean(raw, markdown=suffix in (".md", ".markdown"))
    if not cleaned.text.strip():
        raise CorpusError(f"{f.name}: no text after cleaning")
    doc = Document(
        name=f.name,
        title=cleaned.title
        or readable_name(f.name)
        or first_sentence(cleaned.text, cleaned.paragraphs)
        or f.name,
        date=(page.date if page else None) or cleaned.date,
        author=(page.author if page else None) or cleaned.author,
        text=cleaned.text,
        segments=cleaned.segments,
        paragraphs=cleaned.paragraphs,
        sha256=sha,
    )
    return doc, entry


def read_corpus(
    corpus: Path, warn: Warn, known: KnownDocuments | None = None
) -> tuple[list[Document], list[IndexedFile]]:
    """Every usable article of the folder, and every file seen (skipped ones with an empty sha256).

    Each unusable file is skipped with a warning naming it; the rest is indexed.
    """
    files = list_corpus(corpus, warn)
    docs, seen = [], []
    for f in files:
        with contextlib.suppress(OSError):
            size = f.path.stat().st_size
            if LARGE_FILE_BYTES < size <= MAX_FILE_BYTES:
                megabytes = size / 1024 / 1024
                warn(f"{f.name} is {megabytes:.1f} MB, longer than any news article: indexing takes minutes")
        try:
            doc, entry = read_document(f, known)
        except CorpusError as exc:
            warn(f"skipped {exc}")
            stat = stat_corpus([f]).get(f.name)
            if stat is not None:
                seen.append(IndexedFile(name=f.name, size=stat[0], mtime_ns=stat[1], sha256=""))
            continue
        docs.append(doc)
        seen.append(entry)
    if not docs:
        found = f"{len(files)} file(s), none usable" if files else "no .txt, .md or .html files"
        raise CorpusError(f"no articles to index in {corpus} ({found})")
    return docs, seen


def corpus_changed(corpus: Path, indexed: tuple[IndexedFile, ...]) -> bool:
    """True when an article was added, removed or changed since the index was built; raises
    CorpusError when the folder itself is gone (the index no longer answers for anything there)."""
    files = list_corpus(corpus)
    known = {f.name: f for f in indexed}
    stats = stat_corpus(files)
    names = set(stats)
    if names != set(known):
        return True
    for f in files:
        entry = known[f.name]
        size, mtime = stats[f.name]
        if (size, mtime) == (entry.size, entry.mtime_ns):
            continue
        try:
            if not entry.sha256 or size != entry.size or sha256_file(f.path) != entry.sha256:
                return True
        except OSError:
            return True
    return False
