"""One run at a time, leases taken over from dead workers, scheduling, and the real worker."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integrations import refresh
from integrations.models import Health, RefreshRun
from projects.models import Project, ProjectEvent

from .helpers import make_order, refresh_now


@pytest.mark.django_db
def test_a_second_request_gets_the_active_run(fastrack, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first, created = refresh.request_refresh(integration=fastrack)
    assert created and len(callbacks) == 1  # enqueued only after the commit
    second, created_again = refresh.request_refresh(integration=fastrack, full=True)
    assert not created_again and second.pk == first.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_make_one_run(postgres, fastrack):
    results, barrier = [], threading.Barrier(4)

    def ask():
        barrier.wait()
        try:
            results.append(refresh.request_refresh(integration=fastrack, enqueue=False))
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({run.pk for run, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert RefreshRun.objects.count() == 1


@pytest.mark.django_db
def test_a_dead_workers_run_is_taken_over_when_its_lease_expires(fastrack, sandbox, vendor):
    sandbox.add_orders(vendor[0], [make_order("1"), make_order("2")])
    run, _ = refresh.request_refresh(integration=fastrack, enqueue=False)
    assert refresh.claim(run.pk, "worker-that-dies")
    assert refresh.execute_run(run_id=run.pk, owner="successor") is None  # the lease is still alive
    RefreshRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    finished = refresh.execute_run(run_id=run.pk, owner="successor")
    assert finished.status == "succeeded" and finished.created == 2 and finished.attempts == 2
    # the dead worker, were it to wake up, can no longer write
    with pytest.raises(refresh.LeaseLost):
        refresh._renew(
            run.pk, "worker-that-dies", refresh.ImportState(integration=fastrack, actor=None, full=False)
        )


@pytest.mark.django_db
def test_stalled_runs_are_redispatched(fastrack, monkeypatch):
    sent = []
    monkeypatch.setattr("integrations.tasks.run_refresh.delay", lambda pk: sent.append(pk))
    run, _ = refresh.request_refresh(integration=fastrack, enqueue=False)
    assert refresh.redispatch_stalled() == []
    refresh.claim(run.pk, "dead")
    RefreshRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=5))
    assert refresh.redispatch_stalled() == [run.pk] and sent == [run.pk]


@pytest.mark.django_db
def test_schedule_starts_due_healthy_integrations_only(fastrack, monkeypatch, sandbox, vendor):
    monkeypatch.setattr("integrations.tasks.run_refresh.delay", lambda pk: None)
    started = refresh.schedule_due()
    assert len(started) == 1
    assert refresh.schedule_due() == []  # a tick that finds one running does nothing
    RefreshRun.objects.update(status="succeeded", queued_at=timezone.now())
    assert refresh.schedule_due() == []  # not due yet
    RefreshRun.objects.update(
        queued_at=timezone.now() - timedelta(minutes=fastrack.refresh_interval_minutes + 1)
    )
    assert len(refresh.schedule_due()) == 1
    RefreshRun.objects.update(status="succeeded", queued_at=timezone.now() - timedelta(days=1))
    fastrack.health = Health.AUTH_FAILED
    fastrack.save()
    assert refresh.schedule_due() == []  # held until the credentials change and validate
    fastrack.health = Health.OK
    fastrack.enabled = False
    fastrack.save()
    assert refresh.schedule_due() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_refresh_runs_through_a_real_worker_on_redis(celery_worker, fastrack, sandbox, vendor):
    sandbox.add_orders(vendor[0], [make_order(str(n)) for n in range(1, 6)])
    run, created = refresh.request_refresh(integration=fastrack)  # enqueued on commit (autocommit here)
    assert created

    def finished():
        run.refresh_from_db()
        return run.status in ("succeeded", "failed")

    celery_worker.wait_for(finished, timeout=60)
    assert run.status == "succeeded", run.error
    assert Project.objects.filter(integration=fastrack).count() == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_refresh_whose_worker_is_killed_is_taken_over_by_the_next(celery_worker, fastrack, sandbox, vendor):
    from integrations.tasks import tick

    # A short lease so the successor takes over quickly; small, slow pages so the kill lands mid-run.
    celery_worker.restart(REFRESH_LEASE_SECONDS="3", FASTRACK_PAGE_SIZE="2")
    sandbox.add_orders(vendor[0], [make_order(str(n)) for n in range(1, 11)])
    sandbox.set_faults(vendor[0], latencyMs=400)
    run, _ = refresh.request_refresh(integration=fastrack)
    imported = Project.objects.filter(integration=fastrack)
    celery_worker.wait_for(lambda: imported.count() >= 2, timeout=60)
    celery_worker.kill()
    run.refresh_from_db()
    assert run.status == "running" and imported.count() < 10, "the kill came too late to test anything"

    sandbox.set_faults(vendor[0])
    celery_worker.start()  # the successor

    def finished():
        tick.delay()  # what beat does every minute: re-dispatch runs whose lease expired
        run.refresh_from_db()
        return run.status == "succeeded"

    celery_worker.wait_for(finished, timeout=90, interval=1.5)
    assert run.attempts == 2 and run.created + run.unchanged == 10
    assert imported.count() == 10
    assert ProjectEvent.objects.filter(project__integration=fastrack, type="project.created").count() == 10


@pytest.mark.django_db
def test_refresh_writes_progress_and_counts(fastrack, sandbox, vendor, settings):
    settings.FASTRACK_PAGE_SIZE = 2
    sandbox.add_orders(vendor[0], [make_order(str(n)) for n in range(1, 6)])
    run = refresh_now(fastrack)
    assert (run.processed, run.total, run.created, run.percent) == (5, 5, 5, 100)
    assert run.counts() == {
        "status": "succeeded",
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "closed": 0,
    }
