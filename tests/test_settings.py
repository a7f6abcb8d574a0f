"""Settings read from the environment, and what production refuses to start without."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def settings_in(env: dict, expression: str) -> subprocess.CompletedProcess:
    """Evaluate ``expression`` against settings loaded in a fresh interpreter with only ``env`` set."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print({expression})",
        ],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        cwd=str(ROOT),
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_each_secret_and_service(tmp_path, missing):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATA_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 50,
        "FIELD_ENCRYPTION_KEY": "k",
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/d",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    del env[missing]
    result = settings_in(env, "settings.DEBUG")
    assert result.returncode != 0 and f"{missing} must be set in production" in result.stderr


def test_tunables_come_from_the_environment(tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATA_DIR": str(tmp_path),
        "WMS_MAX_ATTEMPTS": "3",
        "WMS_OUTBOX_SETTLE_SECONDS": "15",
        "RELAY_MAX_ATTEMPTS": "5",
        "CELERY_QUEUE": "elsewhere",
    }
    result = settings_in(
        env,
        "settings.WMS_MAX_ATTEMPTS, settings.WMS_OUTBOX_SETTLE_SECONDS, settings.RELAY_MAX_ATTEMPTS, "
        "settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_ACCEPT_CONTENT, settings.CELERY_TASK_SERIALIZER",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3 15 5 elsewhere ['json'] json"


def test_without_redis_celery_uses_a_filesystem_broker_under_data_dir(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "DATA_DIR": str(tmp_path)}
    result = settings_in(env, "settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("filesystem://") and str(tmp_path) in result.stdout


@pytest.mark.django_db
def test_healthz_is_503_naming_the_broker_when_it_is_down(client, monkeypatch):
    from config.celery import app

    # A broker address where nothing listens (port 9, discard): what a stopped Redis looks like.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"] == "ok"
    assert body["broker"].startswith("error: ")


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    """The laptop database: the web server, a worker and beat share one file."""
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "DATA_DIR": str(tmp_path)}
    result = settings_in(
        env,
        "__import__('django.db').db.connection.cursor().execute('PRAGMA journal_mode').fetchone()[0], "
        "settings.DATABASES['default']['OPTIONS']['transaction_mode']",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "IMMEDIATE"]
