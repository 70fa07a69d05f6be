"""The story library (stories/): every story holds to stories/README.md, none of its questions is
one that is scored elsewhere, and the checker catches what it is there to catch."""

import json
from pathlib import Path

import pytest

from qa.quality.stories import MINIMUM, Story, check_story, library, lockbox
from qa.text import normalize

ROOT = Path(__file__).resolve().parents[1]
STORIES = library(ROOT / "stories")
SHARED = ROOT.parent / "shared" / "eval"
SCORED = [
    ROOT / "tests" / "data" / "dev.jsonl",
    ROOT / "tests" / "data" / "tram_questions.jsonl",
    SHARED / "dev.jsonl",
    SHARED / "more.jsonl",
    SHARED / "corpus-b" / "questions.jsonl",
]


@pytest.mark.parametrize("story", STORIES, ids=[s.name for s in STORIES])
def test_every_story_passes_the_checker(story):
    assert check_story(story).errors == []


def test_the_library_is_forty_stories_with_a_lockbox_of_eight():
    assert len(STORIES) >= 40
    boxed = lockbox(ROOT / "stories")
    assert len(boxed) >= 8
    assert set(boxed) <= {s.name for s in STORIES}


def _asked(question: str, history: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalize(q) for q in (*history, question))  # a follow-up is the chat it ends


def test_no_story_question_is_one_that_is_scored_or_asked_twice_where_it_counts():
    scored = set()
    for path in (p for p in SCORED if p.exists()):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                scored.add(_asked(q["question"], q.get("history", [])))
    off_topic: dict[tuple[str, ...], str] = {}  # an off-topic question is the same whatever the articles
    for story in STORIES:
        own: set[tuple[str, ...]] = set()
        for q in story.questions():
            asked = _asked(q.question, q.history)
            assert asked not in scored, (story.name, q.question)
            assert asked not in own, (story.name, q.question)
            own.add(asked)
            if q.type == "unanswerable":
                assert asked not in off_topic, (story.name, off_topic.get(asked), q.question)
                off_topic[asked] = story.name


ARTICLE = """Harbour tunnel opens two years late

By Mira Holt | 3 May 2026

The Kessin harbour tunnel opened to traffic on Friday, two years later than planned.

It cost 1.2 billion euros, twice the first estimate, the transport office said.
"""


def _story(tmp_path: Path, questions: list[dict], about: bool = True, articles: int = 4) -> Story:
    folder = tmp_path / "tunnel"
    (folder / "articles").mkdir(parents=True)
    for n in range(articles):
        (folder / "articles" / f"0{n}_tunnel.txt").write_text(ARTICLE.replace("Friday", f"day {n}"))
    if about:
        (folder / "about.md").write_text("A made-up tunnel.\n")
    lines = [json.dumps(q) for q in questions]
    (folder / "questions.jsonl").write_text("\n".join(lines) + "\n")
    return Story("tunnel", folder)


def _full_set() -> list[dict]:
    """The fewest questions of each type, all with good evidence."""
    out = []
    for kind, least in MINIMUM.items():
        for n in range(least + 2):
            q = {"id": f"{kind}{n}", "type": kind, "question": f"How much did the tunnel cost ({kind} {n})?"}
            if kind.startswith("unanswerable"):
                q["evidence"] = []
            else:
                q["evidence"] = ["cost 1.2 billion euros"]
            if kind == "conflict":
                q["claims"] = {"a": ["cost 1.2 billion euros"], "b": ["two years later than planned"]}
                q["evidence"] = ["cost 1.2 billion euros", "two years later than planned"]
            if kind == "followup":
                q["history"] = ["When did the tunnel open?"]
            out.append(q)
    return out


def test_a_good_story_passes(tmp_path):
    check = check_story(_story(tmp_path, _full_set()))
    assert check.errors == []
    assert check.counts["factoid"] == MINIMUM["factoid"] + 2


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda qs: qs[0].update(evidence=["opened to traffic on Friday, two years later. It cost"]),
            "one paragraph",
        ),
        (lambda qs: qs[0].update(evidence=["a sentence no article holds"]), "one paragraph"),
        (lambda qs: qs[-1].update(evidence=["cost 1.2 billion euros"]), "unanswerable question has evidence"),
        (lambda qs: qs.__setitem__(slice(0, 3), []), "factoid questions; at least"),
        (lambda qs: next(q for q in qs if q["type"] == "followup").pop("history"), "without history"),
        (
            lambda qs: next(q for q in qs if q["type"] == "conflict").update(
                evidence=["cost 1.2 billion euros"]
            ),
            "claims",
        ),
        (lambda qs: qs[1].update(id=qs[0]["id"]), "is used 2 times"),
        (lambda qs: qs[0].update(type="trivia"), "unknown type"),
    ],
)
def test_the_checker_names_broken_data(tmp_path, change, message):
    questions = _full_set()
    change(questions)
    errors = check_story(_story(tmp_path, questions)).errors
    assert any(message in e for e in errors), errors


def test_a_story_needs_its_about_and_enough_articles(tmp_path):
    errors = check_story(_story(tmp_path, _full_set(), about=False, articles=2)).errors
    assert any("about.md" in e for e in errors)
    assert any("2 articles" in e for e in errors)


def test_an_unanswerable_question_the_articles_answer_is_flagged(tmp_path):
    questions = _full_set()
    q = next(q for q in questions if q["type"] == "unanswerable_ontopic")
    q["question"] = "How much did the Kessin harbour tunnel cost?"
    warnings = check_story(_story(tmp_path, questions)).warnings
    assert any(q["id"] in w and "not answered" in w for w in warnings)
