"""Refresh runs: one at a time per integration, claimed through a database lease (DESIGN.md §4).

``request_refresh`` records the run (the database refuses a second active one) and enqueues it after the
commit; ``execute_run`` claims it with a conditional UPDATE, applies the feed page by page (renewing the
lease with each page), then auto-closes what the client no longer sends. A run whose worker died keeps an
expired lease; the beat tick re-dispatches it and the next worker takes it over from the start, which is
safe because applying an order twice writes nothing the second time.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts.actors import Actor
from projects.models import ProjectStatus
from projects.services import projects_close_for_source

from .base import AuthError, OrderStatus, SourceError
from .importer import ImportState, apply_page, known_orders, relaxed_durability
from .models import EventLevel, Health, Integration, IntegrationEvent, RefreshRun, RunStatus

log = logging.getLogger(__name__)
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def lease_seconds() -> int:
    return getattr(settings, "REFRESH_LEASE_SECONDS", 120)


class LeaseLost(Exception):
    """Another worker took the run over (our lease expired): stop without writing more."""


def request_refresh(
    *,
    integration: Integration,
    full: bool = False,
    trigger: str = "manual",
    requested_by=None,
    enqueue: bool = True,
) -> tuple[RefreshRun, bool]:
    """Start a refresh, or return the one already under way (created False)."""
    with transaction.atomic():
        active = RefreshRun.objects.filter(integration=integration, status__in=ACTIVE).first()
        if active is not None:
            return active, False
        try:
            with transaction.atomic():
                run = RefreshRun.objects.create(
                    integration=integration, full=full, trigger=trigger, requested_by=requested_by
                )
        except IntegrityError:  # a concurrent request won the race: the constraint allows one active run
            return RefreshRun.objects.get(integration=integration, status__in=ACTIVE), False
        if enqueue:
            from .tasks import run_refresh

            transaction.on_commit(lambda: run_refresh.delay(run.pk))
    return run, True


def claim(run_id: int, owner: str) -> bool:
    """Take the run if it is queued or its lease expired. The UPDATE's condition makes this atomic."""
    now = timezone.now()
    return bool(
        RefreshRun.objects.filter(pk=run_id)
        .filter(Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, lease_expires_at__lt=now))
        .update(
            status=RunStatus.RUNNING,
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds()),
            attempts=F("attempts") + 1,
            started_at=now,
            processed=0,
            created=0,
            updated=0,
            unchanged=0,
            skipped=0,
            closed=0,
            reopened=0,
            error="",
        )
    )


class Renewal:
    """Save progress and extend the lease at the end of a page, at most once a second (and always on the
    last page, and when ``force``d): the lease lasts minutes, so no other worker can have taken a run renewed
    a second ago."""

    every = 1.0

    def __init__(self, run_id: int, owner: str):
        self.run_id, self.owner, self.renewed_at, self.saw_end = run_id, owner, None, False

    def __call__(self, state: ImportState, *, force: bool = False) -> None:
        now = time.monotonic()
        last_page = state.reached_end and not self.saw_end
        if force or last_page or self.renewed_at is None or now - self.renewed_at >= self.every:
            _renew(self.run_id, self.owner, state)
            self.renewed_at, self.saw_end = now, state.reached_end


def _renew(run_id: int, owner: str, state: ImportState) -> None:
    """Save progress and extend the lease, inside the page's transaction: losing the lease undoes the page."""
    renewed = RefreshRun.objects.filter(pk=run_id, lease_owner=owner, status=RunStatus.RUNNING).update(
        lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds()),
        processed=state.received,
        total=state.total,
        **_counts(state),
    )
    if not renewed:
        raise LeaseLost(run_id)


def _counts(state: ImportState) -> dict:
    return {k: state.counts[k] for k in ("created", "updated", "unchanged", "skipped", "closed", "reopened")}


class Prefetched:
    """Fetch the next pages in a thread while this one is written: the client's latency and the database's
    overlap instead of adding up. Errors from the fetching side come out of the iteration, in order. Use it
    as a context manager: leaving it stops the thread, whether or not every page was taken."""

    _done = object()

    def __init__(self, pages, depth: int = 2):
        self.buffer: queue.Queue = queue.Queue(maxsize=depth)
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._fetch, args=(pages,), name="refresh-prefetch", daemon=True
        )

    def __enter__(self) -> Prefetched:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()

    def _fetch(self, pages) -> None:
        try:
            for page in pages:
                if not self._put(page):
                    return
            self._put(self._done)
        except BaseException as exc:  # handed to the consumer, who decides
            self._put(exc)

    def _put(self, item) -> bool:
        """Hand ``item`` over, waiting while the buffer is full; False once the consumer has left (the
        thread then ends instead of waiting forever on a full buffer)."""
        while not self.stop.is_set():
            try:
                self.buffer.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self):
        while True:
            item = self.buffer.get()
            if item is self._done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


