"""`qa eval` files: a bad line is named with the field and what was expected."""

import pytest

from qa.errors import UsageError
from qa.quality.evaluate import read_questions


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('{"id": "a", "type": "factoid"}', "bad.jsonl:1: not a question line (question: field required)"),
        (
            '{"id": "a", "type": "factoid", "question": "Who?", "evidence": "one string"}',
            "bad.jsonl:1: not a question line (evidence: input should be a list)",
        ),
        (
            '{"id": "a", "type": "conflict", "question": "Who?", "claims": ["a", "b"]}',
            "bad.jsonl:1: not a question line (claims: input should be an object)",
        ),
        ("not json", "bad.jsonl:1: not JSON (Expecting value: line 1 column 1 (char 0))"),
    ],
)
def test_a_bad_line_names_the_field_and_what_was_expected(tmp_path, line, said):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(UsageError) as error:
        read_questions(path)
    assert str(error.value).endswith(said)
