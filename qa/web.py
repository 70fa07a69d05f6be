"""HTML for answers in the web UI. Every piece of article or user text goes through `text()`."""

from __future__ import annotations

from qa.models import Answer, Document, Passage

# Characters that Markdown (or the chat's LaTeX) would read as syntax, written as entities so
# that article text such as ![x](javascript:...) or **bold** stays literal text.
_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~$<>:\"'&="})


def text(value: str) -> str:
    """Article or user text as inert HTML: escaped, with Markdown syntax neutralised."""
    return value.translate(_MARKDOWN)


def _passage_body(passage: Passage) -> str:
    start = passage.highlight_start
    end = start + len(passage.highlight)
    return (
        f"{text(passage.text[:start])}<mark class='qa-highlight'>{text(passage.highlight)}</mark>"
        f"{text(passage.text[end:])}"
    )


def article_html(doc: Document, passage: Passage, rank: int) -> str:
    """The whole cleaned article, paragraph by paragraph, with the cited span marked."""
    cite_start = doc.text.find(passage.text)
    cite_end = cite_start + len(passage.text) if cite_start >= 0 else -1
    parts = []
    for paragraph in doc.paragraphs:
        block = doc.text[paragraph.start : paragraph.end]
        s, e = max(cite_start, paragraph.start), min(cite_end, paragraph.end)
        if cite_start >= 0 and s < e:
            body = (
                f"{text(doc.text[paragraph.start : s])}<mark class='qa-cite' id='qa-cite-{rank}'>"
                f"{text(doc.text[s:e])}</mark>{text(doc.text[e : paragraph.end])}"
            )
        else:
            body = text(block)
        tag = "h4" if paragraph.heading else "p"
        parts.append(f"<{tag} data-paragraph='{paragraph.number}'>{body}</{tag}>")
    return "".join(parts)


def answer_html(answer: Answer, documents: dict[str, Document]) -> str:
    """One chat reply: the "sources differ" notes, the no-answer sentence, and a card per passage."""
    out = []
    for conflict in answer.conflicts:
        out.append(f"<div class='qa-conflict'>⚠ {text(conflict.note)}</div>")
    if not answer.answered:
        if answer.passages:
            out.append(
                "<p class='qa-none'>The articles discuss this, but none of them answers it. "
                "Closest passages, <strong>not an answer</strong>:</p>"
            )
        else:
            out.append("<p class='qa-none'>The articles do not cover this question.</p>")
    for rank, passage in enumerate(answer.passages, start=1):
        percent = round(passage.score * 100)
        date = f" · {text(passage.date)}" if passage.date else ""
        date += f" · by {text(passage.author)}" if passage.author else ""
        doc = documents.get(passage.doc)
        article = (
            f"<details class='qa-article'><summary>Open the article at this passage</summary>"
            f"<div class='qa-article-text'>{article_html(doc, passage, rank)}</div></details>"
            if doc is not None
            else ""
        )
        out.append(
            f"<div class='qa-card' data-rank='{rank}'>"
            f"<div class='qa-title'>[{rank}] {text(passage.title)}</div>"
            f"<div class='qa-cite-line'>{text(passage.doc)} · paragraph {passage.paragraph} · "
            f"chars {passage.start}–{passage.end}{date} · relevance "
            f"<span class='qa-bar'><span style='width:{percent}%'></span></span> {percent}%</div>"
            f"<div class='qa-passage'>{_passage_body(passage)}</div>{article}</div>"
        )
    return "".join(out)


CSS = """
.qa-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; margin: 8px 0; }
.qa-title { font-weight: 600; }
.qa-cite-line { font-size: 0.85em; opacity: 0.75; margin: 2px 0 6px; }
.qa-bar { display: inline-block; width: 60px; height: 6px; background: #e5e7eb; border-radius: 3px;
          vertical-align: middle; }
.qa-bar > span { display: block; height: 6px; background: #2f81f7; border-radius: 3px; }
mark.qa-highlight { background: #fff3b0; color: inherit; padding: 0 2px; }
mark.qa-cite { background: #ffe08a; color: inherit; }
.qa-conflict { border-left: 4px solid #d97706; background: #fff7ed; color: #7c2d12; padding: 6px 10px;
               margin: 6px 0; border-radius: 4px; }
.qa-none { font-style: italic; }
.qa-article-text { max-height: 320px; overflow-y: auto; border-top: 1px solid #eee; margin-top: 6px;
                   padding-top: 6px; font-size: 0.92em; }
.qa-article summary { cursor: pointer; color: #2f81f7; font-size: 0.9em; }
"""

# Our own script (not article text): opening an article scrolls it to the cited passage.
HEAD = """<script>
document.addEventListener('toggle', function (event) {
  var details = event.target;
  if (!details.open || !details.classList || !details.classList.contains('qa-article')) return;
  var mark = details.querySelector('mark.qa-cite');
  if (mark) { var box = details.querySelector('.qa-article-text');
    box.scrollTop = mark.offsetTop - box.offsetTop - 40; }
}, true);
</script>"""
