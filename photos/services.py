"""Writes to photos: ingest and QA. Keyword-only, one transaction each; role rules live here, not in views.

Nothing reaches the client without QA: publishing (integrations/relay.py) sends only ``approved`` photos,
which only these services make.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor, ActorKind, as_actor
from accounts.models import Role
from projects.models import Project, Task

from .ingest import Upload, check_target, ingest
from .models import Photo, PhotoStatus
from .selectors import photos_visible_to
from .storage import delete_quietly

__all__ = [
    "Upload",
    "photo_approve",
    "photo_discard",
    "photo_ingest",
    "photo_move",
    "photo_reject",
    "photos_bulk_approve",
    "photos_ingest",
    "photos_release_held",
]

# The API's limit too (serializers.PhotoRejectInput): the page posts the reason as typed.
REJECT_REASON_MAX_LENGTH = 2000


def photo_ingest(
    *,
    actor: Actor,
    project: Project,
    task: Task,
    evidence_type: str,
    file: IO[bytes],
    serial: uuid.UUID | None = None,
    source: str,
    taken_at: datetime | None = None,
    latitude: float | Decimal | None = None,
    longitude: float | Decimal | None = None,
) -> tuple[Photo, bool]:
    """Verify and store one upload and write its Photo; ``(photo, created)``.

    The same ``serial`` again returns the existing photo with ``created`` False and stores nothing. Raises
    ValidationError (with a ``code``: ``not_an_image``, ``truncated``, ``too_large``, ``bomb``, ``empty``,
    ``unsupported_format``, ``wrong_task``, ``archived_task``, ``not_a_photo_task``, ...) and
    PermissionDenied; no file is left behind when anything fails. ``taken_at``/``latitude``/``longitude``
    are the field app's capture record and win over EXIF; a naive time is in the account's time zone. Call
    it outside any transaction of yours: a rollback of yours after it returned would leave its files.
    """
    return ingest(
        actor=actor,
        project=project,
        task=task,
        evidence_type=evidence_type,
        uploads=[Upload(file=file, serial=serial)],
        source=source,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
    )[0]


def photos_ingest(
    *,
    actor: Actor,
    project: Project,
    task: Task,
    evidence_type: str,
    uploads: list[Upload],
    source: str,
    taken_at: datetime | None = None,
    latitude: float | Decimal | None = None,
    longitude: float | Decimal | None = None,
) -> list[tuple[Photo, bool]]:
    """Several files at once (an office upload): all are ingested or none. Capture metadata needs one file."""
    return ingest(
        actor=actor,
        project=project,
        task=task,
        evidence_type=evidence_type,
        uploads=uploads,
        source=source,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
    )


def _require_qa(actor: Actor, photo_or_project) -> None:
    if photo_or_project.account_id != actor.account_id:
        raise PermissionDenied("This belongs to another account.")
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(f"Your role ({actor.role}) cannot QA photos.")


def _lock(photo: Photo) -> Photo:
    photo.refresh_from_db(from_queryset=Photo.objects.select_for_update())
    return photo


def _decide(photo: Photo, actor: Actor, status: str, reason: str = "") -> Photo:
    if photo.status == PhotoStatus.HELD:
        # QA in Field: the crew decides, by completing the project; the office has nothing to QA before.
        raise ValidationError(
            "This photo is held until the crew completes the project (QA in Field): "
            "it cannot be approved or rejected before.",
            code="held",
        )
    photo.status = status
    photo.reject_reason = reason
    photo.qa_by = actor.user if actor.kind == ActorKind.USER else None
    photo.qa_by_label = actor.label[:200]
    photo.qa_at = timezone.now()
    photo.save(update_fields=["status", "reject_reason", "qa_by", "qa_by_label", "qa_at"])
    return photo


def _seen(photo: Photo, seen: str | None) -> str:
    return seen if seen in PhotoStatus.values else photo.status


def _decided_meanwhile(photo: Photo, seen: str, status: str) -> bool:
    """Two coordinators deciding at once: the second finds the photo decided since its request read it.
    True for the same decision (nothing to do); a different one is refused rather than silently
    overturning a decision its author never saw. A photo decided before the caller looked may be
    decided again on purpose."""
    if photo.status == seen or photo.status not in (PhotoStatus.APPROVED, PhotoStatus.REJECTED):
        return False
    if photo.status == status:
        return True
    raise ValidationError(
        f"{photo.qa_by_label or 'Someone'} {photo.get_status_display().lower()} this photo since you looked; "
        "look at it again before changing that decision.",
        code="decided_meanwhile",
    )


@transaction.atomic
def photo_approve(*, photo: Photo, actor: Actor, seen: str | None = None) -> Photo:
    """``seen``: the status the caller decided on (the QA page sends what it showed); else as read here."""
    actor = as_actor(actor)
    _require_qa(actor, photo)
    seen = _seen(photo, seen)
    photo = _lock(photo)
    if photo.status == PhotoStatus.APPROVED or _decided_meanwhile(photo, seen, PhotoStatus.APPROVED):
        return photo
    return _decide(photo, actor, PhotoStatus.APPROVED)


@transaction.atomic
def photo_reject(*, photo: Photo, actor: Actor, reason: str, seen: str | None = None) -> Photo:
    """Keep the photo, never send it. A photo already sent stays at the client: rejecting cannot unsend.
    ``seen`` as for ``photo_approve``."""
    actor = as_actor(actor)
    _require_qa(actor, photo)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the photo is rejected."}, code="required")
    if len(reason) > REJECT_REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": f"Keep the reason to {REJECT_REASON_MAX_LENGTH:,} characters or fewer."},
            code="max_length",
        )
    if "\x00" in reason:  # PostgreSQL cannot store it: refused here rather than a 500 from the database
        raise ValidationError({"reason": "The reason contains a NUL character."}, code="null_characters")
    seen = _seen(photo, seen)
    photo = _lock(photo)
    if _decided_meanwhile(photo, seen, PhotoStatus.REJECTED):
        return photo
    return _decide(photo, actor, PhotoStatus.REJECTED, reason)


@transaction.atomic
def photo_move(
    *, photo: Photo, actor: Actor, task: Task | None = None, evidence_type: str | None = None
) -> Photo:
    """Move to another task and/or evidence type of the same project.

    A photo the client already has gets a new relay serial and loses its ``published_at``: the next publish
    sends it again, with the flag of its new place.
    """
    actor = as_actor(actor)
    _require_qa(actor, photo)
    photo = _lock(photo)
    task = task if task is not None else photo.task
    evidence_type = evidence_type if evidence_type is not None else photo.evidence_type
    check_target(project=photo.project, task=task, evidence_type=evidence_type)
    if task.pk == photo.task_id and evidence_type == photo.evidence_type:
        return photo
    photo.task = task
    photo.evidence_type = evidence_type
    fields = ["task", "evidence_type"]
    if photo.published_at is not None:
        photo.relay_serial = uuid.uuid4()
        photo.published_at = None
        fields += ["relay_serial", "published_at"]
    photo.save(update_fields=fields)
    return photo


@transaction.atomic
def photos_bulk_approve(
    *, actor: Actor, project: Project | None = None, ids: Iterable[int] | None = None
) -> int:
    """Approve the photos pending QA of a project, or those among ``ids``; returns how many were approved.

    ``ids`` the caller cannot see are refused as a whole (nothing is approved), named in the error.
    """
    actor = as_actor(actor)
    if (project is None) == (ids is None):
        raise ValueError("give a project or ids, not both")
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(f"Your role ({actor.role}) cannot QA photos.")
    photos = photos_visible_to(actor)
    if project is not None:
        photos = photos.filter(project=project)
    else:
        wanted = set(ids)
        found = set(photos.filter(pk__in=wanted).values_list("pk", flat=True))
        if missing := sorted(wanted - found):
            raise ValidationError(
                {"ids": f"No such photos: {', '.join(map(str, missing))}."}, code="not_found"
            )
        photos = photos.filter(pk__in=wanted)
    return photos.filter(status=PhotoStatus.PENDING_QA).update(
        status=PhotoStatus.APPROVED,
        reject_reason="",
        qa_by=actor.user if actor.kind == ActorKind.USER else None,
        qa_by_label=actor.label[:200],
        qa_at=timezone.now(),
    )


@transaction.atomic
def photos_release_held(*, project: Project, actor: Actor) -> int:
    """QA in Field: the crew completed, so what they kept is approved. Returns how many photos were released.

    Called by the project's "complete" flow, which has checked who may complete; publishing is its next step.
    """
    actor = as_actor(actor)
    if project.account_id != actor.account_id:
        raise PermissionDenied("This project belongs to another account.")
    return Photo.objects.filter(project=project, status=PhotoStatus.HELD).update(
        status=PhotoStatus.APPROVED,
        qa_by=actor.user if actor.kind == ActorKind.USER else None,
        qa_by_label=actor.label[:200],
        qa_at=timezone.now(),
    )


@transaction.atomic
def photo_discard(*, photo: Photo, actor: Actor) -> None:
    """QA in Field: the crew goes through the photos held for them and deletes those they do not keep (seed
    001: "delete / retake as necessary") before pressing Complete. Only held photos, and only by the crew the
    project is assigned to: the office's word on the others is Reject. The files go once the delete has
    committed, so a delete that rolls back keeps them."""
    actor = as_actor(actor)
    photo = _lock(photo)
    if photo.account_id != actor.account_id:
        raise PermissionDenied("This photo belongs to another account.")
    if actor.user is None or photo.project.assignee_id != actor.user.pk:
        raise PermissionDenied("Only the crew the project is assigned to can delete its held photos.")
    if photo.status != PhotoStatus.HELD:
        raise ValidationError(
            f"Only a photo held for the crew (QA in Field, before Complete) can be deleted; this one is "
            f"{photo.get_status_display().lower()}.",
            code="not_held",
        )
    names = [f.name for f in (photo.original, photo.thumbnail, photo.display) if f.name]
    photo.delete()
    transaction.on_commit(lambda: delete_quietly(names))
