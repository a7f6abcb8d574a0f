"""The outbox fill and the claim: bulk, idempotent, one head per (add-on, project), never claimed twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.actors import Actor
from projects.models import ProjectEvent
from projects.services import project_close, project_create, project_reopen
from wms_addons import delivery
from wms_addons.models import WmsAddon, WmsDelivery
from wms_addons.outbox import fill_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(coordinator):
    return Actor.for_user(coordinator)


def make_projects(actor, count, events_each=1):
    for n in range(count):
        project = project_create(actor=actor, name=f"P{n}-{timezone.now().timestamp()}")
        for _ in range(events_each - 1):
            project_close(project=project, actor=actor)
            project_reopen(project=project, actor=actor)


def test_the_outbox_fills_in_bulk_with_a_constant_number_of_queries(make_addon, actor):
    addon = make_addon()
    make_projects(actor, 3)
    with CaptureQueriesContext(connection) as few:
        assert fill_outbox(addon_id=addon.pk) == 3
    make_projects(actor, 30)
    with CaptureQueriesContext(connection) as many:
        assert fill_outbox(addon_id=addon.pk) == 30
    assert len(many) == len(few)
    assert fill_outbox(addon_id=addon.pk) == 0
    assert WmsDelivery.objects.filter(addon=addon).count() == 33


def test_the_cursor_trails_until_events_settle(make_addon, actor, settings):
    settings.WMS_OUTBOX_SETTLE_SECONDS = 60
    addon = make_addon()
    start = addon.cursor
    make_projects(actor, 2)
    fill_outbox(addon_id=addon.pk)
    addon.refresh_from_db()
    assert addon.cursor == start  # too recent: a lower id may still be committing elsewhere
    later = timezone.now() + timedelta(seconds=61)
    fill_outbox(addon_id=addon.pk, now=later)
    addon.refresh_from_db()
    assert addon.cursor == ProjectEvent.objects.latest("pk").pk


def test_an_event_committed_late_with_a_lower_id_is_not_lost(make_addon, actor, other_account):
    addon = make_addon()
    make_projects(actor, 2)
    early, late = ProjectEvent.objects.filter(account=actor.account).order_by("pk")
    # Hide the lower id as an uncommitted transaction would, while the higher one is read.
    ProjectEvent.objects.filter(pk=early.pk).update(account=other_account)
    assert fill_outbox(addon_id=addon.pk) == 1
    ProjectEvent.objects.filter(pk=early.pk).update(account=actor.account)
    assert fill_outbox(addon_id=addon.pk) == 1
    assert set(WmsDelivery.objects.values_list("event_id", flat=True)) == {early.pk, late.pk}


def test_other_accounts_events_stay_out(make_addon, other_account):
    addon = make_addon()
    from tests.factories import UserFactory

    stranger = UserFactory(account=other_account, role="owner")
    project_create(actor=Actor.for_user(stranger), name="Theirs")
    assert fill_outbox(addon_id=addon.pk) == 0


def test_only_the_earliest_open_delivery_of_each_project_is_claimed(make_addon, actor):
    make_addon()
    make_projects(actor, 2, events_each=3)  # sequences 1, 2, 3 per project
    fill_outbox(addon_id=WmsAddon.objects.get().pk)
    claimed = delivery.claim_due(owner="a", limit=50)
    assert sorted(d.sequence for d in claimed) == [1, 1]
    # While those are in flight, nothing else of those projects is due.
    assert delivery.claim_due(owner="b", limit=50) == []


def test_the_conditional_update_gives_each_delivery_to_one_claimer(make_addon, actor):
    make_addon()
    make_projects(actor, 3)
    fill_outbox(addon_id=WmsAddon.objects.get().pk)
    now = timezone.now()
    ids = delivery.due_candidates(now=now, limit=10)
    # Both read the same candidates; only the first UPDATE wins them.
    assert delivery.take(ids, owner="a", now=now) == 3
    assert delivery.take(ids, owner="b", now=now) == 0
    assert set(WmsDelivery.objects.values_list("lease_owner", flat=True)) == {"a"}


def test_an_expired_lease_is_claimed_again_and_the_old_owner_cannot_report(make_addon, actor):
    make_addon()
    make_projects(actor, 1)
    fill_outbox(addon_id=WmsAddon.objects.get().pk)
    [mine] = delivery.claim_due(owner="a")
    # Worker "a" dies mid-send; after its lease expires the next tick takes over.
    later = timezone.now() + delivery.lease_duration() + timedelta(seconds=1)
    [again] = delivery.claim_due(owner="b", now=later)
    assert again.pk == mine.pk
    assert delivery.record(mine, delivery.Outcome(ok=True, status_code=200), owner="a") == ""
    assert delivery.record(again, delivery.Outcome(ok=True, status_code=204), owner="b") == "delivered"
    again.refresh_from_db()
    assert again.last_status_code == 204 and again.lease_owner == ""


def test_backoff_grows_with_jitter_up_to_the_cap(settings):
    settings.WMS_RETRY_BASE_SECONDS = 10
    for attempts, full in ((1, 10), (2, 20), (4, 80)):
        waits = {delivery.backoff(attempts).total_seconds() for _ in range(20)}
        assert all(full / 2 <= w <= full for w in waits) and len(waits) > 1
    assert delivery.backoff(30).total_seconds() <= 3600


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_share_a_delivery(postgres, make_addon, actor):
    make_addon()
    make_projects(actor, 40)
    fill_outbox(addon_id=WmsAddon.objects.get().pk)
    results, barrier = {}, threading.Barrier(4)

    def claim(owner):
        try:
            barrier.wait()
            taken = []
            while batch := delivery.claim_due(owner=owner, limit=5):
                taken += [d.pk for d in batch]
            results[owner] = taken
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [pk for taken in results.values() for pk in taken]
    assert len(everything) == len(set(everything)) == 40
