"""Sending the outbox: claim due deliveries with a conditional UPDATE, POST them signed, record the outcome.

Order: only the earliest open (pending or sending) delivery of each (add-on, project) can be claimed, so a
project's events reach the WMS in sequence; a parked one no longer holds the others back. Crash safety: a
claim is a lease in the row; if the worker dies, the lease expires and the next tick claims it again (so a
receiver may see a message twice, with the same ``webhook-id``). Settings, all optional:
``WMS_MAX_ATTEMPTS`` (8), ``WMS_RETRY_BASE_SECONDS`` (10), ``WMS_CONNECT_TIMEOUT`` (5),
``WMS_READ_TIMEOUT`` (10), ``WMS_RUN_BUDGET_SECONDS`` (50).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import requests
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from config.crypto import CredentialsUnreadable
from config.netsafety import PublicOnlyAdapter, UnsafeUrl, check_url

from . import signing
from .models import OPEN_STATUSES, DeliveryStatus, WmsDelivery
from .outbox import fill_outboxes
from .payloads import build_bodies

log = logging.getLogger(__name__)

CLAIM_BATCH = 10
BACKOFF_FACTOR = 2
BACKOFF_CAP = timedelta(hours=1)


def _setting(name: str, default):
    return getattr(settings, name, default)


def max_attempts() -> int:
    return _setting("WMS_MAX_ATTEMPTS", 8)


def timeouts() -> tuple[float, float]:
    return _setting("WMS_CONNECT_TIMEOUT", 5), _setting("WMS_READ_TIMEOUT", 10)


def lease_duration() -> timedelta:
    # A claimed batch is sent one by one: the lease must outlast the whole batch timing out.
    return timedelta(seconds=CLAIM_BATCH * sum(timeouts()) + 30)


def backoff(attempts: int) -> timedelta:
    """Exponential with jitter: the n-th failure waits between half and all of base * 2^(n-1), capped."""
    base = _setting("WMS_RETRY_BASE_SECONDS", 10)
    full = min(base * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_CAP.total_seconds())
    return timedelta(seconds=full / 2 + random.uniform(0, full / 2))


def new_lease_owner() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _due(now) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_expires_at__lt=now
    )


def due_candidates(*, now, limit: int) -> list[int]:
    """Ids of due deliveries that head their (add-on, project) queue, most overdue first."""
    earlier_open = WmsDelivery.objects.filter(
        addon_id=OuterRef("addon_id"),
        project_id=OuterRef("project_id"),
        status__in=OPEN_STATUSES,
        sequence__lt=OuterRef("sequence"),
    )
    heads = WmsDelivery.objects.filter(_due(now), addon__enabled=True).filter(~Exists(earlier_open))
    return list(heads.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def take(ids: list[int], *, owner: str, now) -> int:
    """The conditional UPDATE: only rows still due become ours. Two workers holding the same candidate ids
    cannot both win a row: the database re-checks the condition on the row it locks."""
    return WmsDelivery.objects.filter(_due(now), pk__in=ids).update(
        status=DeliveryStatus.SENDING, lease_owner=owner, lease_expires_at=now + lease_duration()
    )


def claim_due(*, owner: str, limit: int = CLAIM_BATCH, now=None) -> list[WmsDelivery]:
    now = now or timezone.now()
    # Another worker may win every candidate we read; then read again rather than stop while work is due.
    for _ in range(3):
        ids = due_candidates(now=now, limit=limit)
        if not ids:
            return []
        if take(ids, owner=owner, now=now):
            break
    else:
        return []
    return list(
        WmsDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING, lease_owner=owner)
        .select_related("addon", "event", "project__assignee")
        .order_by("pk")
    )


@dataclass
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""


def post(delivery: WmsDelivery, body: bytes, *, session: requests.Session) -> Outcome:
    """One signed POST. Never raises for what the receiver or the network does: that is an Outcome."""
    addon = delivery.addon
    try:
        check_url(addon.url)  # again now: the name may resolve elsewhere than when it was saved
        secret = addon.get_secret()
    except UnsafeUrl as exc:
        return Outcome(ok=False, error=str(exc))
    except CredentialsUnreadable:
        return Outcome(ok=False, error="The signing secret is unreadable: delete and re-create the add-on.")
    headers = signing.headers(
        secret=secret, msg_id=delivery.webhook_id, timestamp=int(time.time()), body=body
    )
    try:
        # Redirects are not followed: a redirect could lead anywhere, private addresses included.
        with session.post(
            addon.url, data=body, headers=headers, timeout=timeouts(), allow_redirects=False, stream=True
        ) as response:
            if 200 <= response.status_code < 300:
                return Outcome(ok=True, status_code=response.status_code)
            text = response.raw.read(300, decode_content=True).decode("utf-8", "replace")
            return Outcome(
                ok=False, status_code=response.status_code, error=f"HTTP {response.status_code}: {text}"
            )
    except UnsafeUrl as exc:  # the connection landed on a private address (DNS rebinding)
        return Outcome(ok=False, error=str(exc))
    except requests.Timeout:
        return Outcome(
            ok=False, error=f"No answer within {timeouts()[0]} s (connect) / {timeouts()[1]} s (read)."
        )
    except requests.RequestException as exc:
        return Outcome(ok=False, error=f"Could not reach the WMS: {exc}"[:500])


def record(delivery: WmsDelivery, outcome: Outcome, *, owner: str, now=None) -> str:
    """Write the outcome if the lease is still ours (else another worker has taken over; it will report).
    Returns the new status, or "" when the lease was lost."""
    now = now or timezone.now()
    attempts = delivery.attempts + 1
    fields = {
        "attempts": F("attempts") + 1,
        "last_status_code": outcome.status_code,
        "lease_owner": "",
        "lease_expires_at": None,
    }
    if outcome.ok:
        status = DeliveryStatus.DELIVERED
        fields.update(delivered_at=now, last_error="")
    elif attempts >= max_attempts():
        status = DeliveryStatus.PARKED
        fields.update(last_error=outcome.error[:500])
    else:
        status = DeliveryStatus.PENDING
        fields.update(last_error=outcome.error[:500], next_attempt_at=now + backoff(attempts))
    mine = WmsDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, lease_owner=owner)
    if not mine.update(status=status, **fields):
        log.warning("WMS delivery %s: lease lost before its outcome was recorded", delivery.pk)
        return ""
    if status == DeliveryStatus.PARKED:
        log.warning("WMS delivery %s parked after %s attempts: %s", delivery.pk, attempts, outcome.error)
    return status


COUNTED = {
    DeliveryStatus.DELIVERED: "delivered",
    DeliveryStatus.PENDING: "failed",
    DeliveryStatus.PARKED: "parked",
}


def deliver_due(*, budget_seconds: float | None = None) -> dict:
    """Fill the outboxes, then claim and send until nothing is due or the time budget is spent."""
    budget = _setting("WMS_RUN_BUDGET_SECONDS", 50) if budget_seconds is None else budget_seconds
    started = time.monotonic()
    counts = {"queued": fill_outboxes(), "delivered": 0, "failed": 0, "parked": 0}
    owner = new_lease_owner()
    with requests.Session() as session:
        # Straight to the WMS: an environment proxy would hide where the request really goes; and each
        # connection checked where it landed.
        session.trust_env = False
        session.mount("http://", PublicOnlyAdapter())
        session.mount("https://", PublicOnlyAdapter())
        while time.monotonic() - started < budget:
            batch = claim_due(owner=owner)
            if not batch:
                break
            bodies = build_bodies(batch)
            for delivery in batch:
                status = record(delivery, post(delivery, bodies[delivery.pk], session=session), owner=owner)
                if status:
                    counts[COUNTED[status]] += 1
    return counts
