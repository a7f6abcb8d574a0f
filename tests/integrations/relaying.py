"""Helpers of the relay tests: an imported project with photo tasks, and photos on it."""

import io

from accounts.actors import Actor
from integrations.relay_delivery import run_batch
from photos.services import photo_approve, photo_ingest
from projects.models import Project
from tests.photos.imagefiles import make_jpeg

from .helpers import make_order, refresh_now

SERVICES = [
    {"serviceId": "S1", "serviceName": "Grass Cut", "photoRequired": True},
    {"serviceId": "S2", "serviceName": "Lock Change", "photoRequired": True},
]


def imported_project(integration, sandbox, vendor, number="5001", *, qa_in_field=False, assignee=None):
    integration.qa_in_field = qa_in_field
    integration.default_assignee = assignee
    integration.save()
    sandbox.add_orders(vendor[0], [make_order(number, services=SERVICES)])
    refresh_now(integration)
    return Project.objects.get(integration=integration, source_ref=number)


def ingest_photo(project, user, task, *, evidence_type="before", seed=0, source="office"):
    """One real JPEG (its content set by ``seed``) uploaded by ``user`` onto ``task``."""
    handle = io.BytesIO(make_jpeg(320, 240, seed=seed))
    handle.name = f"IMG_{seed}.jpg"
    photo, _ = photo_ingest(
        actor=Actor.for_user(user),
        project=project,
        task=task,
        evidence_type=evidence_type,
        file=handle,
        source=source,
    )
    return photo


def add_photos(project, user, count, *, source="office", evidence_type="before", approve_as=None, seed=0):
    task = project.tasks.get(source_ref="S1")
    photos = []
    for i in range(count):
        photo = ingest_photo(project, user, task, evidence_type=evidence_type, seed=seed + i, source=source)
        if approve_as is not None:
            photo = photo_approve(photo=photo, actor=Actor.for_user(approve_as))
        photos.append(photo)
    return photos


def drain(owner="test", rounds=60):
    """Run delivery batches until nothing is due (retries made due at once by a zero backoff)."""
    total = 0
    for _ in range(rounds):
        sent = run_batch(owner, budget_seconds=20)
        total += sent
        from integrations.relay_delivery import due_ids

        if not due_ids(1):
            break
    return total
