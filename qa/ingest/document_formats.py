"""Document formats: PDF, Word, EPUB and e-mail files read into an article's text and metadata.

The text is extracted, and citations point into that extracted text (a PDF has no character
offsets of its own). Each reader imports its library only when a file of its kind is read.
"""

from __future__ import annotations

import io
import re

from qa.errors import CorpusError
from qa.ingest.extracted import Extracted, one_line, web_address
from qa.ingest.html_pages import html_article

# --- PDF ----------------------------------------------------------------------------------------

# A page's top and bottom margins, as a share of its height: where running headers, footers and
# page numbers sit.
_MARGIN = 0.1
_PAGE_NUMBER = re.compile(r"(?i)^[-–—\s]*(page\s+)?\d{1,4}(\s*(/|of)\s*\d{1,4})?[-–—\s]*$")
_SENTENCE_END = re.compile(r"[.!?:;\"'”’)]$")


def _pdf_date(value: object) -> str | None:
    """ "D:20250314093000+01'00'" -> "2025-03-14"."""
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    found = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", str(value or ""))
    return f"{found.group(1)}-{found.group(2)}-{found.group(3)}" if found else None


def _pdf_string(value: object) -> str | None:
    if isinstance(value, bytes):
        from pdfminer.utils import decode_text

        value = decode_text(value)
    return one_line(value) if isinstance(value, str) else None


def _box_paragraphs(lines: list[tuple[str, float]], width: float) -> list[str]:
    """The lines of one text box as paragraphs: a line that ends a sentence well short of the box's
    right edge ends its paragraph; words hyphenated across a line break are joined again."""
    paragraphs: list[str] = []
    current = ""
    for i, (line, line_width) in enumerate(lines):
        line = " ".join(line.split())
        if not line:
            continue
        if not current:
            current = line
        elif re.search(r"[A-Za-z]-$", current) and line[:1].isalpha():
            # "recov-" + "ery" -> "recovery"; before a capital the hyphen is the word's own ("Franco-German").
            current = (current[:-1] if line[:1].islower() else current) + line
        else:
            current = f"{current} {line}"
        last = i == len(lines) - 1
        if not last and _SENTENCE_END.search(line) and line_width < 0.8 * width:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def pdf_article(data: bytes, name: str) -> Extracted:
    try:
        from collections import Counter

        from pdfminer.converter import PDFPageAggregator
        from pdfminer.layout import LAParams, LTTextContainer, LTTextLine
        from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
        from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
        from pdfminer.pdfpage import PDFPage
        from pdfminer.pdfparser import PDFParser, PDFSyntaxError
        from pdfminer.psparser import PSException
    except ImportError as exc:
        raise CorpusError(f"{name}: PDF support is not installed ({exc}); run scripts/setup.sh") from exc

    # Each page as (box top, box bottom, page height, paragraphs) in reading order.
    pages: list[list[tuple[float, float, float, list[str]]]] = []
    try:
        parser = PDFParser(io.BytesIO(data))
        document = PDFDocument(parser)
        if not document.is_extractable:
            raise CorpusError(f"{name}: the PDF forbids text extraction")
        info = document.info[0] if document.info else {}
        resources = PDFResourceManager()
        device = PDFPageAggregator(resources, laparams=LAParams())
        interpreter = PDFPageInterpreter(resources, device)
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            layout = device.get_result()
            height = float(layout.height) or 1.0
            boxes = []
            for element in layout:
                if not isinstance(element, LTTextContainer):
                    continue
                lines = [
                    (line.get_text(), float(line.width)) for line in element if isinstance(line, LTTextLine)
                ]
                paragraphs = _box_paragraphs(lines, float(element.width))
                if paragraphs:
                    boxes.append((float(element.y1), float(element.y0), height, paragraphs))
            pages.append(boxes)
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise CorpusError(f"{name}: the PDF is encrypted; save an unlocked copy to index it") from None
    except CorpusError:
        raise
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorpusError(f"{name}: the PDF is damaged or not a PDF ({type(exc).__name__})") from None
    if not any(pages):
        raise CorpusError(f"{name}: the PDF has no text layer (a scan?); it needs OCR first")

    # Running headers and footers: the same words (numbers aside) in a page margin on most pages.
    def in_margin(top: float, bottom: float, height: float) -> bool:
        return bottom >= height * (1 - _MARGIN) or top <= height * _MARGIN

    repeated = Counter(
        key
        for boxes in pages
        for key in {_margin_key(" ".join(p)) for top, bottom, h, p in boxes if in_margin(top, bottom, h)}
    )
    running = {key for key, count in repeated.items() if len(pages) >= 2 and count >= max(2, len(pages) / 2)}

    text = ""
    starts: list[int] = []
    for boxes in pages:
        kept = [
            paragraph
            for top, bottom, h, paragraphs in boxes
            if not (in_margin(top, bottom, h) and _margin_key(" ".join(paragraphs)) in running)
            for paragraph in paragraphs
            if not (in_margin(top, bottom, h) and _PAGE_NUMBER.match(paragraph))
        ]
        starts.append(len(text) + (2 if text else 0))
        for i, paragraph in enumerate(kept):
            # A paragraph that runs on over the page break is one paragraph, as the reader saw it.
            runs_on = i == 0 and text and not _SENTENCE_END.search(text) and paragraph[:1].islower()
            if not text:
                text = paragraph
            elif runs_on:
                starts[-1] = len(text) + 1
                text = f"{text} {paragraph}"
            else:
                text = f"{text}\n\n{paragraph}"
    if not text.strip():
        raise CorpusError(f"{name}: the PDF has no text layer (a scan?); it needs OCR first")
    return Extracted(
        text=text,
        title=_pdf_string(info.get("Title")),
        file_date=_pdf_date(info.get("CreationDate")),
        file_author=_pdf_string(info.get("Author")),
        outlet=_pdf_string(info.get("Company")) or _pdf_string(info.get("Publisher")),
        page_starts=tuple(min(s, len(text)) for s in starts),
    )


