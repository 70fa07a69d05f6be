"""HTML for the web UI. Every piece of article or user text goes through `escape()`."""

from __future__ import annotations

from urllib.parse import quote

from qa.ingest.cleaning import LIST_ITEM
from qa.interfaces.render import NOT_COVERED, RELATED_ONLY, UNSURE, outlet_and_date
from qa.models import Answer, Document, Passage

# Characters that Markdown (or the chat's LaTeX) would read as syntax, written as entities so
# that article text such as ![x](javascript:...) or **bold** stays literal text.
_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~$<>:\"'&="})

QUOTE_MARKS = "\"'“”‘’«»„"


def escape(value: str) -> str:
    """Article or user text as inert HTML: escaped, with Markdown syntax neutralised."""
    return value.translate(_MARKDOWN)


def _cite(turn: int, rank: int) -> str:
    return f"<a class='qa-ref' href='#qa-card-{turn}-{rank}'>[{rank}]</a>"


def _text_html(text: str) -> str:
    """Article text as inert HTML, each item of a list on a line of its own (a list joined to the
    paragraph introducing it); other line breaks inside a paragraph only wrap a hard-wrapped story."""
    lines = text.split("\n")
    return escape(lines[0]) + "".join(
        ("<br>" if LIST_ITEM.match(line) else "\n") + escape(line) for line in lines[1:]
    )


def _lead(answer: Answer, turn: int) -> str:
    """The reply's first lines: the answering sentence of the best passage, quoted exactly; where
    sources differ, the answering sentence of the first passage on each side."""
    if not answer.passages:
        return ""
    quoted: list[int] = [0]
    for conflict in answer.conflicts:
        for value in conflict.values:
            if value.passages and value.passages[0] not in quoted:
                quoted.append(value.passages[0])
    lines = []
    for index in quoted:
        passage = answer.passages[index]
        # A <span>, not <q>: the chat's Markdown drops a quote mark that opens a <q>'s text.
        # A sentence that opens with its own quotation mark gets no second one drawn around it.
        kind = "qa-quote qa-quote-own" if passage.highlight[:1] in QUOTE_MARKS else "qa-quote"
        quote = _sentence_html(passage)
        lines.append(f"<span class='{kind}'>{quote}</span> {_cite(turn, index + 1)}")
    return "<div class='qa-lead'>" + "<br>".join(lines) + "</div>"


def _body(passage: Passage, answered: bool) -> str:
    if not answered:
        return _text_html(passage.text)  # no answer highlight in a refusal
    start = passage.highlight_start
    end = start + len(passage.highlight)
    return (
        f"{_text_html(passage.text[:start])}<mark class='qa-highlight'>"
        f"{_sentence_html(passage)}</mark>{_text_html(passage.text[end:])}"
    )


def _sentence_html(passage: Passage) -> str:
    """The answering sentence, escaped, with the answer inside it in bold where one was found."""
    start, end = passage.highlight_start, passage.highlight_start + len(passage.highlight)
    span = passage.answer
    if span is None or not start <= span.start < span.end <= end:
        return _text_html(passage.highlight)
    return (
        f"{_text_html(passage.text[start : span.start])}<strong class='qa-answer'>"
        f"{_text_html(span.text)}</strong>{_text_html(passage.text[span.end : end])}"
    )


def _address(url: str | None) -> str:
    """The article's address as a link that opens apart from the chat; http(s) only, escaped."""
    if not url or not url.startswith(("http://", "https://")):
        return ""
    return (
        f" · <a class='qa-url' href='{escape(url)}' target='_blank' rel='noopener noreferrer nofollow'>"
        f"{escape(url)}</a>"
    )


def _card(passage: Passage, rank: int, turn: int, answered: bool) -> str:
    about = escape(outlet_and_date(passage.outlet, passage.date, passage.date_from_file))
    about = f"<span class='qa-about'>{about}</span>" if about else ""
    page = f" · page {passage.page}" if passage.page is not None else ""
    author = f" · by {escape(passage.author)}" if passage.author else ""
    relevance = ""
    if answered:
        percent = round(passage.score * 100)
        relevance = (
            f" · relevance <span class='qa-bar'><span style='width:{percent}%'></span></span> {percent}%"
        )
    muted = "" if answered else " qa-muted"
    return (
        f"<div class='qa-card{muted}' id='qa-card-{turn}-{rank}' data-rank='{rank}'>"
        # Outlet and date beside the title, or under it when the title fills the line: never cut off.
        f"<div class='qa-head'><div class='qa-title'>[{rank}] {escape(passage.title)}</div>{about}</div>"
        f"<div class='qa-cite-line'><span class='qa-file'>{escape(passage.doc)}</span>{page} · paragraph "
        f"{passage.paragraph} · chars {passage.start}–{passage.end}{author}{relevance}"
        f"{_address(passage.url)}</div>"
        f"<div class='qa-passage'>{_body(passage, answered)}</div>"
        # The chat's sanitiser keeps href but drops data-* attributes: the passage rides in the link.
        f"<a class='qa-open' href='#qa-open?doc={quote(passage.doc, safe='')}&start={passage.start}"
        f"&end={passage.end}'>Open the article at this passage</a>"
        "</div>"
    )


