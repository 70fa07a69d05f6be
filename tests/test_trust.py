"""Issue-level behaviour on the real articles: disagreeing sources, follow-ups, honest "no answer"."""


def test_sources_differ_on_which_administration(engine):
    answer = engine.ask("Which president's administration lifted the ban?")
    assert len(answer.conflicts) == 1
    note = answer.conflicts[0].note
    # each side quoted as its article words it
    assert "Trump administration" in note and "Biden's administration" in note
    assert "003_3739d69c4638959f.txt" in note and "004_85bf35164d9416cf.txt" in note
    for value in answer.conflicts[0].values:
        for rank in value.passages:
            assert value.value in answer.passages[rank].highlight


def test_no_conflict_where_one_article_answers(engine):
    answer = engine.ask("Who is the chief technology officer of Cognitia?")
    assert answer.answered and answer.conflicts == ()


def test_passages_come_from_several_articles(engine):
    answer = engine.ask("When was the lifting of the ban announced?")
    assert len({p.doc for p in answer.passages}) >= 3


def test_an_on_topic_question_judged_unanswered_shows_related_passages_marked(engine):
    # Held out, the fitted decision refuses few of the on-topic questions the articles leave open
    # (docs/quality.md, weak spots), so the decision is forced here: what a reader gets when it says no.
    strict = engine.with_models(engine.models.model_copy(update={"answerable_threshold": 1.0}))
    answer = strict.ask("What is Anthropic's current stock price?")
    assert answer.answered is False
    assert answer.reason == "related passages only"
    assert answer.passages  # still offered, clearly not an answer
    assert strict.ask("How do I bake sourdough bread?").reason == "nothing relevant"


def test_follow_up_when_leans_on_the_previous_question(engine):
    answer = engine.ask("And when?", ["Who lifted the ban?"])
    assert answer.query.startswith("Who lifted the ban?")
    assert any("October 17, 2023" in p.text or "Thursday" in p.text for p in answer.passages[:3])
