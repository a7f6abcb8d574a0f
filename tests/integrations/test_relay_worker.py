"""The relay through real Celery workers on Redis: a worker killed in the middle of a batch loses nothing,
and the client still holds each photo once."""

import pytest

from accounts.actors import Actor
from integrations.models import RelayItem
from integrations.relay import publish_project

from .relaying import add_photos, imported_project

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_killed_during_a_relay_batch_loses_and_duplicates_nothing(
    celery_worker, fastrack, sandbox, vendor, coordinator
):
    project = imported_project(fastrack, sandbox, vendor)
    photos = add_photos(project, coordinator, 10, approve_as=coordinator)
    sandbox.set_faults(vendor[0], latencyMs=400)
    # Short leases so the successor takes the dead worker's items over quickly; slow uploads so the kill
    # lands in the middle of the batch.
    celery_worker.restart(RELAY_LEASE_SECONDS="3", RELAY_RETRY_BASE_SECONDS="0")
    publish_project(project=project, actor=Actor.for_user(coordinator))  # enqueues relay_due on commit
    celery_worker.wait_for(lambda: RelayItem.objects.filter(status="sent").count() >= 2, timeout=60)
    celery_worker.kill()
    assert RelayItem.objects.exclude(status="sent").exists(), "the kill came too late to test anything"
    assert RelayItem.objects.filter(status="sending").exists()  # the dead worker's lease is left behind

    celery_worker.start()  # the successor
    from integrations.tasks import relay_tick

    def all_sent():
        relay_tick.delay()  # what beat does every few seconds
        return RelayItem.objects.filter(status="sent").count() == len(photos)

    celery_worker.wait_for(all_sent, timeout=90, interval=1.5)
    got = sandbox.received("photos", vendor[0], project.source_ref)
    assert sorted(g["serial"] for g in got) == sorted(str(p.relay_serial) for p in photos)
    assert len({g["sha256"] for g in got}) == len(photos)  # no photo arrived twice under another serial
