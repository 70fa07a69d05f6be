"""What reading an article file gives: its text and what the file says about itself (`Extracted`).

Every format's reader returns an `Extracted`, and the helpers here make a file's metadata safe to
show (one line; a web address only if it is http or https).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Extracted:
    """The text of an article file, and what its metadata states (None where it says nothing).

    `date` and `author` are the article's, as a page, e-mail or book states them. A PDF or Word file
    states only when and by whom the file was made (a converter's run, a template's date, the
    account that saved it): `file_date` and `file_author`, for use when the text states none.
    """

    text: str
    markdown: bool = False
    title: str | None = None
    date: str | None = None
    author: str | None = None
    file_date: str | None = None
    file_author: str | None = None
    outlet: str | None = None
    url: str | None = None
    # Offsets into `text` where each page begins, page 1 first (PDF only).
    page_starts: tuple[int, ...] = ()


def one_line(value: object) -> str | None:
    """The value's text on one line, or None when it holds none."""
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def web_address(value: str | None) -> str | None:
    """An address worth linking to: http(s) only (a page's metadata is untrusted)."""
    if value and re.match(r"https?://[^\s<>\"']+$", value.strip()):
        return value.strip()
    return None
