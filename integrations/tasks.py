"""Celery tasks: thin. They take ids, return quietly when the row is gone, and leave state in the database."""

import logging

from celery import shared_task

from . import refresh, relay_delivery
from .models import RefreshRun

log = logging.getLogger(__name__)


@shared_task(name="integrations.run_refresh", ignore_result=True)
def run_refresh(run_id: int) -> None:
    if not RefreshRun.objects.filter(pk=run_id).exists():
        log.info("Refresh run %s is gone; nothing to do", run_id)
        return
    refresh.execute_run(run_id=run_id, owner=f"{run_refresh.request.hostname}:{run_refresh.request.id}")


@shared_task(name="integrations.tick", ignore_result=True)
def tick() -> None:
    """Beat's heartbeat: start due scheduled refreshes and re-dispatch stalled ones."""
    refresh.schedule_due()
    refresh.redispatch_stalled()


@shared_task(name="integrations.relay_due", ignore_result=True)
def relay_due() -> None:
    """Send what is due. Safe to run in several workers at once: each item is claimed by one."""
    owner = f"{relay_due.request.hostname}:{relay_due.request.id}"
    relay_delivery.run_batch(owner)
    if relay_delivery.due_ids(1):
        relay_due.delay()  # the budget ran out with work left: continue in a fresh task


@shared_task(name="integrations.relay_tick", ignore_result=True)
def relay_tick() -> None:
    """Beat: anything due (a retry's time came, a lease expired)? Start a delivery run."""
    if relay_delivery.due_ids(1):
        relay_due.delay()
