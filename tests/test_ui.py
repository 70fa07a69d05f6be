"""The web UI, running for real: its `ask` API through gradio_client, and the page in headless Chromium."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.serving import running_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")

HOSTILE = """Hostile article about the zebra treaty
The zebra treaty was signed <script>window.__xss = 1</script> in Oslo by <img src=x onerror="window.__xss=2">
the delegates, see <a href="javascript:window.__xss=3">this link</a> and ![pic](javascript:window.__xss=4).
The zebra treaty also says <b onmouseover="window.__xss=5">bold claims</b> about stripes.
"""


def _start(corpus: Path, index_dir: Path) -> Iterator[str]:
    with running_app(corpus, index_dir) as app:
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


@needs_browser
def test_browser_question_card_article_and_follow_up(app_url):
    manager, browser = _browser()
    try:
        page = browser.new_page(viewport={"width": 1200, "height": 1100})
        page.goto(app_url)
        page.wait_for_selector("#qa-question textarea", timeout=60_000)
        assert page.get_by_text("Who lifted the ban?").first.is_visible()  # example questions
        page.fill("#qa-question textarea", "Who is Eleanor Marsh?")
        page.keyboard.press("Enter")
        page.wait_for_selector(".qa-card mark.qa-highlight", timeout=60_000)
        first_card = page.locator(".qa-card").first
        assert "Eleanor Marsh" in first_card.inner_text()
        first_card.locator("details.qa-article summary").click()
        cite = first_card.locator("mark.qa-cite")
        cite.wait_for(state="visible")
        assert "Eleanor Marsh" in cite.inner_text()
        cards_before = page.locator(".qa-card").count()
        page.fill("#qa-question textarea", "What did she say about the decision?")
        page.keyboard.press("Enter")
        page.wait_for_function(
            f"document.querySelectorAll('.qa-card').length > {cards_before}", timeout=60_000
        )
        newest = page.locator(".qa-card").nth(cards_before)
        assert "welcome step" in newest.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui-answer.png"))
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
        card.locator("details.qa-article summary").click()
        card.locator("mark.qa-highlight").first.hover()
        if page.locator("text=bold claims").count():
            page.locator("text=bold claims").first.hover()
        time.sleep(0.5)
        shown = card.inner_text()
        assert "<script>" in shown and "onerror" in shown  # shown as text
        assert page.evaluate("window.__xss") is None
        assert dialogs == []
        assert page.locator(".qa-card script, .qa-card img, .qa-card a[href^='javascript']").count() == 0
    finally:
        browser.close()
        manager.stop()
