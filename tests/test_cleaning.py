from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.ingest.cleaning import clean
from qa.ingest.corpus import CorpusFile, read_document, readable_name
from tests.conftest import SEEDS

QUIVER = (SEEDS / "003_3739d69c4638959f.txt").read_text()
OPINION = (SEEDS / "002_17632f222889c6ff.txt").read_text()


def _removed_only(raw: str) -> None:
    """Cleaning deletes and never rewrites: each segment is a verbatim run of the file."""
    cleaned = clean(raw)
    for seg in cleaned.segments:
        assert (
            cleaned.text[seg.clean_start : seg.clean_start + seg.length]
            == raw[seg.raw_start : seg.raw_start + seg.length]
        )
    assert sum(seg.length for seg in cleaned.segments) == len(cleaned.text)


def test_site_navigation_lines_are_removed():
    text = clean(QUIVER).text
    assert "SUBSCRIBE" not in text
    assert "← Blog" not in text
    assert not text.startswith("QuiverSphere")


def test_leftover_html_fragment_is_removed_and_sentence_kept():
    text = clean(QUIVER).text
    assert 'growth/">' not in text
    assert "the Trump administration has taken steps to partially lift the export ban" in text


def test_link_bait_is_removed():
    text = clean(OPINION).text
    assert "Read more on a similar topic" not in text
    assert "this related article" not in text
    assert "Then, lawmakers decided to extend that fence to the software those chips produced." in text


def test_duplicate_title_line_is_removed_and_becomes_the_title():
    cleaned = clean(QUIVER)
    title = "Anthropic's AI export ban lifted by Trump administration"
    assert cleaned.text.count(title) == 1
    assert cleaned.title == title


def test_date_line_gives_the_date_and_is_removed():
    cleaned = clean(QUIVER)
    assert cleaned.date == "2026-07-02"
    assert "min read" not in cleaned.text


def test_a_timeline_paragraph_that_opens_with_a_date_is_kept():
    raw = "Timeline\n\n27 June 2023, shortly after 8 am, police stop a car at the Nanterre junction.\n"
    cleaned = clean(raw)
    assert "police stop a car at the Nanterre junction" in cleaned.text
    stamped = clean("Council news\n\n14 March 2025 · Local politics\n\nThe council met on Tuesday.\n")
    assert "Local politics" not in stamped.text and "The council met on Tuesday." in stamped.text
    assert stamped.date == "2025-03-14"


def test_blank_line_runs_collapse_to_one_paragraph_break():
    cleaned = clean("First paragraph here.\n\n\n\n\nSecond paragraph here.\n\n\n")
    assert cleaned.text == "First paragraph here.\nSecond paragraph here."
    assert [p.number for p in cleaned.paragraphs] == [1, 2]


def test_without_a_headline_the_title_is_the_readable_file_name_or_the_whole_first_sentence(tmp_path):
    seed = SEEDS / "000_f9b306b4da719ccb.txt"
    assert clean(seed.read_text()).title == ""  # no headline in the text
    doc, _ = read_document(CorpusFile(seed, seed.name))  # a hash name says nothing: first sentence
    first = doc.text.split(". ")[0]
    assert doc.title.startswith("Washington is shifting its approach") and doc.title.startswith(first)
    assert not doc.title.endswith("…") and doc.title.endswith(".")
    named = tmp_path / "07_city-council-tram-vote.txt"
    named.write_text("The council voted on Tuesday. It was close.")
    assert read_document(CorpusFile(named, named.name))[0].title == "City council tram vote"


@pytest.mark.parametrize(
    ("name", "readable"),
    [
        ("01_wire-fever-syrup-recall.txt", "Wire fever syrup recall"),
        ("000_f9b306b4da719ccb.txt", None),
        ("2024-05-01.md", None),
        ("notes.txt", None),
    ],
)
def test_readable_name(name, readable):
    assert readable_name(name) == readable


def test_hostile_markup_is_kept_as_text():
    raw = "An article with <script>alert(1)</script> and <img src=x onerror=alert(2)> inside it."
    assert clean(raw).text == raw


def test_markdown_syntax_is_removed():
    cleaned = clean("# A headline\n\nSome **bold** text and a [link](https://example.com/x).", markdown=True)
    assert cleaned.text == "A headline\nSome bold text and a link."
    assert cleaned.title == "A headline"


def test_every_seed_maps_back_to_its_file():
    for path in sorted(Path(SEEDS).glob("*.txt")):
        _removed_only(path.read_text())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_cleaning_arbitrary_text_only_deletes(raw):
    _removed_only(raw)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Word", "word.", "QUIVER", "← Blog", "\n", "\n\n", " ", 'x-y/">', "Read more here."]
        ),
        max_size=60,
    )
)
def test_cleaning_junk_mixtures_only_deletes(parts):
    _removed_only("".join(parts))


