"""The Gradio chat UI and its `ask` API endpoint: a thin layer over `QA.ask`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from qa.answer.engine import QA
from qa.errors import QAError
from qa.interfaces.live import LiveEngine
from qa.interfaces.render import outlet_and_date
from qa.interfaces.web import CSS, HEAD, answer_html, article_html, escape
from qa.models import Document


def corpus_examples(documents: Sequence[Document], limit: int = 3) -> list[str]:
    """Example questions taken from the loaded articles, never fixed ones: their headlines (a
    headline is a fair keyword question: it names what the article reports). None where no
    article has a headline."""
    headlines = [
        d.title
        for d in documents
        # A headline names its story and does not end like a sentence (a title taken from the
        # article's first sentence does).
        if len(d.title.split()) >= 4 and not d.title.endswith((".", "!", "?", "…")) and d.title != d.name
    ]
    return [h for h in dict.fromkeys(headlines) if len(h) <= 120][:limit]


def build_app(engine: QA | LiveEngine, local_only: bool = True) -> Any:
    """The Blocks app for one index. Nothing is global: the engine is passed in, and answers come from
    the index now published (an article added here, or by a watcher, is answered from at once). When
    the app is served beyond this machine (`local_only` False), adding a page refuses private addresses."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    live = engine if isinstance(engine, LiveEngine) else LiveEngine(engine)
    adding = _Adding(live, public_only=not local_only)

    def ask(question: str, history: list[str]) -> dict:
        """Answer a question, given the chat's earlier questions (oldest first): `qa ask --json`'s object."""
        try:
            answer = live.engine.ask(question, history)
        except QAError as exc:
            # One log line per refused call; the client gets the message, not a traceback.
            print(f"qa: api /ask refused: {exc}", file=sys.stderr, flush=True)
            raise gr.Error(str(exc), print_exception=False) from None
        return answer.model_dump(mode="json")

    def respond(question: str, chat: list[dict], asked: list[str]) -> tuple[Any, ...]:
        # The chat lives in server-side state: a request carries the question, not the whole chat.
        # A new question closes the article opened from an earlier answer (it belongs to that one).
        chat = list(chat or [])
        if not question or not question.strip():
            return "", chat, chat, asked, gr.skip()
        chat.append({"role": "user", "content": escape(question)})
        try:
            answer = live.engine.ask(question, asked)
            reply = answer_html(answer, turn=len(asked) + 1)
            asked = [*asked, question]
        except QAError as exc:
            reply = f"<p class='qa-refusal'>{escape(str(exc))}</p>"
        chat.append({"role": "assistant", "content": reply})
        return "", chat, chat, asked, ""

    def open_article(request: str) -> str:
        """The article a card cites, with the cited span marked: fetched only when asked for."""
        try:
            wanted = json.loads(request)
            doc = live.current().documents[str(wanted["doc"])]
            return article_html(doc, int(wanted["start"]), int(wanted["end"]))
        except (ValueError, KeyError, TypeError):
            return "<p class='qa-refusal'>That article is not in this index.</p>"

    def add_page(address: str) -> tuple[str, str]:
        """Fetch a page by its address, save it, update the index and answer from it at once."""
        if not address or not address.strip():
            return address, ""
        message, keep = adding.add(address.strip())
        return (address if keep else ""), message

    documents = live.engine.documents
    examples = corpus_examples(documents)
    with gr.Blocks(title="qa — cited answers from the articles", analytics_enabled=False) as app:
        gr.Markdown(
            f"### Ask the articles\nAnswers are passages quoted from the {len(documents)} articles, "
            "never generated text. The marked sentence is the one that answers; open an article to "
            "check the passage in context."
        )
        chatbot = gr.Chatbot(
            height="62vh",
            show_label=False,
            elem_id="qa-chat",
            render_markdown=True,
            sanitize_html=True,
            latex_delimiters=[],
            feedback_options=None,
            buttons=[],
            autoscroll=False,  # our script shows each new reply from its start
            placeholder=f"Ask a question about these {len(documents)} articles.",
        )
        chat = gr.State([])
        asked = gr.State([])
        with gr.Row(elem_id="qa-ask-row", equal_height=True):
            box = gr.Textbox(
                placeholder="Ask about the articles",
                show_label=False,
                scale=8,
                elem_id="qa-question",
                autofocus=True,
                lines=1,
                max_lines=4,
            )
            send = gr.Button("Ask", variant="primary", scale=1, min_width=60, elem_id="qa-send")
            clear = gr.Button("New chat", scale=1, min_width=60, elem_id="qa-clear")
        if examples:
            gr.Examples(examples, inputs=box, label="From these articles")
        with gr.Accordion("Add an article by its address", open=False, elem_id="qa-add"):
            with gr.Row(equal_height=True):
                address = gr.Textbox(
                    placeholder="https://…", show_label=False, scale=8, elem_id="qa-add-url", lines=1
                )
                add = gr.Button("Add", scale=1, min_width=60, elem_id="qa-add-go")
            added = gr.HTML(elem_id="qa-add-status")
        address.submit(add_page, address, [address, added], api_visibility="private")
        add.click(add_page, address, [address, added], api_visibility="private")
        article = gr.HTML(elem_id="qa-article")
        request = gr.Textbox(elem_id="qa-article-request", elem_classes=["qa-hidden"], show_label=False)
        fetch = gr.Button("open", elem_id="qa-article-go", elem_classes=["qa-hidden"])
        replied = [box, chatbot, chat, asked, article]
        box.submit(respond, [box, chat, asked], replied, api_visibility="private")
        send.click(respond, [box, chat, asked], replied, api_visibility="private")
        clear.click(
            lambda: ("", [], [], [], ""), None, [box, chatbot, chat, asked, article], api_visibility="private"
        )
        fetch.click(open_article, request, article, api_visibility="private")
        gr.api(ask, api_name="ask")
    return app


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _Adding:
    """The UI's Add box: fetch a page into the folder, update the index, answer from it at once."""

    def __init__(self, live: LiveEngine, public_only: bool) -> None:
        self.live = live
        self.public_only = public_only

    def add(self, address: str) -> tuple[str, bool]:
        """A status line for the page (escaped HTML), and whether the address should stay in the box."""
        from qa.index.adding import add_articles

        try:
            added = add_articles(
                self.live.settings,
                [address],
                warn=lambda message: None,
                progress=False,
                public_only=self.public_only,
            )
        except QAError as exc:
            return f"<p class='qa-refusal'>{escape(str(exc))}</p>", True
        if added.failed:
            return f"<p class='qa-refusal'>{escape(added.failed[0])}</p>", True
        page = added.saved[0]
        articles = len(self.live.reload().documents)
        about = escape(outlet_and_date(page.article.outlet, page.article.date))
        return (
            f"<p class='qa-sub'>Added <b>{escape(page.article.title or page.url)}</b>"
            f"{f' ({about})' if about else ''} as {escape(page.path.name)}; "
            f"{articles} articles can now be asked about.</p>",
            False,
        )


def warn_if_exposed(host: str) -> None:
    if host not in _LOOPBACK:
        print(
            f"qa: warning: serving on {host}: anyone who can reach this machine can use the UI",
            file=sys.stderr,
        )


def serve(engine: QA | LiveEngine, host: str, port: int, share: bool = False) -> None:
    """Start the UI and block until it is stopped."""
    import gradio as gr

    warn_if_exposed(host)
    app = build_app(engine, local_only=host in _LOOPBACK)
    app.queue(default_concurrency_limit=4, max_size=256)
    app.launch(
        server_name=host,
        server_port=port,
        share=share,
        show_error=False,
        quiet=True,  # our own "serving ... on" line says where; Gradio's share-link hint is noise
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]),
        css=CSS,
        head=HEAD,
        footer_links=[],
    )
