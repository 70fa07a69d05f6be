"""`qa mcp`: the Model Context Protocol server, a thin layer over `QA.ask` on the official `mcp` SDK.

Tools: `ask` (the object of `qa ask --json`), `list_articles`, `read_article`, and `add_url` when the
server may write to the folder. Every article is also a resource, `qa://articles/<name>`. A bad
argument is a tool error of one line, never a crash; progress and warnings go to stderr only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qa.errors import QAError
from qa.interfaces.live import LiveEngine
from qa.models import Answer, Document
from qa.progress import to_stderr

URI_PREFIX = "qa://articles/"

INSTRUCTIONS = (
    "qa answers questions about a folder of news articles with passages quoted from the articles, "
    "never with generated text. Quote the passages you use word for word, with their file and "
    "paragraph; do not paraphrase them or add facts they do not state. When qa found no answer "
    "(answered is false), say so plainly rather than answering from your own knowledge."
)

ASK = (
    "Answer a question from the news articles with cited passages (the same object as `qa ask "
    "--json`). Returns: answered (false when the articles do not answer it), unsure (true when the "
    "passages may not answer it), reason (why there is no answer), conflicts (where the articles "
    "disagree: each side's value and passages), and passages, best first, each with doc (the "
    "file), paragraph, start/end (the character span in the file), outlet, date, url, text, "
    "highlight (the sentence that answers) and answer (the words inside it that answer). Quote "
    "the highlight or passage text exactly and cite doc and paragraph; do not paraphrase. When "
    "answered is false, tell the user qa found no answer in the articles (any passages are only "
    "the closest ones); when unsure is true, say the passages may not answer it; when conflicts "
    "is not empty, say the sources differ and quote each side. history: the earlier questions of "
    "this conversation, oldest first (for follow-ups such as 'What did she say?'). k: how many "
    "passages, 1 to 100."
)
LIST = (
    "List the articles qa answers from: name (use it with read_article), title, outlet, date, "
    "author and url (the address it was saved from) where known."
)
READ = (
    "Read an article by its name (from list_articles or a passage's doc). Without start and end: "
    "the article's whole text, as cleaned for reading. With start and end (a passage's character "
    "span in the file): that span's text and the paragraph it sits in, to quote it in context. "
    "Quote what it returns; do not paraphrase it."
)
ADD = (
    "Fetch a web page (http or https) and, when it holds a news article, save it into the article "
    "folder and index it, so that the next question can be answered from it. Returns the saved "
    "file's name, title, outlet and date. Fails with one line for a page that is not an article."
)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ArticleInfo(_Out):
    """One article of the folder, as `list_articles` describes it."""

    name: str = Field(description="file name in the article folder")
    title: str
    outlet: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = Field(default=None, description="the address the article was saved from")


class ArticleList(_Out):
    articles: tuple[ArticleInfo, ...]


class ArticleText(_Out):
    """An article's text, or one span of it with its paragraph."""

    article: ArticleInfo
    start: int = Field(description="character offset into the file of the first character of text")
    end: int
    text: str = Field(description="the article (or the span) as cleaned for reading")
    paragraph: int | None = Field(default=None, description="the paragraph the span starts in")
    paragraph_text: str | None = Field(default=None, description="that whole paragraph")


class AddedArticle(_Out):
    article: ArticleInfo
    articles: int = Field(description="articles in the index now")


def article_info(doc: Document) -> ArticleInfo:
    return ArticleInfo(
        name=doc.name, title=doc.title, outlet=doc.outlet, date=doc.date, author=doc.author, url=doc.url
    )


def clean_span(doc: Document, start: int, end: int) -> tuple[int, int] | None:
    """The cleaned text's span [start, end) covering the file span [start, end); None when that file
    span holds nothing that was kept (markup, boilerplate) or lies outside the file."""
    first = last = None
    for seg in doc.segments:
        low, high = max(start, seg.raw_start), min(end, seg.raw_start + seg.length)
        if low < high:
            if first is None:
                first = seg.clean_start + low - seg.raw_start
            last = seg.clean_start + high - seg.raw_start
    return None if first is None or last is None else (first, last)


