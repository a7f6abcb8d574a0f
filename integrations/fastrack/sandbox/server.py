"""The sandbox's HTTP server and command line.

``python -m integrations.fastrack.sandbox --host 127.0.0.1 --port 8765 --data DIR
[--frame-ancestors "ORIGIN ORIGIN"] [--seed-demo]``

Contracts:
- Once listening, prints exactly one line to stdout, ``FAStrack sandbox listening on http://HOST:PORT``,
  and flushes (port 0 picks a free port; the line carries the real one).
- SIGTERM and SIGINT stop it cleanly (exit status 0). State is already on disk after every change.
- ``/_sandbox/...`` answers 403 to any client that is not on loopback.
- Request lines are not logged (tests and benchmarks would drown in them); errors go to stderr.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import api, control, generate, portal
from .store import Store
from .web import HttpError, Request, Response, error_response, is_loopback

MAX_BODY = 64 * 1024 * 1024
ROUTES = [
    (method, re.compile(pattern + r"/?"), handler)
    for method, pattern, handler in api.ROUTES + control.ROUTES + portal.ROUTES
]


class App:
    """What route handlers see: the store and the portal's frame-ancestors value."""

    def __init__(self, store: Store, frame_ancestors: str = "'self'"):
        self.store = store
        self.frame_ancestors = frame_ancestors or "'self'"

    def handle(self, req: Request) -> Response:
        """Route one request; HttpError and unexpected exceptions become JSON error answers."""
        try:
            if req.path.startswith("/_sandbox/") and not is_loopback(req.client):
                raise HttpError(403, "FORBIDDEN", "The sandbox control API only answers loopback clients")
            allowed = []
            for method, pattern, handler in ROUTES:
                match = pattern.fullmatch(req.path)
                if match is None:
                    continue
                if method != req.method:
                    allowed.append(method)
                    continue
                groups = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
                return handler(self, req, **groups)
            if allowed:
                raise HttpError(405, "METHOD_NOT_ALLOWED", f"Use {', '.join(sorted(set(allowed)))}")
            raise HttpError(404, "NOT_FOUND", f"No such path {req.path}")
        except HttpError as exc:
            return error_response(exc)
        except Exception as exc:  # a sandbox bug must still answer, and say what went wrong
            traceback.print_exc()
            return error_response(HttpError(500, "INTERNAL", f"Sandbox error: {exc!r}"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients page through thousands of orders on one connection
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid the 40 ms delayed-ACK stall
    server_version = "FAStrackSandbox/1.0"
    app: App  # set on the subclass made by make_server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(error_response(HttpError(413, "TOO_LARGE", "Body too large")))
            self.close_connection = True
            return
        # Always read the whole body, even for an error answer, so the next request on the connection parses.
        body = self.rfile.read(length) if length > 0 else b""
        split = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))  # last value wins
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        req = Request(self.command, split.path, query, self.headers, body, self.client_address[0], host)
        self._send(self.app.handle(req))

    def _send(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. timed out during a "timeout" fault)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args) -> None:
        pass


def make_server(
    host: str, port: int, store: Store, frame_ancestors: str | None = None
) -> ThreadingHTTPServer:
    """A ready (bound, not yet serving) server over ``store``."""
    handler = type("SandboxHandler", (Handler,), {"app": App(store, frame_ancestors or "'self'")})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True  # a request sleeping in a "timeout" fault must not hold up shutdown
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m integrations.fastrack.sandbox",
        description="FAStrack sandbox: plays the client's order system.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--data", required=True, help="directory holding the sandbox's state")
    parser.add_argument(
        "--frame-ancestors",
        default="'self'",
        help="origins allowed to frame myFAStrack pages (CSP frame-ancestors)",
    )
    parser.add_argument(
        "--seed-demo", action="store_true", help="load demo-vendor / demo-pass and its orders"
    )
    args = parser.parse_args(argv)

    store = Store(args.data)
    if args.seed_demo:
        generate.seed_demo(store)
    server = make_server(args.host, args.port, store, args.frame_ancestors)

    def stop(signum, frame) -> None:
        # shutdown() waits for serve_forever() to return, so it cannot run on the thread serving.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print(f"FAStrack sandbox listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