def test_every_kind_of_line_break_separates_paragraphs():
    for brk in ("\n", "\r\n", "\r", "\u2028", "\x0b"):
        cleaned = clean(f"One sentence here.{brk}{brk}Another one there.")
        assert len(cleaned.paragraphs) == 2, repr(brk)
        _removed_only(f"One sentence here.{brk}{brk}Another one there.")


def test_a_hard_wrapped_story_keeps_its_paragraphs_whole():
    raw = (
        "Council backs tram line\n\n"
        "The city council voted on Tuesday to build a tram line from the station\n"
        "to the hospital, after a debate that lasted most of the afternoon and\n"
        "ended with a clear majority.\n\n"
        "Construction is due to start next spring, the mayor said, and the line\n"
        "should open two years later if the budget holds and the contractors\n"
        "deliver on time.\n\n"
        "- first item of a list that is long enough to count as body text here\n"
        "- second item\n"
    )
    cleaned = clean(raw)
    blocks = [cleaned.text[p.start : p.end] for p in cleaned.paragraphs]
    assert blocks[1].startswith("The city council") and blocks[1].endswith("clear majority.")
    assert blocks[2].endswith("deliver on time.")
    assert blocks[3].startswith("- first item") and blocks[4] == "- second item"


def test_one_unpunctuated_line_above_another_is_not_a_wrap():
    raw = "Calmera recall widened to 23 batches after bacteria found in plant\nTuesday, March 11\n\nBody."
    cleaned = clean(raw)
    assert len(cleaned.paragraphs) == 3


PAGE_HEAD = """THE HARBOUR GAZETTE
Your town. Your news. Since 1901.
Home | News | Sport | Business | Community | Obituaries | Jobs | Contact
Weather: 9C, sunny spells

Ferry operator cuts winter crossings to the islands as fuel costs climb

The island ferry operator Norsund Lines will cut its winter crossings from six a day to four from
November, blaming fuel costs that have climbed by a third since the spring.
Islanders say the cuts will make it harder to reach the hospital on the mainland, and the
operator's fuel bill is now its largest single cost, ahead of wages.
"""


def test_the_headline_is_the_heading_the_story_repeats_not_the_site_furniture_above_it():
    assert clean(PAGE_HEAD).title == "Ferry operator cuts winter crossings to the islands as fuel costs climb"


def test_a_head_of_site_furniture_only_gives_no_headline():
    furniture_only = PAGE_HEAD.replace(
        "Ferry operator cuts winter crossings to the islands as fuel costs climb\n", ""
    )
    assert clean(furniture_only).title == ""


LISTS = """Ferry fares rise on the island routes

Passengers should contact the operator if they have:

- a season ticket bought before June
- a booking for a cancelled crossing

Most read
1. Council tax to rise across the north
2. The best walks on the coast
"""


@pytest.mark.parametrize("markdown", [False, True])
def test_a_list_the_text_introduces_joins_its_paragraph_a_box_of_links_does_not(markdown):
    cleaned = clean(LISTS, markdown=markdown)
    blocks = [(cleaned.text[p.start : p.end], p.heading) for p in cleaned.paragraphs]
    introduced = (
        "Passengers should contact the operator if they have:\n"
        "- a season ticket bought before June\n- a booking for a cancelled crossing"
    )
    assert (introduced, False) in blocks
    assert ("Most read", True) in blocks
    assert ("1. Council tax to rise across the north", True) in blocks


def test_an_updated_stamp_in_a_byline_gives_the_date_one_in_the_story_does_not():
    head = "# Heat closures explained\n\n*By the Family Desk. Updated 12 June 2025.*\n\nSchools shut.\n"
    assert clean(head, markdown=True).date == "2025-06-12"
    story = "Heat closures explained\n\n" + "Schools shut on Thursday.\n\n" * 12
    story += "The guidance, updated 3 May 2024, was ignored.\n"
    assert clean(story).date is None


def test_a_letter_s_salutation_and_sign_off_are_text_not_headings():
    raw = (
        "Strike ballot opens on Monday\n\nBrothers and sisters,\n\nThe ballot on the strike opens on "
        "Monday and closes on Friday at noon.\n\nIn solidarity,\n\nMara Velez"
    )
    cleaned = clean(raw)
    blocks = {cleaned.text[p.start : p.end]: p.heading for p in cleaned.paragraphs}
    assert blocks["Brothers and sisters,"] is False
    assert blocks["In solidarity,"] is False
    assert blocks["Strike ballot opens on Monday"] is True
