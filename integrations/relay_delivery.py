"""Delivering RelayItems to the client (DESIGN.md §5).

A worker claims due items one by one with a conditional UPDATE (queued and due, or sending with an expired
lease), sends each through its integration's source, and records the outcome only while it still holds the
lease. A killed worker's items come back when their lease expires; the client keeps one copy per serial.

An item that must follow another (a survey after the photos it names, a completion after its check-in) is put
back with a marker in ``last_error`` and looked at again in ``WAIT_SECONDS``; delivering what it waits for
makes it due at once and starts a run after the commit, so the chain does not wait for beat.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .base import AuthError, RejectedError, SourceError, TransientError
from .models import Health, Integration, RelayItem, RelayKind, RelayStatus
from .relay import dispatch_on_commit, hold_integration

log = logging.getLogger(__name__)

# A waiting item's last_error, by what it waits for. The exact text is the marker a delivery matches to wake
# its waiters (stored on the row, so a killed worker leaves nothing in memory): a prefix would also match the
# share relay's "Waiting for ... to reach the primary vendor.", a transient error whose early retries would
# spend attempts.
WAITING_FOR_CHECK_IN = "Waiting for the check-in to reach the client."
WAITING_FOR_PHOTOS = "Waiting for the photos its answers name."
WAKES = {RelayKind.CHECK_IN: WAITING_FOR_CHECK_IN, RelayKind.PHOTO: WAITING_FOR_PHOTOS}
# The fallback re-look, for a wake-up that never came (a worker killed after the commit, a race with a
# concurrent check of the waiter): beat's relay_tick picks the item up again from the database alone.
WAIT_SECONDS = 10

SENDERS = {
    RelayKind.PHOTO: "upload_photo",
    RelayKind.SURVEY: "submit_survey",
    RelayKind.CHECK_IN: "check_in",
    RelayKind.CHECK_IN_COMPLETE: "complete_check_in",
}


def _setting(name: str, default):
    return getattr(settings, name, default)


def _due() -> Q:
    now = timezone.now()
    return Q(status=RelayStatus.QUEUED, next_attempt_at__lte=now) | Q(
        status=RelayStatus.SENDING, lease_expires_at__lt=now
    )


def backoff(attempts: int) -> timedelta:
    """Exponential with jitter, so a client that failed many items is not hit by all of them at once."""
    base = _setting("RELAY_RETRY_BASE_SECONDS", 30)
    delay = min(base * 2 ** max(attempts - 1, 0), _setting("RELAY_RETRY_CAP_SECONDS", 3600))
    return timedelta(seconds=delay * random.uniform(0.5, 1.5))


def claim(pk: int, owner: str) -> bool:
    lease = timedelta(seconds=_setting("RELAY_LEASE_SECONDS", 120))
    return bool(
        RelayItem.objects.filter(_due(), pk=pk).update(
            status=RelayStatus.SENDING, lease_owner=owner, lease_expires_at=timezone.now() + lease
        )
    )


def due_ids(limit: int) -> list[int]:
    return list(
        RelayItem.objects.filter(_due())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def run_batch(owner: str, *, budget_seconds: float | None = None, batch: int = 20) -> int:
    """Claim and send due items until none are left or the time budget is spent. Returns how many were
    sent."""
    deadline = time.monotonic() + (budget_seconds or _setting("RELAY_RUN_BUDGET_SECONDS", 50))
    sources: dict[int, object] = {}
    sent = 0
    while time.monotonic() < deadline:
        ids = due_ids(batch)
        if not ids:
            break
        progressed = False
        for pk in ids:
            if time.monotonic() >= deadline:
                break
            if claim(pk, owner):
                progressed = True
                sent += deliver(pk, owner, sources)
        if not progressed:
            break  # others claimed them all
    return sent


def _mine(pk: int, owner: str):
    return RelayItem.objects.filter(pk=pk, lease_owner=owner, status=RelayStatus.SENDING)


def deliver(pk: int, owner: str, sources: dict) -> int:
    """Send one claimed item. Returns 1 when it reached the client."""
    item = RelayItem.objects.select_related("integration__account", "project", "photo__task").get(pk=pk)
    integration = item.integration
    if integration.health == Health.AUTH_FAILED:
        _mine(pk, owner).update(status=RelayStatus.HELD, last_error=integration.health_message)
        return 0
    waiting = _waiting_for(item)
    if waiting:  # not an attempt: woken when what it waits for is sent, else looked at again in a few seconds
        _mine(pk, owner).update(
            status=RelayStatus.QUEUED,
            next_attempt_at=timezone.now() + timedelta(seconds=WAIT_SECONDS),
            last_error=waiting,
            lease_owner="",
            lease_expires_at=None,
        )
        return 0
    try:
        source = sources.get(integration.pk) or sources.setdefault(integration.pk, integration.source())
        getattr(source, SENDERS[item.kind])(item)
    except AuthError as exc:
        _auth_failed(integration, exc.message)
        return 0
    except TransientError as exc:
        if exc.file_save_failed and _check_credentials_after_file_save_failed(integration, sources):
            return 0
        _retry_later(item, owner, exc.message)
        return 0
    except RejectedError as exc:
        _failed(item, owner, exc.message, attempts=F("attempts") + 1)
        return 0
    except SourceError as exc:
        _retry_later(item, owner, exc.message)
        return 0
    with transaction.atomic():  # the waiters are woken only together with the SENT they wait for
        recorded = _mine(pk, owner).update(
            status=RelayStatus.SENT,
            sent_at=timezone.now(),
            attempts=F("attempts") + 1,
            last_error="",
            lease_owner="",
            lease_expires_at=None,
        )
        if recorded:  # else the lease was lost: its new holder records the SENT and wakes them
            _wake_waiters(item)
    if integration.file_save_failures:
        Integration.objects.filter(pk=integration.pk).update(file_save_failures=0)
        integration.file_save_failures = 0
    return 1


def _waiting_for(item: RelayItem) -> str:
    """What must reach the client before this item, as its waiting marker, or "" when nothing: the client
    refuses a completion before its check-in (one refused for good fails on its own), and a survey or
    checklist names photos by the serials the client must already have."""
    if item.kind == RelayKind.CHECK_IN_COMPLETE and _check_in_pending(item):
        return WAITING_FOR_CHECK_IN
    if item.kind in (RelayKind.SURVEY, RelayKind.CHECK_IN_COMPLETE) and not _photos_sent(item):
        return WAITING_FOR_PHOTOS
    return ""


def _wake_waiters(sent: RelayItem) -> None:
    """Make the project's items waiting for this kind of item due now, in one UPDATE however many wait, and
    start a run after the commit. Only queued ones: a sending one is another worker's, under its lease. A
    woken item is checked again (a survey may still wait for other photos); one already due is left alone, so
    photos sent before it is checked again dispatch once, not once each."""
    marker = WAKES.get(sent.kind)
    if marker is None:
        return
    now = timezone.now()
    woken = RelayItem.objects.filter(
        project_id=sent.project_id, status=RelayStatus.QUEUED, last_error=marker, next_attempt_at__gt=now
    ).update(next_attempt_at=now)
    if woken:
        dispatch_on_commit()


def _photos_sent(item: RelayItem) -> bool:
    serials = {s for serials in item.payload.get("photos", {}).values() for s in serials}
    if not serials:
        return True
    sent = RelayItem.objects.filter(
        integration_id=item.integration_id, kind=RelayKind.PHOTO, serial__in=serials, status=RelayStatus.SENT
    ).count()
    return sent == len(serials)


def _check_in_pending(item: RelayItem) -> bool:
    return (
        RelayItem.objects.filter(project_id=item.project_id, kind=RelayKind.CHECK_IN)
        .exclude(status__in=(RelayStatus.SENT, RelayStatus.FAILED))
        .exists()
    )


def _failed(item: RelayItem, owner: str, message: str, *, attempts) -> None:
    """Failed for good: the client refused it, or it ran out of attempts. A completion waiting for this
    check-in is woken too: nothing it waits for is coming, and the client's answer to it decides it."""
    with transaction.atomic():
        recorded = _mine(item.pk, owner).update(
            status=RelayStatus.FAILED,
            attempts=attempts,
            last_error=message,
            lease_owner="",
            lease_expires_at=None,
        )
        if recorded and item.kind == RelayKind.CHECK_IN:
            _wake_waiters(item)


