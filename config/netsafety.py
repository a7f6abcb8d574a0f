"""URLs that users type (integration base URLs, WMS add-on URLs) must not reach into our own network in
production. Checked when saved and again before each request, since DNS answers can change."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def check_public_url(url: str) -> None:
    """Raise ValidationError unless ``url`` is http(s) and, in production, resolves only to public
    addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Enter an http:// or https:// URL.")
    if getattr(settings, "ALLOW_PRIVATE_URLS", False):
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(f"The host {parts.hostname} cannot be resolved.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ValidationError(
                f"The host {parts.hostname} points at a private or local address ({address})."
            )
