"""A small web site on 127.0.0.1 for the tests of `qa add` (never the internet): an article, a
front page, JSON, a 20 MB page (sized and unsized), a page sent a byte every half second, redirects
and a 404."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = """<!doctype html><html><head><meta charset="utf-8">
<title>Night trams return to the Eastline after six years</title>
<meta property="og:site_name" content="Valley Courier">
<meta property="og:title" content="Night trams return to the Eastline after six years">
<meta name="author" content="Petra Lind"><meta property="article:published_time" content="2025-05-09">
</head><body><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a></nav>
<article><h1>Night trams return to the Eastline after six years</h1>
<p>Trams will run through the night on the Eastline again from 1 June, the regional transport
authority said on Thursday, six years after the service was cut to save money.</p>
<p>The authority expects about 2,300 passengers a night on Fridays and Saturdays, most of them
hospital staff and hospitality workers whose shifts end after midnight.</p>
<p>The restored service will cost 1.8 million a year, paid for by a levy on late-opening bars that
the city council approved in March.</p>
</article><footer>Cookie settings · Privacy</footer></body></html>"""
FRONT_PAGE = (
    "<html><head><title>Valley Courier</title></head><body><nav>News Sport Weather</nav></body></html>"
)
BIG = 20 * 1024 * 1024


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # quiet test output
        pass

    def _send(self, status: int, kind: str, body: bytes, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (the handler's name)
        if self.path == "/night-trams.html":
            self._send(200, "text/html; charset=utf-8", ARTICLE.encode())
        elif self.path == "/front.html":
            self._send(200, "text/html", FRONT_PAGE.encode())
        elif self.path == "/data.json":
            self._send(200, "application/json", b'{"trams": 2300}')
        elif self.path in ("/huge.html", "/huge-unsized.html"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            if self.path == "/huge.html":
                self.send_header("Content-Length", str(BIG))
            self.end_headers()
            chunk = b"<p>" + b"tram " * 2000 + b"</p>"
            try:
                for _ in range(BIG // len(chunk) + 1):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading at its cap, as it should
        elif self.path == "/drip.html":  # a byte every half second: the deadline, not a read, stops it
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for byte in ARTICLE.encode():
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.5)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path == "/moved.html":
            self.send_response(302)
            self.send_header("Location", "/night-trams.html")
            self.end_headers()
        elif self.path == "/to-file.html":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        else:
            self._send(404, "text/html", b"<html><body>Not here</body></html>")


@contextlib.contextmanager
def local_site() -> Iterator[str]:
    """The site's base address while it runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
