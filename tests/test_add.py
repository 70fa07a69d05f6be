"""`qa add URL` against a local web server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest

from qa.ingest import web_pages
from tests.conftest import SEEDS
from tests.conftest import run_qa as qa
from tests.local_site import local_site


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with local_site() as url:
        yield url


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("add")
    corpus = root / "articles"
    shutil.copytree(SEEDS, corpus)
    built = qa("index", corpus=corpus, index_dir=root / "index")
    assert built.returncode == 0, built.stderr
    return corpus, root / "index"


def _listing(corpus) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(corpus.iterdir())}


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/gone.html", "404"),
        ("/data.json", "not a web page (application/json)"),
        ("/huge.html", "larger than 5 MB"),
        ("/huge-unsized.html", "larger than 5 MB"),
        ("/front.html", "not an article"),
        ("/to-file.html", "not a web address"),
    ],
)
def test_a_page_that_is_not_an_article_gets_one_line_and_leaves_the_folder_as_it_was(
    site, folder, path, says
):
    corpus, index_dir = folder
    before = _listing(corpus)
    result = qa("add", f"{site}{path}", corpus=corpus, index_dir=index_dir)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and path in lines[0], result.stderr
    assert _listing(corpus) == before


def test_an_added_page_is_answered_from_at_once_with_its_outlet_and_address(site, folder):
    corpus, index_dir = folder
    added = qa("add", f"{site}/moved.html", corpus=corpus, index_dir=index_dir)
    assert added.returncode == 0, added.stderr
    assert "added night-trams-return-to-the-eastline-after-six-years.html" in added.stdout
    assert "Valley Courier" in added.stdout
    saved = corpus / "night-trams-return-to-the-eastline-after-six-years.html"
    assert saved.read_text().startswith(f"<!-- qa: saved from {site}/night-trams.html at ")
    answer = qa(
        "ask", "What will the overnight trams cost each year?", "-k", "1", corpus=corpus, index_dir=index_dir
    )
    assert answer.returncode == 0, answer.stderr
    shown = answer.stdout.replace("__", "")  # the answer is underlined inside its sentence
    assert "1.8 million a year" in shown and saved.name in answer.stdout
    assert "Valley Courier · 2025-05-09" in answer.stdout and f"{site}/night-trams.html" in answer.stdout
    again = qa("add", f"{site}/night-trams.html", corpus=corpus, index_dir=index_dir)
    assert again.returncode == 1 and "already in the folder" in again.stderr


def test_only_web_addresses_are_fetched():
    for address in ("file:///etc/passwd", "ftp://example.org/a", "night-trams.html", "http://"):
        with pytest.raises(web_pages.FetchError, match="not a web address"):
            web_pages.check_address(address)


def test_a_ui_served_to_others_does_not_fetch_local_addresses(site):
    with pytest.raises(web_pages.FetchError, match="private or local address"):
        web_pages.fetch_page(f"{site}/night-trams.html", public_only=True)
    assert "Valley Courier" in web_pages.fetch_page(f"{site}/night-trams.html").html


@pytest.mark.parametrize(
    ("headline", "name"),
    [
        ("Budget d'austérité adopté à Lyon", "budget-d-austerite-adopte-a-lyon"),
        ("Zürich’s Straße closes", "zurich-s-strasse-closes"),
        ("日本語だけ", "article"),
    ],
)
def test_a_saved_page_is_named_from_its_headline_with_accents_folded(headline, name):
    assert web_pages._slug(headline) == name


def test_a_page_that_trickles_in_is_given_up_at_the_deadline(site, folder):
    corpus, index_dir = folder
    before = _listing(corpus)
    started = time.monotonic()
    result = qa("add", f"{site}/drip.html", "--deadline", "3", corpus=corpus, index_dir=index_dir)
    took = time.monotonic() - started
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"qa: error: {site}/drip.html: not fetched within 3 s (the server is too slow); nothing was saved"
    ]
    assert took < 20  # the page alone would take 8 minutes; a 15 s read timeout never fires
    assert _listing(corpus) == before


def test_the_deadline_must_be_a_positive_number_of_seconds(folder):
    corpus, index_dir = folder
    result = qa("add", "http://127.0.0.1:9/x.html", "--deadline", "0", corpus=corpus, index_dir=index_dir)
    assert result.returncode == 2 and "--deadline = 0.0 is not usable" in result.stderr
