"""Article files in the formats people keep (PDF, Word, EPUB, e-mail), built at test time.

Each holds one short invented story, with its own facts, so that a question about it can only be
answered from that file.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

PDF_HEADER = "Riverside Gazette · Regional edition"
PDF_PAGE_ONE = [
    "Council approves floating solar farm on Holm reservoir",
    "The district council voted on Tuesday night to let the water company cover a fifth of the Holm "
    "reservoir with floating solar panels, after a debate that ran past midnight.",
    "Councillors backed the plan by 23 votes to 9. Supporters said the array would power about 4,100 "
    "homes, while opponents warned that anglers and the sailing club would lose part of the water to "
    "the panels for at least twenty-five years, the length of the lease the company has asked for.",
]
PDF_PAGE_TWO = [
    "Construction is due to start in the spring, and the company expects the panels to be generating "
    "by the end of next year.",
    "The sailing club's commodore said members would now ask the company to fund a new slipway on the "
    "northern shore in return for the lost water.",
]
DOCX_PARAGRAPHS = [
    "Interview transcript: the ferry captain",
    "Q: How long did the crossing take on the night of the storm?",
    "A: Normally it is forty minutes. That night it took us almost three hours, because we had to "
    "wait outside the breakwater until the swell dropped.",
    "Q: Were the passengers told why?",
    "A: Every half hour, yes. The purser read out the harbour master's messages over the tannoy.",
]
EPUB_CHAPTERS = [
    (
        "The lost orchard",
        [
            "For sixty years the walled orchard behind the abbey was thought to have been grubbed up in "
            "the war.",
            "Last autumn a volunteer gardener found eleven of the original pear trees still standing "
            "under a thicket of brambles, and the trust now plans to graft new trees from them.",
        ],
    ),
    (
        "What grows there now",
        [
            "The oldest of the surviving trees is a Jargonelle pear planted, the trust believes, in 1868.",
        ],
    ),
]
EML_BODY = (
    "Good morning, and welcome to this week's edition.\n\n"
    "The city's bike-share scheme will add 300 electric bikes in March, the transport office confirmed "
    "on Friday, bringing the fleet to 1,150.\n\n"
    "Docking stations will also open in the two harbour districts, which have had none so far.\n"
)


def write_pdf(path: Path) -> None:
    """Two pages with a running header and page numbers, the story flowing from one to the next."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()

    def margins(canvas, document) -> None:  # noqa: ANN001 (reportlab's callback)
        canvas.saveState()
        canvas.setFont("Helvetica", 9)
        canvas.drawString(72, A4[1] - 40, PDF_HEADER)
        canvas.drawRightString(A4[0] - 72, 30, f"Page {document.page}")
        canvas.restoreState()

    story = [Paragraph(PDF_PAGE_ONE[0], styles["Title"])]
    for text in PDF_PAGE_ONE[1:]:
        story += [Paragraph(text, styles["BodyText"]), Spacer(1, 10)]
    story.append(PageBreak())
    for text in PDF_PAGE_TWO:
        story += [Paragraph(text, styles["BodyText"]), Spacer(1, 10)]
    document = SimpleDocTemplate(
        str(path), pagesize=A4, title=PDF_PAGE_ONE[0], author="Mara Quell", creator="test"
    )
    document.build(story, onFirstPage=margins, onLaterPages=margins)


def write_encrypted_pdf(path: Path) -> None:
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), encrypt="a secret password")
    page.drawString(72, 720, "Nobody may read this without the password.")
    page.save()


def write_scanned_pdf(path: Path) -> None:
    """A page with drawing on it and no text layer, as a scanner makes."""
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path))
    for i in range(12):
        page.rect(72, 700 - i * 30, 400, 12, fill=1)
    page.save()


def write_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading(DOCX_PARAGRAPHS[0], level=1)
    for text in DOCX_PARAGRAPHS[1:]:
        document.add_paragraph(text)
    document.core_properties.title = DOCX_PARAGRAPHS[0]
    document.core_properties.author = "Ines Varga"
    document.save(str(path))


