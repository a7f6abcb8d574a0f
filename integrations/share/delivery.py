"""What a subcontractor's published items become on the primary vendor's project (DESIGN.md §8).

Photos are copied into the primary's project (their serial is the subcontractor's relay serial, so a retry
finds the copy), survey answers are submitted on the primary's own survey, check-in steps are recorded there
through ``integrations/checkin.py``, which relays them on. Surveys and check-in steps are made idempotent by
a ShareReceipt per serial. Called by ``ShareSource`` outside any transaction: photo ingest and the check-in
wait for storage and the client.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction

from accounts.actors import Actor
from photos.models import Photo, PhotoStatus
from photos.services import photo_approve, photo_ingest
from projects.models import Project
from surveys.models import AnsweredIn
from surveys.selectors import answerable_photo_serials
from surveys.services import response_save

from ..base import RejectedError, TransientError
from ..relay import publish_project
from . import selectors
from .models import ShareLink, ShareReceipt

INVALID_ABC = "INVALID_ABC_NUMBER"  # what integrations/checkin.py expects of a client refusing the number


def actor_for(link: ShareLink, subcontractor_name: str) -> Actor:
    """Who acts on the primary's project: the link, named after the subcontractor (its history shows it)."""
    return Actor.system(link.account, f"Share: {subcontractor_name}"[:200])


def _message(exc: Exception) -> str:
    return "; ".join(getattr(exc, "messages", None) or [str(exc)])


def _rejected(exc: ValidationError, *, code: str = "") -> RejectedError:
    return RejectedError(f"The primary vendor's project refused it: {_message(exc)}", code=code)


def _received(link: ShareLink, serial) -> bool:
    return ShareReceipt.objects.filter(link=link, serial=serial).exists()


def _receipt(link: ShareLink, serial, kind: str) -> None:
    ShareReceipt.objects.get_or_create(link=link, serial=serial, defaults={"kind": kind})


def land_photo(*, link: ShareLink, project: Project, item, actor: Actor) -> Photo:
    """Copy the item's photo into the primary's project: pending QA there, or approved and published on."""
    original, payload = item.photo, item.payload
    try:
        task = project.tasks.filter(pk=int(payload["serviceId"]), archived=False).first()
    except (TypeError, ValueError, KeyError):
        task = None
    if task is None:
        raise RejectedError(
            f"The task {payload.get('flag', '')!r} no longer exists on the primary's project."
        )
    position = (original.latitude, original.longitude) if original.latitude is not None else (None, None)
    try:
        with original.original.storage.open(original.original.name, "rb") as handle:
            copy, created = photo_ingest(
                actor=actor,
                project=project,
                task=task,
                evidence_type=payload["evidenceType"],
                file=File(handle, name=original.original_name or f"{item.serial}.jpg"),
                serial=item.serial,
                source=original.source,  # field photos stay field photos: certification follows them
                taken_at=original.taken_at,
                latitude=position[0],
                longitude=position[1],
            )
    except (ValidationError, PermissionDenied) as exc:
        raise _rejected(exc, code=getattr(exc, "code", "") or "") from exc
    return _settle(copy, original, link=link, project=project, actor=actor, created=created)


@transaction.atomic
def _settle(copy: Photo, original: Photo, *, link, project, actor, created: bool) -> Photo:
    copy = Photo.objects.select_for_update().get(pk=copy.pk)
    if created:
        # The subcontractor's certification is the truth: the copy's upload time is the relay's.
        Photo.objects.filter(pk=copy.pk).update(
            cert_item=original.cert_item, cert_time=original.cert_time, cert_location=original.cert_location
        )
    if link.approves and copy.status in (PhotoStatus.HELD, PhotoStatus.PENDING_QA):
        copy = photo_approve(photo=copy, actor=actor)
    elif copy.status == PhotoStatus.HELD:
        # The subcontractor's QA is done; the primary's office reviews it, whatever its QA in Field says.
        Photo.objects.filter(pk=copy.pk).update(status=PhotoStatus.PENDING_QA)
    if link.approves and copy.status == PhotoStatus.APPROVED and copy.published_at is None:
        publish_project(project=project, actor=actor)
    return copy


def _wait_for_photos(project: Project, named) -> None:
    known = answerable_photo_serials(project)
    if any(str(s) not in known for s in named):
        raise TransientError("Waiting for the photos its answers name to reach the primary vendor.")


def land_survey(*, link: ShareLink, project: Project, item, actor: Actor) -> None:
    """Submit the answers on the primary's matching survey (published on when the link approves)."""
    if _received(link, item.serial):
        return
    payload = item.payload
    survey = selectors.project_survey(project, str(payload.get("formId")), int(payload.get("version") or 1))
    if survey is None:
        raise RejectedError(f"The primary's project has no form {payload.get('formId')}.")
    _wait_for_photos(project, [s for serials in payload.get("photos", {}).values() for s in serials])
    try:
        with transaction.atomic():
            response_save(
                project=project,
                survey=survey,
                actor=actor,
                answers=payload["answers"],
                answered_in=_answered_in(payload),
                submit=True,
            )
            _receipt(link, item.serial, item.kind)
    except (ValidationError, PermissionDenied) as exc:
        raise _rejected(exc, code=getattr(exc, "code", "") or "") from exc
    if link.approves:
        publish_project(project=project, actor=actor)


def _answered_in(payload: dict) -> str:
    """Where the subcontractor's crew answered (the field app or its office); office when not said."""
    value = payload.get("answeredIn")
    return value if value in AnsweredIn.values else AnsweredIn.OFFICE


def _coordinate(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def land_check_in(*, link: ShareLink, project: Project, item, actor: Actor) -> None:
    """Check in on the primary's project, which sends it to the client at once (or queues it)."""
    from ..checkin import check_in  # checkin imports relay and surveys; loaded when first needed

    if _received(link, item.serial):
        return
    payload = item.payload
    try:
        check_in(
            project=project,
            actor=actor,
            abc_number=payload.get("abcNumber"),
            latitude=_coordinate(payload.get("latitude")),
            longitude=_coordinate(payload.get("longitude")),
        )
    except ValidationError as exc:
        code = getattr(exc, "code", "")
        if code != "already_checked_in":  # a retry after the primary recorded it: done
            raise _rejected(exc, code=INVALID_ABC if code == "invalid_abc_number" else code or "") from exc
    except PermissionDenied as exc:
        raise _rejected(exc) from exc
    _receipt(link, item.serial, item.kind)


def land_check_in_complete(*, link: ShareLink, project: Project, item, actor: Actor) -> None:
    """Submit the checklist and complete the check-in on the primary's project, which relays it on."""
    from ..checkin import complete_check_in

    if _received(link, item.serial):
        return
    checklist = item.payload.get("checklist") or {}
    named = [s for value in checklist.values() if isinstance(value, list) for s in value if _is_uuid(s)]
    _wait_for_photos(project, named)
    try:
        with transaction.atomic():
            complete_check_in(project=project, actor=actor, checklist=checklist)
            _receipt(link, item.serial, item.kind)
    except ValidationError as exc:
        if getattr(exc, "code", "") != "already_completed":
            raise _rejected(exc, code=getattr(exc, "code", "") or "") from exc
        _receipt(link, item.serial, item.kind)
    except PermissionDenied as exc:
        raise _rejected(exc) from exc


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
