"""PDF, Word, EPUB and e-mail articles beside the seeds: read, cited (with the PDF page), and the
files that cannot be read named one line each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa import QA, Settings
from qa.errors import CorpusError
from qa.ingest import document_formats, formats, html_pages
from qa.ingest.corpus import list_corpus
from qa.interfaces.render import render_answer
from qa.interfaces.web import article_html
from tests import article_files
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[QA, list[str]]:
    folder = tmp_path_factory.mktemp("mixed")
    corpus = folder / "articles"
    shutil.copytree(SEEDS, corpus)
    article_files.write_every_format(corpus)
    article_files.write_unreadable(corpus)
    said: list[str] = []
    engine = QA.open(Settings(corpus=corpus, index_dir=folder / "index"), warn=said.append)
    return engine, said


def test_each_unreadable_file_gets_one_line_and_the_rest_is_indexed(mixed):
    engine, said = mixed
    skipped = [line for line in said if line.startswith("skipped")]
    assert len(skipped) == 4, said
    reasons = {
        "locked.pdf": "encrypted",
        "scan.pdf": "needs OCR",
        "draft.docx": "damaged",
        "figures.xlsx": "does not read .xlsx",
    }
    for name, reason in reasons.items():
        lines = [line for line in skipped if name in line]
        assert len(lines) == 1 and reason in lines[0] and "\n" not in lines[0], (name, said)
    names = {d.name for d in engine.documents}
    assert names == {p.name for p in SEEDS.iterdir()} | {
        "council-solar-vote.pdf",
        "ferry-captain-interview.docx",
        "abbey-orchard.epub",
        "harbour-bulletin.eml",
    }


@pytest.mark.parametrize(
    ("question", "doc", "page", "words"),
    [
        ("How many homes could the floating panels supply?", "council-solar-vote.pdf", 1, "4,100 homes"),
        (
            "What does the sailing club want in return for losing water?",
            "council-solar-vote.pdf",
            2,
            "slipway",
        ),
        (
            "How long did the ferry take that stormy night?",
            "ferry-captain-interview.docx",
            None,
            "three hours",
        ),
        ("When was the oldest pear tree at the abbey planted?", "abbey-orchard.epub", None, "1868"),
        ("How many e-bikes are being added to the bike-share?", "harbour-bulletin.eml", None, "300 electric"),
    ],
)
def test_a_question_about_each_format_is_answered_from_that_file(mixed, question, doc, page, words):
    engine, _ = mixed
    answer = engine.ask(question)
    top = answer.passages[0]
    assert answer.answered and top.doc == doc, [p.doc for p in answer.passages]
    assert words in top.text
    assert top.page == page
    # The citation points into the extracted text, as the article view shows it.
    document = engine.document(doc)
    start, end = (document.text.index(top.text), document.text.index(top.text) + len(top.text))
    assert document.raw_span(start, end) == (top.start, top.end)


def test_pdf_page_headers_footers_and_line_breaks_are_mended(mixed):
    engine, _ = mixed
    pdf = engine.document("council-solar-vote.pdf")
    assert article_files.PDF_HEADER not in pdf.text and "Page 1" not in pdf.text and "Page 2" not in pdf.text
    bodies = [pdf.text[p.start : p.end] for p in pdf.paragraphs if not p.heading]
    # Each paragraph of the two pages is one paragraph, on one line, as the reader saw it.
    assert bodies == [*article_files.PDF_PAGE_ONE[1:], *article_files.PDF_PAGE_TWO]
    assert pdf.title == article_files.PDF_PAGE_ONE[0] and pdf.author == "Mara Quell"
    assert len(pdf.pages) == 2 and pdf.page_at(pdf.text.index("Construction")) == 2
    html = article_html(pdf, 0, 10)
    assert "page 1</div>" in html and "page 2</div>" in html


def test_what_the_files_say_about_themselves_reaches_the_answer(mixed):
    engine, _ = mixed
    epub = engine.document("abbey-orchard.epub")
    assert (epub.title, epub.author, epub.outlet, epub.date) == (
        "The orchard behind the abbey",
        "Tom Ashdown",
        "Longform Quarterly",
        "2025-10-04",
    )
    mail = engine.document("harbour-bulletin.eml")
    assert (mail.outlet, mail.date) == ("The Harbour Bulletin", "2025-01-06")
    assert engine.document("ferry-captain-interview.docx").author == "Ines Varga"
    answer = engine.ask("When was the oldest pear tree at the abbey planted?")
    assert answer.passages[0].outlet == "Longform Quarterly"
    assert '"outlet":"Longform Quarterly"' in answer.model_dump_json()
    head = render_answer(answer).splitlines()[0]
    assert "Longform Quarterly · 2025-10-04" in head


def test_pdf_lines_are_joined_and_hyphenation_mended():
    lines = [
        ("The recov-", 200.0),
        ("ery was slow.", 90.0),
        ("A new paragraph starts", 200.0),
        ("here.", 40.0),
    ]
    assert document_formats._box_paragraphs(lines, 200.0) == [
        "The recovery was slow.",
        "A new paragraph starts here.",
    ]
    # A hyphen before a capital is a real one ("Franco-", "German").
    assert document_formats._box_paragraphs([("Franco-", 200.0), ("German talks", 100.0)], 200.0) == [
        "Franco-German talks"
    ]


def test_many_files_of_unread_kinds_are_counted_in_one_line(tmp_path):
    (tmp_path / "story.txt").write_text("A story.")
    for i in range(9):
        (tmp_path / f"photo{i}.jpg").write_bytes(b"\xff\xd8")
    said: list[str] = []
    files = list_corpus(tmp_path, said.append)
    assert [f.name for f in files] == ["story.txt"]
    assert len(said) == 6 and said[-1].startswith("skipped 4 more files") and ".jpg" in said[-1]


def test_a_saved_page_records_its_address_and_a_page_cannot_claim_a_script_link():
    page = (
        "<!-- qa: saved from https://news.example/a at 2026-01-01T00:00:00Z -->"
        "<html><head><title>Harbour wall repairs begin</title>"
        "<link rel='canonical' href='javascript:alert(1)'></head><body><article>"
        + "<p>The harbour wall repairs began on Monday and will take eight weeks, the port said.</p>" * 3
        + "</article></body></html>"
    )
    assert html_pages.html_article(page, "a.html").url == "https://news.example/a"
    claimed = page.split("-->", 1)[1]
    assert html_pages.html_article(claimed, "a.html").url is None


@pytest.mark.parametrize(
    "data",
    [
        Path(shutil.which("ls") or "/bin/ls").read_bytes()[:65536],  # a copied executable
        bytes(range(1, 256)) * 40,  # random-looking bytes without a NUL
        b"\xff\xfe\x9d\x81" * 2000,
    ],
    ids=["executable", "bytes-without-nul", "undecodable"],
)
def test_a_file_named_eml_that_is_no_e_mail_is_skipped_with_one_line(data):
    with pytest.raises(CorpusError) as error:
        formats.extract(".eml", data, "notes.eml")
    assert str(error.value) in (
        "notes.eml: looks binary, not text",
        "notes.eml: not an e-mail (no From, Date or Subject header)",
    )


def test_a_real_e_mail_is_still_read(tmp_path):
    path = tmp_path / "bulletin.eml"
    article_files.write_eml(path)
    assert formats.extract(".eml", path.read_bytes(), "bulletin.eml").text.strip()
