"""The integrations API: write-only credentials, roles, Validate, Refresh, the log, publish, portal link."""

import re

import pytest
import requests

from integrations.models import Integration, RefreshRun, RelayItem
from tests.factories import ProjectFactory, UserFactory

from .helpers import make_order, refresh_now
from .relaying import add_photos, drain, imported_project

pytestmark = pytest.mark.django_db


def test_create_never_returns_credentials(owner_client, sandbox, vendor, account):
    response = owner_client.post(
        "/api/v1/integrations/",
        {
            "kind": "fastrack",
            "name": "AFS",
            "base_url": sandbox.url,
            "credentials": {"username": vendor[0], "password": vendor[1]},
            "qa_in_field": False,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["credentials"] == "set" and vendor[1] not in response.content.decode()
    pk = body["id"]
    detail = owner_client.get(f"/api/v1/integrations/{pk}/")
    assert vendor[1] not in detail.content.decode() and "password" not in detail.json()
    assert owner_client.post(f"/api/v1/integrations/{pk}/validate").json() == {
        "ok": True,
        "message": "Success",
    }
    bad = owner_client.patch(
        f"/api/v1/integrations/{pk}/",
        {"credentials": {"username": vendor[0], "password": "wrong"}},
        format="json",
    )
    assert bad.json()["health"] == "unknown"
    result = owner_client.post(f"/api/v1/integrations/{pk}/validate").json()
    assert result["ok"] is False and result["message"].startswith("Sub-user validation failed")
    assert Integration.objects.get(pk=pk).health == "auth_failed"


@pytest.mark.parametrize(
    "credentials, message",
    [
        ({}, "Enter the username and password."),
        ({"username": "v", "password": "  "}, "Enter the password."),
        ({"share_key": "x"}, "Enter the username and password."),
    ],
)
def test_a_fastrack_integration_needs_its_whole_login(owner_client, sandbox, credentials, message, fastrack):
    """Seed 000: the integration is set up with the FAStrack username and password; half a login would
    fail at every refresh, so it is refused when entered, on create and on update alike."""
    made = owner_client.post(
        "/api/v1/integrations/",
        {"kind": "fastrack", "name": "AFS 2", "base_url": sandbox.url, "credentials": credentials},
        format="json",
    )
    assert made.status_code == 400 and made.json()["errors"]["credentials"] == [message]
    assert not Integration.objects.filter(name="AFS 2").exists()
    before = fastrack.credentials_encrypted
    changed = owner_client.patch(
        f"/api/v1/integrations/{fastrack.pk}/", {"credentials": credentials}, format="json"
    )
    fastrack.refresh_from_db()
    if credentials:
        assert changed.status_code == 400 and changed.json()["errors"]["credentials"] == [message]
    else:  # no credentials given: the stored ones are kept
        assert changed.status_code == 200
    assert fastrack.credentials_encrypted == before


def test_roles_and_tenancy(coordinator_client, field_client, owner_client, fastrack, other_account):
    theirs = Integration.objects.create(account=other_account, kind="fastrack", name="Theirs")
    assert coordinator_client.get("/api/v1/integrations/").status_code == 200
    assert coordinator_client.post("/api/v1/integrations/", {}, format="json").status_code == 403
    assert (
        coordinator_client.patch(f"/api/v1/integrations/{fastrack.pk}/", {}, format="json").status_code == 403
    )
    assert field_client.get("/api/v1/integrations/").status_code == 403
    for url in (f"/api/v1/integrations/{theirs.pk}/", f"/api/v1/integrations/{theirs.pk}/events/"):
        assert owner_client.get(url).status_code == 404
    for url in ("validate", "refresh", "apply-settings"):
        assert (
            owner_client.post(f"/api/v1/integrations/{theirs.pk}/{url}", {}, format="json").status_code == 404
        )
    assert [i["id"] for i in owner_client.get("/api/v1/integrations/").json()["results"]] == [fastrack.pk]


def test_refresh_is_accepted_once_and_the_log_reads_like_the_seeds(
    coordinator_client, fastrack, sandbox, vendor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = coordinator_client.post(
            f"/api/v1/integrations/{fastrack.pk}/refresh", {"full": True}, format="json"
        )
    assert first.status_code == 202 and first.json()["status"] == "queued" and len(callbacks) == 1
    again = coordinator_client.post(f"/api/v1/integrations/{fastrack.pk}/refresh", {}, format="json")
    assert again.json()["id"] == first.json()["id"]
    RefreshRun.objects.all().delete()
    sandbox.add_orders(vendor[0], [make_order("77"), make_order("77")])
    run = refresh_now(fastrack)
    assert coordinator_client.get(f"/api/v1/refresh-runs/{run.pk}/").json()["percent"] == 100
    lines = [
        e["line"]
        for e in coordinator_client.get(f"/api/v1/integrations/{fastrack.pk}/events/").json()["results"]
    ]
    assert any(
        re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d Skipping duplicate order:77", line) for line in lines
    )


def test_complete_publish_and_republish_through_the_api(
    fastrack, sandbox, vendor, field_user, coordinator, coordinator_client, field_client, settings
):
    settings.RELAY_RETRY_BASE_SECONDS = 0
    project = imported_project(fastrack, sandbox, vendor, qa_in_field=True, assignee=field_user)
    add_photos(project, field_user, 2, source="field")
    response = field_client.post(f"/api/v1/projects/{project.pk}/complete")
    assert response.status_code == 200 and response.json()["status"] == "complete"
    assert RelayItem.objects.count() == 2
    assert field_client.post(f"/api/v1/projects/{project.pk}/publish").status_code == 403
    drain()
    assert len(sandbox.received("photos", vendor[0], project.source_ref)) == 2
    items = coordinator_client.get(f"/api/v1/projects/{project.pk}/relay-items/").json()["results"]
    assert {i["status"] for i in items} == {"sent"}
    response = coordinator_client.post(f"/api/v1/projects/{project.pk}/republish")
    assert response.status_code == 400  # nothing failed, nothing to send again


def test_portal_link_for_coordinators_only(
    fastrack, sandbox, vendor, coordinator_client, field_client, account, field_user
):
    sandbox.add_orders(vendor[0], [make_order("88")])
    refresh_now(fastrack)
    project = fastrack.projects.get()
    project.assignee = field_user
    project.save()
    response = coordinator_client.post(f"/api/v1/projects/{project.pk}/portal-link")
    assert response.status_code == 200
    url = response.json()["url"]
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "88" in page.text and "Set-Cookie" not in page.headers
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]
    assert field_client.post(f"/api/v1/projects/{project.pk}/portal-link").status_code == 403
    manual = ProjectFactory(account=account)
    assert coordinator_client.post(f"/api/v1/projects/{manual.pk}/portal-link").status_code == 404
    stranger = ProjectFactory(account=UserFactory().account)
    assert coordinator_client.post(f"/api/v1/projects/{stranger.pk}/portal-link").status_code == 404


def test_no_portal_link_through_share(coordinator_client, account):
    share = Integration.objects.create(account=account, kind="share", name="From primary")
    project = ProjectFactory(account=account, integration=share, source_ref="1", locked=True)
    assert coordinator_client.post(f"/api/v1/projects/{project.pk}/portal-link").status_code == 404
