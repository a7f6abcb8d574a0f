"""A real Celery worker, through Redis, runs deliver_due and the receiver gets the event."""

import pytest

from accounts.actors import Actor
from projects.services import project_create
from wms_addons.models import WmsDelivery
from wms_addons.tasks import deliver_due


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_real_worker_delivers_through_redis(celery_worker, receiver, make_addon, coordinator):
    addon = make_addon()
    project = project_create(actor=Actor.for_user(coordinator), name="Worker A")

    deliver_due.delay()

    celery_worker.wait_for(lambda: receiver.accepted(), timeout=30)
    [body] = receiver.accepted()
    assert body["type"] == "project.created" and body["project"]["id"] == project.pk
    assert receiver.requests[0].signed_ok
    row = celery_worker.wait_for(lambda: WmsDelivery.objects.filter(addon=addon, status="delivered").first())
    assert row.sequence == 1 and row.attempts == 1
