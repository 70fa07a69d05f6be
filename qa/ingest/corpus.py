"""Read the article folder: the only module that reads the corpus."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from qa.checksums import sha256_bytes, sha256_file, sha256_of_modules
from qa.errors import CorpusError
from qa.ingest.cleaning import Cleaned, clean, first_sentence
from qa.ingest.extracted import Extracted
from qa.ingest.formats import READABLE, SUFFIXES, extract
from qa.models import Document, IndexedFile, Segment
from qa.progress import Warn

# A news article is tens of kilobytes; a file past this is a dump or a mistake, and embedding it would
# take many minutes on a CPU. PDF, Word and EPUB files carry pictures and fonts: they get more room.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_PACKED_BYTES = 50 * 1024 * 1024
_PACKED = (".pdf", ".docx", ".epub")
# Past this many files qa does not read, the rest are counted in one line (a saved page's images).
_UNREAD_NAMED = 5
# Past this an article is indexed with a warning: at about 240 sentences a second on two cores, it
# alone takes minutes.
LARGE_FILE_BYTES = 512 * 1024


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    name: str


def check_folder(corpus: Path) -> None:
    """Raise CorpusError unless `corpus` is a folder (the article folder must exist to be used)."""
    if not corpus.exists():
        raise CorpusError(f"article folder {corpus} does not exist; pass --corpus DIR or set QA_CORPUS")
    if not corpus.is_dir():
        raise CorpusError(f"{corpus} is not a folder; pass a folder of {READABLE} articles")


def list_corpus(corpus: Path, warn: Warn | None = None) -> list[CorpusFile]:
    """Article files of the folder (recursively), sorted by name; hidden files skipped, and so are
    links that lead outside the folder (a link to /etc/passwd is not an article)."""
    check_folder(corpus)
    root = corpus.resolve()
    files = []
    unread: list[str] = []
    closed: list[tuple[str, OSError]] = []  # subfolders that cannot be listed: skipped, named
    # os.scandir rather than Path.rglob: its entries know whether they are files or links without a
    # system call each, and plain strings sort fast (0.4 s against 0.03 s for 10,000 articles).
    for rel, is_link in sorted(_walk(str(corpus), "", closed), key=lambda found: found[0].split("/")):
        path = corpus / rel
        suffix = os.path.splitext(rel)[1].lower()
        if suffix not in SUFFIXES:
            unread.append(rel)
            continue
        # Linked folders are not entered, so only a linked file can lead outside (resolving every
        # path costs a system call per path part: a tenth of a second per 1,000 articles).
        if is_link and not path.resolve().is_relative_to(root):
            if warn is not None:
                warn(f"skipped {rel}: it links outside the article folder")
            continue
        files.append(CorpusFile(path=path, name=rel))
    if warn is not None:
        for folder, error in sorted(closed, key=lambda c: c[0]):
            warn(f"skipped {folder}/: the folder cannot be read ({error.strerror or error})")
        for name in unread[:_UNREAD_NAMED]:
            suffix = Path(name).suffix.lower() or "extensionless"
            warn(f"skipped {name}: qa does not read {suffix} files, only {READABLE}")
        if len(unread) > _UNREAD_NAMED:
            kinds = sorted({Path(n).suffix.lower() or "extensionless" for n in unread[_UNREAD_NAMED:]})
            warn(f"skipped {len(unread) - _UNREAD_NAMED} more files qa does not read ({', '.join(kinds)})")
    return files


def _walk(folder: str, prefix: str, closed: list[tuple[str, OSError]]) -> Iterator[tuple[str, bool]]:
    """(path relative to the article folder, is a link) of every file under it, hidden ones skipped;
    a subfolder that cannot be listed is added to `closed` (the folder itself must be readable)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                try:
                    yield from _walk(entry.path, rel + "/", closed)
                except OSError as error:
                    closed.append((rel, error))
            elif entry.is_file():  # a link to a file counts; a link to a folder is not entered
                yield rel, entry.is_symlink()


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
    """Identifies the code that turns a file into a Document (this module, the format readers,
    cleaning, text): an index made by the same code can hand its documents on for files whose bytes
    did not change."""
    from qa import text
    from qa.ingest import cleaning, document_formats, extracted, formats, html_pages

    readers = (formats, extracted, html_pages, document_formats)
    return sha256_of_modules((sys.modules[__name__], cleaning, *readers, text))


KnownDocuments = Mapping[str, tuple[Document, IndexedFile]]


def large_file_note(name: str, size: int) -> str | None:
    """The warning for a file longer than any news article (still read), or None."""
    if LARGE_FILE_BYTES < size <= MAX_FILE_BYTES:
        return f"{name} is {size / 1024 / 1024:.1f} MB, longer than any news article: indexing takes minutes"
    return None


def unreadable(name: str, exc: OSError) -> str:
    """Why a file could not be read, as a skipped file's warning says it."""
    return f"{name}: cannot be read ({exc.strerror or exc})"


def no_articles(corpus: Path, files: int) -> CorpusError:
    """The error for a folder with no usable article among `files` article files."""
    found = f"{files} file(s), none usable" if files else f"no {READABLE} files"
    return CorpusError(f"no articles to index in {corpus} ({found})")


