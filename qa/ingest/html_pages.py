"""HTML pages: a saved web page's article text and metadata, without the site's menus and footers.

What the page's metadata says is kept: headline, date, author, outlet, and the address it was saved
from (`SAVED_FROM`, written by `qa add`) or claims for itself.
"""

from __future__ import annotations

import re

from qa.errors import CorpusError
from qa.ingest.extracted import Extracted, one_line, web_address

# Where a saved page records the address it was fetched from (written by `qa add`).
SAVED_FROM = re.compile(r"<!--\s*qa: saved from (?P<url>https?://\S+) at (?P<at>[0-9T:\-+Z.]+)\s*-->")


def _without_code(html: str) -> str:
    """The page without <script>, <style>, <noscript> and <template>: their text is never article
    text, nor part of a title (an <h1> holding a <script>)."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    for element in tree.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    return lxml_html.tostring(tree, encoding="unicode")


def html_article(html: str, name: str) -> Extracted:
    try:
        import trafilatura  # imported only when a corpus has HTML: it is slow to import
    except ImportError as exc:
        raise CorpusError(f"{name}: HTML support is not installed ({exc}); run scripts/setup.sh") from exc

    saved = SAVED_FROM.search(html[:2000])
    html = _without_code(html)
    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not text or not text.strip():
        raise CorpusError(f"{name}: no article text found in the HTML")
    # Not "extensive": it guesses a date from a copyright line ("(c) 2025" -> 2025-01-01). No latest
    # date: by default one later than today is dropped, and the date read would depend on the day.
    dates = {"original_date": True, "extensive_search": False, "max_date": "9999-12-31"}
    meta = trafilatura.extract_metadata(html, date_config=dates)
    headline = one_line(meta.title) if meta is not None else None
    if headline and not text.startswith(headline):
        text = f"{headline}\n{text}"
    url = web_address(meta.url) if meta is not None else None
    return Extracted(
        text=text,
        title=headline,
        date=meta.date if meta is not None and meta.date else None,
        author=one_line(meta.author) if meta is not None else None,
        outlet=one_line(meta.sitename) if meta is not None else None,
        # The address it was saved from (by `qa add`) before the one the page claims for itself.
        url=(web_address(saved.group("url")) if saved else None) or url,
    )
