"""The web UI, running for real: its `ask` API through gradio_client, and the page in headless Chromium."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.interfaces.render import UNSURE
from tests.conftest import ROOT, SEEDS
from tests.serving import CHAT_SESSION, CHROMIUM, CHROMIUM_ARGS, running_app

ARTIFACTS = ROOT / "tests" / "artifacts"
needs_browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")

HOSTILE = """Hostile article about the zebra treaty
The zebra treaty was signed <script>window.__xss = 1</script> in Oslo by <img src=x onerror="window.__xss=2">
the delegates, see <a href="javascript:window.__xss=3">this link</a> and ![pic](javascript:window.__xss=4).
The zebra treaty also says <b onmouseover="window.__xss=5">bold claims</b> about stripes.
"""


def _start(corpus: Path, index_dir: Path, timeout: float = 180) -> Iterator[str]:
    with running_app(corpus, index_dir, timeout) as app:
        yield app.url


@pytest.fixture(scope="module")
def app_url(engine, seed_settings) -> Iterator[str]:
    yield from _start(seed_settings.corpus, seed_settings.index_dir)


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory) -> Iterator[str]:
    corpus = tmp_path_factory.mktemp("hostile")
    shutil.copy(SEEDS / "004_85bf35164d9416cf.txt", corpus)
    (corpus / "hostile.txt").write_text(HOSTILE)
    yield from _start(corpus, tmp_path_factory.mktemp("hostile-index"))


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def test_api_returns_the_json_contract(client):
    data = client.predict("Who lifted the ban?", [], api_name="/ask")
    assert data["answered"] is True and data["question"] == "Who lifted the ban?"
    first = data["passages"][0]
    assert {"doc", "title", "paragraph", "start", "end", "text", "highlight", "score"} <= set(first)
    assert first["highlight"] in first["text"]


def test_api_follow_up_uses_history(client):
    data = client.predict("What did she say about the decision?", ["Who is Eleanor Marsh?"], api_name="/ask")
    assert "welcome step" in data["passages"][0]["text"]


def test_api_unanswerable_is_not_answered(client):
    assert client.predict("How do I bake sourdough bread?", [], api_name="/ask")["answered"] is False


def _browser():
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    browser = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    return manager, browser


VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _ask(page, question: str):
    """Type a question, press Enter, and return the new reply once it is shown."""
    before = page.locator(".qa-reply").count()
    page.fill("#qa-question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('.qa-reply').length > {before}", timeout=60_000)
    time.sleep(0.4)  # let the reply be scrolled into view
    return page.locator(".qa-reply").nth(before)


def _in_view(page, locator, scroll_box: str = "#qa-chat") -> bool:
    """The element's top line is on screen: inside the window and inside its scroll box."""
    return page.evaluate(
        """([e, box]) => { const r = e.getBoundingClientRect();
        const c = e.closest(box).getBoundingClientRect();
        const bottom = Math.min(window.innerHeight, c.bottom);
        const visible = r.top >= Math.max(0, c.top) - 1 && r.top + 12 <= bottom;
        const seen = document.elementFromPoint(r.left + 4, r.top + 6);  // not covered by something
        return visible && seen !== null && (e.contains(seen) || seen.contains(e)); }""",
        [locator.element_handle(), scroll_box],
    )


