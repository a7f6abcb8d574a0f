"""A real HTTP receiver playing the vendor's WMS: it checks the Standard Webhooks signature of every request
(with its own code, not ours) and records what it got, in order. Its behaviour is programmable: answer an
error to the next N requests, or sleep past the client's read timeout."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.actors import Actor
from wms_addons.services import addon_create


@dataclass
class Received:
    path: str
    headers: dict
    body: dict
    signed_ok: bool
    answered: int

    @property
    def ok(self) -> bool:
        return 200 <= self.answered < 300


@dataclass
class Receiver:
    url: str
    secrets: list[str] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    fail_next: int = 0
    fail_status: int = 500
    sleep_next: int = 0
    sleep_seconds: float = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, count: int, status: int = 500) -> None:
        with self.lock:
            self.fail_next, self.fail_status = count, status

    def hang(self, count: int, seconds: float) -> None:
        with self.lock:
            self.sleep_next, self.sleep_seconds = count, seconds

    def verify(self, headers: dict, raw: bytes) -> bool:
        msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
        if not msg_id or not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return False
        given = {
            s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split() if s.startswith("v1,")
        }
        for secret in self.secrets:
            key = base64.b64decode(secret.removeprefix("whsec_"))
            mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + raw, hashlib.sha256).digest()
            if base64.b64encode(mac).decode() in given:
                return True
        return False

    def accepted(self, path: str = "") -> list[dict]:
        """Bodies answered 2xx, in the order they arrived (optionally for one path only)."""
        return [r.body for r in self.requests if r.ok and r.path.endswith(path)]

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.fail_next = self.sleep_next = 0


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                sleep = receiver.sleep_seconds if receiver.sleep_next > 0 else 0
                receiver.sleep_next = max(receiver.sleep_next - 1, 0)
                status = receiver.fail_status if receiver.fail_next > 0 else 200
                receiver.fail_next = max(receiver.fail_next - 1, 0)
            signed_ok = receiver.verify(headers, raw)
            if not signed_ok:
                status = 401
            if sleep:
                time.sleep(sleep)
                status = 200  # too late: the sender has given up, as a slow WMS would make it
            with receiver.lock:
                receiver.requests.append(
                    Received(
                        self.path, headers, json.loads(raw or b"{}"), signed_ok, status if not sleep else 599
                    )
                )
            try:
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
            except OSError:
                pass  # the sender hung up after its timeout

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture(scope="session")
def _receiver_server():
    receiver = Receiver(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver(_receiver_server):
    """The session's receiver, emptied for this test."""
    _receiver_server.reset()
    _receiver_server.secrets.clear()
    return _receiver_server


@pytest.fixture
def dead_url():
    """A URL on a port nobody listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.WMS_RETRY_BASE_SECONDS = 0
    settings.WMS_MAX_ATTEMPTS = 4
    settings.WMS_CONNECT_TIMEOUT = 2
    settings.WMS_READ_TIMEOUT = 1


@pytest.fixture
def make_addon(receiver, owner):
    """make_addon(name="WMS", path="/hook", **fields) -> the add-on, its secret known to the receiver."""

    def make(name="WMS", path="/hook", url=None, **fields):
        made = addon_create(actor=Actor.for_user(owner), name=name, url=url or receiver.url + path, **fields)
        receiver.secrets.append(made.secret)
        return made.addon

    return make
