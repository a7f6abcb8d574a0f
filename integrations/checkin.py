"""Check In with the client (DESIGN.md §6): the arrival goes to the client at once, inside the request, so a
wrong ABC number is known while the crew is still at the door; the completion is relayed.

The arrival is sent before anything is written: a refused ABC number records nothing. When the client
cannot be reached, the check-in is recorded and its RelayItem queued with the same serial, so the relay's
retry cannot make a second one even if the first call did arrive.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor
from projects.checkin import (
    check_can_check_in,
    check_in_complete_record,
    check_in_for_completion,
    check_in_record,
    clean_abc_number,
)
from projects.models import CheckIn, CheckInStatus, Project, ProjectStatus
from surveys.models import AnsweredIn, AttachedBy, ProjectSurvey
from surveys.selectors import relay_serials
from surveys.services import response_submit, responses_mark_published

from .base import RejectedError, SourceError
from .models import Health, RelayItem, RelayKind, RelayStatus
from .relay import complete_project, enqueue
from .surveys import ensure_ags_survey, publish_submitted, to_relay_serials

CLIENT_INVALID_ABC = "INVALID_ABC_NUMBER"


@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    sent: bool  # False: the client could not be reached; the relay will send it
    message: str = ""


def _coordinate(value) -> float | None:
    return None if value is None else float(value)


def _send_now(project: Project, serial: uuid.UUID, payload: dict) -> tuple[bool, str]:
    """Send the arrival through the source now. (True, "") when the client took it; (False, why) when it
    could not be reached; ValidationError when it refused it."""
    integration = project.integration
    if integration.health == Health.AUTH_FAILED:
        return False, integration.health_message or "The integration's credentials failed."
    item = RelayItem(
        integration=integration, project=project, kind=RelayKind.CHECK_IN, serial=serial, payload=payload
    )
    try:
        integration.source().check_in(item)
    except RejectedError as exc:
        if exc.code == CLIENT_INVALID_ABC:
            raise ValidationError(
                f"Invalid ABC number: {payload['abcNumber']} is not valid at the client. "
                "Check the number and check in again.",
                code="invalid_abc_number",
            ) from exc
        raise ValidationError(
            f"The client refused the check-in: {exc.message}", code="rejected_by_client"
        ) from exc
    except SourceError as exc:  # down, slow, or credentials: record it and let the relay retry
        return False, exc.message
    return True, ""


def arrival_serial(project: Project, abc_number: str) -> uuid.UUID:
    """The serial of this project's arrival with this ABC number, the same for every request that sends
    it: a double tap or two crew members checking in at once reach the client as one arrival (it is
    idempotent by serial), and only one is recorded here. Another number is another arrival, so a number
    the client refused can be corrected."""
    created = project.created_at.isoformat() if project.created_at else ""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"vendordesk:check-in:{project.pk}:{created}:{abc_number}")


def check_in(
    *,
    project: Project,
    actor: Actor,
    abc_number,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> CheckInResult:
    """Check in on arrival. Call it outside a transaction: it waits for the client."""
    abc = clean_abc_number(abc_number)
    check_can_check_in(project=project, actor=actor)
    now = timezone.now()
    serial = arrival_serial(project, abc)
    payload = {
        "abcNumber": abc,
        "checkedInAt": now.isoformat(),
        "latitude": _coordinate(latitude),
        "longitude": _coordinate(longitude),
    }
    sent, message = (True, "") if project.integration_id is None else _send_now(project, serial, payload)
    with transaction.atomic():
        record = check_in_record(
            project=project,
            actor=actor,
            abc_number=abc,
            checked_in_at=now,
            latitude=latitude,
            longitude=longitude,
            sent_at_once=sent,
        )
        if project.integration_id is not None and sent:
            RelayItem.objects.create(
                integration_id=project.integration_id,
                project=project,
                kind=RelayKind.CHECK_IN,
                serial=serial,
                payload=payload,
                status=RelayStatus.SENT,
                attempts=1,
                sent_at=timezone.now(),
                published_by=actor.label[:200],
            )
        elif project.integration_id is not None:
            item = enqueue(
                project=project, kind=RelayKind.CHECK_IN, payload=payload, actor=actor, serial=serial
            )
            item.last_error = message
            item.save(update_fields=["last_error"])
    if not sent:
        message = (
            f"Checked in here, but the client could not be reached ({message}). The check-in will be sent "
            "again automatically."
        )
    return CheckInResult(record, sent, message)


@transaction.atomic
def complete_check_in(
    *,
    project: Project,
    actor: Actor,
    checklist=None,
    answered_in: str = AnsweredIn.OFFICE,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> CheckIn:
    """Submit the AGS checklist and press Complete: the checklist is relayed as check_in_complete, and the
    project completes (QA in Field photos are released and published, submitted surveys too).

    ``checklist`` None submits the saved draft of the checklist."""
    record = check_in_for_completion(project=project, actor=actor)
    ags = ensure_ags_survey()
    ProjectSurvey.objects.get_or_create(
        project=project, survey=ags, defaults={"attached_by": AttachedBy.CHECK_IN}
    )
    response = response_submit(
        project=project,
        survey=ags,
        actor=actor,
        answers=checklist,
        answered_in=answered_in,
        latitude=latitude,
        longitude=longitude,
    )
    named = {s for serials in response.photos.values() for s in serials}
    answers, by_question = to_relay_serials(response, relay_serials(project, named) if named else {})
    now = timezone.now()
    responses_mark_published(response_ids=[response.pk], now=now)
    record = check_in_complete_record(check_in=record, actor=actor)
    project.refresh_from_db()
    if project.status == ProjectStatus.OPEN:
        complete_project(project=project, actor=actor)
    if project.qa_in_field:
        # The crew's word is the QA: surveys submitted after an earlier Complete go too (a no-op when
        # complete_project just published them). With QA in Office they wait for the office's Publish.
        publish_submitted(project=project, actor=Actor.system(project.account, f"Completed by {actor.label}"))
    # Queued after the photos that were just published: the checklist names them, and the relay holds it
    # until the client has them ("photos", as for a survey).
    enqueue(
        project=project,
        kind=RelayKind.CHECK_IN_COMPLETE,
        payload={"checklist": answers, "photos": by_question, "completedAt": now.isoformat()},
        actor=actor,
    )
    return record


def complete(*, project: Project, actor: Actor, answered_in: str = AnsweredIn.OFFICE) -> Project:
    """The Complete button, wherever it is pressed. On an order that requires a Check In it is the check-in's
    last step (seed 001: check in, submit the AGS checklist, press Complete), so it is refused before the
    crew has checked in: a completed project could never check in afterwards. Once checked in, it completes
    the check-in with the AGS checklist as saved or submitted (its errors, if any, refuse it)."""
    if not project.check_in_required:
        return complete_project(project=project, actor=actor)
    record = CheckIn.objects.filter(project=project).first()
    if record is None and project.status == ProjectStatus.OPEN:
        raise ValidationError(
            f"{project.name} requires a Check In: check in with a valid ABC number before completing it.",
            code="not_checked_in",
        )
    if record is None or record.status == CheckInStatus.COMPLETED:
        return complete_project(project=project, actor=actor)  # refuses what is not open, as ever
    complete_check_in(project=project, actor=actor, answered_in=answered_in)
    project.refresh_from_db()
    return project


def check_in_steps(project: Project) -> dict:
    """What the office sees of the check-in: the record and each step's delivery to the client."""
    record = CheckIn.objects.filter(project=project).select_related("checked_in_by", "completed_by").first()
    items = list(
        RelayItem.objects.filter(
            project=project, kind__in=(RelayKind.CHECK_IN, RelayKind.CHECK_IN_COMPLETE)
        ).order_by("created_at", "pk")
    )
    return {"check_in": record, "steps": items}
