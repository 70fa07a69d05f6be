"""The answer inside a sentence: what a question asks for, and the span of a sentence that gives it."""

import pytest

from qa.answer.asking import asked
from qa.answer.spans import find_answer


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who lifted the ban?", "person"),
        ("Which company bought the plant?", "organisation"),
        ("Where did the ferry sink?", "place"),
        ("When is the vote on the library levy?", "date"),
        ("What time did the fire start?", "time"),
        ("How long will the repairs take?", "duration"),
        ("How many people came to the meeting?", "count"),
        ("How big is the deficit?", "amount"),
        ("How deadly is the virus?", "amount"),
        ("How close to the border did they get?", "amount"),
        ("What's the total the council could owe?", "amount"),
        ("What is the closure costing firms?", "amount"),
        ("How quickly after the crash was he freed?", "duration"),
        ("What was the vote on the budget?", "value"),
        ("Which museum holds the specimen?", "value"),
        ("kessel bridge repair cost", "value"),
        ("Who is Tobias Fenn?", "description"),
        ("who is marta silva", "description"),
        ("What is Section 114?", "description"),
        # what a clause inside the question says is not what it asks for
        ("What speed was the lorry doing when it left the road?", "value"),
        ("What ages were the two climbers who fell?", "value"),
        ("How many passengers were aboard when the ferry sank?", "count"),
        ("Who was driving when the lorry crashed?", "person"),
    ],
)
def test_the_kind_of_thing_a_question_asks_for(question, kind):
    wanted = asked(question)
    assert wanted is not None and wanted.kind == kind


@pytest.mark.parametrize(
    "question",
    [
        "Why was the bridge closed?",
        "Did the council approve it?",
        "How did it happen?",
        "What did the minister say when she was asked about it?",
        "How did the crew escape after the engine failed?",
    ],
)
def test_questions_no_span_answers(question):
    assert asked(question) is None


def _span(question, sentence, entities):
    found = find_answer(asked(question), sentence, entities)
    return None if found is None else found.text


def _describe(question, sentence):
    return _span(question, sentence, [])


def _entities(sentence, *pieces):
    """(start, end, label) of each (text, label) piece, as the index stores them."""
    return [(sentence.index(text), sentence.index(text) + len(text), label) for text, label in pieces]


def test_a_span_the_question_already_names_is_no_answer():
    sentence = "Mayor Daniel Reyes said Councillor Maria Okafor wrote the plan."
    entities = _entities(sentence, ("Daniel Reyes", "PERSON"), ("Maria Okafor", "PERSON"))
    assert (
        _span("Did Daniel Reyes or someone else write the plan? Who wrote it?", sentence, entities)
        == "Maria Okafor"
    )


def test_numbers_keep_their_hedge_currency_and_tally():
    crowd = "Nearly 500 residents attended the public meeting."
    assert _span("How many residents attended?", crowd, _entities(crowd, ("500", "CARDINAL"))) == "Nearly 500"
    pay = "They will be paid £1,100 a day for up to 150 days."
    found = _span(
        "How much are they paid?", pay, _entities(pay, ("1,100", "MONEY"), ("up to 150 days", "DATE"))
    )
    assert found == "£1,100 a day"  # the rate is the amount's unit
    daily = _span("How much are they paid a day?", pay, _entities(pay, ("1,100", "MONEY")))
    assert daily == "£1,100"  # unless the question gives it
    vote = "The council approved the budget by a 5-4 vote on Tuesday."
    assert (
        _span(
            "What was the vote on the budget?", vote, _entities(vote, ("5", "CARDINAL"), ("Tuesday", "DATE"))
        )
        == "5-4"
    )


def test_a_time_keeps_its_points_and_a_sentence_end_is_dropped():
    doors = "The doors opened at 7:40 a.m. on Monday."
    assert (
        _span("What time did the doors open?", doors, _entities(doors, ("7:40 a.m.", "TIME"))) == "7:40 a.m."
    )
    limit = "Cars may use one lane, with a speed limit of 30 km/h."
    assert (
        _span("What is the speed limit now?", limit, _entities(limit, ("30 km/h.", "QUANTITY"))) == "30 km/h"
    )


def test_a_length_of_time_answers_how_long_and_a_date_answers_when():
    sentence = "The strike began on Monday and will last five days, the union said on 3 June."
    entities = _entities(sentence, ("Monday", "DATE"), ("five days", "DATE"), ("3 June", "DATE"))
    assert _span("How long will the strike last?", sentence, entities) == "five days"
    assert _span("When did the strike begin?", sentence, entities) == "Monday"


def test_the_span_nearest_the_question_words_wins():
    sentence = (
        "The referendum on the library levy will be held on Tuesday, May 11, a year after the 2026 review."
    )
    entities = _entities(sentence, ("Tuesday, May 11", "DATE"), ("a year", "DATE"), ("2026", "DATE"))
    assert _span("When is the referendum on the library levy?", sentence, entities) == "Tuesday, May 11"


def test_a_count_prefers_the_number_of_the_thing_counted():
    sentence = "Over two days, 14 schools closed and 52 buses were cancelled."
    entities = _entities(sentence, ("two days", "DATE"), ("14", "CARDINAL"), ("52", "CARDINAL"))
    assert _span("How many buses were cancelled?", sentence, entities) == "52"


