"""Tiny request/response layer of the sandbox: just enough HTTP plumbing for the routes, stdlib only.

Contracts:
- A route handler takes ``(app, request, **path_groups)`` and returns a ``Response`` or raises ``HttpError``.
- ``HttpError`` always becomes a JSON body ``{"error": CODE, "message": text}`` with its status.
- ``is_loopback(address)`` decides who may use the control API (``/_sandbox/...``).
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import ipaddress
import json
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message


class HttpError(Exception):
    """An answer that is an error: becomes ``status`` + JSON ``{"error": code, "message": message}``."""

    def __init__(self, status: int, code: str, message: str = ""):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message or code


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    client: str
    host: str  # "host:port" as the client addressed us; used to build links back to this server

    def json(self) -> dict:
        """The body as a JSON object; an empty body counts as ``{}``. Anything else → 400 VALIDATION."""
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(400, "VALIDATION", f"Body is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise HttpError(400, "VALIDATION", "Body must be a JSON object")
        return data

    def form(self) -> dict[str, str]:
        """An ``application/x-www-form-urlencoded`` body (the portal's HTML forms), first value per name."""
        pairs = urllib.parse.parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        result: dict[str, str] = {}
        for name, value in pairs:
            result.setdefault(name, value)
        return result

    def multipart(self, file_fields: tuple[str, ...] = ("file",)) -> tuple[dict[str, str], dict[str, bytes]]:
        """A ``multipart/form-data`` body split into text fields and file fields (bytes).

        A part is a file when it has a filename or its name is in ``file_fields`` (some clients send the
        photo without a filename); the first part of each name wins.
        """
        content_type = self.headers.get("Content-Type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            raise HttpError(400, "VALIDATION", "Expected multipart/form-data")
        # email.parser wants a whole MIME message: give it the Content-Type header the client sent.
        head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n"
        raw = head + self.body
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        if not message.is_multipart():
            raise HttpError(400, "VALIDATION", "Malformed multipart body")
        fields: dict[str, str] = {}
        files: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None or name in file_fields:
                files.setdefault(name, payload)
            else:
                fields.setdefault(name, payload.decode("utf-8", "replace"))
        return fields, files


def json_response(status: int, data: object, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    return Response(status, body, "application/json", headers or [])


def error_response(error: HttpError) -> Response:
    return json_response(error.status, {"error": error.code, "message": error.message})


def html_response(status: int, body: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, body.encode("utf-8"), "text/html; charset=utf-8", headers or [])


def redirect(location: str) -> Response:
    """303 See Other: the portal's answer to every POST, so a reload never re-sends the form."""
    return Response(303, b"", "text/plain", [("Location", location)])


def esc(value: object) -> str:
    """HTML-escape anything (None → empty string)."""
    return html.escape("" if value is None else str(value), quote=True)


def is_loopback(address: str) -> bool:
    """True when ``address`` (a client IP as the socket reports it) is a loopback address.

    IPv4-mapped IPv6 (``::ffff:127.0.0.1``) counts as loopback; anything unparsable does not.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback
