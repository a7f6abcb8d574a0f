"""Celery tasks of wms_addons: interfaces only, the work is in delivery.py.

No autoretry here: every delivery keeps its attempts, due time and lease in PostgreSQL, and the beat tick
(every 5 s) is the retry. Running two at once is safe: each delivery is claimed by one of them.
"""

import logging

from celery import shared_task

from . import delivery

log = logging.getLogger(__name__)


@shared_task(name="wms_addons.tasks.deliver_due", ignore_result=True)
def deliver_due() -> None:
    counts = delivery.deliver_due()
    if any(counts.values()):
        log.info("WMS deliveries: %s", counts)
