"""Issue 39: one rule for an article's date in every format. The date the article states (its
metadata, then a dateline or byline in its first lines) wins; the date the file was made is a last
resort, and marked as such. Bylines read the same way in every format."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from qa.ingest.cleaning import clean
from qa.ingest.corpus import CorpusFile, read_document
from qa.models import Document
from tests import article_files

HEADLINE = "Council approves floating solar farm on Holm reservoir"
BODY = [
    "The district council voted on Tuesday night to let the water company cover a fifth of the Holm "
    "reservoir with floating solar panels, after a debate that ran past midnight.",
    "Councillors backed the plan by 23 votes to 9. Supporters said the array would power about 4,100 "
    "homes, while opponents warned that anglers would lose part of the water for twenty-five years.",
]
BYLINE = "By Jane Doe, Riverside Gazette — February 26, 2027"
MARKDOWN_BYLINE = "*Riverside Gazette — Feb 26, 2027 — by Jane Doe*"
STATED = "2027-02-26"  # in the future: a page dated ahead of today keeps its date too
MADE = datetime(2024, 5, 1, 9, 30)  # when the PDF or Word file was created: not the article's date


def _read(path: Path) -> Document:
    return read_document(CorpusFile(path=path, name=path.name))[0]


@pytest.mark.parametrize(
    ("name", "meta_date"),
    [
        ("story.txt", None),
        ("story.md", None),
        ("story.html", None),
        ("story.html", "2027-02-26T08:00:00Z"),
        ("story.pdf", None),
        ("story.docx", None),
        ("story.eml", None),
        ("story.epub", None),
    ],
)
def test_the_same_article_gives_the_same_date_outlet_and_author_in_every_format(tmp_path, name, meta_date):
    path = tmp_path / name
    byline = MARKDOWN_BYLINE if name.endswith(".md") else BYLINE
    article_files.write_story(path, HEADLINE, [byline, *BODY], made=MADE, meta_date=meta_date)
    doc = _read(path)
    assert (doc.date, doc.date_from_file) == (STATED, False)
    assert (doc.outlet, doc.author) == ("Riverside Gazette", "Jane Doe")


@pytest.mark.parametrize("name", ["story.pdf", "story.docx"])
def test_an_article_that_states_no_date_falls_back_to_the_file_date_marked_as_such(tmp_path, name):
    path = tmp_path / name
    article_files.write_story(path, HEADLINE, BODY, made=MADE)
    doc = _read(path)
    assert (doc.date, doc.date_from_file) == ("2024-05-01", True)


def test_an_article_without_any_date_has_none(tmp_path):
    path = tmp_path / "story.txt"
    article_files.write_story(path, HEADLINE, BODY)
    doc = _read(path)
    assert (doc.date, doc.date_from_file) == (None, False)


@pytest.mark.parametrize(
    "line",
    [
        "Riverside Gazette — Feb 26, 2027 — by Jane Doe",
        "Riverside Gazette | 26 February 2027 | By Jane Doe",
        "Riverside Gazette - Feb. 26, 2027 - by Jane Doe",
        "By Jane Doe, Riverside Gazette – 2027-02-26",
        "By Jane Doe · Riverside Gazette · Published February 26, 2027",
        "Thursday 26 February 2027 | By Jane Doe, Riverside Gazette",
    ],
)
def test_a_byline_gives_outlet_date_and_author_whatever_its_separators(line):
    for markdown, raw in ((False, line), (True, f"*{line}*"), (True, f"_{line}_")):
        cleaned = clean(f"{HEADLINE}\n\n{raw}\n\n{BODY[0]}\n", markdown=markdown)
        assert (cleaned.outlet, cleaned.date, cleaned.author) == ("Riverside Gazette", STATED, "Jane Doe")


def test_a_byline_with_a_role_names_no_outlet_and_a_sentence_is_no_byline():
    role = clean(f"{HEADLINE}\n\nBy Jane Roe, Health Correspondent\n\n{BODY[0]}\n")
    assert (role.author, role.outlet) == ("Jane Roe", None)
    desk = clean(
        f"{HEADLINE}\n\nBy Leo Vasquez, Senior Editor, Quality & Compliance | 7 March 2025\n\n{BODY[0]}\n"
    )
    assert (desk.author, desk.outlet, desk.date) == ("Leo Vasquez", None, "2025-03-07")
    sentence = "By Friday the panels were on the water — two weeks early."
    kept = clean(f"{HEADLINE}\n\n{sentence}\n\n{BODY[0]}\n")
    assert sentence in kept.text and (kept.author, kept.outlet) == (None, None)


@pytest.mark.parametrize(
    ("stated", "iso"),
    [("02 July 2026", "2026-07-02"), ("Sept. 3, 2027", "2027-09-03"), ("2027-02-26", "2027-02-26")],
)
def test_a_date_in_the_text_is_written_as_metadata_dates_are(stated, iso):
    assert clean(f"{HEADLINE}\n\n{stated} · 5 min read\n\n{BODY[0]}\n").date == iso


def test_a_file_date_is_shown_as_one():
    """The CLI and the UI say when a date is only the file's, not the article's."""
    from qa.interfaces.render import outlet_and_date

    assert outlet_and_date("Riverside Gazette", STATED) == f"Riverside Gazette · {STATED}"
    assert outlet_and_date(None, "2024-05-01", date_from_file=True) == "file date 2024-05-01"
    assert outlet_and_date("Riverside Gazette", None, date_from_file=True) == "Riverside Gazette"