def answer_html(answer: Answer, turn: int) -> str:
    """One chat reply: the answer first (or the refusal), then "sources differ", then the cards.

    `turn` numbers the reply in its chat, so that citation marks link to this reply's own cards.
    """
    out = [f"<div class='qa-reply' data-turn='{turn}'>"]
    if answer.answered and answer.unsure:
        out.append(f"<p class='qa-refusal'>{UNSURE}</p>")
    elif answer.answered:
        out.append(_lead(answer, turn))
        for conflict in answer.conflicts:
            out.append(f"<div class='qa-conflict'>⚠ {escape(conflict.note)}</div>")
    elif answer.passages:
        out.append(f"<p class='qa-refusal'>{RELATED_ONLY}</p><p class='qa-sub'>Closest passages:</p>")
    else:
        out.append(f"<p class='qa-refusal'>{NOT_COVERED}</p>")
    if answer.query and answer.query != answer.question:  # a follow-up widened, a slip mended
        out.append(f"<p class='qa-sub qa-searched'>Searched as: {escape(answer.query)}</p>")
    marked = answer.answered and not answer.unsure
    for rank, passage in enumerate(answer.passages, start=1):
        out.append(_card(passage, rank, turn, marked))
    out.append("</div>")
    return "".join(out)


def _clean_offset(doc: Document, raw: int) -> int | None:
    for segment in doc.segments:
        if segment.raw_start <= raw < segment.raw_start + segment.length:
            return segment.clean_start + raw - segment.raw_start
    return None


def article_html(doc: Document, raw_start: int, raw_end: int) -> str:
    """The whole cleaned article, paragraph by paragraph, with the cited file span marked."""
    start = _clean_offset(doc, raw_start)
    last = _clean_offset(doc, raw_end - 1) if raw_end > raw_start else None
    end = last + 1 if last is not None else None
    about = outlet_and_date(doc.outlet, doc.date, doc.date_from_file)
    parts = [
        f"<div class='qa-article-body'><div class='qa-article-head'>"
        f"<div class='qa-article-title'>{escape(doc.title)}</div><span>{escape(doc.name)}</span>"
        f"{f' · {escape(about)}' if about else ''}{_address(doc.url)}</div>"
    ]
    page = 0
    for paragraph in doc.paragraphs:
        block_start, block_end = paragraph.start, paragraph.end
        at = doc.page_at(block_start)
        if at is not None and at != page:  # a PDF: where each page begins, as the reader's page
            page = at
            parts.append(f"<div class='qa-page'>page {page}</div>")
        if start is not None and end is not None and max(start, block_start) < min(end, block_end):
            s, e = max(start, block_start), min(end, block_end)
            body = (
                f"{_text_html(doc.text[block_start:s])}<mark class='qa-cite'>"
                f"{_text_html(doc.text[s:e])}</mark>{_text_html(doc.text[e:block_end])}"
            )
        else:
            body = _text_html(doc.text[block_start:block_end])
        tag = "h4" if paragraph.heading else "p"
        parts.append(f"<{tag} data-paragraph='{paragraph.number}'>{body}</{tag}>")
    return "".join(parts) + "</div>"


