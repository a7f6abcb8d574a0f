"""Rate-limit counts of a test's own (imported by the conftests of the tests that sign in for tokens)."""

import uuid

import pytest


@pytest.fixture(autouse=True)
def own_throttle_counts(monkeypatch):
    """Each test counts tries in a cache of its own: the shared cache (Redis under CI) would carry one test's
    sign-in tries into the next, which would then meet a 429."""
    from django.core.cache.backends.locmem import LocMemCache
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))
