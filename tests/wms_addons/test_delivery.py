"""Project services → deliver_due → a real HTTP receiver: order, signatures, retries, parking, echo."""

import time

import pytest

from accounts.actors import Actor
from accounts.services import api_key_issue
from projects.services import (
    project_assign,
    project_close,
    project_complete,
    project_create,
    project_delete,
    project_reopen,
    project_update,
    task_create,
)
from tests.factories import UserFactory
from wms_addons import delivery
from wms_addons.models import DeliveryStatus, WmsDelivery
from wms_addons.services import addon_update, delivery_redeliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(coordinator):
    return Actor.for_user(coordinator)


@pytest.fixture
def crew(account):
    return UserFactory(account=account, role="field", wms_contractor_id="C-42")


def by_project(bodies):
    seen = {}
    for body in bodies:
        seen.setdefault(body["project"]["name"], []).append((body["sequence"], body["type"]))
    return seen


def test_events_reach_the_wms_in_order_signed_with_actor_and_assignee(
    receiver, make_addon, actor, coordinator, crew
):
    addon = make_addon()
    a = project_create(actor=actor, name="A", address1="1 Elm St", city="Austin", state="TX", zip="78701")
    b = project_create(actor=actor, name="B")
    project_assign(project=a, actor=actor, assignee=crew)
    project_update(project=b, actor=actor, instructions="Gate code 1234")
    task_create(project=a, actor=actor, name="Lawn")  # not a WMS event type
    project_complete(project=a, actor=Actor.for_user(crew))
    project_close(project=a, actor=actor)
    project_reopen(project=a, actor=actor)
    project_delete(project=b, actor=actor)  # nor is this

    counts = delivery.deliver_due()

    assert counts == {"queued": 7, "delivered": 7, "failed": 0, "parked": 0}
    assert all(r.signed_ok for r in receiver.requests)
    assert by_project(receiver.accepted()) == {
        "A": [
            (1, "project.created"),
            (2, "project.assigned"),
            (4, "project.completed"),
            (5, "project.closed"),
            (6, "project.reopened"),
        ],
        "B": [(1, "project.created"), (2, "project.updated")],
    }
    assigned = next(b for b in receiver.accepted() if b["type"] == "project.assigned")
    assert assigned["assignee"] == {"id": crew.pk, "email": crew.email, "wms_contractor_id": "C-42"}
    assert assigned["actor"] == {
        "kind": "user",
        "label": coordinator.display_name,
        "user": coordinator.pk,
        "api_key": None,
    }
    assert assigned["changes"]["wms_contractor_id"] == ["", "C-42"]
    assert assigned["project"]["address1"] == "1 Elm St" and assigned["project"]["zip"] == "78701"
    completed = next(b for b in receiver.accepted() if b["type"] == "project.completed")
    assert completed["actor"]["user"] == crew.pk
    first = receiver.requests[0]
    row = WmsDelivery.objects.get(addon=addon, project=a, sequence=1)
    assert first.headers["webhook-id"] == f"msg_{row.pk}"
    assert first.headers["content-type"] == "application/json"
    assert not WmsDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()
    # Nothing new: a second run sends nothing again.
    assert delivery.deliver_due() == {"queued": 0, "delivered": 0, "failed": 0, "parked": 0}


def test_errors_are_retried_in_order_with_the_same_webhook_id(receiver, make_addon, actor, crew):
    make_addon()
    a = project_create(actor=actor, name="A")
    project_assign(project=a, actor=actor, assignee=crew)
    project_close(project=a, actor=actor)
    b = project_create(actor=actor, name="B")
    receiver.fail(2)

    delivery.deliver_due()

    assert by_project(receiver.accepted()) == {
        "A": [(1, "project.created"), (2, "project.assigned"), (3, "project.closed")],
        "B": [(1, "project.created")],
    }
    # Every request of a project, failed ones included, went out in sequence order.
    for name in ("A", "B"):
        sent = [r.body["sequence"] for r in receiver.requests if r.body["project"]["name"] == name]
        assert sent == sorted(sent)
    failed_ids = {r.headers["webhook-id"] for r in receiver.requests if r.answered == 500}
    assert failed_ids <= {r.headers["webhook-id"] for r in receiver.requests if r.ok}
    retried = WmsDelivery.objects.filter(attempts__gt=1)
    assert sum(d.attempts - 1 for d in retried) == 2
    assert {d.status for d in WmsDelivery.objects.all()} == {"delivered"} and b.pk


