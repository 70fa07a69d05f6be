from qa.retrieval.answer_types import answer_shape, question_type


def test_question_types():
    assert question_type("Who lifted the ban?") == "person"
    assert question_type("When was it announced?") == "date"
    assert question_type("How long had the ban been in place?") == "duration"
    assert question_type("How much does training cost?") == "quantity"
    assert question_type("Where is Anthropic based?") == "place"
    assert question_type("Why was the ban imposed?") == "reason"
    assert question_type("What is constitutional AI?") is None


def test_definition_shape_recognises_definitions_of_the_subject_only():
    shape = answer_shape("What is constitutional AI?")
    assert shape is not None and shape.kind == "definition"
    assert shape.holds("built on a foundation of “constitutional AI” a set of ethical guardrails")
    assert shape.holds("The company has built its brand on the concept of 'Constitutional AI' and safety.")
    assert shape.holds("Constitutional AI is a method for training assistants.")
    assert not shape.holds("Their constitutional AI principles must be more than a marketing gimmick.")
    assert not shape.holds("Open models are a kind of software.")


def test_typed_shapes_for_other_questions_and_none_for_open_ones():
    shape = answer_shape("When was the ban announced?")
    assert shape is not None and shape.holds("It was announced late Thursday.")
    assert answer_shape("Tell me about the ban") is None


def test_a_year_is_not_a_quantity():
    shape = answer_shape("How many employees does it have?")
    assert shape is not None
    assert not shape.holds("Since its inception in 2020, the company has grown.")
    assert shape.holds("It employs 1,200 people.") and shape.holds("It has hundreds of engineers.")
    assert not shape.holds("It is the safe alternative to GPT-4.")