def test_a_sentence_without_the_kind_asked_for_has_no_answer():
    sentence = "The mayor said the town could not afford a new library this year."
    assert _span("What is the mayor's salary?", sentence, _entities(sentence, ("this year", "DATE"))) is None
    assert _span("How many people came?", sentence, []) is None


@pytest.mark.parametrize(
    ("sentence", "description"),
    [
        (
            '"We found the cracks," said the authority\'s chief engineer, Tobias Fenn.',
            "the authority's chief engineer",
        ),
        (
            "Tobias Fenn, the authority's chief engineer, said the cracks were found on Tuesday.",
            "the authority's chief engineer",
        ),
        ("Chief engineer Tobias Fenn said the cracks were found on Tuesday.", "Chief engineer"),
        (
            "Tobias Fenn is a structural engineer at the roads authority.",
            "a structural engineer at the roads authority",
        ),
        (
            "Tobias Fenn, who inspects the bridge every spring, found the cracks.",
            "inspects the bridge every spring",
        ),
        (
            '"We found cracks," said Tobias Fenn, chief engineer at the roads authority.',
            "chief engineer at the roads authority",
        ),
    ],
)
def test_who_is_reads_the_words_beside_the_name(sentence, description):
    assert _span("Who is Tobias Fenn?", sentence, []) == description


def test_who_is_marks_nothing_when_the_sentence_names_but_does_not_describe():
    sentence = '"We found cracks," said Tobias Fenn, told reporters the AI camera saw them.'
    entities = _entities(sentence, ("AI", "ORG"))
    assert _span("Who is Tobias Fenn?", sentence, entities) is None


def test_an_answer_split_by_the_tagger_is_marked_whole():
    """Ranges, a date beside its weekday or time, a place beside its region: one answer in two spans."""
    study = "Past inquiries of this size have taken between one and two years."
    found = _span(
        "How long could the inquiry take?",
        study,
        _entities(study, ("one", "CARDINAL"), ("two years", "DATE")),
    )
    assert found == "between one and two years"
    refund = "Card refunds normally show up within a few business days to two weeks."
    days = _entities(refund, ("a few business days", "DATE"), ("two weeks", "DATE"))
    assert _span("How long do refunds take?", refund, days) == "a few business days to two weeks"
    strike = "Workers walked out at midnight on Sunday, the union said."
    clock = _entities(strike, ("midnight", "TIME"), ("Sunday", "DATE"))
    assert _span("When did workers walk out?", strike, clock) == "midnight on Sunday"
    plant = "Inspectors visited a factory in Kinokawa, Wakayama Prefecture, on Sunday."
    places = _entities(plant, ("Kinokawa", "GPE"), ("Wakayama Prefecture", "GPE"), ("Sunday", "DATE"))
    assert _span("Where was the factory?", plant, places) == "Kinokawa, Wakayama Prefecture"
    freed = "The bronzes came home on Tuesday, more than 125 years after they were looted."
    dated = _entities(freed, ("Tuesday", "DATE"), ("more than 125 years", "DATE"))
    assert _span("When did the bronzes come home?", freed, dated) == "Tuesday"  # a length of time is no date


def test_a_description_is_the_office_beside_the_name():
    said = '"We owe that to our health workers," said Dr Emmanuel Rukundo, Director General of RBC.'
    assert _describe("Who is Emmanuel Rukundo?", said) == "Director General of RBC"
    notice = "The notice was issued by the council's interim director of finance, Helen Oakes, on Tuesday."
    assert _describe("Who is Helen Oakes?", notice) == "the council's interim director of finance"
    mayor = "Mission mayor Carol Henning said the lockout showed how dependent the valley was."
    assert _describe("who is carol henning", mayor) == "Mission mayor"  # a name typed in lower case
    asked_her = "He has asked a former transport secretary, Ruth Kelly, to lead a review."
    assert _describe("Who is Ruth Kelly?", asked_her) == "a former transport secretary"
    engineer = "Oya Demirel is a mining engineer and a former board member of the chamber."
    assert _describe("Who is Oya Demirel?", engineer) == "a mining engineer"
    body = "Abdullahi Garba is director-general of the National Commission for Museums and Monuments."
    assert _describe("Who is Abdullahi Garba?", body).endswith("Museums and Monuments")


def test_a_figure_the_tagger_missed_is_still_an_answer():
    copied = "The attackers copied out some 600GB of files, including personal data."
    assert _span("How much data was copied?", copied, []) == "some 600GB"
    slowed = "The drug slowed decline by about a quarter over 18 months."
    assert _span(
        "How much does the drug slow decline?", slowed, _entities(slowed, ("18 months", "DATE"))
    ) == ("about a quarter")


def test_who_did_it_stands_before_the_verb_or_after_by():
    """ "Who lifted the ban?" is not answered by whom the ban was on."""
    active = "The United States government has lifted its export ban on Anthropic AI's tools."
    names = _entities(active, ("United States", "GPE"), ("Anthropic AI's", "PERSON"))
    assert _span("Who lifted the ban?", active, names) == "United States"
    passive = "The ban was lifted by the Trump administration on Friday, a spokesman for Anthropic said."
    agents = _entities(passive, ("Trump", "PERSON"), ("Anthropic", "ORG"))
    assert _span("Who lifted the ban?", passive, agents) == "Trump"
