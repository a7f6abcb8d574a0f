"""Filling each add-on's outbox: the new ProjectEvents it wants become WmsDelivery rows, in bulk.

Why the cursor trails behind: event ids come from a sequence at INSERT time, but transactions commit in
their own order, so an event with a lower id can become visible after a higher one was already read. The
scan therefore takes every wanted event above the cursor that has no delivery yet (the unique (addon, event)
constraint makes that idempotent), and the cursor only moves past events older than
``WMS_OUTBOX_SETTLE_SECONDS``, by which time every transaction that wrote a lower id has ended.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from projects.models import ProjectEvent

from .models import WmsAddon, WmsDelivery

BATCH = 1000


def settle_seconds() -> float:
    return getattr(settings, "WMS_OUTBOX_SETTLE_SECONDS", 60)


def fill_outboxes(*, now=None) -> int:
    """Fill the outbox of every enabled add-on; return how many deliveries were created."""
    ids = WmsAddon.objects.filter(enabled=True).order_by("pk").values_list("pk", flat=True)
    return sum(fill_outbox(addon_id=pk, now=now) for pk in ids)


@transaction.atomic
def fill_outbox(*, addon_id: int, now=None, batch: int = BATCH) -> int:
    """One add-on, one transaction: a handful of queries whatever the number of events."""
    now = now or timezone.now()
    # Another worker filling this add-on right now will finish the job; skip rather than wait.
    addon = WmsAddon.objects.select_for_update(skip_locked=True).filter(pk=addon_id, enabled=True).first()
    if addon is None:
        return 0
    above_cursor = ProjectEvent.objects.filter(account_id=addon.account_id, pk__gt=addon.cursor)
    wanted = above_cursor.filter(type__in=addon.events).filter(
        ~Exists(WmsDelivery.objects.filter(addon_id=addon.pk, event_id=OuterRef("pk")))
    )
    if addon.api_key_id is not None:
        wanted = wanted.exclude(actor_api_key_id=addon.api_key_id)
    rows = list(wanted.order_by("pk").values_list("pk", "project_id", "sequence")[:batch])
    WmsDelivery.objects.bulk_create(
        [
            WmsDelivery(
                addon_id=addon.pk, event_id=pk, project_id=project_id, sequence=sequence, next_attempt_at=now
            )
            for pk, project_id, sequence in rows
        ],
        ignore_conflicts=True,
    )
    settled = above_cursor.filter(created_at__lte=now - timedelta(seconds=settle_seconds()))
    cursor = settled.aggregate(top=Max("pk"))["top"] or addon.cursor
    if len(rows) == batch:
        # A full batch may have left wanted events above it: the cursor must not jump past them.
        cursor = min(cursor, rows[-1][0])
    if cursor > addon.cursor:
        WmsAddon.objects.filter(pk=addon.pk).update(cursor=cursor)
    return len(rows)
