"""Terminal rendering of replies: an answer marks its sentence, a reply that is not sure does not."""

from qa.interfaces.render import UNSURE, render_answer
from qa.models import Answer, Passage

TEXT = "The council met on Tuesday. The tunnel opened in May."
PASSAGE = Passage(
    doc="a.txt", title="T", paragraph=1, start=0, end=len(TEXT), text=TEXT,
    highlight="The tunnel opened in May.", highlight_start=28, score=0.4,
)  # fmt: skip


def test_a_sure_answer_marks_the_answering_sentence():
    shown = render_answer(Answer(question="q", answered=True, passages=(PASSAGE,), confidence=0.9))
    assert "**The tunnel opened in May.**" in shown
    assert UNSURE not in shown


def test_an_unsure_answer_says_so_and_marks_nothing():
    answer = Answer(question="q", answered=True, passages=(PASSAGE,), confidence=0.3, unsure=True)
    shown = render_answer(answer)
    assert shown.startswith(UNSURE)
    assert "**" not in shown and "The tunnel opened in May." in shown
