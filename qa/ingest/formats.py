"""File formats: which files qa reads, and the reader that turns each one's bytes into text (`extract`).

Plain text and Markdown are the file itself. For every other format the text is extracted, and
citations point into that extracted text (as for HTML: a PDF has no character offsets of its own):
HTML by `qa.ingest.html_pages`; PDF, Word, EPUB and e-mail by `qa.ingest.document_formats`. Each
reader imports its library only when a file of its kind is read: `qa ask` on an up-to-date index
imports none of them.
"""

from __future__ import annotations

from qa.errors import CorpusError
from qa.ingest.document_formats import docx_article, eml_article, epub_article, pdf_article
from qa.ingest.extracted import Extracted
from qa.ingest.html_pages import html_article

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
SUFFIXES = (*TEXT_SUFFIXES, *HTML_SUFFIXES, ".pdf", ".docx", ".epub", ".eml")
READABLE = ".txt, .md, .html, .pdf, .docx, .epub or .eml"  # how messages name SUFFIXES


def extract(suffix: str, data: bytes, name: str) -> Extracted:
    """Raises CorpusError, saying what is wrong with the file in words a user can act on."""
    suffix = suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return Extracted(text=decode(data, name), markdown=suffix != ".txt")
    if suffix in HTML_SUFFIXES:
        return html_article(decode(data, name), name)
    if suffix == ".pdf":
        return pdf_article(data, name)
    if suffix == ".docx":
        return docx_article(data, name)
    if suffix == ".epub":
        return epub_article(data, name)
    if suffix == ".eml":
        return eml_article(data, name)
    raise CorpusError(f"{name}: qa does not read {suffix or 'extensionless'} files")


def decode(data: bytes, name: str) -> str:
    if b"\0" in data[:8192]:
        raise CorpusError(f"{name}: looks binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name}: not UTF-8 or Windows-1252 text") from exc
