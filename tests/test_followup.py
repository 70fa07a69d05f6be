"""Follow-ups are searched with the earlier questions they lean on, and only those."""

from qa.retrieval.followup import resolve_query


def test_a_chain_of_follow_ups_reaches_back_to_the_question_that_stands_alone():
    history = ["Who won the 2018 World Cup?", "Which company makes Calmera?", "Where is its factory?"]
    assert resolve_query("How many people work there?", history) == (
        "Which company makes Calmera? Where is its factory? How many people work there?"
    )


def test_a_question_that_stands_alone_is_searched_as_it_is():
    assert resolve_query("Who leads the opposition to the tram?", ["Where is its factory?"]) == (
        "Who leads the opposition to the tram?"
    )


def test_a_long_chain_keeps_the_three_latest_earlier_questions():
    history = ["Who is Priya Raman?", "And then?", "And after that?", "Why?"]
    assert resolve_query("When?", history) == "And then? And after that? Why? When?"


def test_there_points_back_unless_it_is_existential():
    history = ["Where is the factory?"]
    assert resolve_query("How many people work there?", history).startswith("Where is the factory?")
    for standalone in ("Is there a cure for cystic fibrosis?", "Were there any deaths in Larkhaven?"):
        assert resolve_query(standalone, history) == standalone


def test_a_short_whole_question_ends_the_chain_a_fragment_does_not():
    history = ["What are the signs of heat exhaustion?", "Who is the superintendent?"]
    assert resolve_query("And what did he say?", history) == "Who is the superintendent? And what did he say?"
    assert resolve_query("Which year?", ["Who lifted the ban?"]) == "Who lifted the ban? Which year?"
