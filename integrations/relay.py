"""Publishing: turning approved photos (and submitted surveys, check-in steps) into RelayItems, in the same
transaction that marks them published (DESIGN.md §5). Delivery is ``relay_delivery.py``'s job.

Nothing reaches the client without QA: only approved photos are publishable. A manual project has no
client, so publishing it marks its photos published and relays nothing.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor, ActorKind
from accounts.models import Role
from photos.selectors import publishable_photos
from photos.services import photos_release_held
from projects.events import record_event
from projects.models import EventType, Project
from projects.services import project_complete

from .models import Integration, RelayItem, RelayKind, RelayStatus


def photo_flag(photo) -> str:
    """FAStrack's auto-flag: ``<serviceName> - <Before|During|After>``."""
    return f"{photo.task.name} - {photo.get_evidence_type_display()}"


def _photo_payload(photo) -> dict:
    return {
        "serviceId": photo.task.source_ref,
        "evidenceType": photo.evidence_type,
        "flag": photo_flag(photo),
        "takenAt": photo.taken_at.isoformat() if photo.taken_at else "",
        "latitude": str(photo.latitude) if photo.latitude is not None else "",
        "longitude": str(photo.longitude) if photo.longitude is not None else "",
    }


def dispatch_on_commit() -> None:
    from .tasks import relay_due

    transaction.on_commit(lambda: relay_due.delay())


@transaction.atomic
def publish_project(*, project: Project, actor: Actor) -> int:
    """Publish every approved, unpublished photo and every submitted survey of the project. Returns how
    many."""
    if actor.kind in (ActorKind.USER, ActorKind.API_KEY) and not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied("Only coordinators, admins and owners publish.")
    project = Project.objects.select_for_update(of=("self",)).select_related("integration").get(pk=project.pk)
    photos = list(publishable_photos(project).select_for_update(of=("self",)))
    now = timezone.now()
    relayed = project.integration is not None
    if photos and relayed:
        RelayItem.objects.bulk_create(
            [
                RelayItem(
                    integration=project.integration,
                    project=project,
                    kind=RelayKind.PHOTO,
                    photo=photo,
                    serial=photo.relay_serial,
                    payload=_photo_payload(photo),
                    published_by=actor.label[:200],
                    created_at=now,
                    next_attempt_at=now,
                )
                for photo in photos
            ]
        )
    if photos:
        type(photos[0]).objects.filter(pk__in=[p.pk for p in photos]).update(published_at=now)
    # Survey answers go after the photos they name (surveys.py imports this module, hence the late import).
    from .surveys import relay_submitted

    surveys = relay_submitted(project=project, actor=actor)
    if not photos and not surveys:
        return 0
    if relayed:
        dispatch_on_commit()
    project.refresh_from_db(fields=["last_event_sequence"])  # relay_submitted locked and re-read the row
    # One "published" event for the whole press of the button, naming the surveys it sent.
    record_event(
        project, actor, EventType.PUBLISHED, {"photos": len(photos), "surveys": surveys, "relayed": relayed}
    )
    return len(photos) + len(surveys)


@transaction.atomic
def complete_project(*, project: Project, actor: Actor) -> Project:
    """The crew's Complete: with QA in Field, the held photos are approved and published at once."""
    project = project_complete(project=project, actor=actor)
    if project.qa_in_field:
        photos_release_held(project=project, actor=actor)
        publish_project(project=project, actor=Actor.system(project.account, f"Completed by {actor.label}"))
    return project


@transaction.atomic
def enqueue(
    *,
    project: Project,
    kind: str,
    payload: dict,
    actor: Actor,
    serial: uuid.UUID | None = None,
    dispatch: bool = True,
) -> RelayItem | None:
    """Queue a survey or check-in item for the project's client; None for a manual project."""
    if project.integration_id is None:
        return None
    item = RelayItem.objects.create(
        integration_id=project.integration_id,
        project=project,
        kind=kind,
        serial=serial or uuid.uuid4(),
        payload=payload,
        published_by=actor.label[:200],
    )
    if dispatch:
        dispatch_on_commit()
    return item


@transaction.atomic
def republish(*, items, actor: Actor) -> int:
    """Send failed items again from the first attempt (one, or all of a project)."""
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied("Only coordinators, admins and owners re-publish.")
    ids = [i.pk for i in items]
    if not ids:
        raise ValidationError("Nothing to re-publish: only failed items can be sent again.")
    count = RelayItem.objects.filter(pk__in=ids, status=RelayStatus.FAILED).update(
        status=RelayStatus.QUEUED,
        attempts=0,
        next_attempt_at=timezone.now(),
        last_error="",
        lease_owner="",
        lease_expires_at=None,
    )
    if count:
        dispatch_on_commit()
    return count


def hold_integration(integration: Integration, message: str) -> int:
    """The client refused our credentials: keep the integration's items until they validate again."""
    return RelayItem.objects.filter(
        integration=integration, status__in=(RelayStatus.QUEUED, RelayStatus.SENDING)
    ).update(status=RelayStatus.HELD, last_error=message, lease_owner="", lease_expires_at=None)


def release_held(integration: Integration) -> int:
    """The credentials validated: held items go back to the queue, due now."""
    with transaction.atomic():
        count = RelayItem.objects.filter(integration=integration, status=RelayStatus.HELD).update(
            status=RelayStatus.QUEUED, next_attempt_at=timezone.now(), last_error=""
        )
        if count:
            dispatch_on_commit()
    return count