def test_a_receiver_slower_than_the_timeout_is_retried(receiver, make_addon, actor, crew):
    make_addon()
    a = project_create(actor=actor, name="A")
    project_assign(project=a, actor=actor, assignee=crew)
    receiver.hang(1, seconds=1.6)  # the read timeout is 1 s in these tests

    delivery.deliver_due()

    assert by_project(receiver.accepted()) == {"A": [(1, "project.created"), (2, "project.assigned")]}
    first = WmsDelivery.objects.get(sequence=1)
    assert first.attempts == 2 and first.status == "delivered"
    # Let the slow answer finish so it does not land in the next test's receiver.
    deadline = time.monotonic() + 5
    while not any(r.answered == 599 for r in receiver.requests) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_dead_receiver_parks_after_the_last_attempt_and_later_events_go_on(
    receiver, make_addon, actor, crew, dead_url, owner, settings
):
    addon = make_addon(url=dead_url)
    a = project_create(actor=actor, name="A")

    counts = delivery.deliver_due()

    parked = WmsDelivery.objects.get(sequence=1)
    assert counts["parked"] == 1 and parked.status == "parked"
    assert parked.attempts == settings.WMS_MAX_ATTEMPTS == 4
    assert "Could not reach the WMS" in parked.last_error

    addon_update(addon=addon, actor=Actor.for_user(owner), url=receiver.url + "/hook")
    project_assign(project=a, actor=actor, assignee=crew)
    delivery.deliver_due()
    # The parked event does not hold the project back; the sequence shows the WMS the gap.
    assert [b["sequence"] for b in receiver.accepted()] == [2]

    delivery_redeliver(delivery=parked, actor=Actor.for_user(owner))
    delivery.deliver_due()
    assert [b["sequence"] for b in receiver.accepted()] == [2, 1]
    parked.refresh_from_db()
    assert parked.status == "delivered" and parked.attempts == 1 and parked.last_error == ""


def test_a_pending_delivery_holds_back_the_later_events_of_its_project(receiver, make_addon, actor, settings):
    settings.WMS_RETRY_BASE_SECONDS = 60
    make_addon()
    a = project_create(actor=actor, name="A")
    project_close(project=a, actor=actor)
    project_create(actor=actor, name="B")
    receiver.fail(1)

    delivery.deliver_due()

    # A#1 failed first and waits a minute: A#2 waits behind it, B is not held up.
    assert by_project(receiver.accepted()) == {"B": [(1, "project.created")]}
    assert dict(WmsDelivery.objects.filter(project=a).values_list("sequence", "status")) == {
        1: "pending",
        2: "pending",
    }


def test_the_addons_own_key_is_not_echoed_back(receiver, make_addon, actor, account, crew, api_client):
    issued = api_key_issue(account=account, name="WMS")
    make_addon(name="WMS", path="/wms", api_key=issued.record)
    make_addon(name="Reports", path="/reports")
    a = project_create(actor=actor, name="A")

    # The WMS assigns back by contractor id, with its own key.
    response = api_client.post(
        f"/api/v1/projects/{a.pk}/assign",
        {"wms_contractor_id": "C-42"},
        format="json",
        HTTP_AUTHORIZATION=f"Api-Key {issued.key}",
    )
    assert response.status_code == 200
    delivery.deliver_due()

    assert [b["type"] for b in receiver.accepted("/wms")] == ["project.created"]
    echoed = receiver.accepted("/reports")
    assert [b["type"] for b in echoed] == ["project.created", "project.assigned"]
    assert echoed[1]["actor"]["kind"] == "api_key" and echoed[1]["actor"]["api_key"] == issued.record.pk
    assert echoed[1]["assignee"]["wms_contractor_id"] == "C-42"


def test_only_subscribed_event_types_are_sent(receiver, make_addon, actor, crew):
    make_addon(events=["project.assigned", "project.closed"])
    a = project_create(actor=actor, name="A")
    project_assign(project=a, actor=actor, assignee=crew)
    project_update(project=a, actor=actor, instructions="x")
    project_close(project=a, actor=actor)

    delivery.deliver_due()

    assert [(b["sequence"], b["type"]) for b in receiver.accepted()] == [
        (2, "project.assigned"),
        (4, "project.closed"),
    ]


def test_disabled_addons_wait_and_catch_up(receiver, make_addon, actor, owner):
    addon = make_addon()
    addon_update(addon=addon, actor=Actor.for_user(owner), enabled=False)
    project_create(actor=actor, name="A")
    delivery.deliver_due()
    assert receiver.requests == []
    addon_update(addon=addon, actor=Actor.for_user(owner), enabled=True)
    delivery.deliver_due()
    assert [b["type"] for b in receiver.accepted()] == ["project.created"]


def test_an_addon_hears_only_what_happens_after_it_is_made(receiver, make_addon, actor):
    project_create(actor=actor, name="Before")
    make_addon()
    project_create(actor=actor, name="After")
    delivery.deliver_due()
    assert [b["project"]["name"] for b in receiver.accepted()] == ["After"]


def test_an_addon_may_choose_to_hear_deletions(receiver, make_addon, actor, owner):
    """Not among the defaults (DESIGN §8's six), but a WMS that wants to drop what was deleted here may."""
    make_addon(name="Default")
    make_addon(name="Deletions", path="/deletions", events=["project.created", "project.deleted"])
    project = project_create(actor=actor, name="A")
    project_delete(project=project, actor=Actor.for_user(owner))

    delivery.deliver_due()

    assert [b["type"] for b in receiver.accepted("/hook")] == ["project.created"]
    created, deleted = receiver.accepted("/deletions")  # each with the project as it is when sent
    assert created["type"] == "project.created"
    assert (deleted["type"], deleted["sequence"], deleted["project"]["deleted"]) == (
        "project.deleted",
        2,
        True,
    )
    assert deleted["changes"] == {"deleted": [False, True]}