def execute_run(*, run_id: int, owner: str | None = None) -> RefreshRun | None:
    """Claim and run one refresh in this process. Returns the finished run, or None if it was not ours."""
    owner = owner or f"{uuid.uuid4().hex[:12]}"
    if not claim(run_id, owner):
        return None
    run = RefreshRun.objects.select_related("integration__account", "integration__default_assignee").get(
        pk=run_id
    )
    integration = run.integration
    state = ImportState(
        integration=integration,
        actor=Actor.importer(integration.account, integration.name),
        full=run.full,
        run_id=run.pk,
    )
    try:
        source = integration.source()
        renewal = Renewal(run.pk, owner)
        with relaxed_durability(), Prefetched(source.fetch_orders()) as pages:
            known_orders(state)  # while the first page is on its way
            for page in pages:
                apply_page(page, state, on_page_end=renewal)
        _auto_close(source, state, renewal)
    except LeaseLost:
        log.info("Refresh run %s was taken over by another worker", run_id)
        return None
    except AuthError as exc:
        return _fail(run, owner, state, exc.message, health=Health.AUTH_FAILED)
    except SourceError as exc:
        return _fail(
            run, owner, state, f"Refresh failed: {exc.message} Nothing was closed.", health=Health.ERROR
        )
    except Exception:
        log.exception("Refresh run %s crashed", run_id)
        _fail(
            run, owner, state, "Refresh failed because of an internal error. Nothing was closed.", health=None
        )
        raise
    return _succeed(run, owner, state)


def _auto_close(source, state: ImportState, renewal: Renewal) -> None:
    """Close what the client no longer sends, but only after a refresh that read the whole feed, and only
    when the client confirms a final state or does not know the order.

    Every missing order is asked about first and the closes are then written in one transaction: a client
    that fails halfway through the questions fails the run with nothing closed."""
    integration = state.integration
    if not state.complete:
        state.note(
            f"Auto-close skipped: the feed ended after {state.received} of {state.total} orders. "
            "Nothing was closed.",
            level=EventLevel.WARNING,
        )
        state.flush_log()
        return
    # Only projects open when the run began can be missing (this run's new ones all came from the feed).
    refs = sorted(state.open_at_start - state.present)
    missing = (
        list(
            integration.projects.filter(source_ref__in=refs, deleted_at__isnull=True)
            .exclude(status=ProjectStatus.CLOSED)
            .values_list("pk", "source_ref", "name")
        )
        if refs
        else []
    )
    reasons = {}  # project id → close reason
    for pk, ref, name in missing:
        status = source.order_status(ref)
        renewal(state)  # many questions can take longer than a lease
        if status.state == OrderStatus.OPEN:
            state.note(
                f"{name} is no longer sent, but the client still reports it "
                f"{status.client_status or 'open'}; "
                "left open.",
                ref=ref,
                level=EventLevel.WARNING,
            )
            continue
        reasons[pk] = status.close_reason if status.state == OrderStatus.FINAL else "no_longer_sent"
    with transaction.atomic():
        # Locked and read again: someone may have closed or deleted one while the client was asked.
        closed = projects_close_for_source(integration_id=integration.pk, reasons=reasons, actor=state.actor)
        for project in closed:
            state.counts["closed"] += 1
            state.note(
                f"Closed {project.name}: {project.get_closed_reason_display().lower()}.",
                ref=project.source_ref,
            )
        renewal(state, force=True)  # still ours, or the closes are undone
        state.flush_log()


def _finish(run: RefreshRun, owner: str, state: ImportState, **fields) -> RefreshRun:
    now = timezone.now()
    RefreshRun.objects.filter(pk=run.pk, lease_owner=owner).update(
        finished_at=now,
        lease_expires_at=None,
        processed=state.received,
        total=state.total,
        **_counts(state),
        **fields,
    )
    run.refresh_from_db()
    return run


def _succeed(run: RefreshRun, owner: str, state: ImportState) -> RefreshRun:
    c = state.counts
    IntegrationEvent.objects.create(
        integration=run.integration,
        run=run,
        message=f"{'Full refresh' if run.full else 'Refresh'} finished: {c['created']} created, "
        f"{c['updated']} updated, "
        f"{c['unchanged']} unchanged, {c['skipped']} skipped, {c['closed']} closed.",
    )
    Integration.objects.filter(pk=run.integration_id).update(
        health=Health.OK, health_message="", last_refreshed_at=timezone.now()
    )
    return _finish(run, owner, state, status=RunStatus.SUCCEEDED)


def _fail(run: RefreshRun, owner: str, state: ImportState, message: str, *, health: str | None) -> RefreshRun:
    state.flush_log()
    IntegrationEvent.objects.create(
        integration=run.integration, run=run, level=EventLevel.ERROR, message=message
    )
    if health is not None:
        Integration.objects.filter(pk=run.integration_id).update(health=health, health_message=message[:500])
    return _finish(run, owner, state, status=RunStatus.FAILED, error=message)


def redispatch_stalled() -> list[int]:
    """Runs whose worker died (lease expired) or whose message was lost (queued too long): enqueue again.
    Claiming is conditional, so a run enqueued twice still runs once."""
    now = timezone.now()
    stalled = list(
        RefreshRun.objects.filter(
            Q(status=RunStatus.RUNNING, lease_expires_at__lt=now)
            | Q(status=RunStatus.QUEUED, queued_at__lt=now - timedelta(seconds=lease_seconds()))
        ).values_list("pk", flat=True)
    )
    from .tasks import run_refresh

    for pk in stalled:
        run_refresh.delay(pk)
    return stalled


def schedule_due() -> list[int]:
    """Request a refresh of each enabled integration whose interval has passed since its last run. Those
    whose credentials failed (or were never validated) hold until they validate."""
    now = timezone.now()
    started = []
    integrations = Integration.objects.filter(enabled=True, health__in=(Health.OK, Health.ERROR)).annotate(
        last_run_at=Max("runs__queued_at")
    )
    for integration in integrations:
        last = integration.last_run_at
        if last is None or last + timedelta(minutes=integration.refresh_interval_minutes) <= now:
            run, created = request_refresh(integration=integration, trigger="schedule")
            if created:
                started.append(run.pk)
    return started
