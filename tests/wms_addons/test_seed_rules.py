"""Seed 002 (vendors with their own WMS) end to end: client orders imported by a Refresh of the FAStrack
sandbox are echoed to a real receiver playing the WMS, with their default assignment; the WMS assigns back
by contractor id; the office's assignments, the client's changes and auto-close are echoed too; photos are
not."""

import pytest

from accounts.actors import Actor
from accounts.services import api_key_issue
from integrations.relay import publish_project
from projects.services import project_delete
from tests.factories import UserFactory
from tests.integrations.helpers import make_order, refresh_now
from tests.integrations.relaying import SERVICES, add_photos
from wms_addons import delivery

pytestmark = pytest.mark.django_db


def by_project(bodies):
    seen = {}
    for body in bodies:
        seen.setdefault(body["project"]["name"], []).append(body["type"])
    return seen


def test_client_orders_and_assignments_are_echoed_to_the_wms(
    receiver, make_addon, fastrack, sandbox, vendor, account, api_client, coordinator_client, coordinator
):
    """Options 1 to 3: orders come from the client into Vendordesk first, then are echoed to the WMS, with the
    default assignment (a WMS coordinator); the WMS re-assigns by contractor id through the API; the office's
    assignment in Vendordesk is echoed to the WMS contractor; the WMS add-on does not receive photos."""
    wms_admin = UserFactory(account=account, role="coordinator", wms_contractor_id="WMS-ADMIN")
    crew = UserFactory(account=account, role="field", wms_contractor_id="C-7")
    issued = api_key_issue(account=account, name="WMS")
    make_addon(api_key=issued.record)
    fastrack.default_assignee = wms_admin
    fastrack.save()
    sandbox.add_orders(
        vendor[0],
        [make_order(n, services=SERVICES, dueDate="2031-05-06") for n in ("7101", "7102")],
    )
    assert refresh_now(fastrack).created == 2
    delivery.deliver_due()
    created = receiver.accepted()
    assert sorted(b["project"]["name"] for b in created) == ["AFS::7101", "AFS::7102"]
    for body in created:
        assert body["type"] == "project.created" and body["sequence"] == 1
        assert body["actor"]["kind"] == "import"
        assert body["assignee"]["wms_contractor_id"] == "WMS-ADMIN"
        assert body["changes"]["wms_contractor_id"] == "WMS-ADMIN"
        assert body["project"]["source_ref"] in ("7101", "7102")
        assert (body["project"]["address1"], body["project"]["due_date"]) == (
            "1100 Congress Ave",
            "2031-05-06",
        )

    first, second = (fastrack.projects.get(source_ref=n) for n in ("7101", "7102"))
    # Option 1: the WMS re-assigns to its contractor with its own key; that is not echoed back to it.
    response = api_client.post(
        f"/api/v1/projects/{first.pk}/assign",
        {"wms_contractor_id": "C-7"},
        format="json",
        HTTP_AUTHORIZATION=f"Api-Key {issued.key}",
    )
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.assignee == crew
    # Option 2: the office assigns in Vendordesk; the WMS hears it with the contractor id.
    response = coordinator_client.post(
        f"/api/v1/projects/{second.pk}/assign", {"user": crew.pk}, format="json"
    )
    assert response.status_code == 200
    # Photos are taken and published: nothing of them goes to the WMS.
    add_photos(second, coordinator, 1, approve_as=coordinator)
    assert publish_project(project=second, actor=Actor.for_user(coordinator)) == 1
    # The client changes one order and cancels the other.
    sandbox.patch_order(vendor[0], "7101", dueDate="2031-06-01")
    sandbox.patch_order(vendor[0], "7102", status="cancelled")
    run = refresh_now(fastrack)
    assert run.updated == 1 and run.closed == 1
    receiver.reset()
    delivery.deliver_due()

    later = receiver.accepted()
    assert by_project(later) == {
        "AFS::7101": ["project.updated"],
        "AFS::7102": ["project.assigned", "project.closed"],
    }
    assigned, closed = (b for b in later if b["project"]["name"] == "AFS::7102")
    assert assigned["assignee"]["wms_contractor_id"] == "C-7" and assigned["actor"]["kind"] == "user"
    assert closed["actor"]["kind"] == "import" and closed["changes"]["reason"] == "cancelled"
    updated = next(b for b in later if b["project"]["name"] == "AFS::7101")
    assert updated["changes"]["due_date"] == ["2031-05-06", "2031-06-01"]
    assert updated["assignee"]["wms_contractor_id"] == "C-7"  # the WMS's own assignment, as it stands


def test_a_project_brought_back_by_a_full_refresh_is_echoed_with_its_default_assignee(
    receiver, make_addon, fastrack, sandbox, vendor, account, owner
):
    fastrack.default_assignee = UserFactory(account=account, role="coordinator", wms_contractor_id="C-OLD")
    fastrack.save()
    make_addon()
    sandbox.add_orders(vendor[0], [make_order("7201")])
    refresh_now(fastrack)
    project = fastrack.projects.get()
    project_delete(project=project, actor=Actor.for_user(owner))
    fastrack.default_assignee = UserFactory(account=account, role="coordinator", wms_contractor_id="C-NEW")
    fastrack.save()
    delivery.deliver_due()
    receiver.reset()

    assert refresh_now(fastrack, full=True).created == 1
    project.refresh_from_db()
    assert project.deleted_at is None and project.assignee == fastrack.default_assignee
    delivery.deliver_due()
    assert any(b["assignee"]["wms_contractor_id"] == "C-NEW" for b in receiver.accepted()), (
        receiver.accepted()
    )
