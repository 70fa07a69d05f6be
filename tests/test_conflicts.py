"""Sources differ, compared on answers: values of one kind, normalised, from different articles."""

from qa.answer.conflicts import Statement, find_conflicts


def _s(rank, doc, answer, sentence="", source=""):
    return Statement(rank=rank, doc=doc, answer=answer, sentence=sentence, source=source)


def _values(conflicts):
    return [{v.value for v in c.values} for c in conflicts]


def test_numbers_are_compared_by_value_whatever_their_hedge():
    crowd = [_s(0, "a.txt", "Nearly 500"), _s(1, "b.txt", "About 300")]
    assert _values(find_conflicts(crowd, "count", "How many came?")) == [{"Nearly 500", "About 300"}]
    same = [_s(0, "a.txt", "about 48,000"), _s(1, "b.txt", "48,000")]
    assert find_conflicts(same, "count", "How many vehicles a day?") == []
    weeks = [_s(0, "a.txt", "one week"), _s(1, "b.txt", "seven days"), _s(2, "c.txt", "five days")]
    found = find_conflicts(weeks, "duration", "How long is it on hold?")
    assert _values(found) == [{"one week", "five days"}]
    exact = [_s(0, "a.txt", "3.5 percent"), _s(1, "b.txt", "4 percent")]
    assert _values(find_conflicts(exact, "amount", "How much will the tax rise?")) == [
        {"3.5 percent", "4 percent"}
    ]


def test_a_hedge_that_rules_its_number_out_is_a_different_answer():
    """"more than 80" says the count is not 80; "over 80" says what "more than 80" says."""
    cameras = [_s(0, "a.txt", "more than 80"), _s(1, "b.txt", "over 80"), _s(2, "c.txt", "80")]
    found = find_conflicts(cameras, "count", "How many cameras were set up?")
    assert _values(found) == [{"more than 80", "80"}]
    assert found[0].values[0].docs == ("a.txt", "b.txt")
    roughly = [_s(0, "a.txt", "roughly 3,000"), _s(1, "b.txt", "about 3,000"), _s(2, "c.txt", "3,000")]
    assert find_conflicts(roughly, "count", "How many complaints?") == []
    least = [_s(0, "a.txt", "at least 80"), _s(1, "b.txt", "80")]
    assert find_conflicts(least, "count", "How many cameras?") == []


def test_a_share_in_words_is_compared_as_a_percentage():
    shares = [_s(0, "a.txt", "about 16 percent"), _s(1, "b.txt", "almost a fifth")]
    assert _values(find_conflicts(shares, "amount", "How much has the stock lost?")) == [
        {"about 16 percent", "almost a fifth"}
    ]
    half = [_s(0, "a.txt", "50%"), _s(1, "b.txt", "a half")]
    assert find_conflicts(half, "amount", "What share was sold?") == []


def test_amounts_of_different_things_are_not_compared():
    mixed = [_s(0, "a.txt", "$48.2 million"), _s(1, "b.txt", "5"), _s(2, "c.txt", "12 percent")]
    assert find_conflicts(mixed, "amount", "How large is the budget?") == []
    money = [_s(0, "a.txt", "about 31 million euros"), _s(1, "b.txt", "€31m")]
    assert find_conflicts(money, "amount", "How much will it cost?") == []


def test_a_tally_is_compared_whole():
    votes = [_s(0, "a.txt", "5-4"), _s(1, "b.txt", "6-3"), _s(2, "c.txt", "5-4")]
    found = find_conflicts(votes, "value", "What was the vote?")
    assert _values(found) == [{"5-4", "6-3"}]
    assert found[0].values[0].docs == ("a.txt", "c.txt")


def test_names_match_by_their_words():
    same = [_s(0, "a.txt", "Maria Okafor"), _s(1, "b.txt", "Okafor")]
    assert find_conflicts(same, "person", "Who said it?") == []
    differ = [_s(0, "a.txt", "Maria Okafor"), _s(1, "b.txt", "Daniel Reyes")]
    assert _values(find_conflicts(differ, "person", "Who said it?")) == [{"Maria Okafor", "Daniel Reyes"}]
    admin = [_s(0, "a.txt", "Trump administration"), _s(1, "b.txt", "Biden administration")]
    assert len(find_conflicts(admin, "organisation", "Which administration lifted it?")) == 1


def test_dates_compare_the_fields_both_give():
    same = [_s(0, "a.txt", "Tuesday, May 11"), _s(1, "b.txt", "May 11")]
    assert find_conflicts(same, "date", "When is the vote?") == []
    unrelated = [_s(0, "a.txt", "Thursday"), _s(1, "b.txt", "last year")]
    assert find_conflicts(unrelated, "date", "When?") == []
    # 17 October 2023 was a Tuesday: "Thursday" cannot be the same day
    weekday = [_s(0, "a.txt", "October 17, 2023"), _s(1, "b.txt", "Thursday")]
    assert len(find_conflicts(weekday, "date", "When was it announced?")) == 1
    years = [_s(0, "a.txt", "2014"), _s(1, "b.txt", "late 2013")]
    assert len(find_conflicts(years, "date", "When did it arrive?")) == 1


def test_one_article_or_agreement_stays_quiet():
    one_article = [_s(0, "a.txt", "Maria Okafor"), _s(1, "a.txt", "Daniel Reyes")]
    assert find_conflicts(one_article, "person", "Who said it?") == []
    # a passage without an answer takes no side
    no_answer = [_s(0, "a.txt", "Maria Okafor"), _s(1, "b.txt", "")]
    assert find_conflicts(no_answer, "person", "Who said it?") == []


def test_extent_is_compared_for_questions_about_it():
    statements = [
        _s(0, "a.txt", "", "The administration announced it would partially lift the ban."),
        _s(1, "b.txt", "", "The ban was lifted in full on Thursday."),
    ]
    found = find_conflicts(statements, None, "Was the ban lifted fully or partly?")
    assert _values(found) == [{"partly", "fully"}]
    assert find_conflicts(statements, None, "Who lifted the ban?") == []


def test_the_sides_are_named_by_outlet_where_it_is_known():
    found = find_conflicts(
        [
            _s(0, "wire.html", "Trump administration", source="Global Wire"),
            _s(1, "b.txt", "Biden administration"),
        ],
        "organisation",
        "Which administration lifted the ban?",
    )
    assert (
        found[0].note
        == "Sources differ on who: Trump administration (Global Wire) vs Biden administration (b.txt)"
    )
    assert found[0].values[0].docs == ("wire.html",)  # the JSON still names the file
