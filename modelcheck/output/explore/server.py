"""The explorer's web server: the standard library's threaded HTTP server on 127.0.0.1.

Why not Starlette + uvicorn: the explorer serves one person on one machine a handful of
JSON answers and three static files; ``http.server`` does that with no dependency to
install or keep up to date, and a thread per request lets the page poll a running search.

Routes (GET unless said):
  ``/``                     the page; ``?path=...`` is first replayed, and a path that is not a
                            behaviour of the spec gets an error page (status 400) naming the step
  ``/static/<file>``        the page's script and style (package data, no build step)
  ``/api/state?path=``      the view of one state (JSON)
  ``/api/search?path=&goal=``  start "run the checker from here"; ``/api/job?id=`` its progress
  ``POST /api/load``        an ITF trace (the body) -> the path that steps through it, and for a lasso (a
                            liveness counterexample) ``loop``, the step its last state is again, and ``property``
"""

from __future__ import annotations

import html
import json
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

from modelcheck.engine.faults import shorten
from modelcheck.output.explore.session import PathError, Session, failure_text
from spec.core import SpecError

STATIC = {"app.js": "text/javascript", "app.css": "text/css", "index.html": "text/html"}
MAX_BODY = 8 * 1024 * 1024


def _static(name: str) -> bytes:
    return resources.files("modelcheck.output.explore").joinpath("static", name).read_bytes()


def error_page(status: int, message: str) -> bytes:
    """A plain page that says what was wrong, with a way back to the initial state."""
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>paxraft explore: error</title>"
        "<link rel='stylesheet' href='/static/app.css'></head><body class='error-page'>"
        f"<h1>{status}: this request cannot be shown</h1><p id='error'>{html.escape(message)}</p>"
        "<p><a href='/'>Go to the initial state</a></p></body></html>"
    )
    return body.encode()


class Handler(BaseHTTPRequestHandler):
    """One request; the session is the server's."""

    server: ExplorerServer
    raw_requestline: bytes  # (set by the base class's handle_one_request; typeshed does not declare it)
    timeout = 60  # a client that stops sending (a body shorter than its Content-Length) frees its thread

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: the terminal shows the URL, not a line per click."""

    def parse_request(self) -> bool:
        """The standard library's, but an HTTP/0.9 request line (``GET /``, no version after the path) is refused at
        once: no headers follow one, yet the base class read on for them until the 60 s timeout and then closed the
        connection without an answer."""
        words = self.raw_requestline.split()
        if len(words) != 2:
            return super().parse_request()
        self.command, self.path = (w.decode("iso-8859-1") for w in words)
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.request_version, self.close_connection = self.default_request_version, True
        self.send_error(400, "HTTP/0.9 request line (no HTTP version after the path): send HTTP/1.0 or 1.1")
        return False

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def do_GET(self) -> None:
        """Dispatch a GET; bad input becomes a 400/404 page or JSON error, never a traceback."""
        url = urlparse(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        session = self.server.session
        api = url.path.startswith("/api/")
        try:
            if url.path == "/":
                session.replay(q.get("path", ""))  # a bad path gets the error page, not an empty app
                self._send(200, _static("index.html"), "text/html")
            elif url.path.startswith("/static/") and url.path[8:] in STATIC:
                self._send(200, _static(url.path[8:]), STATIC[url.path[8:]])
            elif url.path == "/api/state":
                self._json(200, session.view(q.get("path", "")))
            elif url.path == "/api/search":
                job = session.start_search(q.get("path", ""), q.get("goal", "invariants") or "invariants")
                self._json(200, {"job": job})
            elif url.path == "/api/job":
                if not (q.get("id", "").isascii() and q.get("id", "").isdigit()):
                    raise PathError(f"/api/job: id must be a search job's number (1, 2, 3, ...), got "
                                    f"{q.get('id', '')!r}")
                self._json(200, session.job(int(q["id"])))
            else:
                self._fail(404, f"no page {url.path} (the explorer is at /)", api)
        except (PathError, SpecError) as exc:
            self._fail(400, str(exc), api)
        except Exception as exc:  # a bug or the spec's own error: say it, keep serving
            self._fail(500, failure_text(exc), api)

    def do_POST(self) -> None:
        """``/api/load``: an ITF trace in the body."""
        if urlparse(self.path).path != "/api/load":
            self._fail(404, f"no POST route {self.path}", True)
            return
        given = (self.headers.get("Content-Length") or "0").strip()
        length = int(given) if given.isascii() and given.isdigit() else -1
        if not 0 < length <= MAX_BODY:
            self._fail(400, f"/api/load needs an ITF JSON body of at most {MAX_BODY} bytes (with its "
                            f"Content-Length), got Content-Length {shorten(given, 40)!r}", True)
            return
        body = self.rfile.read(length)
        if len(body) < length:
            self._fail(400, f"/api/load: the body ended after {len(body)} of its {length} bytes", True)
            return
        try:
            self._json(200, load_itf_text(self.server.session, body))
        except (PathError, SpecError) as exc:
            self._fail(400, str(exc), True)
        except Exception as exc:
            self._fail(400, f"not a trace of this spec: {type(exc).__name__}: {exc}", True)

    def _fail(self, status: int, message: str, api: bool) -> None:
        if api:
            self._json(status, {"error": message})
        else:
            self._send(status, error_page(status, message), "text/html")


def load_itf_text(session: Session, body: bytes) -> dict[str, Any]:
    """``{"path": ...}`` of an ITF trace given as text (read with the spec being explored), with ``loop`` and
    ``property`` for a lasso (:func:`lasso`)."""
    from modelcheck.output.itf import read_itf

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp, "trace.itf.json")
        p.write_bytes(body)
        try:
            _, trace = read_itf(p, session.spec)
        except SpecError as exc:  # named by the file it was read through, a temporary the user never saw
            raise SpecError(str(exc).replace(str(p), "the trace loaded")) from None
    return {"path": session.load_trace(trace.steps), **lasso(trace.meta)}


def lasso(meta: dict[str, Any]) -> dict[str, Any]:
    """What the page needs of a lasso (``#meta.loop``, checked to close by read_itf): the step whose state the last
    one is again, where Forward goes on round the loop, and the property it violates; {} for any other trace."""
    loop = meta.get("loop")
    if loop is None:
        return {}
    prop = meta.get("property")
    return {"loop": loop, "property": prop if isinstance(prop, str) else None}


class ExplorerServer(ThreadingHTTPServer):
    """The HTTP server holding one exploration session."""

    daemon_threads = True
    request_queue_size = 128  # connections the kernel holds until accepted: the standard library's 5 dropped the
    # rest of a burst (200 requests at once: the page's clients waited out SYN retries, up to 2.7 s, some 10 s)

    def __init__(self, session: Session, port: int = 0) -> None:
        self.session = session
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A request that failed outside the routes (the client went away mid-answer, a malformed request):
        one line on stderr, no traceback (the handlers answer every error they can themselves)."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the client hung up or went quiet: nobody to answer
        print(f"paxraft explore: a request from {client_address[0]} failed: {type(exc).__name__}: "
              f"{shorten(str(exc), 200)}", file=sys.stderr)

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def url_for(self, path: str) -> str:
        """The address that opens the state ``path`` reaches."""
        return self.url + (f"?path={quote(path, safe='/(),')}" if path else "")


def serve_in_thread(session: Session, port: int = 0) -> ExplorerServer:
    """Start a server in a daemon thread (tests and benchmarks); ``shutdown()`` stops it."""
    server = ExplorerServer(session, port)
    threading.Thread(target=server.serve_forever, daemon=True, name="explore-server").start()
    return server