@needs_browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_browser_the_reply_opens_with_its_answer_in_view(app_url, size):
    manager, browser = _browser()
    try:
        page = browser.new_page(viewport=VIEWPORTS[size])
        page.goto(app_url)
        page.wait_for_selector("#qa-question textarea", timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        for question, shot in (
            ("Who is Eleanor Marsh?", "answer"),
            ("Which president's administration lifted the ban?", "sources-differ"),
        ):
            reply = _ask(page, question)
            lead, first_card = reply.locator(".qa-lead"), reply.locator(".qa-card").first
            assert _in_view(page, lead) and _in_view(page, first_card), question
            # The question just asked stays in view above its answer, and the page keeps its heading.
            asked_row = page.locator("#qa-chat .user-row").last
            assert asked_row.inner_text().strip() == question and _in_view(page, asked_row), question
            heading = page.get_by_text("Ask the articles").first.bounding_box()
            assert heading is not None and heading["y"] >= 0, question
            # The quoted answer is the highlighted sentence of passage [1], word for word.
            quoted = lead.locator(".qa-quote").first.inner_text()  # its quotation marks are drawn by CSS
            assert quoted == first_card.locator("mark.qa-highlight").inner_text()
            assert page.evaluate("document.activeElement.closest('#qa-question') !== null")
            page.screenshot(path=str(ARTIFACTS / f"ui-{shot}-{size}.png"))
        assert reply.locator(".qa-conflict").count() == 1 and lead.locator(".qa-quote").count() >= 2
        reply = _ask(page, "How do I bake sourdough bread?")
        assert reply.locator(".qa-refusal").first.inner_text().startswith("No answer")
        assert _in_view(page, reply.locator(".qa-refusal").first)
        assert reply.locator("mark").count() == 0 and reply.locator(".qa-bar").count() == 0
        page.screenshot(path=str(ARTIFACTS / f"ui-refused-{size}.png"))
        # On the subject, left open by the articles, and close to the line (the shipped models give it
        # a confidence of about 0.3): the closest passages, with no sentence marked as the answer.
        reply = _ask(page, "How much revenue did Anthropic make last year?")
        assert reply.locator(".qa-refusal").first.inner_text() == UNSURE
        assert reply.locator("mark").count() == 0 and reply.locator(".qa-lead").count() == 0
        assert reply.locator(".qa-card").count() >= 1
        page.screenshot(path=str(ARTIFACTS / f"ui-unsure-{size}.png"))
        reply = _ask(page, "Who is Eleanor Marsh?")
        reply.locator("a.qa-open").first.click()
        cite = page.locator("#qa-article mark.qa-cite")
        cite.wait_for(state="visible", timeout=30_000)
        assert "Eleanor Marsh" in cite.inner_text()
        assert _in_view(page, cite, ".qa-article-body")  # the article opens scrolled to the cited passage
        page.screenshot(path=str(ARTIFACTS / f"ui-article-{size}.png"))
        # A follow-up uses the chat so far, and closes the article opened from the answer before.
        reply = _ask(page, "What did she say about the decision?")
        assert "welcome step" in reply.locator(".qa-card").first.inner_text()
        assert page.locator("#qa-article mark.qa-cite").count() == 0
    finally:
        browser.close()
        manager.stop()


@pytest.fixture(scope="module")
def tram_url(tmp_path_factory) -> Iterator[str]:
    yield from _start(ROOT / "tests" / "data" / "tram", tmp_path_factory.mktemp("tram-index"))


@needs_browser
def test_browser_examples_come_from_the_loaded_articles(tram_url):
    manager, browser = _browser()
    try:
        page = browser.new_page(viewport=VIEWPORTS["desktop"])
        page.goto(tram_url)
        page.wait_for_selector("#qa-question textarea", timeout=60_000)
        # The examples render after the page's "Loading..." has gone: wait for them, not a fixed time.
        page.get_by_text("Why the Eastbank tram costs what it costs").first.wait_for(timeout=30_000)
        page_text = page.inner_text("body")
        assert "City council approves Eastbank tram line" in page_text  # Gradio shortens long labels
        assert "Why the Eastbank tram costs what it costs" in page_text
        assert "lifted the ban" not in page_text and "Eleanor" not in page_text
        placeholder = page.locator("#qa-question textarea").get_attribute("placeholder") or ""
        assert "ban" not in placeholder
    finally:
        browser.close()
        manager.stop()


@pytest.fixture(scope="module")
def big_article_url(tmp_path_factory) -> Iterator[str]:
    """The seeds plus one long article (QA_TEST_BIG_ARTICLE_KB, default 200 KB, on one line)."""
    corpus = tmp_path_factory.mktemp("big")
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, corpus)
    size = int(os.environ.get("QA_TEST_BIG_ARTICLE_KB", "200")) * 1024
    sentences = " ".join((SEEDS / "002_17632f222889c6ff.txt").read_text(encoding="utf-8").split())
    (corpus / "long.txt").write_text((sentences + " ") * (size // len(sentences) + 1), encoding="utf-8")
    # The app indexes the corpus before it listens: about 0.3 s per KB of one-line article here.
    yield from _start(corpus, tmp_path_factory.mktemp("big-index"), timeout=180 + size / 1024)


@needs_browser
def test_browser_requests_stay_small_as_the_chat_grows(big_article_url):
    manager, browser = _browser()
    try:
        page = browser.new_page(viewport=VIEWPORTS["desktop"])
        sizes: list[int] = []
        page.on(
            "request", lambda r: sizes.append(len(r.post_data_buffer or b"")) if r.method == "POST" else None
        )
        page.goto(big_article_url)
        page.wait_for_selector("#qa-question textarea", timeout=60_000)
        for question in CHAT_SESSION:
            _ask(page, question)
        page.locator("a.qa-open").first.click()
        page.locator("#qa-article mark.qa-cite").wait_for(state="visible", timeout=30_000)
        assert max(sizes) < 50_000, max(sizes)
        print(f"largest request body after {len(CHAT_SESSION)} questions: {max(sizes)} bytes")
    finally:
        browser.close()
        manager.stop()


@needs_browser
def test_browser_hostile_article_text_runs_nothing(hostile_url):
    manager, browser = _browser()
    try:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(hostile_url)
        page.wait_for_selector("#qa-question textarea", timeout=60_000)
        page.fill("#qa-question textarea", "Where was the zebra treaty signed?")
        page.keyboard.press("Enter")
        page.wait_for_selector(".qa-card", timeout=60_000)
        card = page.locator(".qa-card").filter(has_text="zebra").first
        card.locator("a.qa-open").click()
        page.locator("#qa-article mark.qa-cite").wait_for(state="visible", timeout=30_000)
        card.locator("mark.qa-highlight").first.hover()
        if page.locator("text=bold claims").count():
            page.locator("text=bold claims").first.hover()
        time.sleep(0.5)
        shown = page.locator(".qa-reply").first.inner_text() + page.locator("#qa-article").inner_text()
        assert "<script>" in shown and "onerror" in shown and "onmouseover" in shown  # shown as text
        assert page.evaluate("window.__xss") is None
        assert dialogs == []
        assert page.locator(".qa-card script, .qa-card img, .qa-card a[href^='javascript']").count() == 0
        assert (
            page.locator("#qa-article script, #qa-article img, #qa-article a[href^='javascript']").count()
            == 0
        )
        assert "<script>" in page.locator("#qa-article").inner_text()
    finally:
        browser.close()
        manager.stop()


@pytest.fixture  # one app per test: each adds the same article to a folder of its own
def adding_url(tmp_path_factory) -> Iterator[tuple[str, str]]:
    from tests.local_site import local_site

    corpus = tmp_path_factory.mktemp("adding")
    shutil.copy(SEEDS / "004_85bf35164d9416cf.txt", corpus)
    with local_site() as site:
        for url in _start(corpus, tmp_path_factory.mktemp("adding-index")):
            yield url, site


@needs_browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_browser_an_article_added_by_its_address_is_answered_from_at_once(adding_url, size):
    url, site = adding_url
    manager, browser = _browser()
    try:
        page = browser.new_page(viewport=VIEWPORTS[size])
        page.goto(url)
        page.wait_for_selector("#qa-question textarea", timeout=60_000)
        page.locator("#qa-add").get_by_text("Add an article by its address").click()
        # A page that is not an article is refused in one line, and the address stays to be mended.
        page.fill("#qa-add-url textarea", f"{site}/data.json")
        page.click("#qa-add-go")
        status = page.locator("#qa-add-status .qa-refusal")
        status.wait_for(timeout=60_000)
        assert "not a web page" in status.inner_text()
        page.fill("#qa-add-url textarea", f"{site}/night-trams.html")
        page.click("#qa-add-go")
        page.locator("#qa-add-status .qa-sub").wait_for(timeout=120_000)
        assert "Valley Courier" in page.inner_text("#qa-add-status")
        reply = _ask(page, "What will the overnight trams cost each year?")
        card = reply.locator(".qa-card").first
        assert "1.8 million a year" in card.locator("mark.qa-highlight").inner_text()
        assert "Valley Courier · 2025-05-09" in card.locator(".qa-about").inner_text()
        assert _in_view(page, card.locator(".qa-about"))  # beside or under the title, never cut off
        assert card.locator("a.qa-url").get_attribute("href") == f"{site}/night-trams.html"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"ui-added-{size}.png"))
    finally:
        browser.close()
        manager.stop()