def _retry_later(item: RelayItem, owner: str, message: str) -> None:
    attempts = item.attempts + 1
    if attempts >= _setting("RELAY_MAX_ATTEMPTS", 8):
        _failed(item, owner, message, attempts=attempts)
        return
    _mine(item.pk, owner).update(
        status=RelayStatus.QUEUED,
        attempts=attempts,
        last_error=message,
        next_attempt_at=timezone.now() + backoff(attempts),
        lease_owner="",
        lease_expires_at=None,
    )


def _auth_failed(integration: Integration, message: str) -> None:
    Integration.objects.filter(pk=integration.pk).update(
        health=Health.AUTH_FAILED, health_message=message[:500]
    )
    integration.health = Health.AUTH_FAILED
    hold_integration(integration, message)


def _check_credentials_after_file_save_failed(integration: Integration, sources: dict) -> bool:
    """The seeds: "File Save Failed" can also mean the password changed. After a few in a row, validate;
    returns True when the credentials failed (the integration's items are then held)."""
    Integration.objects.filter(pk=integration.pk).update(file_save_failures=F("file_save_failures") + 1)
    integration.refresh_from_db(fields=["file_save_failures"])
    if integration.file_save_failures < _setting("RELAY_VALIDATE_AFTER_FILE_SAVE_FAILED", 3):
        return False
    Integration.objects.filter(pk=integration.pk).update(file_save_failures=0)
    try:
        sources[integration.pk].validate()
    except AuthError as exc:
        _auth_failed(integration, exc.message)
        return True
    except SourceError:
        return False
    return False
