"""Browser tests: Playwright's Python API driving Debian's chromium against pytest-django's live_server.

Playwright's sync API runs an event loop in this thread, so Django must allow ORM calls next to it.
Every page visited is screenshotted under test-artifacts/e2e/ (a test's old screenshots removed first); any
console error or page error fails the test.
"""

import glob
import os
import re
from pathlib import Path

import pytest

from conftest import need

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory, live_server):
    """The FAStrack sandbox, allowing the live server to frame its myFAStrack pages (the portal iframe)."""
    from integrations.fastrack.sandbox.testing import Sandbox

    with Sandbox.start(tmp_path_factory.mktemp("e2e-sandbox"), frame_ancestors=live_server.url) as running:
        yield running


@pytest.fixture
def worker_or_none(_session_worker_or_none):
    """The worker for one test, left idle after it (before the database is flushed)."""
    yield _session_worker_or_none
    if _session_worker_or_none is not None:
        _session_worker_or_none.settle()


@pytest.fixture(scope="session")
def _session_worker_or_none(request):
    """The real Celery worker when Redis and PostgreSQL are there (required under CI), else None.

    Session-scoped so it starts before the per-test MEDIA_ROOT: the worker reads photo files where it was
    told at start."""
    try:
        return request.getfixturevalue("_celery_worker_process")
    except pytest.skip.Exception:
        return None


@pytest.fixture(scope="session")
def browser():
    need(os.path.exists(CHROMIUM), f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


class Pages:
    """A browser page that records console errors and screenshots each page it is asked to."""

    def __init__(self, page, name: str):
        self.page = page
        self.errors: list[str] = []
        self.shots = 0
        self.name = name
        # This test's screenshots of an earlier run would mix with this run's under other numbers.
        for stale in ARTIFACTS.glob(glob.escape(name) + "-*.png"):
            stale.unlink()
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def shot(self, label: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        safe = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}-{safe}.png"), full_page=True)


@pytest.fixture
def pages(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    recorder = Pages(page, request.node.name)
    yield recorder
    context.close()
    assert not recorder.errors, "Browser errors:\n" + "\n".join(recorder.errors)
