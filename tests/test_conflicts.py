from qa.answer.conflicts import Statement, aspects_for, find_conflicts


def _s(rank, doc, sentence):
    return Statement(rank=rank, doc=doc, sentence=sentence)


def test_different_administrations_are_a_conflict():
    found = find_conflicts(
        [
            _s(0, "a.txt", "The Trump administration has partially lifted the ban."),
            _s(1, "b.txt", "The lifting comes as President Joe Biden's administration seeks to recalibrate."),
            _s(2, "c.txt", "Washington is shifting its approach."),
        ],
        ["who"],
    )
    assert len(found) == 1
    assert {v.value for v in found[0].values} == {"Trump administration", "Biden administration"}
    assert "a.txt" in found[0].note and "b.txt" in found[0].note


def test_agreement_and_single_sources_stay_quiet():
    agree = [
        _s(0, "a.txt", "The Trump administration acted."),
        _s(1, "b.txt", "The Trump administration did."),
    ]
    assert find_conflicts(agree, ["who"]) == []
    one_article = [
        _s(0, "a.txt", "The Trump administration acted."),
        _s(1, "a.txt", "President Biden spoke."),
    ]
    assert find_conflicts(one_article, ["who"]) == []


def test_dates_and_extent():
    statements = [
        _s(0, "a.txt", "On October 17, 2023, the administration announced it would lift parts of the ban."),
        _s(
            1, "b.txt", "The decision, announced late Thursday, effectively ends a controversial restriction."
        ),
    ]
    when = find_conflicts(statements, ["when"])
    assert {v.value for v in when[0].values} == {"October 17, 2023", "Thursday"}
    extent = find_conflicts(statements, ["extent"])
    assert {v.value for v in extent[0].values} == {"partly", "fully"}


def test_aspects_follow_the_question():
    assert aspects_for("person", "Who lifted the ban?") == ["who"]
    assert aspects_for("date", "When was it announced?") == ["when"]
    assert aspects_for(None, "Was the ban lifted fully or partly?") == ["extent"]
    assert aspects_for(None, "What is constitutional AI?") == []


def test_the_sides_are_named_by_outlet_where_it_is_known():
    found = find_conflicts(
        [
            Statement(
                0, "wire.html", "The Trump administration has partially lifted the ban.", "Global Wire"
            ),
            Statement(1, "b.txt", "President Joe Biden's administration lifted it."),
        ],
        ["who"],
    )
    assert found[0].note.endswith("Trump administration (Global Wire) vs Biden administration (b.txt)")
    assert found[0].values[0].docs == ("wire.html",)  # the JSON still names the file
