"""Check In state (DESIGN.md §6): recording the arrival and the completion. Sending them to the client is
integrations' job (``integrations/checkin.py``), which calls these once the client has answered."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor, ActorKind

from .errors import PermissionDenied, ValidationError
from .events import record_event
from .models import CheckIn, CheckInStatus, EventType, Project, ProjectStatus

# FAStrack's format: 6 to 12 letters and digits. Checked here so a typo never costs a call to the client.
ABC_NUMBER = re.compile(r"[A-Za-z0-9]{6,12}")


def clean_abc_number(value) -> str:
    abc = (value if isinstance(value, str) else "").strip()
    if not ABC_NUMBER.fullmatch(abc):
        raise ValidationError("An ABC number is 6 to 12 letters and digits.", code="invalid_abc_number")
    return abc


def check_can_check_in(*, project: Project, actor: Actor) -> None:
    """Refuse, before anything is sent, a check-in that could not be recorded."""
    if actor.is_field and (actor.user is None or project.assignee_id != actor.user.pk):
        raise PermissionDenied("Only the assigned crew can check in.")
    if not project.check_in_required:
        raise ValidationError(f"{project.name} does not require a check-in.", code="no_check_in")
    if project.status != ProjectStatus.OPEN:
        raise ValidationError(f"{project.name} is {project.get_status_display().lower()}, not open.")
    if CheckIn.objects.filter(project=project).exists():
        raise ValidationError(f"{project.name} is already checked in.", code="already_checked_in")


def _user(actor: Actor):
    return actor.user if actor.kind == ActorKind.USER else None


@transaction.atomic
def check_in_record(
    *,
    project: Project,
    actor: Actor,
    abc_number: str,
    checked_in_at: datetime,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    sent_at_once: bool = True,
) -> CheckIn:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if CheckIn.objects.filter(project=project).exists():  # a concurrent check-in won
        raise ValidationError(f"{project.name} is already checked in.", code="already_checked_in")
    check_in = CheckIn.objects.create(
        project=project,
        abc_number=abc_number,
        checked_in_at=checked_in_at,
        checked_in_by=_user(actor),
        checked_in_by_label=actor.label[:200],
        latitude=latitude,
        longitude=longitude,
        sent_at_once=sent_at_once,
    )
    record_event(
        project,
        actor,
        EventType.CHECKED_IN,
        {"step": "checked_in", "abc_number": abc_number, "sent": sent_at_once},
    )
    return check_in


def check_in_for_completion(*, project: Project, actor: Actor) -> CheckIn:
    """The project's open check-in, locked; refuses a completion without one (or a second one)."""
    if actor.is_field and (actor.user is None or project.assignee_id != actor.user.pk):
        raise PermissionDenied("Only the assigned crew can complete the check-in.")
    check_in = CheckIn.objects.select_for_update().filter(project=project).first()
    if check_in is None:
        raise ValidationError(
            f"Check in on {project.name} with an ABC number before completing it.", code="not_checked_in"
        )
    if check_in.status == CheckInStatus.COMPLETED:
        raise ValidationError(
            f"The check-in of {project.name} is already complete.", code="already_completed"
        )
    return check_in


@transaction.atomic
def check_in_complete_record(*, check_in: CheckIn, actor: Actor) -> CheckIn:
    check_in.status = CheckInStatus.COMPLETED
    check_in.completed_at = timezone.now()
    check_in.completed_by = _user(actor)
    check_in.completed_by_label = actor.label[:200]
    check_in.save(update_fields=["status", "completed_at", "completed_by", "completed_by_label"])
    project = Project.objects.select_for_update().get(pk=check_in.project_id)
    record_event(project, actor, EventType.CHECKED_IN, {"step": "completed"})
    return check_in
