"""The Gradio chat UI and its `ask` API endpoint: a thin layer over `QA.ask`."""

from __future__ import annotations

import os
import sys
from typing import Any

from qa.engine import QA
from qa.errors import QAError
from qa.web import CSS, HEAD, answer_html, text

EXAMPLES = [
    "Who lifted the ban?",
    "Why was the ban imposed?",
    "When was the lifting of the ban announced?",
    "Who is Eleanor Marsh?",
]


def build_app(engine: QA) -> Any:
    """The Blocks app for one loaded index. Nothing is global: the engine is passed in."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    documents = {d.name: d for d in engine.documents}

    def ask(question: str, history: list[str]) -> dict:
        """Answer a question, given the chat's earlier questions (oldest first): `qa ask --json`'s object."""
        try:
            answer = engine.ask(question, history)
        except QAError as exc:
            # One log line per refused call; the client gets the message, not a traceback.
            print(f"qa: api /ask refused: {exc}", file=sys.stderr, flush=True)
            raise gr.Error(str(exc), print_exception=False) from None
        return answer.model_dump(mode="json")

    def respond(question: str, chat: list[dict], asked: list[str]) -> tuple[str, list[dict], list[str]]:
        chat = list(chat or [])
        if not question or not question.strip():
            return "", chat, asked
        chat.append({"role": "user", "content": text(question)})
        try:
            answer = engine.ask(question, asked)
            reply = answer_html(answer, documents)
            asked = [*asked, question]
        except QAError as exc:
            reply = f"<p class='qa-none'>{text(str(exc))}</p>"
        chat.append({"role": "assistant", "content": reply})
        return "", chat, asked

    with gr.Blocks(title="qa — cited answers from the articles", analytics_enabled=False) as app:
        gr.Markdown(
            f"### Ask the articles\nAnswers are passages quoted from the {len(documents)} articles, "
            "never generated text. The marked sentence is the one that answers; open an article to "
            "check the passage in context."
        )
        chatbot = gr.Chatbot(
            height=620,
            show_label=False,
            elem_id="qa-chat",
            render_markdown=True,
            sanitize_html=True,
            latex_delimiters=[],
            feedback_options=None,
            buttons=[],
            placeholder="Ask a question about the articles, e.g. “Who lifted the ban?”",
        )
        asked = gr.State([])
        with gr.Row():
            box = gr.Textbox(
                placeholder="Type a question and press Enter",
                show_label=False,
                scale=8,
                elem_id="qa-question",
                autofocus=True,
            )
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-send")
            clear = gr.Button("New chat", scale=1, elem_id="qa-clear")
        gr.Examples(EXAMPLES, inputs=box, label="Try")
        box.submit(respond, [box, chatbot, asked], [box, chatbot, asked], api_visibility="private")
        send.click(respond, [box, chatbot, asked], [box, chatbot, asked], api_visibility="private")
        clear.click(lambda: ("", [], []), None, [box, chatbot, asked], api_visibility="private")
        gr.api(ask, api_name="ask")
    return app


def warn_if_exposed(host: str) -> None:
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"qa: warning: serving on {host}: anyone who can reach this machine can use the UI",
            file=sys.stderr,
        )


def serve(engine: QA, host: str, port: int, share: bool = False) -> None:
    """Start the UI and block until it is stopped."""
    import gradio as gr

    warn_if_exposed(host)
    app = build_app(engine)
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
