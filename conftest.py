"""Fixtures every test may use: accounts, users, API clients, a temporary MEDIA_ROOT, and the real
services (PostgreSQL, Redis, a Celery worker) with the CI rule: under CI=true a missing service fails the
test; elsewhere it skips with the reason."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _own_rate_limit_counts(monkeypatch):
    """Each test counts tries (sign-in, reset, tokens) in a cache of its own: the shared cache (Redis under
    CI) would carry one test's tries into the next, which would then meet a 429."""
    import uuid

    from django.core.cache.backends.locmem import LocMemCache
    from rest_framework.throttling import SimpleRateThrottle

    from accounts import limits

    counts = LocMemCache(f"rate-limits-{uuid.uuid4()}", {})
    monkeypatch.setattr(SimpleRateThrottle, "cache", counts)
    monkeypatch.setattr(limits, "CACHE", counts)


@pytest.fixture
def account(db):
    from tests.factories import AccountFactory

    return AccountFactory()


@pytest.fixture
def other_account(db):
    from tests.factories import AccountFactory

    return AccountFactory()


def _user(account, role):
    from tests.factories import UserFactory

    return UserFactory(account=account, role=role)


@pytest.fixture
def owner(account):
    return _user(account, "owner")


@pytest.fixture
def admin_user(account):
    return _user(account, "admin")


@pytest.fixture
def coordinator(account):
    return _user(account, "coordinator")


@pytest.fixture
def field_user(account):
    return _user(account, "field")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def _client_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def coordinator_client(coordinator):
    return _client_for(coordinator)


@pytest.fixture
def field_client(field_user):
    return _client_for(field_user)


@pytest.fixture
def postgres():
    """Skip (or fail under CI) unless the tests run on PostgreSQL."""
    from django.db import connection

    need(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture(scope="session")
def redis_url():
    """The Redis database of this test process, or skip (fail under CI) when Redis is not reachable."""
    from django.conf import settings

    url = getattr(settings, "TEST_REDIS_URL", "")
    need(bool(url), "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        need(False, f"Redis at {url} is not reachable: {exc}")
    return url


@pytest.fixture
def celery_worker(_celery_worker_process):
    """The session's worker, left idle after the test (before its database is flushed), and with the
    session's settings again if the test restarted it with its own."""
    yield _celery_worker_process
    _celery_worker_process.settle()
    if _celery_worker_process.overrides:
        _celery_worker_process.restart()


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, django_db_blocker, redis_url):
    """A real Celery worker process on this test process's own queue and Redis database, using the test
    database. Requires PostgreSQL: the worker and the test must share committed rows."""
    from django.db import connection

    need(
        connection.vendor == "postgresql",
        "a real worker needs PostgreSQL (tests share committed rows with it)",
    )
    from tests.workers import CeleryWorker

    worker = CeleryWorker(database_name=connection.settings_dict["NAME"])
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """One FAStrack sandbox process per test process, on a free port. Tests isolate by vendor name."""
    from integrations.fastrack.sandbox.testing import Sandbox

    with Sandbox.start(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
def vendor(sandbox):
    """A fresh FAStrack vendor login at the sandbox: (username, password)."""
    import uuid

    username, password = f"v-{uuid.uuid4().hex[:10]}", "fastrack-pass"
    sandbox.add_vendor(username, password, abc_numbers=["ABC123456", "XYZ987654"])
    return username, password


@pytest.fixture
def fastrack(account, sandbox, vendor):
    """The account's FAStrack integration pointed at the sandbox, validated."""
    from integrations.models import Health, Integration

    integration = Integration(
        account=account, kind="fastrack", name="AFS", base_url=sandbox.url, health=Health.OK
    )
    integration.set_credentials({"username": vendor[0], "password": vendor[1]})
    integration.save()
    return integration
