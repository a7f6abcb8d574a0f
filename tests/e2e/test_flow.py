"""The whole office flow in a real browser: sign in, refresh the integration and watch its progress, assign a
project, upload photos, approve and publish them, see the client receive them, open myFAStrack."""

import importlib
import os
import re
import threading
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from integrations.fastrack.sandbox.testing import make_order
from integrations.models import Integration, RefreshRun
from projects.models import Project
from tests.factories import UserFactory
from tests.photos.imagefiles import make_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's


def _worker_media_root(worker) -> str:
    """Where the worker process stores and reads photo files (its environment at start)."""
    environ = Path(f"/proc/{worker.process.pid}/environ").read_bytes().split(b"\0")
    found = [v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"MEDIA_ROOT=")]
    return (
        found[0] if found else str(importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"]).MEDIA_ROOT)
    )


def _run_refresh_here() -> None:
    """No worker: run the refresh the page requested in this process, as a worker would."""
    from integrations.refresh import execute_run

    run = RefreshRun.objects.filter(status="queued").order_by("-pk").first()
    assert run is not None, "the page requested no refresh"

    def work():
        try:
            execute_run(run_id=run.pk)
        finally:
            connection.close()  # this thread's connection would keep the test database from being dropped

    threading.Thread(target=work, daemon=True).start()


def test_office_flow(pages, live_server, sandbox, vendor, worker_or_none, account, settings, tmp_path):
    page = pages.page
    if worker_or_none is not None:
        settings.MEDIA_ROOT = _worker_media_root(worker_or_none)
    owner = UserFactory(account=account, role="owner", email="owner-e2e@example.test")
    crew = UserFactory(account=account, role="field", full_name="Crew Carla")
    integration = Integration(
        account=account, kind="fastrack", name="AFS", base_url=sandbox.url, qa_in_field=False
    )
    integration.set_credentials({"username": vendor[0], "password": vendor[1]})
    integration.save()
    sandbox.add_orders(vendor[0], [make_order(880001 + i) for i in range(12)])

    # Sign in.
    page.goto(f"{live_server.url}/login/")
    pages.shot("login")
    page.fill('input[name="username"]', owner.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page.locator("h1")).to_have_text(account.name)
    pages.shot("dashboard")

    # Refresh and watch the progress bar reach the end.
    page.goto(f"{live_server.url}/integrations/")
    pages.shot("integrations")
    page.click(f'a[href="/integrations/{integration.pk}/"]')
    page.get_by_role("button", name="Refresh", exact=True).click()
    expect(page.locator("#run progress")).to_be_visible()
    if worker_or_none is None:
        _run_refresh_here()
    counts = page.locator('#run .counts[data-status="succeeded"]')
    try:
        expect(counts).to_contain_text("12 created", timeout=60_000)
    except AssertionError as exc:
        worker_log = "".join(worker_or_none.output[-60:]) if worker_or_none else "(no worker)"
        raise AssertionError(f"{exc}\nWorker log:\n{worker_log}") from exc
    expect(page.locator("#run progress")).to_have_attribute("value", "100")
    expect(page.locator("#import-log")).to_contain_text("Refresh finished: 12 created")
    pages.shot("refreshed")

    # Assign a project to the crew from the projects table.
    page.goto(f"{live_server.url}/projects/?search=880001")
    pages.shot("projects")
    project = Project.objects.get(account=account, source_ref="880001")
    page.check(f'input[name="ids"][value="{project.pk}"]')
    page.select_option('select[name="action"]', "assign")
    page.select_option('#bulk select[name="assignee"]', str(crew.pk))
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".messages")).to_contain_text("Assign: 1 project(s) done.")
    project.refresh_from_db()
    assert project.assignee == crew

    # Upload two photos onto the Grass Cut task, Before.
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    files = []
    for i in range(2):
        path = tmp_path / f"IMG_{i}.jpg"
        path.write_bytes(make_jpeg(seed=i * 7 + 1))
        files.append(str(path))
    page.select_option('form.upload select[name="evidence_type"]', "before")
    with page.expect_navigation():
        page.set_input_files('form.upload input[type="file"]', files)
    expect(page.locator("article.task .thumb")).to_have_count(2)
    pages.shot("project-uploaded")

    # QA: open the queue, approve with the keyboard, then publish.
    page.goto(f"{live_server.url}/qa/")
    pages.shot("qa-queue")
    page.locator(".thumbs a").first.click()
    expect(page.locator(".qa-view img")).to_be_visible()
    pages.shot("qa-photo")
    page.keyboard.press("a")
    expect(page.locator(".messages")).to_contain_text("Approved.")
    page.keyboard.press("a")
    expect(page.get_by_text("Nothing waits for QA.")).to_be_visible()
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("button", name=re.compile("Publish 2 photos")).click()
    expect(page.locator(".messages")).to_contain_text("Published 2 photo(s).")
    if worker_or_none is None:
        from integrations.relay_delivery import run_batch

        run_batch("e2e")
        received = sandbox.received("photos", vendor[0], "880001")
    else:
        received = worker_or_none.wait_for(
            lambda: (
                len(sandbox.received("photos", vendor[0], "880001")) == 2
                and sandbox.received("photos", vendor[0], "880001")
            ),
            timeout=60,
        )
    assert sorted(p["flag"] for p in received) == ["Grass Cut - Before", "Grass Cut - Before"]
    page.reload()
    expect(page.locator(".badge.relay-sent")).to_have_count(2)
    pages.shot("project-published")

    # myFAStrack, embedded.
    page.get_by_role("button", name="myFAStrack").click()
    frame = page.frame_locator("iframe.portal")
    expect(frame.locator("body")).to_contain_text("880001", timeout=20_000)
    pages.shot("portal")
