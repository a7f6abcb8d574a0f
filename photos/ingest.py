"""Photo ingest: verify, store, certify, look for reuse, and write the row. Called through photos.services.

Order of work: cheap refusals first (task, evidence type, serials), then the image is verified in memory
(``imaging.process``) for every file of the request before anything is stored, then the files are written and
the rows created in one transaction. Whatever fails after a file was written deletes what this call wrote, so
a refused or failed upload leaves no file behind. Image work and file writes stay outside the transaction: on
SQLite an IMMEDIATE transaction holds the write lock for as long as it is open.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.actors import Actor, ActorKind, as_actor
from projects.models import EvidenceType, Project, ProjectStatus, Task

from . import imaging
from .certification import certify
from .models import Photo, PhotoSource, PhotoStatus
from .phash import bands
from .selectors import near_duplicate_of
from .storage import CONTENT_TYPES, delete_quietly, photo_names, photo_storage

_MB = 1024 * 1024


@dataclass
class Upload:
    """One file of a request and the serial its uploader chose for it (None: Vendordesk picks one)."""

    file: IO[bytes]
    serial: uuid.UUID | None = None


@dataclass
class _Accepted:
    upload: Upload
    serial: uuid.UUID
    facts: imaging.ImageFacts
    renditions: imaging.Renditions
    names: tuple[str, str, str] = ("", "", "")


def limits() -> imaging.Limits:
    return imaging.Limits(
        max_bytes=getattr(settings, "PHOTO_MAX_BYTES", 40 * _MB),
        max_pixels=getattr(settings, "PHOTO_MAX_PIXELS", 100_000_000),
    )


def check_target(*, project: Project, task: Task, evidence_type: str) -> None:
    """Where a photo may go: a live photo task of this project, with a known evidence type."""
    if task.project_id != project.pk:
        raise ValidationError({"task": "This task belongs to another project."}, code="wrong_task")
    if task.archived:
        raise ValidationError(
            {"task": f"The task {task.name} was removed by the client; photos cannot be added to it."},
            code="archived_task",
        )
    if not task.is_photo_task:
        raise ValidationError({"task": "Photos are taken on photo tasks only."}, code="not_a_photo_task")
    if evidence_type not in EvidenceType.values:
        choices = ", ".join(EvidenceType.values)
        raise ValidationError(
            {"evidence_type": f"Give the evidence type: one of {choices}."}, code="invalid_evidence_type"
        )


def ingest(
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
    """Ingest every upload or none; ``(photo, created)`` for each, in order. See photos.services."""
    actor = as_actor(actor)
    _check_uploader(actor, project, source)
    if not uploads:
        raise ValidationError({"file": "Send a photo file."}, code="required")
    existing = _existing_by_serial(actor, project, uploads)
    if all(u.serial in existing for u in uploads):
        # A retry: the photo exists, even if it was moved or its task removed since.
        return [(existing[u.serial], False) for u in uploads]
    check_target(project=project, task=task, evidence_type=evidence_type)
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": "Give both latitude and longitude, or neither."}, code="invalid")
    if len(uploads) > 1 and (taken_at, latitude) != (None, None):
        raise ValidationError("Capture metadata describes one photo: send one file with it.", code="invalid")
    now = timezone.now()
    accepted = [_verify(u, many=len(uploads) > 1) for u in uploads if u.serial not in existing]
    stored: list[str] = []
    made: dict[int, tuple[Photo, bool]] = {}
    try:
        for item in accepted:
            item.names = _store(item, project, stored)
        with transaction.atomic():
            for item in accepted:
                made[id(item.upload)] = _create(
                    item,
                    actor=actor,
                    project=project,
                    task=task,
                    evidence_type=evidence_type,
                    source=source,
                    now=now,
                    capture=(taken_at, latitude, longitude),
                    stored=stored,
                )
    except BaseException:
        delete_quietly(stored)
        raise
    return [(existing[u.serial], False) if u.serial in existing else made[id(u)] for u in uploads]


def _check_uploader(actor: Actor, project: Project, source: str) -> None:
    if project.account_id != actor.account_id:
        raise PermissionDenied("This project belongs to another account.")
    if actor.is_field and (actor.user is None or project.assignee_id != actor.user.pk):
        raise PermissionDenied("Only the crew assigned to this project can add photos to it.")
    if source not in PhotoSource.values:
        raise ValueError(f"unknown photo source {source!r}")
    if project.deleted_at is not None:
        raise ValidationError(f"{project.name} was deleted; photos cannot be added to it.", code="deleted")
    if project.status == ProjectStatus.CLOSED:
        raise ValidationError(f"{project.name} is closed; photos cannot be added to it.", code="closed")


def _existing_by_serial(actor: Actor, project: Project, uploads: list[Upload]) -> dict[uuid.UUID, Photo]:
    """Photos already made from these serials: a retried upload gets its photo back and stores nothing."""
    serials = [u.serial for u in uploads if u.serial is not None]
    if len(set(serials)) != len(serials):
        raise ValidationError({"serial": "Each file needs its own serial."}, code="duplicate_serial")
    if not serials:
        return {}
    found = {p.serial: p for p in Photo.objects.filter(account_id=actor.account_id, serial__in=serials)}
    if any(p.project_id != project.pk for p in found.values()):
        raise ValidationError(
            {"serial": "This serial belongs to a photo of another project."}, code="serial_in_use"
        )
    return found


def _verify(upload: Upload, *, many: bool) -> _Accepted:
    try:
        facts, renditions = imaging.process(upload.file, limits=limits())
    except imaging.ImageRejected as rejected:
        name = os.path.basename(getattr(upload.file, "name", "") or "")
        message = f"{name}: {rejected.message}" if many and name else rejected.message
        error = ValidationError({"file": ValidationError(message, code=rejected.code)})
        error.code = rejected.code  # the API's top-level "code" (config/api/exceptions.py reads it)
        raise error from rejected
    return _Accepted(upload=upload, serial=upload.serial or uuid.uuid4(), facts=facts, renditions=renditions)


def _store(item: _Accepted, project: Project, stored: list[str]) -> tuple[str, str, str]:
    """Write the original (streamed, byte for byte) and the renditions; record each name as it lands."""
    storage = photo_storage()
    original, thumbnail, display = photo_names(
        account_id=project.account_id, project_id=project.pk, image_format=item.facts.format
    )
    names = []
    for name, content in (
        (original, item.upload.file),
        (thumbnail, ContentFile(item.renditions.thumbnail)),
        (display, ContentFile(item.renditions.display)),
    ):
        names.append(storage.save(name, content))
        stored.append(names[-1])
    return tuple(names)


def _create(
    item: _Accepted, *, actor, project, task, evidence_type, source, now, capture, stored
) -> tuple[Photo, bool]:
    facts = item.facts
    taken_at, latitude, longitude = capture
    # The field app's own capture record wins over EXIF; EXIF times without an offset are the account's.
    taken_at = taken_at if taken_at is not None else facts.taken_at
    if taken_at is not None and timezone.is_naive(taken_at):
        taken_at = timezone.make_aware(taken_at, project.account.tzinfo)
    if latitude is None:
        latitude, longitude = facts.latitude, facts.longitude
    position = None if latitude is None else (_degrees(latitude), _degrees(longitude))
    property_position = (
        (project.latitude, project.longitude)
        if project.latitude is not None and project.longitude is not None
        else None
    )
    cert = certify(
        from_field_app=source == PhotoSource.FIELD,
        taken_at=taken_at,
        uploaded_at=now,
        position=position,
        property_position=property_position,
    )
    held = source == PhotoSource.FIELD and project.qa_in_field and project.status == ProjectStatus.OPEN
    reuse_of = near_duplicate_of(
        account_id=project.account_id, exclude_project_id=project.pk, phash=facts.phash
    )
    band0, band1, band2, band3 = bands(facts.phash)
    original, thumbnail, display = item.names
    photo = Photo(
        account_id=project.account_id,
        project=project,
        task=task,
        evidence_type=evidence_type,
        serial=item.serial,
        relay_serial=item.serial,
        source=source,
        status=PhotoStatus.HELD if held else PhotoStatus.PENDING_QA,
        original=original,
        thumbnail=thumbnail,
        display=display,
        original_name=os.path.basename(getattr(item.upload.file, "name", "") or "")[:255],
        content_type=CONTENT_TYPES[facts.format],
        size_bytes=facts.size_bytes,
        width=facts.width,
        height=facts.height,
        sha256=facts.sha256,
        phash=facts.phash,
        phash_band0=band0,
        phash_band1=band1,
        phash_band2=band2,
        phash_band3=band3,
        taken_at=taken_at,
        latitude=position[0] if position else None,
        longitude=position[1] if position else None,
        camera_make=facts.camera_make or "",
        camera_model=facts.camera_model or "",
        cert_item=cert.item,
        cert_time=cert.time,
        cert_location=cert.location,
        possible_reuse=reuse_of is not None,
        reuse_of_id=reuse_of,
        uploaded_by=actor.user if actor.kind == ActorKind.USER else None,
        uploaded_by_label=actor.label[:200],
        uploaded_at=now,
    )
    try:
        with transaction.atomic():
            photo.save(force_insert=True)
    except IntegrityError:
        # The same serial raced in from a retry on another connection: keep theirs, drop our files.
        theirs = Photo.objects.filter(account_id=project.account_id, serial=item.serial).first()
        if theirs is None or theirs.project_id != project.pk:
            raise ValidationError(
                {"serial": "This serial is already in use."}, code="serial_in_use"
            ) from None
        delete_quietly(list(item.names))
        for name in item.names:
            stored.remove(name)
        return theirs, False
    return photo, True


def _degrees(value: float | Decimal) -> Decimal:
    return Decimal(str(round(float(value), 6)))
