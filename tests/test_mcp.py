"""`qa mcp` driven by the `mcp` SDK's own client over stdio, on a copy of the seeds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.conftest import ROOT, SEEDS
from tests.conftest import run_qa as qa
from tests.local_site import local_site

QUESTION = "Who lifted the ban?"
TOOLS = {"ask", "list_articles", "read_article"}
SEED = "001_25a242c555f2ca6b.txt"


def copy_of_seeds(root: Path) -> tuple[Path, Path]:
    corpus, index_dir = root / "articles", root / "index"
    shutil.copytree(SEEDS, corpus)
    built = qa("index", corpus=corpus, index_dir=index_dir)
    assert built.returncode == 0, built.stderr
    return corpus, index_dir


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return copy_of_seeds(tmp_path_factory.mktemp("mcp"))


def with_server(
    corpus: Path, index_dir: Path, body: Callable[[ClientSession], Awaitable[Any]], *flags: str
) -> Any:
    """Start `qa mcp` as an assistant would, run `body` with an initialized session, stop it."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "qa", "mcp", "--corpus", str(corpus), "--index-dir", str(index_dir), *flags],
        env={"HF_HUB_OFFLINE": "1"},
        cwd=ROOT,
    )

    async def run() -> Any:
        with anyio.fail_after(120):
            async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                return await body(session)

    return anyio.run(run)


def one_line_error(result: Any) -> str:
    assert result.is_error, result
    text = result.content[0].text
    assert "\n" not in text and "Traceback" not in text, text
    return text


def test_the_tools_answer_as_qa_ask_json_and_read_the_cited_span(folder):
    corpus, index_dir = folder
    expected = json.loads(qa("ask", QUESTION, "--json", corpus=corpus, index_dir=index_dir).stdout)

    async def body(session: ClientSession) -> dict[str, Any]:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        answer = await session.call_tool("ask", {"question": QUESTION})
        first = answer.structured_content["passages"][0]
        span = await session.call_tool(
            "read_article", {"name": first["doc"], "start": first["start"], "end": first["end"]}
        )
        whole = await session.call_tool("read_article", {"name": first["doc"]})
        listed = await session.call_tool("list_articles", {})
        resources = (await session.list_resources()).resources
        resource = await session.read_resource(resources[0].uri)
        return dict(
            tools=tools, answer=answer, span=span, whole=whole, listed=listed, resources=resources,
            resource=resource,
        )  # fmt: skip

    got = with_server(corpus, index_dir, body)
    tools = got["tools"]
    assert set(tools) == TOOLS  # add_url only with --allow-add
    assert "do not paraphrase" in tools["ask"].description and "no answer" in tools["ask"].description
    assert "Quote" in tools["read_article"].description
    answer = got["answer"]
    assert not answer.is_error
    assert answer.structured_content == expected  # the same object as `qa ask --json`
    assert json.loads(answer.content[0].text) == expected
    first = expected["passages"][0]
    span = got["span"].structured_content
    assert span["text"] == first["text"] and span["paragraph"] == first["paragraph"]
    assert first["highlight"] in span["paragraph_text"]
    assert (span["start"], span["end"]) == (first["start"], first["end"])
    assert span["article"]["name"] == first["doc"]
    assert first["text"] in got["whole"].structured_content["text"]
    names = sorted(a["name"] for a in got["listed"].structured_content["articles"])
    assert names == sorted(p.name for p in SEEDS.iterdir())
    assert {"name", "title", "outlet", "date", "url"} <= set(got["listed"].structured_content["articles"][0])
    assert sorted(str(r.uri) for r in got["resources"]) == [f"qa://articles/{name}" for name in names]
    assert got["resource"].contents[0].text.startswith(got["resources"][0].title.split()[0])