def write_truncated_docx(path: Path) -> None:
    write_docx(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _start_epub(book: zipfile.ZipFile) -> None:
    """What every EPUB opens with: its mimetype, and the container naming OEBPS/content.opf."""
    book.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
    book.writestr(
        "META-INF/container.xml",
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>",
    )


def write_epub(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as book:
        _start_epub(book)
        items, refs = [], []
        for i, (heading, paragraphs) in enumerate(EPUB_CHAPTERS, start=1):
            body = "".join(f"<p>{p}</p>" for p in paragraphs)
            book.writestr(
                f"OEBPS/chapter{i}.xhtml",
                '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{heading}</title></head><body><h2>{heading}</h2>{body}</body></html>",
            )
            items.append(f'<item id="c{i}" href="chapter{i}.xhtml" media-type="application/xhtml+xml"/>')
            refs.append(f'<itemref idref="c{i}"/>')
        book.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            "<dc:title>The orchard behind the abbey</dc:title><dc:creator>Tom Ashdown</dc:creator>"
            "<dc:publisher>Longform Quarterly</dc:publisher><dc:date>2025-10-04</dc:date>"
            f"</metadata><manifest>{''.join(items)}</manifest><spine>{''.join(refs)}</spine></package>",
        )


def write_eml(path: Path) -> None:
    message = EmailMessage()
    message["From"] = "The Harbour Bulletin <news@bulletin.example>"
    message["To"] = "reader@example.org"
    message["Subject"] = "Bike-share grows by 300 e-bikes"
    message["Date"] = "Mon, 06 Jan 2025 07:30:00 +0000"
    message.set_content(EML_BODY)
    message.add_alternative(f"<html><body><p>{EML_BODY}</p></body></html>", subtype="html")
    path.write_bytes(bytes(message))


def write_xlsx(path: Path) -> None:
    """Not an article format: a spreadsheet (a zip, as .xlsx files are)."""
    with zipfile.ZipFile(path, "w") as sheet:
        sheet.writestr("xl/workbook.xml", "<workbook/>")


def write_every_format(folder: Path) -> dict[str, Path]:
    """One readable article of each new format; returns suffix -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {
        ".pdf": folder / "council-solar-vote.pdf",
        ".docx": folder / "ferry-captain-interview.docx",
        ".epub": folder / "abbey-orchard.epub",
        ".eml": folder / "harbour-bulletin.eml",
    }
    write_pdf(made[".pdf"])
    write_docx(made[".docx"])
    write_epub(made[".epub"])
    write_eml(made[".eml"])
    return made


def write_unreadable(folder: Path) -> list[Path]:
    """Four files qa must name and skip: encrypted PDF, PDF without text, truncated .docx, .xlsx."""
    folder.mkdir(parents=True, exist_ok=True)
    made = [
        folder / "locked.pdf",
        folder / "scan.pdf",
        folder / "draft.docx",
        folder / "figures.xlsx",
    ]
    write_encrypted_pdf(made[0])
    write_scanned_pdf(made[1])
    write_truncated_docx(made[2])
    write_xlsx(made[3])
    return made


def write_story(
    path: Path, headline: str, lines: list[str], made: datetime | None = None, meta_date: str | None = None
) -> None:
    """One story in the format its suffix names: the headline, then `lines` as paragraphs. The file
    states nothing else about itself, save the headline as its title, `made` as the date a PDF or
    Word file was created, and `meta_date` as an HTML page's published time."""
    suffix = path.suffix
    if suffix in (".txt", ".md"):
        head = f"# {headline}" if suffix == ".md" else headline
        path.write_text("\n\n".join([head, *lines]) + "\n", encoding="utf-8")
    elif suffix == ".html":
        meta = f'<meta property="article:published_time" content="{meta_date}">' if meta_date else ""
        body = "".join(f"<p>{line}</p>" for line in lines)
        path.write_text(
            f"<html><head><title>{headline}</title>{meta}</head>"
            f"<body><article><h1>{headline}</h1>{body}</article></body></html>",
            encoding="utf-8",
        )
    elif suffix == ".pdf":
        _write_story_pdf(path, headline, lines, made)
    elif suffix == ".docx":
        import docx

        document = docx.Document()
        document.add_heading(headline, level=1)
        for line in lines:
            document.add_paragraph(line)
        document.core_properties.title = headline
        if made is not None:
            document.core_properties.created = made
        document.save(str(path))
    elif suffix == ".eml":
        message = EmailMessage()
        message["Subject"] = headline
        message.set_content("\n\n".join(lines) + "\n")
        path.write_bytes(bytes(message))
    elif suffix == ".epub":
        _write_story_epub(path, headline, lines)
    else:
        raise ValueError(suffix)


def _write_story_pdf(path: Path, headline: str, lines: list[str], made: datetime | None) -> None:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    class MadeOn(Canvas):
        """reportlab stamps the file with the time it is written: here, with `made`."""

        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 (reportlab's signature)
            super().__init__(*args, **kwargs)
            if made is not None:
                self.setDateFormatter(lambda *_: made.strftime("D:%Y%m%d%H%M%S+00'00'"))

    styles = getSampleStyleSheet()
    story = [Paragraph(headline, styles["Title"]), *(Paragraph(line, styles["BodyText"]) for line in lines)]
    SimpleDocTemplate(str(path), title=headline, invariant=True).build(story, canvasmaker=MadeOn)


def _write_story_epub(path: Path, headline: str, lines: list[str]) -> None:
    with zipfile.ZipFile(path, "w") as book:
        _start_epub(book)
        body = "".join(f"<p>{line}</p>" for line in lines)
        book.writestr(
            "OEBPS/story.xhtml",
            '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
            f"<head><title>{headline}</title></head><body><h1>{headline}</h1>{body}</body></html>",
        )
        book.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{headline}</dc:title>'
            '</metadata><manifest><item id="s" href="story.xhtml" media-type="application/xhtml+xml"/>'
            '</manifest><spine><itemref idref="s"/></spine></package>',
        )
