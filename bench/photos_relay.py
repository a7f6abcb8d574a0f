"""Relay figures for bench/photos.py: 1,000 published photos delivered to the sandbox by two worker
processes, fault-free and with 30% "File Save Failed": photos per second, delivered, duplicates (must be 0).

The workers are plain processes running the relay's own delivery loop (``relay_delivery.run_batch``), the
same code a Celery worker runs, so the figure is the relay's and not the broker's.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = 1000
WORKERS = 2

_WORKER_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import django
django.setup()
from django.db import connection
connection.settings_dict["NAME"] = sys.argv[2]
from integrations.relay_delivery import run_batch
run_batch(sys.argv[3], budget_seconds=300)
"""


def _setup(sandbox, vendor: str, label: str):
    from accounts.actors import Actor
    from accounts.models import Account
    from integrations.fastrack.sandbox.testing import make_order
    from integrations.models import Health, Integration
    from integrations.refresh import execute_run, request_refresh
    from photos.services import photo_approve, photo_ingest
    from tests.photos.imagefiles import make_jpeg

    sandbox.add_vendor(vendor, "pw")
    sandbox.add_orders(vendor, [make_order("9001")])
    account = Account.objects.create(name=f"Relay {label}", slug=f"relay-{label}")
    integration = Integration(
        account=account,
        kind="fastrack",
        name="AFS",
        base_url=sandbox.url,
        health=Health.OK,
        qa_in_field=False,
    )
    integration.set_credentials({"username": vendor, "password": "pw"})
    integration.save()
    run, _ = request_refresh(integration=integration, enqueue=False)
    execute_run(run_id=run.pk)
    project = integration.projects.get()
    task = project.tasks.get()
    actor = Actor.system(account, "bench")
    for i in range(PHOTOS):
        handle = io.BytesIO(make_jpeg(64, 48, seed=i))
        handle.name = f"{i}.jpg"
        photo, _ = photo_ingest(
            actor=actor, project=project, task=task, evidence_type="before", file=handle, source="office"
        )
        photo_approve(photo=photo, actor=actor)
    return integration, project, actor


def _deliver(database: str, label: str) -> float:
    env = {**os.environ, "RELAY_RETRY_BASE_SECONDS": "0", "RELAY_MAX_ATTEMPTS": "50"}
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER_SCRIPT, str(ROOT), database, f"{label}-{n}"], cwd=ROOT, env=env
        )
        for n in range(WORKERS)
    ]
    for worker in workers:
        worker.wait(timeout=600)
    return time.perf_counter() - started


def relay_figures(workdir: Path, database: str) -> dict:
    from django.db import connection

    from integrations.fastrack.sandbox.testing import Sandbox
    from integrations.models import RelayItem
    from integrations.relay import publish_project

    figures = {}
    with Sandbox.start(workdir / "sandbox") as sandbox:
        for label, faults in (("clean", {}), ("faults30", {"photoFailureRate": 0.3, "seed": 30})):
            vendor = f"bench-{label}"
            integration, project, actor = _setup(sandbox, vendor, label)
            sandbox.set_faults(vendor, **faults)
            publish_project(project=project, actor=actor)
            connection.close()  # the workers take over; keep no transaction open beside them
            seconds = _deliver(database, label)
            got = sandbox.received("photos", vendor)
            published = {str(s) for s in project.photos.values_list("relay_serial", flat=True)}
            delivered = {g["serial"] for g in got} & published
            # The sandbox keeps one record per serial, so a duplicate is the same photo arriving under a
            # second serial (a re-sent item that lost its serial): same content twice, or a serial we never
            # published.
            same_content = len(got) - len({(g["workOrderNumber"], g["sha256"]) for g in got})
            strangers = len({g["serial"] for g in got} - published)
            figures |= {
                f"relay_{label}_photos_per_s": round(len(delivered) / seconds, 1),
                f"relay_{label}_delivered": len(delivered),
                f"relay_{label}_duplicates": same_content + strangers,
                f"relay_{label}_not_sent": RelayItem.objects.filter(integration=integration)
                .exclude(status="sent")
                .count(),
                f"relay_{label}_upload_attempts": sum(g["attempts"] for g in got),
            }
    return figures