def test_a_bad_argument_is_a_one_line_tool_error_and_the_server_goes_on(folder):
    corpus, index_dir = folder
    calls = [
        ("ask", {"question": "   "}, "question is empty"),
        ("ask", {"question": QUESTION, "k": 0}, "from 1 to 100"),
        ("ask", {"question": QUESTION, "k": "many"}, "argument k"),
        ("ask", {"question": "x" * 2001}, "the limit is 2000"),
        ("ask", {}, "argument question"),
        ("read_article", {"name": "no-such-article.txt"}, "no article named 'no-such-article.txt'"),
        ("read_article", {"name": SEED, "start": 10}, "both start and end"),
        ("read_article", {"name": SEED, "start": 10**7, "end": 10**7 + 5}, "hold no article text"),
        ("add_url", {"url": "http://127.0.0.1:9/x.html"}, "add_url"),
    ]

    async def body(session: ClientSession) -> tuple[list[Any], Any]:
        results = [await session.call_tool(name, arguments) for name, arguments, _ in calls]
        return results, await session.call_tool("ask", {"question": QUESTION, "k": 1})

    results, after = with_server(corpus, index_dir, body)
    for (name, arguments, says), result in zip(calls, results, strict=True):
        assert says in one_line_error(result), (name, arguments)
    assert not after.is_error and after.structured_content["answered"] is True


def test_stdout_carries_nothing_but_protocol(folder):
    """Every line the server writes on stdout is a JSON-RPC message, even while it builds its index."""
    corpus, index_dir = folder
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "ask", "arguments": {"question": QUESTION, "k": 1}}},
    ]  # fmt: skip
    fresh_index = index_dir.parent / "fresh-index"  # built by the server itself: progress on stderr
    server = subprocess.Popen(
        [sys.executable, "-m", "qa", "mcp", "--corpus", str(corpus), "--index-dir", str(fresh_index)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    watchdog = threading.Timer(180, server.kill)  # a server that never replies fails the test, not CI
    watchdog.start()
    try:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
        server.stdin.flush()
        lines = []
        while not lines or json.loads(lines[-1]).get("id") != 2:
            line = server.stdout.readline()
            assert line, "the server stopped before it answered"
            lines.append(line)
        rest, stderr = server.communicate(timeout=60)  # closes stdin: the client went away
    finally:
        watchdog.cancel()
        server.kill()
    assert server.returncode == 0, stderr
    replies = [json.loads(line) for line in [*lines, *rest.splitlines()]]  # every line is JSON-RPC
    assert [r.get("id") for r in replies] == [1, 2], lines
    assert replies[1]["result"]["structuredContent"]["answered"] is True
    assert "building the index" in stderr


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with local_site() as url:
        yield url


def test_add_url_is_offered_only_when_allowed_and_adds_a_page(site, tmp_path):
    corpus, index_dir = copy_of_seeds(tmp_path)
    before = sorted(p.name for p in corpus.iterdir())

    async def body(session: ClientSession) -> tuple[set[str], Any, Any, Any]:
        tools = {tool.name for tool in (await session.list_tools()).tools}
        refused = await session.call_tool("add_url", {"url": f"{site}/front.html"})
        added = await session.call_tool("add_url", {"url": f"{site}/night-trams.html"})
        answer = await session.call_tool("ask", {"question": "What will the overnight trams cost each year?"})
        return tools, refused, added, answer

    tools, refused, added, answer = with_server(corpus, index_dir, body, "--allow-add")
    assert tools == TOOLS | {"add_url"}
    assert "not an article" in one_line_error(refused)
    assert not added.is_error, added.content
    article = added.structured_content["article"]
    assert article["outlet"] == "Valley Courier" and article["url"] == f"{site}/night-trams.html"
    assert added.structured_content["articles"] == len(before) + 1
    assert sorted(p.name for p in corpus.iterdir()) == sorted([*before, article["name"]])
    best = answer.structured_content["passages"][0]
    assert best["doc"] == article["name"] and "1.8 million a year" in best["text"]