def read_document(f: CorpusFile, known: KnownDocuments | None = None) -> tuple[Document, IndexedFile]:
    """Read and clean one article; raises CorpusError when it cannot be used.

    `known` holds documents made from earlier versions of the folder by the same code, with the
    file each was read from: a file of the same size and modification time is not read again (the
    test `corpus_changed` makes too), and one whose sha256 matches is not cleaned again (cleaning
    is most of an update's time).
    """
    earlier = known.get(f.name) if known is not None else None
    suffix = f.path.suffix.lower()
    limit = MAX_PACKED_BYTES if suffix in _PACKED else MAX_FILE_BYTES
    try:
        st = f.path.stat()
        if st.st_size > limit:
            raise CorpusError(f"{f.name}: larger than {limit // (1024 * 1024)} MB")
        if earlier is not None and (st.st_size, st.st_mtime_ns) == (earlier[1].size, earlier[1].mtime_ns):
            return earlier
        data = f.path.read_bytes()
    except OSError as exc:
        raise CorpusError(unreadable(f.name, exc)) from exc
    sha = sha256_bytes(data)
    entry = IndexedFile(name=f.name, size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=sha)
    if earlier is not None and earlier[0].sha256 == sha:
        return earlier[0], entry
    # Citations of every format but plain text and Markdown point into the extracted text.
    page = extract(suffix, data, f.name)
    cleaned = clean(page.text, markdown=page.markdown)
    if not cleaned.text.strip():
        raise CorpusError(f"{f.name}: no text after cleaning")
    date, date_from_file = article_date(page, cleaned)
    doc = Document(
        name=f.name,
        title=page.title
        or cleaned.title
        or readable_name(f.name)
        or first_sentence(cleaned.text, cleaned.paragraphs)
        or f.name,
        date=date,
        date_from_file=date_from_file,
        author=page.author or cleaned.author or page.file_author,
        outlet=page.outlet or cleaned.outlet,
        url=page.url,
        text=cleaned.text,
        segments=cleaned.segments,
        paragraphs=cleaned.paragraphs,
        pages=_clean_offsets(cleaned.segments, page.page_starts, len(cleaned.text)),
        sha256=sha,
    )
    return doc, entry


def article_date(page: Extracted, cleaned: Cleaned) -> tuple[str | None, bool]:
    """The article's date, and whether it is the file's own: the one its metadata states, else the
    one a dateline or byline in its text states, else (a last resort) when the file was made."""
    stated = page.date or cleaned.date
    if stated or page.file_date is None:
        return stated, False
    return page.file_date, True


def _clean_offsets(
    segments: tuple[Segment, ...], raw_offsets: tuple[int, ...], length: int
) -> tuple[int, ...]:
    """Where each raw offset (a page start) lands in the cleaned text: the first kept character at
    or after it."""
    out = []
    for raw in raw_offsets:
        after = (s.clean_start + max(raw - s.raw_start, 0) for s in segments if s.raw_start + s.length > raw)
        at = next(after, length)
        out.append(min(at, length))
    return tuple(out)


def read_corpus(
    corpus: Path, warn: Warn, known: KnownDocuments | None = None
) -> tuple[list[Document], list[IndexedFile]]:
    """Every usable article of the folder, and every file seen (skipped ones with an empty sha256).

    Each unusable file is skipped with a warning naming it; the rest is indexed.
    """
    files = list_corpus(corpus, warn)
    docs, seen = _read_files(files, warn, known)
    if not docs:
        raise no_articles(corpus, len(files))
    return docs, seen


def read_changed(
    corpus: Path, warn: Warn, indexed: Mapping[str, IndexedFile], known: KnownDocuments
) -> tuple[list[Document], list[IndexedFile], set[str]]:
    """An update's reading: a file whose size and modification time are as `indexed` records is
    not opened, nor is its document looked at (it stays where the index has it); the others are
    read as read_corpus reads them, with `known` (parsed only for those). Returns the documents
    read, every file seen, and the names of the files left unopened."""
    files = list_corpus(corpus, warn)
    stats = stat_corpus(files)
    untouched = set()
    for f in files:
        entry = indexed.get(f.name)
        if entry is not None and stats.get(f.name) == (entry.size, entry.mtime_ns):
            untouched.add(f.name)
    docs, read = _read_files([f for f in files if f.name not in untouched], warn, known)
    by_name = {e.name: e for e in read}
    seen = [
        indexed[f.name] if f.name in untouched else by_name[f.name]
        for f in files
        if f.name in untouched or f.name in by_name
    ]
    if not docs and not untouched:
        raise no_articles(corpus, len(files))
    return docs, seen, untouched


def _read_files(
    files: list[CorpusFile], warn: Warn, known: KnownDocuments | None
) -> tuple[list[Document], list[IndexedFile]]:
    docs, seen = [], []
    for f in files:
        with contextlib.suppress(OSError):
            note = large_file_note(f.name, f.path.stat().st_size)
            if note is not None:
                warn(note)
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
