"""`qa add`: fetch web pages, save the articles among them into the folder, then update the index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.config import Settings
from qa.index.build import build_index
from qa.ingest.corpus import check_folder
from qa.models import Manifest
from qa.progress import Warn, to_stderr

if TYPE_CHECKING:
    from qa.ingest.web_pages import SavedPage


@dataclass(frozen=True)
class Added:
    """What `add_articles` did: the pages saved, the addresses that failed and why."""

    saved: tuple[SavedPage, ...]
    failed: tuple[str, ...]  # one line each, naming the address
    manifest: Manifest | None  # the updated index; None when nothing was saved


def add_articles(
    settings: Settings,
    urls: list[str],
    warn: Warn = to_stderr,
    progress: bool = True,
    public_only: bool = False,
) -> Added:
    """Fetch each web page, save the articles among them into the corpus folder, then update the
    index (only the new articles are embedded). A page that fails leaves the folder as it was.
    `public_only` refuses addresses on this machine or its private network (a UI served to others)."""
    from qa.ingest.web_pages import FetchError, fetch_page, save_page

    check_folder(settings.corpus)  # a clear error before any fetch
    saved, failed = [], []
    for url in urls:
        try:
            fetched = fetch_page(url, public_only=public_only, deadline=settings.fetch_deadline)
            page = save_page(settings.corpus, fetched)
        except FetchError as exc:
            failed.append(str(exc))
            continue
        saved.append(page)
    manifest = build_index(settings, warn=warn, progress=progress)[0] if saved else None
    return Added(saved=tuple(saved), failed=tuple(failed), manifest=manifest)
