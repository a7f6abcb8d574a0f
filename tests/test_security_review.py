"""Security review: what the sweeps (tests/api/test_tenancy_walk.py, tests/pages/test_page_walk.py,
tests/pages/test_form_fuzz.py, tests/concurrency/) do not cover.

Each finding is a test marked ``xfail(strict=True)``: it fails today for the reason given and will XPASS, so
CI will say so, once the fix lands (then drop the marker). The other tests are checks that passed and that no
other test pins down yet.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import Role, User, UserToken
from accounts.services import user_token_issue
from accounts.throttles import TokenObtainAddressThrottle
from config.netsafety import UnsafeUrl, check_url
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
NEW_PASSWORD = "violet-Ladder-7391"


def _browser(user=None, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- Production settings ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory) -> dict:
    """config.settings.production as loaded in a fresh interpreter with the required environment only."""
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "X_FRAME_OPTIONS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "ALLOW_PRIVATE_URLS",
        "SECURE_HSTS_SECONDS",
        "USE_X_FORWARDED_HOST",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATA_DIR": str(tmp_path_factory.mktemp("prod")),
        "SECRET_KEY": "x" * 50,
        "FIELD_ENCRYPTION_KEY": "k",
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/d",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=str(ROOT), check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_turns_debug_off_and_cookies_secure_and_forbids_framing(production_settings):
    s = production_settings
    assert s["DEBUG"] is False and s["ALLOW_PRIVATE_URLS"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    # Nobody may frame our pages; the myFAStrack iframe is the other way round (FAStrack's frame-ancestors).
    assert s["X_FRAME_OPTIONS"] == "DENY" and s["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert not s["USE_X_FORWARDED_HOST"]


def test_production_sends_hsts(production_settings):
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31_536_000


def test_pages_answer_x_frame_options_deny(owner):
    assert _browser(owner).get("/")["X-Frame-Options"] == "DENY"


# --- Sign-in, sessions, redirects ------------------------------------------------------------------------


def test_signing_in_gives_a_new_session_key(owner):
    """No session fixation: the session an anonymous visitor had does not become the signed-in one."""
    client = Client()
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    response = client.post("/login/", {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before and not Session.objects.filter(session_key=before).exists()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
    ],
)
def test_sign_in_never_redirects_off_site(owner, target):
    client = Client()
    response = client.post(f"/login/?next={target}", {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    response = client.get("/login/", {"next": target})  # already signed in: redirect_authenticated_user
    assert response.status_code == 302 and response["Location"] == "/"


def test_sign_in_says_the_same_for_an_unknown_email_a_wrong_password_and_an_inactive_user(account):
    gone = UserFactory(account=account, is_active=False)
    known = UserFactory(account=account)

    def error(email, password):
        body = Client().post("/login/", {"username": email, "password": password}).content.decode()
        return re.search(r'<p role="alert">(.*?)</p>', body, re.S)[1].strip()

    unknown = error("nobody-here@example.test", PASSWORD)
    assert unknown and error(known.email, "wrong") == unknown and error(gone.email, PASSWORD) == unknown


def test_the_reset_e_mail_never_links_to_a_host_the_caller_names(owner):
    response = Client().post("/password_reset/", {"email": owner.email}, HTTP_HOST="evil.example")
    assert response.status_code == 400 and mail.outbox == []


def test_sign_in_page_limits_password_guessing(owner):
    client = Client()
    tries = [client.post("/login/", {"username": owner.email, "password": f"guess-{i}"}) for i in range(30)]
    limited = any(r.status_code == 429 for r in tries)
    client.post("/login/", {"username": owner.email, "password": PASSWORD})
    assert limited or "_auth_user_id" not in client.session


def test_password_reset_e_mails_are_rate_limited(owner):
    client = Client()
    for _ in range(10):
        client.post("/password_reset/", {"email": owner.email})
    assert len(mail.outbox) <= 3


@pytest.mark.xfail(
    strict=True,
    reason="accounts.services.account_create answers 'A user with this e-mail already exists.' on the open "
    "sign-up page (and user_create on the team page / POST /users/ for any account): who has an account "
    "can be enumerated, unthrottled",
)
def test_sign_up_does_not_tell_whether_an_e_mail_is_registered(owner):
    response = Client().post(
        "/signup/",
        {
            "company": "Probe Inc",
            "full_name": "Probe",
            "email": owner.email,
            "password": NEW_PASSWORD,
            "time_zone": "America/Chicago",
        },
    )
    assert "already exists" not in response.content.decode()


def test_changing_ones_own_password_retires_ones_tokens(owner):
    issued = user_token_issue(user=owner)
    response = _browser(owner).post(
        "/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302  # changed
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert client.get("/api/v1/users/me").status_code == 401
    assert UserToken.objects.get(pk=issued.record.pk).revoked_at is not None


# --- Token sign-in throttle ------------------------------------------------------------------------------


def test_token_sign_in_is_limited_per_address(db):
    limit = int(TokenObtainAddressThrottle.rate.split("/")[0])
    client = APIClient()
    codes = [
        client.post("/api/v1/tokens/", {"email": f"n{i}@example.test", "password": "x"}).status_code
        for i in range(limit + 1)
    ]
    assert codes[:limit] == [400] * limit and codes[-1] == 429


def test_a_forged_x_forwarded_for_does_not_escape_the_address_limit(db):
    limit = int(TokenObtainAddressThrottle.rate.split("/")[0])
    client = APIClient()
    codes = [
        client.post(
            "/api/v1/tokens/",
            {"email": f"n{i}@example.test", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(limit + 5)
    ]
    assert 429 in codes


# --- CSRF on every state-changing route -------------------------------------------------------------------


def _routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and "^" not in route:
            yield route


def _filled(route: str) -> str:
    def value(match):
        return {"int": "1", "uuid": str(uuid.uuid4())}.get(match[1] or "str", "x")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", value, route)


def _our_routes(api: bool) -> list[str]:
    routes = sorted({_filled(r) for r in _routes() if not r.startswith(("admin/", "static/"))})
    return [r for r in routes if r.startswith("/api/") == api]


def test_every_page_refuses_a_post_without_the_csrf_token(owner):
    client = _browser(owner, csrf=True)
    pages = _our_routes(api=False)
    assert len(pages) > 30
    let_through = []
    for path in pages:
        response = client.post(path, {})
        if response.status_code != 403 or b"CSRF" not in response.content:
            let_through.append((path, response.status_code))
    assert not let_through


def test_the_api_with_a_session_refuses_writes_without_the_csrf_token(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    paths = [p for p in _our_routes(api=True) if p != "/api/v1/tokens/"]  # signing in: no session used
    assert len(paths) > 30
    let_through = []
    for path in paths:
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(path, {}, format="json")
            # The Swagger page renders its refusal as a bare "403 Forbidden".
            refused = b"CSRF" in response.content or path == "/api/docs/"
            if response.status_code != 403 or not refused:
                let_through.append((method, path, response.status_code))
    assert not let_through


# --- Roles: the team page and the users API ---------------------------------------------------------------


def test_an_admin_cannot_set_an_owners_password(owner, admin_user):
    response = _browser(admin_user).post(f"/team/{owner.pk}/password", {"password": NEW_PASSWORD})
    owner.refresh_from_db()
    assert response.status_code == 403 and owner.check_password(PASSWORD)


def test_an_admin_cannot_demote_an_owner_on_the_team_page(owner, admin_user):
    UserFactory(account=owner.account, role=Role.OWNER)  # a second owner: the last-owner rule is not it
    response = _browser(admin_user).post(
        f"/team/{owner.pk}/", {"full_name": "Demoted", "role": "field", "is_active": ""}
    )
    owner.refresh_from_db()
    assert response.status_code == 403 and owner.role == Role.OWNER and owner.is_active


def test_the_users_api_ignores_fields_it_does_not_let_anyone_change(admin_user, field_user, other_account):
    response = _api(admin_user).patch(
        f"/api/v1/users/{field_user.pk}/",
        {"is_staff": True, "is_superuser": True, "account": other_account.pk, "email": "x@evil.example"},
        format="json",
    )
    assert response.status_code == 200
    field_user.refresh_from_db()
    assert (field_user.is_staff, field_user.is_superuser, field_user.account_id) == (
        False,
        False,
        admin_user.account_id,
    )
    assert field_user.email != "x@evil.example"


def test_nobody_raises_their_own_role(admin_user, field_user, coordinator):
    assert _api(admin_user).patch(f"/api/v1/users/{admin_user.pk}/", {"role": "owner"}).status_code == 403
    for user in (field_user, coordinator):
        assert _api(user).patch(f"/api/v1/users/{user.pk}/", {"role": "admin"}).status_code == 403
    made = _api(admin_user).post("/api/v1/users/", {"email": "boss@example.test", "role": "owner"})
    assert made.status_code == 403 and not User.objects.filter(email="boss@example.test").exists()
    # The team page offers no role above the admin's own either.
    page = _browser(admin_user).get(f"/team/{field_user.pk}/").content.decode()
    assert 'value="owner"' not in page


# --- The Django admin -------------------------------------------------------------------------------------


def test_sub_users_cannot_open_the_django_admin_and_it_never_shows_credentials(owner, account):
    response = _browser(owner).get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

    from integrations.models import Integration

    integration = Integration(account=account, kind="fastrack", name="AFS", base_url="https://f.example.test")
    integration.set_credentials({"username": "vendor-login", "password": "s3cret-Pa55word"})
    integration.save()
    staff = User.objects.create_superuser("staff@example.test", NEW_PASSWORD)
    body = _browser(staff).get(f"/admin/integrations/integration/{integration.pk}/change/").content.decode()
    assert "s3cret-Pa55word" not in body and integration.credentials_encrypted not in body


# --- Photos and uploads -----------------------------------------------------------------------------------


def test_media_is_never_served_directly(settings, owner):
    stored = Path(settings.MEDIA_ROOT) / "photos" / "1" / "1" / "secret.jpg"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"\xff\xd8not-public")
    client = _browser(owner)
    for url in ("/media/photos/1/1/secret.jpg", "/static/photos/1/1/secret.jpg", "/photos/1/1/secret.jpg"):
        assert client.get(url).status_code == 404, url
    assert not any(r.startswith(("media", "uploads")) for r in _routes())


def test_an_oversized_upload_is_cut_off_while_it_streams(settings, monkeypatch, account, coordinator):
    from django.core.files import uploadhandler

    settings.PHOTO_MAX_BYTES = 100_000
    received = []
    for cls in (uploadhandler.MemoryFileUploadHandler, uploadhandler.TemporaryFileUploadHandler):
        original = cls.receive_data_chunk

        def counting(self, raw_data, start, _original=original):
            if getattr(self, "activated", True):
                received.append(len(raw_data))
            return _original(self, raw_data, start)

        monkeypatch.setattr(cls, "receive_data_chunk", counting)
    project = ProjectFactory(account=account)
    task = TaskFactory(project=project, name="Lawn")
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + bytes(4_000_000), content_type="image/jpeg")
    response = _api(coordinator).post(
        f"/api/v1/projects/{project.pk}/photos/",
        {"file": big, "task": task.pk, "evidence_type": "before"},
        format="multipart",
    )
    assert 400 <= response.status_code < 500
    assert sum(received) <= settings.PHOTO_MAX_BYTES + 2 * 65_536


# --- The myFAStrack iframe --------------------------------------------------------------------------------


def test_the_portal_iframe_only_loads_an_https_url(monkeypatch, account, coordinator):
    from integrations.fastrack.client import FAStrackClient
    from integrations.models import Integration

    integration = Integration(account=account, kind="fastrack", name="AFS", base_url="https://f.example.test")
    integration.set_credentials({"username": "u", "password": "p"})
    integration.save()
    project = ProjectFactory(account=account, integration=integration, source_ref="1001")
    page = _browser(coordinator)

    answer = {"url": "https://f.example.test/portal/t0k3n"}
    monkeypatch.setattr(FAStrackClient, "post_json", lambda self, path, body: answer)
    body = page.get(f"/projects/{project.pk}/portal").content.decode()
    assert 'src="https://f.example.test/portal/t0k3n"' in body  # the ordinary case works

    answer["url"] = "javascript:alert(document.cookie)"
    body = page.get(f"/projects/{project.pk}/portal").content.decode()
    assert "javascript:" not in body


# --- Secrets in answers -----------------------------------------------------------------------------------


def test_api_answers_that_show_a_secret_once_are_not_cached(owner):
    client = _api(owner)
    addon = client.post(
        "/api/v1/wms/addons/", {"name": "WMS", "url": "https://wms.example.test/hook"}, format="json"
    )
    share = client.post("/api/v1/shares/", {"name": "Sub Co"}, format="json")
    assert addon.status_code == share.status_code == 201
    assert "no-store" in addon.get("Cache-Control", "") and "no-store" in share.get("Cache-Control", "")


def test_celery_tasks_take_ids_only():
    """No credential or secret ever sits in the broker: our tasks take ids or nothing."""
    import inspect

    from config.celery import app

    app.loader.import_default_modules()
    ours = {n: t for n, t in app.tasks.items() if n.startswith(("integrations.", "wms_addons."))}
    assert len(ours) >= 5
    for name, task in ours.items():
        params = inspect.signature(task.run).parameters
        assert all(p.endswith("_id") for p in params), (name, list(params))


# --- SSRF ---------------------------------------------------------------------------------------------------


@pytest.fixture
def production_urls(settings):
    settings.ALLOW_PRIVATE_URLS = False
    settings.PRIVATE_URL_HOSTS = []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.1:8000/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0.0.0.0/",
        "http://localhost/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[2002:7f00:1::]/",
        "http://[fd00::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://public.example@10.0.0.8/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
    ],
)
def test_private_addresses_in_every_spelling_are_refused(production_urls, url):
    with pytest.raises(UnsafeUrl):
        check_url(url)


def test_nat64_spellings_of_private_addresses_are_refused(production_urls):
    with pytest.raises(UnsafeUrl):
        check_url("http://[64:ff9b::a9fe:a9fe]/latest/meta-data/")


@pytest.fixture
def internal_server():
    """A service on loopback that an SSRF would reach; it records every request."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            hits.append(self.path)
            body = b'{"vendor": {"username": "internal"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, hits
    server.shutdown()
    server.server_close()


def test_dns_rebinding_does_not_reach_loopback(production_urls, monkeypatch, internal_server):
    from integrations.fastrack.client import FAStrackClient

    port, hits = internal_server
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, *args, **kwargs):
        if host != "rebind.example.test":
            return real(host, *args, **kwargs)
        lookups.append(host)
        address = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    # A fix that connects to the address it checked would try the public one: let that fail fast.
    monkeypatch.setattr("integrations.fastrack.client.CONNECT_TIMEOUT", 0.2)
    client = FAStrackClient(f"http://rebind.example.test:{port}", "u", "p")
    client.session.trust_env = False  # no proxy from the environment in the way of the demonstration
    with contextlib.suppress(Exception):  # refusing in any way is the fix
        client.ping()
    assert lookups and hits == []
