"""The reply and article HTML of the web UI, checked without a browser (tests/test_ui.py drives one)."""

from __future__ import annotations

import re

from qa.ingest.cleaning import clean
from qa.interfaces.web import NOT_COVERED, RELATED_ONLY, answer_html, article_html, escape
from qa.models import Answer, Document, Passage


def _quotes(html: str) -> list[str]:
    return re.findall(r"<span class='qa-quote[^']*'>(.*?)</span>", html)


def test_an_answer_opens_with_the_highlighted_sentence_of_passage_one(engine):
    answer = engine.ask("Who is Eleanor Marsh?")
    html = answer_html(answer, turn=3)
    assert answer.answered
    lead = html.index("qa-lead")
    assert lead < html.index("qa-card")  # the answer comes before the sources
    first = answer.passages[0]
    quoted = _quotes(html)[0]
    if first.answer is not None:  # the answer inside it in bold: the rest of the sentence as it is
        assert f"<strong class='qa-answer'>{escape(first.answer.text)}</strong>" in quoted
        quoted = quoted.replace("<strong class='qa-answer'>", "").replace("</strong>", "")
    assert quoted == escape(first.highlight)
    assert "href='#qa-card-3-1'>[1]</a>" in html and "id='qa-card-3-1'" in html
    assert html.count("<mark class='qa-highlight'>") == len(answer.passages)


def test_where_sources_differ_each_side_is_quoted(engine):
    answer = engine.ask("Which president's administration lifted the ban?")
    html = answer_html(answer, turn=1)
    assert answer.conflicts
    sides = {v.passages[0] for c in answer.conflicts for v in c.values if v.passages}
    assert len(_quotes(html)) == len(sides | {0}) >= 2
    assert html.count("class='qa-conflict'") == len(answer.conflicts)


def test_refusals_say_so_first_and_show_no_answer_marks(engine):
    off_topic = answer_html(engine.ask("How do I bake sourdough bread?"), turn=1)
    assert off_topic.startswith(f"<div class='qa-reply' data-turn='1'><p class='qa-refusal'>{NOT_COVERED}")
    strict = engine.with_models(engine.models.model_copy(update={"answerable_threshold": 1.0}))
    related = strict.ask("What is Anthropic's current stock price?")
    assert not related.answered and related.passages
    html = answer_html(related, turn=2)
    assert html.index(RELATED_ONLY) < html.index("qa-card")
    assert "<mark" not in html and "qa-bar" not in html and "qa-lead" not in html
    assert html.count("qa-card qa-muted") == len(related.passages)


def test_a_sentence_with_its_own_quotation_mark_gets_no_second_one(engine):
    answer = engine.ask("Who is Eleanor Marsh?")
    first = answer.passages[0].highlight
    assert first.startswith('"')  # the seed quotes her
    assert "<span class='qa-quote qa-quote-own'>" in answer_html(answer, turn=1)
    plain = answer.model_copy(
        update={"passages": [answer.passages[0].model_copy(update={"highlight": first.strip('"')})]}
    )
    assert "<span class='qa-quote'>" in answer_html(plain, turn=1)


def test_article_text_and_titles_are_inert(engine):
    answer = engine.ask("Who lifted the ban?")
    hostile = answer.passages[0].model_copy(
        update={"title": "<script>alert(1)</script>", "text": "<img src=x onerror=alert(2)> **b**"}
    )
    html = answer_html(
        Answer.model_validate({**answer.model_dump(), "passages": [hostile], "conflicts": []}), turn=1
    )
    assert "<script" not in html and "<img" not in html and "**" not in html


def test_the_article_is_marked_at_the_cited_span(engine):
    passage = engine.ask("Who is Eleanor Marsh?").passages[0]
    doc = next(d for d in engine.documents if d.name == passage.doc)
    html = article_html(doc, passage.start, passage.end)
    marked = re.findall(r"<mark class='qa-cite'>(.*?)</mark>", html, flags=re.S)
    assert marked and "Eleanor Marsh" in "".join(marked)
    assert html.count("<mark") == len(marked)


def test_a_mended_or_widened_question_says_what_was_searched(engine):
    mended = answer_html(engine.ask("Who lifted the ban on Antropic?"), turn=1)
    assert "Searched as: Who lifted the ban on Anthropic?" in mended
    assert mended.index("qa-searched") < mended.index("class='qa-card")
    assert "qa-searched" not in answer_html(engine.ask("Who is Eleanor Marsh?"), turn=2)


def test_a_list_in_a_passage_is_shown_line_by_line_and_stays_inert():
    text = "Contact your doctor if your child has:\n- a fever <b>\n- fast breathing\nwrapped line"
    passage = Passage(
        doc="a.md", title="T", paragraph=1, start=0, end=len(text), text=text,
        highlight=text, highlight_start=0, score=0.9,
    )  # fmt: skip
    html = answer_html(Answer(question="q", answered=True, passages=(passage,), query="q"), turn=1)
    assert "has&#58;<br>&#45; a fever &#60;b&#62;<br>&#45; fast breathing\nwrapped line" in html


def test_the_article_view_shows_a_list_line_by_line():
    raw = "Signs\n\nWatch for these signs:\n- a headache\n- a fast pulse\n"
    cleaned = clean(raw)
    doc = Document(
        name="a.txt", title="Signs", text=cleaned.text, segments=cleaned.segments,
        paragraphs=cleaned.paragraphs, sha256="0" * 64,
    )  # fmt: skip
    html = article_html(doc, raw.index("Watch"), len(raw) - 1)
    assert "signs&#58;<br>&#45; a headache<br>&#45; a fast pulse</mark></p>" in html


def test_an_unsure_answer_says_so_and_marks_no_sentence_as_the_answer():
    text = "The council met on Tuesday. The tunnel opened in May."
    passage = Passage(
        doc="a.txt", title="T", paragraph=1, start=0, end=len(text), text=text,
        highlight="The tunnel opened in May.", highlight_start=28, score=0.4,
    )  # fmt: skip
    sure = Answer(question="q", answered=True, passages=(passage,), query="q", confidence=0.8)
    unsure = sure.model_copy(update={"confidence": 0.3, "unsure": True})
    assert "<mark" in answer_html(sure, turn=1) and "may not answer" not in answer_html(sure, turn=1)
    html = answer_html(unsure, turn=1)
    assert "Closest passages; they may not answer this." in html
    assert "<mark" not in html and "qa-quote" not in html and "relevance" not in html
