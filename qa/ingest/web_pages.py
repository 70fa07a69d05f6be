"""Add a web page to the article folder by its address: fetch it, check it is an article, save it.

A fetched page is untrusted input: http(s) only (redirects included), a timeout, a size cap read
as the bytes arrive, and nothing is written to the folder until the page has proved to be an
article. The saved file records its address and fetch time in its first line, where the reader
finds them again.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from qa.errors import CorpusError, QAError
from qa.ingest.corpus import MAX_FILE_BYTES
from qa.ingest.extracted import Extracted
from qa.ingest.html_pages import SAVED_FROM, html_article

TIMEOUT_SECONDS = 15.0  # for each read
DEADLINE_SECONDS = 30.0  # for the whole page (Settings.fetch_deadline)
MAX_REDIRECTS = 5
# A page with less article text than this is a front page, a login wall or an error page.
MIN_ARTICLE_WORDS = 40
_HTML_TYPES = ("text/html", "application/xhtml+xml")


class FetchError(QAError):
    """A page could not be fetched, or is not an article."""


@dataclass(frozen=True)
class FetchedPage:
    url: str = ""  # the address asked for
    final_url: str = ""  # after redirects
    html: str = ""
    fetched_at: str = ""


@dataclass(frozen=True)
class SavedPage:
    url: str
    path: Path
    article: Extracted


def check_address(url: str) -> str:
    """The address, if it is one qa fetches (http or https, with a host)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: not a web address (http:// or https:// with a host)")
    return url.strip()


def check_public(url: str) -> None:
    """Refuse an address on this machine or its private network: a UI served to others must not
    fetch what only the server can reach."""
    import ipaddress
    import socket

    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        raise FetchError(f"{url}: no such host") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            raise FetchError(f"{url}: a private or local address; this server does not fetch those")


def fetch_page(
    url: str,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_FILE_BYTES,
    public_only: bool = False,
    deadline: float = DEADLINE_SECONDS,
) -> FetchedPage:
    """The page at `url`; `public_only` refuses private and local addresses (redirects included).
    `timeout` bounds each read; `deadline` the whole fetch, so a server that sends a byte now and
    then cannot keep it waiting."""
    import httpx  # imported only to add a page

    started = time.monotonic()
    too_slow = f"{url}: not fetched within {deadline:g} s (the server is too slow); nothing was saved"

    def in_time() -> None:
        if time.monotonic() - started > deadline:
            raise FetchError(too_slow)

    address = check_address(url)
    headers = {"User-Agent": "qa/0.1 (saves one article to read offline)", "Accept": ", ".join(_HTML_TYPES)}
    try:
        per_read = min(timeout, deadline)
        with httpx.Client(timeout=per_read, follow_redirects=False, headers=headers) as client:
            for _ in range(MAX_REDIRECTS + 1):
                in_time()
                if public_only:
                    check_public(address)
                with client.stream("GET", address) as response:
                    if response.is_redirect and "location" in response.headers:
                        target = urljoin(address, response.headers["location"])
                        if urlsplit(target).scheme not in ("http", "https"):
                            raise FetchError(f"{url}: redirects to {target!r}, which is not a web address")
                        address = target
                        continue
                    if response.status_code >= 400:
                        status = f"{response.status_code} {response.reason_phrase}"
                        raise FetchError(f"{url}: the server answered {status}")
                    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    if kind not in _HTML_TYPES:
                        kind = kind or "no content type"
                        raise FetchError(f"{url}: not a web page ({kind}); qa adds HTML pages")
                    too_big = f"{url}: larger than {max_bytes // (1024 * 1024)} MB; not an article"
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise FetchError(too_big)
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        in_time()
                        body += chunk
                        if len(body) > max_bytes:
                            raise FetchError(too_big)
                    encoding = response.charset_encoding or "utf-8"
                    break
            else:
                raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException:
        raise FetchError(f"{url}: no answer within {min(timeout, deadline):g} s") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: cannot be fetched ({type(exc).__name__}: {exc})") from None
    try:
        html = bytes(body).decode(encoding)
    except (LookupError, UnicodeDecodeError):
        html = bytes(body).decode("utf-8", errors="replace")
    fetched_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return FetchedPage(url=url.strip(), final_url=address, html=html, fetched_at=fetched_at)


def as_article(page: FetchedPage) -> Extracted:
    """What the reader will make of the saved page; raises FetchError when it is not an article."""
    try:
        article = html_article(page.html, page.url)
    except CorpusError:
        raise FetchError(f"{page.url}: no article text on the page (a front page or a login wall?)") from None
    if len(article.text.split()) < MIN_ARTICLE_WORDS:
        raise FetchError(
            f"{page.url}: only {len(article.text.split())} words of article text; not an article"
        )
    return article


def _slug(text: str) -> str:
    """A file name from a headline: accents folded to their letters ("austérité" -> "austerite"),
    words joined by hyphens."""
    text = text.replace("ß", "ss").replace("’", "'")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", folded.lower())
    slug = "-".join(words)[:80].rstrip("-")
    return slug or "article"


def save_page(corpus: Path, page: FetchedPage) -> SavedPage:
    """Write the page into the folder under a name made from its headline, atomically."""
    article = as_article(page)
    for existing in corpus.glob("*.html"):
        with open(existing, encoding="utf-8", errors="replace") as handle:
            found = SAVED_FROM.search(handle.read(2000))
        if found and found.group("url") in (page.url, page.final_url):
            raise FetchError(f"{page.url}: already in the folder as {existing.name}")
    stem = _slug(article.title or urlsplit(page.final_url).path.rsplit("/", 1)[-1] or "article")
    path = corpus / f"{stem}.html"
    number = 2
    while path.exists():
        path = corpus / f"{stem}-{number}.html"
        number += 1
    # The address is percent-free of "-->" by construction (no spaces, checked scheme), so the
    # comment cannot be closed early by it.
    recorded = page.final_url.replace("--", "%2D%2D")
    content = f"<!-- qa: saved from {recorded} at {page.fetched_at} -->\n{page.html}"
    corpus.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".qa-add-", suffix=".html", dir=corpus)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return SavedPage(url=page.final_url, path=path, article=article)
