"""The FAStrack client calls only where a user-typed URL may point, and never follows a redirect."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from integrations.base import SourceError
from integrations.fastrack.client import FAStrackClient


@pytest.fixture
def production(settings):
    settings.ALLOW_PRIVATE_URLS = False
    settings.PRIVATE_URL_HOSTS = []
    return settings


def test_a_private_address_is_refused_before_any_request(production, sandbox, vendor):
    client = FAStrackClient(sandbox.url, *vendor)
    with pytest.raises(SourceError, match="not allowed: The host 127.0.0.1 resolves to 127.0.0.1"):
        client.ping()
    # An operator can name a host that may be private (the compose stack's sandbox).
    production.PRIVATE_URL_HOSTS = ["127.0.0.1"]
    assert client.ping()["vendor"]["username"] == vendor[0]


@pytest.fixture
def redirecting_server(sandbox):
    """A server that sends every request elsewhere, as a hijacked or misconfigured host might."""

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.send_response(302)
            self.send_header("Location", sandbox.url + self.path)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_redirects_are_not_followed(redirecting_server, vendor):
    client = FAStrackClient(redirecting_server, *vendor)
    with pytest.raises(SourceError, match="302, a redirect to .*redirects are not followed"):
        client.ping()


@pytest.mark.django_db
def test_saving_an_integration_at_a_private_address_is_refused(production, owner):
    from django.core.exceptions import ValidationError

    from accounts.actors import Actor
    from integrations.models import Integration
    from integrations.services import integration_create

    with pytest.raises(ValidationError, match="loopback or private address"):
        integration_create(
            actor=Actor.for_user(owner),
            kind="fastrack",
            name="AFS",
            base_url="http://10.0.0.8:8765",
            credentials={"username": "u", "password": "p"},
        )
    assert not Integration.objects.exists()
