from qa.retrieval.answer_types import expected_answer, question_type


def test_question_types():
    assert question_type("Who lifted the ban?") == "person"
    assert question_type("When was it announced?") == "date"
    assert question_type("How long had the ban been in place?") == "duration"
    assert question_type("How much does training cost?") == "quantity"
    assert question_type("Where is Anthropic based?") == "place"
    assert question_type("Why was the ban imposed?") == "reason"
    assert question_type("What is constitutional AI?") is None


def test_a_definition_is_recognised_for_the_subject_only_definitions_of_the_subject_only():
    expected = expected_answer("What is constitutional AI?")
    assert expected is not None and expected.answer_type == "definition"
    assert expected.holds("built on a foundation of “constitutional AI” a set of ethical guardrails")
    assert expected.holds("The company has built its brand on the concept of 'Constitutional AI' and safety.")
    assert expected.holds("Constitutional AI is a method for training assistants.")
    assert not expected.holds("Their constitutional AI principles must be more than a marketing gimmick.")
    assert not expected.holds("Open models are a kind of software.")


def test_other_questions_expect_a_type_and_open_ones_none():
    expected = expected_answer("When was the ban announced?")
    assert expected is not None and expected.holds("It was announced late Thursday.")
    assert expected_answer("Tell me about the ban") is None


def test_a_year_is_not_a_quantity():
    expected = expected_answer("How many employees does it have?")
    assert expected is not None
    assert not expected.holds("Since its inception in 2020, the company has grown.")
    assert expected.holds("It employs 1,200 people.") and expected.holds("It has hundreds of engineers.")
    assert not expected.holds("It is the safe alternative to GPT-4.")


def test_an_acronym_is_defined_by_its_capitalised_expansion():
    expected = expected_answer("What is NMSA?")
    assert expected is not None and expected.answer_type == "definition"
    assert expected.holds("The National Medicines Safety Authority (NMSA) ordered the recall.")
    assert not expected.holds("the inspectors said the authority (NMSA) had acted")