# --- Word ---------------------------------------------------------------------------------------


def docx_article(data: bytes, name: str) -> Extracted:
    import zipfile

    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:
        raise CorpusError(f"{name}: Word support is not installed ({exc}); run scripts/setup.sh") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CorpusError(f"{name}: the Word file is damaged or not a .docx ({type(exc).__name__})") from None
    paragraphs = [" ".join(p.text.split()) for p in document.paragraphs]
    text = "\n\n".join(p for p in paragraphs if p)
    if not text:
        raise CorpusError(f"{name}: the Word file holds no text")
    props = document.core_properties
    created = props.created.date().isoformat() if props.created else None
    return Extracted(
        text=text,
        title=one_line(props.title),
        file_date=created,
        file_author=one_line(props.author),
        url=web_address(props.identifier),
    )


# --- EPUB ---------------------------------------------------------------------------------------

_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt")


def _xhtml_paragraphs(data: bytes) -> list[str]:
    """The block texts of one EPUB chapter in order. A chapter is clean XHTML without site chrome,
    so its blocks are taken as they are instead of through the web-article extractor, which would
    drop short chapters as boilerplate."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        return []
    for element in tree.xpath("//script|//style|//nav|//head"):
        element.drop_tree()
    out = []
    for element in tree.iter(*_BLOCKS):
        if any(child.tag in _BLOCKS for child in element.iterdescendants()):
            continue  # a <li> holding <p>s: its paragraphs are taken one by one
        text = " ".join(element.text_content().split())
        if text:
            out.append(text)
    return out


def epub_article(data: bytes, name: str) -> Extracted:
    import zipfile

    from lxml import etree

    damaged = f"{name}: the EPUB is damaged or not an EPUB"
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        container = etree.fromstring(book.read("META-INF/container.xml"))
        root_path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        opf = etree.fromstring(book.read(root_path))
        base = root_path.rsplit("/", 1)[0] + "/" if "/" in root_path else ""
        items = {
            item.get("id"): item.get("href")
            for item in opf.xpath("//*[local-name()='manifest']/*[local-name()='item']")
        }
        spine = [items[ref.get("idref")] for ref in opf.xpath("//*[local-name()='itemref']")]
        if any(info.flag_bits & 0x1 for info in book.infolist()):
            raise CorpusError(f"{name}: the EPUB is encrypted; qa cannot read it")
        paragraphs = [p for href in spine for p in _xhtml_paragraphs(book.read(base + href))]
    except CorpusError:
        raise
    except (zipfile.BadZipFile, KeyError, IndexError, etree.XMLSyntaxError, ValueError, OSError):
        raise CorpusError(damaged) from None

    def meta(field: str) -> str | None:
        found = opf.xpath(f"//*[local-name()='metadata']/*[local-name()='{field}']")
        return one_line(found[0].text) if found and found[0].text else None

    if not paragraphs:
        raise CorpusError(f"{name}: the EPUB holds no text")
    return Extracted(
        text="\n\n".join(paragraphs),
        title=meta("title"),
        date=(meta("date") or "")[:10] or None,
        author=meta("creator"),
        outlet=meta("publisher"),
        url=web_address(meta("source")) or web_address(meta("identifier")),
    )


# --- E-mail -------------------------------------------------------------------------------------


def _garbled(text: str) -> bool:
    """Bytes that decoded to no text: many control or replacement characters (over 1 in 20)."""
    sample = text[:8192]
    odd = sum(1 for c in sample if c == "\ufffd" or (ord(c) < 32 and c not in "\n\r\t\f"))
    return odd > len(sample) / 20


def eml_article(data: bytes, name: str) -> Extracted:
    """A saved e-mail (a newsletter): its text part, or its HTML part through the HTML path."""
    from email import policy
    from email.parser import BytesParser
    from email.utils import parseaddr, parsedate_to_datetime

    if b"\0" in data[:8192]:
        raise CorpusError(f"{name}: looks binary, not text")
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        if not any(message.get(header) for header in ("from", "date", "subject", "to", "message-id")):
            raise CorpusError(f"{name}: not an e-mail (no From, Date or Subject header)")
        body = message.get_body(preferencelist=("plain", "html"))
        content = body.get_content() if body is not None else None
    except (LookupError, ValueError, TypeError, AttributeError):
        raise CorpusError(f"{name}: the e-mail cannot be read (damaged or in an unknown encoding)") from None
    if body is None or not isinstance(content, str) or not content.strip():
        raise CorpusError(f"{name}: the e-mail has no text part")
    if _garbled(content):
        raise CorpusError(f"{name}: looks binary, not text")
    if body.get_content_type() == "text/html":
        page = html_article(content, name)
        text = page.text
    else:
        text = content.replace("\r\n", "\n")
    subject = one_line(message.get("subject"))
    if subject and not text.lstrip().startswith(subject):
        text = f"{subject}\n\n{text}"
    date = None
    try:
        if message.get("date"):
            date = parsedate_to_datetime(str(message["date"])).date().isoformat()
    except (TypeError, ValueError):
        date = None
    sender, address = parseaddr(str(message.get("from", "")))
    return Extracted(
        text=text,
        title=subject,
        date=date,
        outlet=one_line(sender) or one_line(address),
        url=web_address(str(message.get("list-archive", "")).strip("<>")),
    )
