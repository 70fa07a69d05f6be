"""Command line: parse, call the core, print. Imports only what each command needs."""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.errors import QAError, UsageError
from qa.progress import to_stderr as _warn

_FLAGS = {
    "corpus": "--corpus",
    "index_dir": "--index-dir",
    "top_k": "-k",
    "host": "--host",
    "port": "--port",
    "profile": "--profile",
    "fetch_deadline": "--deadline",
}


def _settings(args: argparse.Namespace) -> Any:
    from pydantic import ValidationError

    from qa.config import Settings

    overrides = {
        key: value
        for key, value in (
            ("corpus", getattr(args, "corpus", None)),
            ("index_dir", getattr(args, "index_dir", None)),
            ("top_k", getattr(args, "k", None)),
            ("host", getattr(args, "host", None)),
            ("port", getattr(args, "port", None)),
            ("profile", getattr(args, "profile", None)),
            ("fetch_deadline", getattr(args, "deadline", None)),
        )
        if value is not None
    }
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise UsageError(_setting_problem(exc, overrides, Settings)) from None


def _setting_problem(exc: Any, overrides: dict[str, Any], settings_type: Any) -> str:
    """One line naming the flag or QA_* variable that is wrong, and what it accepts."""
    first = exc.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    where = _FLAGS[name] if name in overrides else f"QA_{name.upper()}"
    field = settings_type.model_fields.get(name)
    limits = ""
    if field is not None:
        low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
        high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
        if low is not None and high is not None:
            limits = f" (a whole number from {low} to {high})"
        elif low is not None:
            limits = f" (at least {low})"
    given = first.get("input")
    return f"{where} = {given!r} is not usable: {first['msg'].lower()}{limits}"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _requirement(text: str) -> tuple[str, float]:
    from qa.quality.evaluate import Metrics

    name, _, value = text.partition("=")
    if name not in Metrics.model_fields or name == "questions":
        raise argparse.ArgumentTypeError(f"unknown metric {name!r}; one of {', '.join(Metrics.model_fields)}")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected METRIC=NUMBER, got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Answers questions about news articles with cited passages, never generated text.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def paths(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--corpus", type=Path, help="folder of articles (default: seeds/, env QA_CORPUS)")
        sub.add_argument(
            "--index-dir", type=Path, help="where the index lives (default: index/, env QA_INDEX_DIR)"
        )

    ask = commands.add_parser(
        "ask",
        help="answer a question with cited passages",
        description="Answer a question with the passages of the articles that answer it, best first. "
        "Builds the index first when it is missing, and rebuilds it when the articles changed.",
    )
    ask.add_argument("question", help="the question, in plain words")
    ask.add_argument("-k", type=_positive, help="how many passages (default 5, env QA_TOP_K)")
    ask.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ask.add_argument(
        "--history",
        action="append",
        default=[],
        metavar="EARLIER_QUESTION",
        help="an earlier question of the chat, oldest first; repeat for several",
    )
    paths(ask)

    index = commands.add_parser(
        "index",
        help="build the index of the articles",
        description="Read, clean, split and embed the articles; the new index replaces the old "
        "atomically. Articles unchanged since the last build keep their vectors: only added and "
        "changed ones are embedded, into a new segment; the old versions of changed and removed "
        "articles are marked deleted. Segments merge when there are more than eight.",
    )
    rebuild = index.add_mutually_exclusive_group()
    rebuild.add_argument(
        "--full", action="store_true", help="embed every article again instead of reusing the current index"
    )
    rebuild.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="full build with the articles read, split, embedded and tagged on a Ray cluster: auto (the "
        "cluster this machine belongs to, else one started on its cores), HOST:6379 or ray://HOST:10001; "
        'needs pip install -e ".[cluster]" on every node (README, "A cluster")',
    )
    rebuild.add_argument(
        "--compact",
        action="store_true",
        help="merge all segments into one and drop deleted articles (nothing is embedded again)",
    )
    index.add_argument(
        "--profile",
        choices=("auto", "default", "large"),
        help="large: embed with the int8 encoder, builds ~1.3x faster (for archives of thousands of "
        "articles); auto (default, env QA_PROFILE): large for a new index of 2,000 articles or more, "
        "else the current index's",
    )
    paths(index)

    add = commands.add_parser(
        "add",
        help="add web pages to the articles by their addresses",
        description="Fetch each page (http or https), keep it when it holds an article, save it into "
        "the article folder under a name made from its headline (its address and fetch time recorded "
        "in the file), and update the index. A page that fails is named and nothing of it is saved.",
    )
    add.add_argument("urls", nargs="+", metavar="URL", help="the page's address")
    add.add_argument(
        "--deadline",
        type=float,
        metavar="SECONDS",
        help="the most time one page may take to fetch, all told (default 30, or QA_FETCH_DEADLINE)",
    )
    paths(add)

    evaluate = commands.add_parser(
        "eval",
        help="measure answer quality on a file of questions",
        description="Ask every question of a JSONL file (id, type, question, evidence...) and print "
        "hit@k, MRR@5, highlight hit@1, claim coverage and abstention, overall and per type.",
    )
    evaluate.add_argument("questions", type=Path, help="JSONL file of questions with evidence strings")
    evaluate.add_argument("--json", action="store_true", help="print the report as one JSON object")
    evaluate.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        type=_requirement,
        help="fail (exit 1) when an overall metric is below VALUE, e.g. hit_at_1=0.9; repeatable. "
        "For refused_answerable the value is a maximum.",
    )
    paths(evaluate)
    serve = commands.add_parser(
        "serve",
        help="start the web UI",
        description="Start the chat UI on http://127.0.0.1:7860 (builds the index first if needed).",
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1, env QA_HOST)")
    serve.add_argument("--port", type=_positive, help="port (default 7860, env QA_PORT)")
    serve.add_argument("--share", action="store_true", help="also open a public Gradio share link")
    watch_help = "keep the index up to date as articles are added, changed or removed in the folder"
    serve.add_argument("--watch", action="store_true", help=watch_help)
    paths(serve)
    watch = commands.add_parser(
        "watch",
        help=watch_help,
        description="Keep the index up to date with the article folder: one line per update on stderr, "
        "until Ctrl-C. A file is read once it has stopped changing.",
    )
    paths(watch)
    mcp = commands.add_parser(
        "mcp",
        help="serve the articles to an AI assistant (Model Context Protocol)",
        description="An MCP server over stdio (or --http): tools ask, list_articles, read_article "
        "(and add_url with --allow-add); every article is a resource qa://articles/NAME.",
    )
    mcp.add_argument("--allow-add", action="store_true", help="offer add_url, which writes to the folder")
    mcp.add_argument("--watch", action="store_true", help=watch_help)
    mcp.add_argument("--http", action="store_true", help="streamable HTTP on http://HOST:PORT/mcp instead")
    mcp.add_argument("--host", help="with --http: address to listen on (default 127.0.0.1)")
    mcp.add_argument("--port", type=_positive, default=8000, help="with --http: port (default 8000)")
    paths(mcp)
    return parser


