"""Where a user-entered URL may point (DESIGN.md §8): integration base URLs and WMS add-on URLs.

Outside production (``ALLOW_PRIVATE_URLS``) anything http(s) goes, so tests and the sandbox can live on
127.0.0.1. In production a URL whose host resolves to a loopback, private, link-local, shared, reserved or
multicast address is refused: when it is saved, again right before each request, and, through
``PublicOnlyAdapter``, on the address each connection actually reached, before a byte is sent (a name can
resolve to a public address for the check and a private one for the connection: DNS rebinding). Only host
names the operator lists in ``PRIVATE_URL_HOSTS`` are let through (the compose stack's sandbox).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

SCHEMES = ("http", "https")


class UnsafeUrl(Exception):
    """The URL may not be called from here; the message says why."""


# NAT64 prefixes (RFC 6052's well-known one, RFC 8215's local-use one) and the deprecated IPv4-compatible
# form: the IPv4 address in the last 32 bits is what a translator on the way would reach.
_EMBEDDING_IPV4 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96"))


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv6 address can carry an IPv4 one inside; the inner one is what the packets reach.
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and any(ip in net for net in _EMBEDDING_IPV4):
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return _is_public(inner)
    return ip.is_global and not ip.is_multicast


def _private_allowed(host: str) -> bool:
    return getattr(settings, "ALLOW_PRIVATE_URLS", False) or host.lower() in getattr(
        settings, "PRIVATE_URL_HOSTS", ()
    )


def check_url(url: str) -> None:
    """Raise UnsafeUrl unless ``url`` is http(s) with a host that, in production, resolves only to public
    addresses."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"Not a valid URL: {exc}.") from exc
    if parts.scheme not in SCHEMES:
        raise UnsafeUrl("Only http and https URLs are allowed.")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("The URL has no host.")
    if _private_allowed(host):
        return  # outside production, or named by the operator (the compose stack's sandbox)
    try:
        infos = socket.getaddrinfo(
            host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"The host {host} cannot be resolved.") from exc
    # Every address must be public: a resolver answering one public and one private address could hand the
    # private one to the request that follows.
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not _is_public(ip):
            raise UnsafeUrl(f"The host {host} resolves to {ip}, a loopback or private address.")


def validate_public_url(value: str) -> None:
    """The model field's validator: ``check_url`` as a Django ValidationError."""
    try:
        check_url(value)
    except UnsafeUrl as exc:
        raise ValidationError(str(exc), code="unsafe_url") from exc


def _check_peer(sock, host: str) -> None:
    if _private_allowed(host):
        return
    ip = ipaddress.ip_address(sock.getpeername()[0].split("%", 1)[0])
    if not _is_public(ip):
        sock.close()
        raise UnsafeUrl(f"The host {host} led to {ip}, a loopback or private address.")


class _PeerChecked:
    """Mixed into urllib3's connection classes: the socket is checked as soon as it is connected."""

    def _new_conn(self):
        sock = super()._new_conn()
        _check_peer(sock, self.host)
        return sock


class _CheckedHTTPConnection(_PeerChecked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_PeerChecked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    """A requests adapter whose connections are checked where they landed: the peer address of each new
    connection must pass ``check_url``'s rule, or the socket is closed before the request is written and
    ``UnsafeUrl`` is raised. Mount it on sessions that call URLs users typed, without environment proxies
    (``trust_env = False``: through a proxy the peer would be the proxy)."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}
