"""Issue 11: every mistake gets one clear line, and no answer comes from outside the corpus."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from qa import QA, Settings, UsageError
from tests.conftest import ROOT, SEEDS


def qa_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_row1_an_index_answers_only_for_the_folder_it_was_built_from(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    shutil.copy(SEEDS / "000_f9b306b4da719ccb.txt", first)
    (second / "tram.txt").write_text(
        "The city council approved the Eastbank tram line on Tuesday after a long debate.\n", encoding="utf-8"
    )
    index = tmp_path / "index"
    QA.open(Settings(corpus=first, index_dir=index), warn=lambda _: None)
    engine = QA.open(Settings(corpus=second, index_dir=index), warn=lambda _: None)
    assert [d.name for d in engine.documents] == ["tram.txt"]
    assert engine.stored.manifest.corpus_path == str(second.resolve())


def test_row2_links_that_leave_the_corpus_are_skipped_with_a_warning(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS / "000_f9b306b4da719ccb.txt", corpus)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the password file must never be quoted in an answer\n", encoding="utf-8")
    (corpus / "passwd_link.txt").symlink_to(secret)
    (corpus / "linked_folder").symlink_to(tmp_path, target_is_directory=True)  # holds secret.txt
    said: list[str] = []
    engine = QA.open(Settings(corpus=corpus, index_dir=tmp_path / "index"), warn=said.append)
    assert [d.name for d in engine.documents] == ["000_f9b306b4da719ccb.txt"]
    assert any("passwd_link.txt" in s and "outside" in s for s in said)
    assert all("password" not in p.text for p in engine.ask("the password file", k=10).passages)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ("Who is Eleanor Marsh?", "Who is Eleanor Marsh? What did she say?"),
        (["Who is Eleanor Marsh?"], "Who is Eleanor Marsh? What did she say?"),
        (("Who is Eleanor Marsh?",), "Who is Eleanor Marsh? What did she say?"),
    ],
)
def test_row3_a_string_history_is_one_earlier_question(engine, history, expected):
    assert engine.ask("What did she say?", history).query == expected


@pytest.mark.parametrize("history", [{"Who is Eleanor Marsh?": 1}, 42, [42], ["ok", None]])
def test_row3_other_history_shapes_are_a_clear_type_error(engine, history):
    with pytest.raises(UsageError, match="history|earlier question"):
        engine.ask("What did she say?", history)


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["-k", "1000"], {}, "-k"),
        ([], {"QA_TOP_K": "abc"}, "QA_TOP_K"),
        ([], {"QA_TOP_K": "0"}, "QA_TOP_K"),
    ],
)
def test_row5_bad_settings_name_the_flag_and_its_limits(engine, seed_settings, args, env, named):
    result = qa_cli("ask", "who?", "--index-dir", str(seed_settings.index_dir), *args, env=env)
    assert result.returncode == 2
    line = one_line(result)
    assert named in line and "1 to 100" in line


def test_settings_come_from_qa_variables_and_a_flag_wins(engine, seed_settings):
    ask = ("ask", "Who lifted the ban?", "--json", "--index-dir", str(seed_settings.index_dir))
    from_variable = qa_cli(*ask, env={"QA_TOP_K": "2"})
    from_flag = qa_cli(*ask, "-k", "3", env={"QA_TOP_K": "2"})
    assert from_variable.returncode == 0 and from_flag.returncode == 0
    assert len(json.loads(from_variable.stdout)["passages"]) == 2
    assert len(json.loads(from_flag.stdout)["passages"]) == 3


def test_row6_a_long_history_item_is_named(engine, seed_settings):
    result = qa_cli("ask", "who?", "--index-dir", str(seed_settings.index_dir), "--history", "x" * 2500)
    assert result.returncode == 2
    assert "earlier question 1 is 2500 characters long" in one_line(result)


def test_row8_an_index_dir_that_is_a_file_is_not_a_folder(tmp_path):
    file = tmp_path / "not-a-folder"
    file.write_text("x")
    result = qa_cli("ask", "who lifted the ban?", "--index-dir", str(file), "--corpus", str(SEEDS))
    assert result.returncode == 1
    assert "is not a folder" in one_line(result)


def test_row12_a_passages_span_does_not_depend_on_k(engine):
    """Asking for more passages adds passages and never reshapes one. (Not a prefix: the extra ones
    are shown in order of relevance, and one held back for diversity may outrank a shown one.)"""
    spans = {
        k: {(p.doc, p.start, p.end) for p in engine.ask("Who lifted the ban?", k=k).passages}
        for k in (3, 5, 8)
    }
    assert (len(spans[3]), len(spans[5]), len(spans[8])) == (3, 5, 8)
    assert spans[3] <= spans[5] <= spans[8]


def _read(tmp_path, name: str, content: str):
    from qa.ingest.corpus import CorpusFile, read_document

    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return read_document(CorpusFile(path=path, name=name))[0]


def test_row10_markdown_date_in_emphasis_is_found_and_removed(tmp_path):
    doc = _read(
        tmp_path,
        "tram.md",
        "# Council backs the Eastbank tram line\n\n*Published 14 March 2025*\n\n"
        "The city council approved the tram line on Tuesday after a long debate about its cost.\n",
    )
    assert doc.date == "2025-03-14"
    assert "Published" not in doc.text


def test_row10_html_date_and_byline_come_from_the_page(tmp_path):
    doc = _read(
        tmp_path,
        "tram.html",
        '<html><head><meta property="article:published_time" content="2025-03-14T09:00:00Z">'
        '<meta name="author" content="Jane Roe"><title>Tram line approved</title></head><body><article>'
        "<h1>Tram line approved</h1><p>The city council approved the Eastbank tram line on Tuesday "
        "after a debate that lasted most of the afternoon and ended with a clear majority.</p>"
        "</article></body></html>",
    )
    assert doc.date == "2025-03-14"
    assert doc.author == "Jane Roe"


def test_row10_a_byline_line_names_the_author(tmp_path):
    doc = _read(
        tmp_path,
        "tram.txt",
        "Council backs the Eastbank tram line\n\nBy Marta Olsen, City Desk\n\n"
        "The city council approved the tram line on Tuesday after a long debate about its cost.\n"
        "By Monday, the first surveys had started.\n",
    )
    assert doc.author == "Marta Olsen"
    assert "Marta Olsen" not in doc.text and "By Monday, the first surveys had started." in doc.text


def test_row11_script_text_is_never_in_a_title_or_the_text(tmp_path):
    doc = _read(
        tmp_path,
        "alert.html",
        "<html><head><title>Tram safety <script>alert('title')</script></title></head><body><article>"
        "<h1>Tram safety <script>alert('title')</script></h1><style>p{color:red}</style>"
        "<p>The tram line was closed on Friday after engineers found a fault in the signalling system "
        "during a routine inspection of the depot.</p><script>document.write('injected')</script>"
        "</article></body></html>",
    )
    assert "alert" not in doc.title and "alert" not in doc.text
    assert "injected" not in doc.text and "color" not in doc.text
    assert doc.text.count("Tram safety") == 1


def test_row3_and_row4_api_errors_are_one_log_line_and_a_clean_message(engine, seed_settings):
    from gradio_client import Client

    from tests.serving import running_app

    with running_app(seed_settings.corpus, seed_settings.index_dir) as app:
        client = Client(app.url, verbose=False)
        for question, history in ((42, []), ("What did she say?", {"Who is Eleanor Marsh?": 1})):
            with pytest.raises(Exception, match="must be text|history must be a list"):
                client.predict(question, history, api_name="/ask")
        answer = client.predict("What did she say?", "Who is Eleanor Marsh?", api_name="/ask")
        assert answer["query"] == "Who is Eleanor Marsh? What did she say?"
        log = app.stop()
    assert "Traceback" not in log
    assert log.count("api /ask refused") == 2


def test_row7_serve_names_the_port_or_host_before_any_work(tmp_path):
    from tests.serving import free_port

    port = free_port()
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = qa_cli("serve", "--port", str(port), "--index-dir", str(tmp_path / "never-built"))
    assert result.returncode == 2 and "--port" in one_line(result)
    assert not (tmp_path / "never-built").exists()
    result = qa_cli("serve", "--host", "999.1.1.1", "--index-dir", str(tmp_path / "never-built"))
    assert result.returncode == 2 and "--host" in one_line(result)


# --- fuzzing: any JSON-like input gives an answer or a QAError, never another exception -------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from qa import Answer, QAError  # noqa: E402

JSON_LIKE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
QUESTIONS = st.text(max_size=200) | JSON_LIKE
HISTORIES = st.lists(st.text(max_size=80), max_size=3) | JSON_LIKE
KS = st.none() | st.integers(-3, 150) | st.booleans() | st.floats() | st.text(max_size=3)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=QUESTIONS, history=HISTORIES, k=KS)
def test_fuzz_ask_gives_an_answer_or_a_qa_error(engine, question, history, k):
    try:
        answer = engine.ask(question, history, k)
    except QAError:
        return
    assert isinstance(answer, Answer)
    for p in answer.passages:
        assert p.highlight in p.text


def test_fuzz_the_api_endpoint_never_fails_otherwise(engine, seed_settings):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from tests.serving import running_app

    calls = {"answered": 0, "refused": 0}
    with running_app(seed_settings.corpus, seed_settings.index_dir) as app:
        client = Client(app.url, verbose=False)

        @settings(max_examples=60, deadline=None)
        @given(question=QUESTIONS, history=HISTORIES)
        def call(question, history):
            try:
                Answer.model_validate(client.predict(question, history, api_name="/ask"))
                calls["answered"] += 1
            except AppError as exc:  # the server's gr.Error: our one-line message, nothing else
                assert "\n" not in str(exc) and "Traceback" not in str(exc)
                calls["refused"] += 1

        call()
        log = app.stop()
    assert "Traceback" not in log, log[-3000:]
    assert log.count("api /ask refused") == calls["refused"]
    assert sum(calls.values()) >= 60
