"""Typing slips are mended from the articles' words; real words and short ambiguous ones are not."""

from collections import Counter

from qa.retrieval.spelling import mend, one_edit_away

ARTICLE_WORDS = Counter({"anthropic": 40, "announced": 9, "agency": 5, "ban": 30, "band": 2, "rake": 1})
VOCABULARY = {"painted", "capital", "agency", "announced", "ban", "band", "rake", "factory", "make", "take"}


def mended(text: str) -> str:
    return mend(text, ARTICLE_WORDS.__contains__, lambda: ARTICLE_WORDS, VOCABULARY.__contains__)


def test_a_slip_becomes_the_article_word_one_edit_away():
    assert mended("Which agensy anounced it?") == "Which agency announced it?"
    assert mended("Antropic") == "Anthropic"  # a leading capital is kept


def test_real_words_and_words_without_a_neighbour_are_left_alone():
    assert mended("Who painted the Mona Lisa?") == "Who painted the Mona Lisa?"
    assert mended("sourdough") == "sourdough"


def test_a_short_word_with_several_neighbours_is_left_alone():
    assert mended("bann") == "bann"  # ban or band
    assert mended("bakr") == "bakr"  # no neighbour at all
    assert mended("rakr") == "rake"  # one neighbour only


def test_one_edit_covers_drops_swaps_changes_and_additions():
    edits = one_edit_away("teh")
    assert {"te", "the", "tea", "tech"} <= edits and "teh" not in edits


def test_the_engine_searches_the_mended_question(engine):
    ranking = engine.rank("Who lifted the ban on Antropic?")
    assert ranking.query == "Who lifted the ban on Anthropic?"
    assert engine.rank("What is the capital of Australia?").query == "What is the capital of Australia?"


def test_without_an_article_word_near_a_slip_becomes_the_one_vocabulary_word_near_it():
    assert mended("Where is the factroy?") == "Where is the factory?"
    assert mended("bake") == "bake"  # make, take and rake: a guess, left alone


def test_a_question_in_another_language_is_left_as_written():
    # "combien" is one edit from "combine"; in French it is no slip
    words = Counter({"combine": 3, "posts": 2, "jobs": 4})
    vocabulary = {"combine"}

    def mended_here(text: str) -> str:
        return mend(text, words.__contains__, lambda: words, vocabulary.__contains__)

    assert mended_here("Combien de postes seront supprimés ?") == "Combien de postes seront supprimés ?"
    assert (
        mended_here("Wie viele Stellen werden gestrichen, und wann?")
        == "Wie viele Stellen werden gestrichen, und wann?"
    )
    assert mended_here("How many jobs will they combien?") == "How many jobs will they combine?"
