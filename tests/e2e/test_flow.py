"""The whole office flow in a real browser: register and password-reset pages, a password reset by e-mail,
sign in, refresh the integration and watch its progress, assign a project, upload photos (choosing files and
dropping one on the drop zone, with the progress bar), approve them and publish from the QA queue, see the
client receive them, the relays, team and new-integration pages, open myFAStrack."""

import base64
import importlib
import json
import os
import re
import threading
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from playwright.sync_api import expect

from integrations.fastrack.sandbox.testing import make_order
from integrations.models import Integration, RefreshRun, RelayItem
from projects.models import Project
from tests.factories import UserFactory
from tests.photos.imagefiles import make_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "violet-Ladder-7391"

# Records, in sessionStorage (it survives the reload that ends an upload), each state the upload form's
# progress bar and status line go through.
WATCH_UPLOAD = """(form) => {
  const bar = form.querySelector("progress"), status = form.querySelector(".upload-status");
  sessionStorage.setItem("upload-states", "[]");
  const record = () => {
    const states = JSON.parse(sessionStorage.getItem("upload-states"));
    states.push({hidden: bar.hidden, value: bar.value, status: status.textContent});
    sessionStorage.setItem("upload-states", JSON.stringify(states));
  };
  const observer = new MutationObserver(record);
  observer.observe(bar, {attributes: true});
  observer.observe(status, {childList: true, characterData: true, subtree: true});
}"""

# A real drop: a DataTransfer built in the page holding the file, dragged over the zone and dropped on it.
# Returns what the zone and the bar look like while dragging and right after the drop.
DROP_FILE = """(zone, [name, b64]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
  const fire = (type) => zone.dispatchEvent(
    new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: transfer}));
  fire("dragenter");
  fire("dragover");
  const highlighted = zone.classList.contains("over");
  const accepted = !fire("drop");  // the zone's handler prevents the browser from opening the file
  const form = zone.closest("form");
  return {
    highlighted, accepted, highlightedAfter: zone.classList.contains("over"),
    barHidden: form.querySelector("progress").hidden,
    status: form.querySelector(".upload-status").textContent,
  };
}"""


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

    # Register and reset pages; the owner resets the password by e-mail and signs in with the new one.
    page.goto(f"{live_server.url}/login/")
    pages.shot("login")
    page.click('a[href="/signup/"]')
    expect(page.locator("h1")).to_have_text("Register your vendor account")
    pages.shot("signup")
    page.goto(f"{live_server.url}/login/")
    page.click('a[href="/password_reset/"]')
    expect(page.locator("h1")).to_have_text("Reset your password")
    pages.shot("password-reset")
    page.fill('input[name="email"]', owner.email)
    page.click('button[type="submit"]')
    expect(page.locator("h1")).to_have_text("Check your e-mail")
    pages.shot("password-reset-sent")
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/reset/\S+/", message.body)[0]
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Choose a new password")
    pages.shot("password-reset-confirm")
    page.fill('input[name="new_password1"]', NEW_PASSWORD)
    page.fill('input[name="new_password2"]', NEW_PASSWORD)
    page.click('button[type="submit"]')
    expect(page.locator("h1")).to_have_text("Password set")
    page.get_by_role("link", name="Sign in").click()

    # Sign in.
    page.fill('input[name="username"]', owner.email)
    page.fill('input[name="password"]', NEW_PASSWORD)
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
    expect(page.locator("#health")).to_contain_text("OK")  # the badge follows the refresh without a reload
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

    # Upload two photos onto the Grass Cut task, Before, by choosing the files.
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

    # And one more, After, dropped onto the drop zone: the bar shows at once and reaches the end.
    page.select_option('form.upload select[name="evidence_type"]', "after")
    page.locator("form.upload").evaluate(WATCH_UPLOAD)
    dropped = base64.b64encode(make_jpeg(seed=99)).decode()
    with page.expect_navigation():
        during = page.locator("form.upload .dropzone").evaluate(DROP_FILE, ["IMG_drop.jpg", dropped])
    assert during == {
        "highlighted": True,
        "accepted": True,
        "highlightedAfter": False,
        "barHidden": False,
        "status": "Uploading 1 photo(s)…",
    }
    states = json.loads(page.evaluate("sessionStorage.getItem('upload-states')"))
    assert states[0]["hidden"] is False and states[0]["value"] == 0, states
    assert states[-1] == {"hidden": False, "value": 100, "status": "Uploaded 1 photo(s)."}, states
    expect(page.locator("article.task .thumb")).to_have_count(3)
    pages.shot("project-dropped")

    # QA: open the queue, approve with the keyboard, then publish from the queue.
    page.goto(f"{live_server.url}/qa/")
    pages.shot("qa-queue")
    page.locator(".thumbs a").first.click()
    expect(page.locator(".qa-view img")).to_be_visible()
    pages.shot("qa-photo")
    # Each approval loads the next photo: wait for that page, or the next key lands on the one going away
    # (the message alone cannot tell, the previous page showed it too).
    for _ in range(2):
        with page.expect_navigation():
            page.keyboard.press("a")
        expect(page.locator(".messages")).to_contain_text("Approved.")
    with page.expect_navigation():
        page.keyboard.press("a")
    expect(page.get_by_text("Nothing waits for QA.")).to_be_visible()
    publish = page.locator("#publish").get_by_role("button", name=re.compile("Publish 3 photos"))
    expect(page.locator("#publish")).to_contain_text(project.name)
    pages.shot("qa-publish")
    publish.click()
    expect(page.locator(".messages")).to_contain_text("Published 3 photo(s).")
    assert page.url == f"{live_server.url}/qa/"
    expect(page.locator("#publish")).to_have_count(0)

    def sent():
        return RelayItem.objects.filter(project=project, status="sent").count() == 3

    if worker_or_none is None:
        from integrations.relay_delivery import run_batch

        run_batch("e2e")
        assert sent()
    else:
        worker_or_none.wait_for(sent, timeout=60)
    received = sandbox.received("photos", vendor[0], "880001")
    assert sorted(p["flag"] for p in received) == [
        "Grass Cut - After",
        "Grass Cut - Before",
        "Grass Cut - Before",
    ]
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.locator(".badge.relay-sent")).to_have_count(3)
    pages.shot("project-published")

    # The relays, the team and a member, and adding an integration.
    page.click('nav a[href="/relays/"]')
    expect(page.locator("h1")).to_have_text("Failed and held relays")
    pages.shot("relays")
    page.click('nav a[href="/team/"]')
    expect(page.locator("table")).to_contain_text("Crew Carla")
    pages.shot("team")
    page.locator("tr", has_text="Crew Carla").get_by_role("link", name="Edit").click()
    expect(page.locator("h1")).to_contain_text("Crew Carla")
    pages.shot("team-member")
    page.goto(f"{live_server.url}/integrations/new")
    expect(page.locator("h1")).to_have_text("Add an integration")
    pages.shot("integration-new")

    # myFAStrack, embedded.
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("button", name="myFAStrack").click()
    frame = page.frame_locator("iframe.portal")
    expect(frame.locator("body")).to_contain_text("880001", timeout=20_000)
    pages.shot("portal")
