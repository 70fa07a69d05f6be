"""Plain-text rendering for the terminal: answers and evaluation reports. Article text is data:
control characters from an article never reach the terminal raw (no escape sequences, no cursor
tricks)."""

from __future__ import annotations

import textwrap
import unicodedata
from typing import TYPE_CHECKING

from qa.models import Answer, Passage

if TYPE_CHECKING:
    from qa.quality.evaluate import EvalReport, Metrics

# What a reply says when it is not an answer, in the terminal and in the web UI alike.
NOT_COVERED = "No answer: the articles do not cover this question."
RELATED_ONLY = "No answer: the articles discuss this, but none of these passages answers it."
UNSURE = "Closest passages; they may not answer this."

BOLD_ON, BOLD_OFF = "\x1b[1;33m", "\x1b[0m"
DIM_ON = "\x1b[2m"
UNDERLINE_ON, UNDERLINE_OFF = "\x1b[4m", "\x1b[24m"  # the answer inside the bold sentence


def safe(text: str) -> str:
    """Text with control and format characters (ESC, bidi overrides, ...) made visible."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t":
            out.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co"):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def outlet_and_date(outlet: str | None, date: str | None, date_from_file: bool = False) -> str:
    """What is shown beside a title: who published it and when ("Valley Courier · 2025-05-09"), as
    plain text for the caller to escape; empty when neither is known. A date the article does not
    state, only its file (a PDF's creation date), says so: "file date 2024-05-01"."""
    when = f"file date {date}" if date and date_from_file else date
    return " · ".join(v for v in (outlet, when) if v)


def _shortened(title: str, width: int) -> str:
    """A title cut at a word to fit one line. An article without a headline is titled by its first
    sentence, which would otherwise fill lines above a passage that often quotes it in full."""
    if len(title) <= width:
        return title
    cut = title[: max(width - 1, 1)]
    if " " in cut.strip():
        cut = cut.rstrip()[: cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"


def _passage(rank: int, passage: Passage, color: bool, width: int, marked_answer: bool = True) -> str:
    h_start, h_end = passage.highlight_start, passage.highlight_start + len(passage.highlight)
    before = safe(passage.text[:h_start])
    after = safe(passage.text[h_end:])
    span = passage.answer
    if marked_answer and span is not None and h_start <= span.start < span.end <= h_end:
        # The answer inside the marked sentence: placeholders \x02 \x03 around it.
        lead, rest = passage.text[h_start : span.start], passage.text[span.end : h_end]
        marked = f"{safe(lead)}\x02{safe(span.text)}\x03{safe(rest)}"
    else:
        marked = safe(passage.highlight)
    # Wrap with placeholder markers so emphasis codes do not count toward the line width; a passage
    # that is not an answer gets none: no sentence is drawn as the answer.
    start, stop = ("\x00", "\x01") if marked_answer else ("", "")
    body = textwrap.fill(
        f"{before}{start}{marked}{stop}{after}", width=width, initial_indent="    ", subsequent_indent="    "
    )
    on, off = (BOLD_ON, BOLD_OFF) if color else ("**", "**")
    answer_on, answer_off = (UNDERLINE_ON, UNDERLINE_OFF) if color else ("__", "__")
    dim, reset = (DIM_ON, BOLD_OFF) if color else ("", "")
    body = (
        body.replace("\x00", on).replace("\x01", off).replace("\x02", answer_on).replace("\x03", answer_off)
    )
    # Beside the title: who published it and when (the outlet is what "sources differ" is about).
    about = safe(outlet_and_date(passage.outlet, passage.date, passage.date_from_file))
    about = f" · {about}" if about else ""
    title = _shortened(safe(passage.title), max(width - len(str(rank)) - 3 - len(about), 20))
    head = f"[{rank}] {title}{dim}{about}{reset}"
    page = f" · page {passage.page}" if passage.page is not None else ""
    author = f" · by {safe(passage.author)}" if passage.author else ""
    cite = (
        f"    {dim}{safe(passage.doc)}{page} · paragraph {passage.paragraph} · "
        f"chars {passage.start}-{passage.end}{author} · score {passage.score:.2f}{reset}"
    )
    if passage.url:
        cite += f"\n    {dim}{safe(passage.url)}{reset}"
    return f"{head}\n{cite}\n{body}"


def render_answer(answer: Answer, color: bool = False, width: int = 100) -> str:
    lines = []
    if answer.query and answer.query != answer.question:
        lines.append(f"(searched as: {safe(answer.query)})")
    for conflict in answer.conflicts:
        lines.append(f"! {safe(conflict.note)}")
    if not answer.answered:
        if answer.passages:
            lines.append(RELATED_ONLY)
            lines.append("Closest passages (not an answer):")
        else:
            lines.append(NOT_COVERED)
    elif answer.unsure:
        lines.append(UNSURE)
    marked = answer.answered and not answer.unsure
    for rank, passage in enumerate(answer.passages, start=1):
        lines.append(_passage(rank, passage, color, width, marked))
    return "\n\n".join(lines)


_COLUMNS = (
    ("n", "questions"),
    ("hit@1", "hit_at_1"),
    ("hit@3", "hit_at_3"),
    ("hit@5", "hit_at_5"),
    ("MRR@5", "mrr_at_5"),
    ("hl@1", "highlight_hit_at_1"),
    ("claims", "claim_coverage"),
    ("refused-unans", "refused_unanswerable"),
    ("refused-ans", "refused_answerable"),
)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _row(name: str, m: Metrics) -> list[str]:
    return [name] + [_cell(getattr(m, field)) for _, field in _COLUMNS]


def render_report(report: EvalReport) -> str:
    """The metrics per question type, then each question answered wrongly or incompletely."""
    rows = [["type"] + [title for title, _ in _COLUMNS], _row("overall", report.overall)]
    rows += [_row(kind, m) for kind, m in report.by_type.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    ]
    wrong = [r for r in report.results if not r.ok]
    lines.append("")
    lines.append(f"wrong or incomplete: {len(wrong)} of {len(report.results)}")
    for r in wrong:
        detail = "answered" if r.answered else "refused"
        rank = f"rank {r.rank}" if r.rank else "not in top 5"
        claims = f", claims {r.claims_found}/{r.claims_total}" if r.claims_total else ""
        lines.append(f"  {safe(r.id)} [{safe(r.type)}] {detail}, {rank}{claims}: {safe(r.question)}")
    return "\n".join(lines)
