"""Writes to surveys: attaching them, answering them. Keyword-only, one transaction each.

Answers are validated here (``surveys.validation``), so the API, the pages and the check-in use the same
rules. Publishing a submitted response to the client is integrations' job (``integrations/surveys.py``).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.actors import Actor, ActorKind
from accounts.models import Role
from photos.certification import DISTANCE_LIMIT_M, distance_m
from projects.events import record_event
from projects.models import EventType, Project, ProjectStatus

from .models import (
    AnsweredIn,
    AttachedBy,
    ProjectSurvey,
    ResponseStatus,
    Survey,
    SurveyResponse,
    SurveySource,
)
from .selectors import answerable_photo_serials
from .validation import normalize_template, validate_answers


class AnswersInvalid(ValidationError):
    """Some answers are wrong; ``answer_errors``: one message by question id (``__all__`` for the rest)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__({qid: [message] for qid, message in errors.items()}, code="invalid_answers")
        self.answer_errors = dict(errors)


@transaction.atomic
def survey_create_custom(*, actor: Actor, name: str, questions) -> Survey:
    """A vendor's own survey, for manual projects."""
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(f"Your role ({actor.role}) cannot create surveys.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A survey needs a name."})
    try:
        clean = normalize_template(questions)
    except ValueError as exc:
        raise ValidationError({"questions": str(exc)}) from exc
    return Survey.objects.create(
        source=SurveySource.CUSTOM,
        account=actor.account,
        form_ref=f"custom-{uuid.uuid4().hex[:12]}",
        name=name[:200],
        questions=clean,
    )


@transaction.atomic
def survey_attach(*, project: Project, survey: Survey, actor: Actor) -> ProjectSurvey:
    """Add one of the account's own surveys to a manual project. Imported projects take only the client's
    forms: answers to anything else would never reach the client (seed 000)."""
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(f"Your role ({actor.role}) cannot add surveys.")
    if project.is_imported:
        raise ValidationError(
            f"The surveys of {project.name} come from the client: custom surveys cannot be added to an "
            "imported project, because their answers could never be sent to the client.",
            code="project_locked",
        )
    if survey.source != SurveySource.CUSTOM or survey.account_id != project.account_id:
        raise ValidationError("Only this account's own surveys can be added to a project.")
    link, _ = ProjectSurvey.objects.get_or_create(
        project=project, survey=survey, defaults={"attached_by": AttachedBy.VENDOR}
    )
    return link


def _check_may_answer(project: Project, actor: Actor) -> None:
    if actor.is_field and (actor.user is None or project.assignee_id != actor.user.pk):
        raise PermissionDenied("Only the assigned crew can answer this project's surveys.")
    if project.status == ProjectStatus.CLOSED:
        raise ValidationError(f"{project.name} is closed: its surveys can no longer be changed.")


def _certified_location(project: Project, answered_in: str, latitude, longitude) -> bool | None:
    if answered_in != AnsweredIn.FIELD or latitude is None or longitude is None:
        return False
    if project.latitude is None or project.longitude is None:
        return None
    return distance_m(
        float(latitude), float(longitude), float(project.latitude), float(project.longitude)
    ) <= (DISTANCE_LIMIT_M)


def clean_answers(*, project: Project, survey: Survey, answers, complete: bool) -> tuple[dict, dict]:
    """Validate ``answers`` (untrusted JSON) against the survey; ``(answers, photos)`` with photo answers
    naming stable photo serials. Raises AnswersInvalid."""
    known = answerable_photo_serials(project)
    result = validate_answers(
        survey.questions, answers, known_photo_serials=set(known), require_complete=complete
    )
    if not result.ok:
        raise AnswersInvalid(result.errors)
    cleaned, photos = dict(result.answers), {}
    for qid, serials in result.photo_serials.items():
        stable = list(dict.fromkeys(known[s] for s in serials))  # a serial and its relay serial: one photo
        cleaned[qid] = photos[qid] = stable
    return cleaned, photos


@transaction.atomic
def response_save(
    *,
    project: Project,
    survey: Survey,
    actor: Actor,
    answers,
    answered_in: str = AnsweredIn.OFFICE,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    submit: bool = False,
) -> SurveyResponse:
    """Save the answers as a draft, or with ``submit`` check them complete and submit them.

    Changing a submitted or published response makes it a draft again: it goes to the client (as a new
    item, which the client keeps as the latest) only when submitted and published again.
    """
    _check_may_answer(project, actor)
    project = Project.objects.select_for_update().get(pk=project.pk)  # serializes the response's creation
    cleaned, photos = clean_answers(project=project, survey=survey, answers=answers, complete=submit)
    now = timezone.now()
    response = SurveyResponse.objects.filter(project=project, survey=survey).first() or SurveyResponse(
        project=project, survey=survey, created_at=now
    )
    old_status = response.status if response.pk else None
    response.answers, response.photos = cleaned, photos
    response.status = ResponseStatus.SUBMITTED if submit else ResponseStatus.DRAFT
    response.answered_by = actor.user if actor.kind == ActorKind.USER else None
    response.answered_by_label = actor.label[:200]
    response.answered_in = answered_in
    response.latitude, response.longitude = latitude, longitude
    response.location_certified = _certified_location(project, answered_in, latitude, longitude)
    response.updated_at = now
    if submit:
        response.submitted_at = now
    response.save()
    if submit or old_status in (ResponseStatus.SUBMITTED, ResponseStatus.PUBLISHED):
        record_event(
            project,
            actor,
            EventType.UPDATED,
            {"survey": survey.name, "survey_status": [old_status, response.status]},
        )
    return response


def response_submit(
    *, project: Project, survey: Survey, actor: Actor, answers=None, **kwargs
) -> SurveyResponse:
    """Submit: ``answers`` when given, else the saved draft's."""
    if answers is None:
        saved = SurveyResponse.objects.filter(project=project, survey=survey).first()
        answers = saved.answers if saved is not None else {}
    return response_save(project=project, survey=survey, actor=actor, answers=answers, submit=True, **kwargs)


def responses_mark_published(*, response_ids: list[int], now) -> int:
    """Called by the publisher in its transaction, once the RelayItems are written."""
    return SurveyResponse.objects.filter(pk__in=response_ids).update(
        status=ResponseStatus.PUBLISHED,
        published_at=now,
        updated_at=now,
        publish_count=F("publish_count") + 1,
    )
