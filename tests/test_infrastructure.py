"""Settings, health, schema, commands and the worker plumbing."""

import io
import subprocess
import sys

import pytest
from django.core.management import call_command

from accounts.models import Account, ApiKey, User
from config.settings.keys import dev_field_encryption_key, dev_secret_key
from projects.models import Project


def test_dev_keys_are_generated_once_into_data_dir(tmp_path):
    first = dev_secret_key(tmp_path)
    assert len(first) > 40 and dev_secret_key(tmp_path) == first
    key = dev_field_encryption_key(tmp_path)
    assert dev_field_encryption_key(tmp_path) == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_settings_require_secrets(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(__import__("pathlib").Path(__file__).parent.parent),
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    body = response.json()
    assert body["database"] == "ok"
    assert "broker" in body
    assert response.status_code == (200 if body["broker"] == "ok" else 503)


@pytest.mark.django_db
def test_schema_and_docs_need_no_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/projects/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html and "unpkg" not in html and "/static/drf_spectacular_sidecar/" in html


@pytest.mark.django_db
def test_migrations_are_in_step_with_models():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


@pytest.mark.django_db
def test_create_account_and_api_key_commands():
    out = io.StringIO()
    call_command(
        "create_account",
        name="Acme Preservation",
        owner_email="o@acme.test",
        owner_password="a long passphrase",
        stdout=out,
    )
    slug = out.getvalue().strip()
    assert Account.objects.get(slug=slug).users.get().role == "owner"
    out = io.StringIO()
    call_command("create_api_key", account=slug, name="WMS", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("vdk_") and ApiKey.objects.get(account__slug=slug).prefix == key[:10]


@pytest.mark.django_db
def test_demo_command_is_idempotent():
    call_command("demo", no_fastrack=True, stdout=io.StringIO())
    call_command("demo", no_fastrack=True, stdout=io.StringIO())
    assert Account.objects.count() == 1
    assert sorted(User.objects.values_list("role", flat=True)) == ["coordinator", "field", "field", "owner"]
    assert Project.objects.count() == 4


@pytest.mark.django_db
def test_sign_in_page_and_dashboard(client, owner):
    assert client.get("/").status_code == 302
    page = client.get("/login/")
    assert page.status_code == 200 and b"Sign in" in page.content
    response = client.post("/login/", {"username": owner.email, "password": "correct horse battery"})
    assert response.status_code == 302
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and owner.account.name.encode() in dashboard.content


@pytest.mark.django_db
def test_signup_creates_an_account_with_its_owner(client):
    response = client.post(
        "/signup/",
        {
            "company": "Hill Country Preservation",
            "full_name": "Hana Hill",
            "email": "hana@hill.test",
            "password": "a long passphrase",
            "time_zone": "America/Chicago",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="hana@hill.test")
    assert user.role == "owner" and user.account.name == "Hill Country Preservation"


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_real_worker_runs_a_task_sent_through_redis(celery_worker):
    from config.celery import ping

    result = ping.apply_async()
    assert result.get(timeout=30) == "pong"


def test_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/integrations/{id}/refresh" in (tmp_path / "schema.yml").read_text()