CSS = """
.qa-reply { max-width: 100%; }
.qa-lead { font-size: 1.05em; line-height: 1.45; margin: 2px 0 10px; }
.qa-quote { font-weight: 600; }
.qa-quote::before { content: "“"; }
.qa-quote::after { content: "”"; }
.qa-quote-own::before, .qa-quote-own::after { content: none; }
.qa-ref { text-decoration: none; font-weight: 600; white-space: nowrap; }
.qa-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 8px 10px; margin: 8px 0; }
.qa-card.qa-muted { opacity: 0.78; border-style: dashed; background: transparent; }
.qa-title { font-weight: 600; overflow-wrap: anywhere; display: -webkit-box; -webkit-line-clamp: 2;
             flex: 0 1 auto; min-width: 0;
             -webkit-box-orient: vertical; overflow: hidden; }
.qa-cite-line { font-size: 0.85em; opacity: 0.75; margin: 2px 0 6px; overflow-wrap: anywhere; }
.qa-file { overflow-wrap: anywhere; word-break: break-word; }
.qa-page { font-size: 0.8em; opacity: 0.6; border-top: 1px dashed #d0d7de; margin-top: 6px; }
.qa-head { display: flex; flex-wrap: wrap; align-items: baseline; column-gap: 0.5em; }
.qa-about { font-weight: normal; opacity: 0.75; white-space: nowrap; }
.qa-url { overflow-wrap: anywhere; word-break: break-all; }
.qa-bar { display: inline-block; width: 60px; height: 6px; background: #e5e7eb; border-radius: 3px;
          vertical-align: middle; }
.qa-bar > span { display: block; height: 6px; background: #2f81f7; border-radius: 3px; }
mark.qa-highlight { background: #fff3b0; color: inherit; padding: 0 2px; }
.qa-answer { font-weight: 700; text-decoration: underline; text-decoration-thickness: 2px; }
mark.qa-cite { background: #ffe08a; color: inherit; }
.qa-conflict { border-left: 4px solid #d97706; background: #fff7ed; color: #7c2d12; padding: 6px 10px;
               margin: 6px 0; border-radius: 4px; }
.qa-refusal { font-weight: 600; margin: 2px 0 4px; }
.qa-sub { font-size: 0.9em; opacity: 0.8; margin: 0 0 4px; }
.qa-open { cursor: pointer; color: #2f81f7; font-size: 0.9em; text-decoration: none; }
/* The article scrolls inside its own box: Gradio's block does not clip its content. */
.qa-article-body { border: 1px solid #d0d7de; border-radius: 8px; padding: 8px 12px;
  max-height: 60vh; overflow-y: auto; position: relative; }
.qa-article-head { font-weight: 600; margin: -8px -12px 6px; padding: 8px 12px 4px; overflow-wrap: anywhere;
  position: sticky; top: -8px; background: var(--background-fill-primary, #fff); }
.qa-article-title { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
  overflow: hidden; }
.qa-article-head span { font-weight: 400; opacity: 0.7; font-size: 0.85em; }
.qa-hidden { display: none !important; }
/* Replies use the chat's width: no avatar column, no bubble margins. The chat's own buttons go:
   "New chat" clears it, and "scroll down" covered passage text. */
#qa-chat .message-row { max-width: 100% !important; margin-left: 0 !important; margin-right: 0 !important; }
#qa-chat .bot.message, #qa-chat .message { padding: 6px 8px !important; max-width: 100% !important; }
#qa-chat button[aria-label="Scroll down"], #qa-chat button[aria-label="Clear"] { display: none !important; }
@media (max-width: 640px) {
  #qa-chat { height: 70vh !important; }
  #qa-chat .bubble-wrap { padding-top: 4px !important; }
  #qa-chat .bot.message, #qa-chat .message { padding: 4px 4px !important; }
  .qa-card { padding: 6px 8px; margin: 6px 0; }
  .qa-lead { font-size: 1em; }
  #qa-ask-row { flex-wrap: nowrap !important; gap: 6px !important; }
  #qa-ask-row > * { min-width: 0 !important; }
  #qa-ask-row button { min-width: 48px !important; padding: 4px 8px !important; font-size: 0.9em !important; }
}
"""

# Our own script (not article text). A new reply is brought into view at its start, not its end;
# focus returns to the question box; "Open the article" asks the server for that one article.
HEAD = """<style>
/* Gradio scopes custom CSS inside its content box; the page margin around that box is set here. */
@media (max-width: 640px) { gradio-app .main.app { padding: 8px 6px !important; } }
</style>
<script>
(function () {
  function ask(doc, start, end) {
    var box = document.querySelector('#qa-article-request textarea, #qa-article-request input');
    var go = document.querySelector('#qa-article-go');
    if (!box || !go) return;
    box.value = JSON.stringify({doc: doc, start: start, end: end});
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(function () { go.click(); }, 0);
  }
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a.qa-open');
    if (!link) return;
    event.preventDefault();
    var wanted = new URLSearchParams(link.getAttribute('href').split('?')[1] || '');
    ask(wanted.get('doc'), Number(wanted.get('start')), Number(wanted.get('end')));
  }, true);
  // The new reply is shown inside the chat box from the question just asked, and the page itself
  // does not move: the heading and the question stay in view above the answer.
  function showFromQuestion(reply) {
    var row = reply.closest('.message-row') || reply;
    var asked = row.previousElementSibling;
    var top = (asked && asked.querySelector('.user, [data-testid="user"]')) ? asked : row;
    var box = row.parentElement;
    while (box && box !== document.body && !(box.scrollHeight > box.clientHeight + 1 &&
           /(auto|scroll)/.test(getComputedStyle(box).overflowY))) { box = box.parentElement; }
    if (!box || box === document.body) return;
    box.scrollTop += top.getBoundingClientRect().top - box.getBoundingClientRect().top - 4;
  }
  var seen = 0;
  new MutationObserver(function () {
    var replies = document.querySelectorAll('#qa-chat .qa-reply');
    if (replies.length > seen) {
      seen = replies.length;
      showFromQuestion(replies[replies.length - 1]);
      var box = document.querySelector('#qa-question textarea');
      if (box) box.focus({preventScroll: true});
    } else if (replies.length < seen) {
      seen = replies.length;
    }
    var mark = document.querySelector('#qa-article mark.qa-cite');
    if (mark && !mark.dataset.shown) {
      mark.dataset.shown = '1';
      var panel = mark.closest('.qa-article-body');
      panel.scrollIntoView({block: 'start'});
      var head = panel.querySelector('.qa-article-head');
      // The panel is the mark's offsetParent; the sticky title must not cover the mark.
      panel.scrollTop = mark.offsetTop - (head ? head.offsetHeight : 0) - 16;
    }
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
</script>"""
