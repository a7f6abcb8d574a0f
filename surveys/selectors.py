"""Reads of surveys. The project is already scoped by ``projects.selectors.project_get`` (the caller's
account, a field user's own projects): these take the project, never an id the caller chose alone."""

from __future__ import annotations

from django.http import Http404

from photos.models import Photo, PhotoStatus
from projects.models import Project

from .ags import AGS_FORM_ID, AGS_VERSION
from .models import ProjectSurvey, Survey, SurveyResponse, SurveySource


def project_surveys(project: Project) -> list[tuple[Survey, SurveyResponse | None]]:
    """The project's surveys with their responses, two queries. Of a form attached in several versions
    (the client sent a new one), the newest is shown; older responses stay stored as answered."""
    links = (
        ProjectSurvey.objects.filter(project=project)
        .select_related("survey")
        .order_by("survey__source", "survey__form_ref", "-survey__version")
    )
    latest: dict[tuple, Survey] = {}
    for link in links:
        latest.setdefault((link.survey.source, link.survey.form_ref), link.survey)
    responses = {r.survey_id: r for r in SurveyResponse.objects.filter(project=project)}
    return [(survey, responses.get(survey.pk)) for survey in latest.values()]


def project_survey(project: Project, survey_id) -> Survey:
    """A survey attached to the project, or Http404."""
    link = ProjectSurvey.objects.select_related("survey").filter(project=project, survey_id=survey_id).first()
    if link is None:
        raise Http404("No such survey on this project.")
    return link.survey


def response_for(project: Project, survey: Survey) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(project=project, survey=survey).first()


def ags_survey() -> Survey | None:
    return Survey.objects.filter(
        source=SurveySource.BUILTIN, form_ref=AGS_FORM_ID, version=AGS_VERSION
    ).first()


def answerable_photo_serials(project: Project) -> dict[str, str]:
    """Every serial a survey answer may name, mapped to the photo's stable serial: the uploader's serial and
    the current relay serial both work. Rejected photos and photos of archived or non-photo tasks are never
    relayed, so they cannot be named (a survey naming them would wait for them forever)."""
    rows = (
        Photo.objects.filter(project=project, task__archived=False, task__is_photo_task=True)
        .exclude(status=PhotoStatus.REJECTED)
        .values_list("serial", "relay_serial")
    )
    known: dict[str, str] = {}
    for serial, relay_serial in rows:
        known[str(serial)] = str(serial)
        known[str(relay_serial)] = str(serial)
    return known


def relay_serials(project: Project, serials: set[str]) -> dict[str, tuple[str, str]]:
    """Stable serial → (relay serial, QA status) of the named photos of the project."""
    rows = Photo.objects.filter(project=project, serial__in=list(serials)).values_list(
        "serial", "relay_serial", "status"
    )
    return {str(s): (str(r), status) for s, r, status in rows}