def _check_listen(host: str, port: int) -> None:
    """Refuse a host or port the server could not listen on, before loading anything."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UsageError(f"--host {host}: not an address this machine knows (e.g. 127.0.0.1)") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"--port {port}: already in use on {host}; choose another port") from None
            raise UsageError(f"--host {host}: this machine cannot listen there ({exc.strerror})") from None


def _serve(args: argparse.Namespace) -> int:
    from qa.answer.engine import QA
    from qa.interfaces.live import LiveEngine
    from qa.interfaces.ui import serve
    from qa.interfaces.watch import keep_current

    settings = _settings(args)
    _check_listen(settings.host, settings.port)
    live = LiveEngine(QA.open(settings, warn=_warn), warn=_warn)
    _warn(f"serving {len(live.engine.documents)} articles on http://{settings.host}:{settings.port}")
    with keep_current(live, _warn) if args.watch else contextlib.nullcontext():
        serve(live, settings.host, settings.port, share=args.share)
    return 0


def _mcp(args: argparse.Namespace) -> int:
    from qa.index.warmup import warm_up

    settings = _settings(args)
    if args.http:
        _check_listen(settings.host, settings.port)
    # The SDK's imports (~0.9 s, mostly its pydantic models) run beside the loading of the index.
    threading.Thread(target=importlib.import_module, args=("mcp.server.mcpserver",), daemon=True).start()
    warmup = warm_up(settings.index_dir, settings.max_tokens, settings.threads)
    from qa.answer.engine import QA
    from qa.interfaces.live import LiveEngine
    from qa.interfaces.mcp_server import run
    from qa.interfaces.watch import keep_current

    live = LiveEngine(QA.open(settings, warn=_warn, warmup=warmup), warn=_warn)
    where = f"http://{settings.host}:{settings.port}/mcp" if args.http else "stdio"
    _warn(f"MCP server on {where}: {len(live.engine.documents)} articles")
    with keep_current(live, _warn) if args.watch else contextlib.nullcontext():
        run(live, args.allow_add, http=args.http, host=settings.host, port=settings.port)
    return 0


def _watch(args: argparse.Namespace) -> int:
    from qa.interfaces.watch import update_line, watch_corpus

    settings = _settings(args)
    _warn(f"watching {settings.corpus} (Ctrl-C stops)")
    watch_corpus(settings, lambda manifest, changes: _warn(update_line(manifest, changes)), _warn)
    return 0


def _ask(args: argparse.Namespace) -> int:
    from qa.answer.questions import clean_question, earlier_questions
    from qa.index.warmup import warm_up

    settings = _settings(args)
    # Refuse bad input before loading anything.
    clean_question(args.question, settings.max_question_chars)
    earlier_questions(args.history, settings.max_question_chars)
    # The encoder loads on the second core while the engine's modules are imported (~0.15 s saved).
    warmup = warm_up(settings.index_dir, settings.max_tokens, settings.threads)
    from qa.answer.engine import QA

    answer = QA.open(settings, warn=_warn, warmup=warmup).ask(args.question, args.history, args.k)
    if args.json:
        print(answer.model_dump_json())
    else:
        from qa.interfaces.render import render_answer

        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        print(render_answer(answer, color=color))
    return 0


def _index(args: argparse.Namespace) -> int:
    from qa.answer.reader import prepare_reader
    from qa.index.build import build_index

    settings = _settings(args)
    manifest, changes = build_index(settings, warn=_warn, full=args.full, compact=args.compact, ray=args.ray)
    prepare_reader(settings.cache_dir, _warn)  # so that the first question does not wait for its export
    articles = sum(1 for f in manifest.corpus if f.sha256)
    profile = "large profile, int8 encoder" if manifest.profile == "large" else "default profile"
    segments = len(manifest.segments)
    print(
        f"indexed {manifest.sentences} sentences from {articles} articles "
        f"({manifest.faiss_kind} index, {segments} segment{'s' if segments != 1 else ''}, {profile})"
    )
    print(changes.summary())
    return 0


def _add(args: argparse.Namespace) -> int:
    from qa.index.adding import add_articles
    from qa.interfaces.render import outlet_and_date, safe

    settings = _settings(args)
    added = add_articles(settings, args.urls, warn=_warn)
    for problem in added.failed:
        _warn(f"error: {problem}")
    for page in added.saved:
        about = safe(outlet_and_date(page.article.outlet, page.article.date))
        title = safe(page.article.title or page.url)
        print(f"added {safe(page.path.name)}: {title}{f' ({about})' if about else ''}")
    if added.manifest is not None:
        articles = sum(1 for f in added.manifest.corpus if f.sha256)
        print(f"indexed {added.manifest.sentences} sentences from {articles} articles")
    return 1 if added.failed else 0


def _eval(args: argparse.Namespace) -> int:
    from qa.answer.engine import QA
    from qa.interfaces.render import render_report
    from qa.quality.evaluate import evaluate, read_questions

    questions = read_questions(args.questions)
    engine = QA.open(_settings(args), warn=_warn)
    report = evaluate(questions, engine.ask)
    print(report.model_dump_json(indent=2) if args.json else render_report(report))
    failed = 0
    for name, bound in args.require:
        value = getattr(report.overall, name)
        at_most = name == "refused_answerable"
        if value is None or (value > bound if at_most else value < bound):
            _warn(f"{name} = {value} is {'above' if at_most else 'below'} the required {bound}")
            failed = 1
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    """Every entry point (`qa`, `python -m qa`, `app.py`) comes through here before FAISS or
    onnxruntime is imported: idle OpenMP workers then sleep between questions instead of spinning."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    args = _parser().parse_args(argv)
    handlers = dict(ask=_ask, index=_index, add=_add, eval=_eval, serve=_serve, mcp=_mcp, watch=_watch)
    handler = handlers[args.command]
    try:
        return handler(args)
    except QAError as exc:
        _warn(f"error: {exc}")
        return 2 if isinstance(exc, UsageError) else 1  # 2: wrong usage, as argparse exits
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        _warn(f"error: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}")
        return 1
    except KeyboardInterrupt:
        _warn("interrupted")
        return 130


def entry_point() -> int:
    """The `qa` console script and `python -m qa`: run a command, then leave without teardown."""
    code = main()
    # Everything is written and flushed (index files are fsynced before they are published);
    # skipping the interpreter's teardown of onnxruntime, FAISS and numpy saves ~0.15 s a question.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