def read_text(doc: Document, start: int | None, end: int | None) -> ArticleText:
    """`read_article`'s result; raises QAError for a span that does not fit the article."""
    from qa.errors import UsageError

    info = article_info(doc)
    if start is None and end is None:
        low, high = doc.raw_span(0, len(doc.text))
        return ArticleText(article=info, start=low, end=high, text=doc.text)
    if start is None or end is None or not 0 <= start < end:
        raise UsageError("give both start and end, with 0 <= start < end (a passage's start and end)")
    span = clean_span(doc, start, end)
    if span is None:
        raise UsageError(f"characters {start}-{end} of {doc.name} hold no article text")
    low, high = span
    paragraph = next((p for p in doc.paragraphs if p.start <= low < max(p.end, p.start + 1)), None)
    return ArticleText(
        article=info,
        start=start,
        end=end,
        text=doc.text[low:high],
        paragraph=paragraph.number if paragraph else None,
        paragraph_text=doc.text[paragraph.start : paragraph.end] if paragraph else None,
    )


def build_server(live: LiveEngine, allow_add: bool = False, public_only: bool = False) -> Any:
    """The MCP server over one live engine; nothing global. `public_only` refuses to fetch addresses
    on this machine or its network (a server reachable from elsewhere)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
    from mcp_types import Resource

    class Server(MCPServer):
        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            """As the SDK's, with an argument of the wrong type said in one line, not pydantic's report."""
            try:
                return await super().call_tool(name, arguments, context)
            except ToolError as exc:
                if not isinstance(exc.__cause__, ValidationError):
                    raise
                first = exc.__cause__.errors()[0]
                where = ".".join(str(part) for part in first["loc"])
                raise ToolError(f"{name}: argument {where}: {first['msg'].lower()}") from None

        async def list_resources(self) -> list[Resource]:
            """The articles of the index now published (they change as the folder does)."""
            return [
                Resource(
                    uri=URI_PREFIX + quote(doc.name, safe="/"),
                    name=doc.name,
                    title=doc.title,
                    description=" · ".join(x for x in (doc.outlet, doc.date) if x) or None,
                    mime_type="text/plain",
                )
                for doc in live.current().documents.values()
            ]

    server = Server("qa", instructions=INSTRUCTIONS, log_level="WARNING")

    def document(name: str) -> Document:
        doc = live.current().documents.get(name)
        if doc is None:
            raise ToolError(f"no article named {name!r}; list_articles gives the names")
        return doc

    @server.tool(description=ASK)
    def ask(question: str, history: Sequence[str] = (), k: int = 5) -> Answer:
        try:
            return live.engine.ask(question, list(history), k)
        except QAError as exc:
            raise ToolError(str(exc)) from None

    @server.tool(description=LIST)
    def list_articles() -> ArticleList:
        return ArticleList(articles=tuple(article_info(d) for d in live.current().documents.values()))

    @server.tool(description=READ)
    def read_article(name: str, start: int | None = None, end: int | None = None) -> ArticleText:
        try:
            return read_text(document(name), start, end)
        except QAError as exc:
            raise ToolError(str(exc)) from None

    if allow_add:

        @server.tool(description=ADD)
        def add_url(url: str) -> AddedArticle:
            from qa.index.adding import add_articles

            try:
                added = add_articles(
                    live.settings, [url], warn=lambda message: None, progress=False, public_only=public_only
                )
            except QAError as exc:
                raise ToolError(str(exc)) from None
            if added.failed:
                raise ToolError(added.failed[0])
            loaded = live.reload()
            saved = loaded.documents.get(added.saved[0].path.name)
            if saved is None:
                raise ToolError(f"{added.saved[0].path.name} was saved but could not be indexed")
            return AddedArticle(article=article_info(saved), articles=len(loaded.documents))

    @server.resource(URI_PREFIX + "{+name}", mime_type="text/plain", description="an article's text")
    def article(name: str) -> str:
        doc = live.current().documents.get(name)
        if doc is None:
            raise ResourceNotFoundError(f"no article named {name!r}")
        return doc.text

    return server


def run(
    live: LiveEngine, allow_add: bool, http: bool = False, host: str = "127.0.0.1", port: int = 8000
) -> None:
    """Serve until the client goes away (stdio) or Ctrl-C (HTTP)."""
    local = host in ("127.0.0.1", "localhost", "::1")
    server = build_server(live, allow_add=allow_add, public_only=http and not local)
    if http and not local:
        to_stderr(f"warning: serving on {host}: anyone who can reach this machine can use the MCP server")
    if http:
        server.run("streamable-http", host=host, port=port)
    else:
        server.run("stdio")
