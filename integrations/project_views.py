"""The project page and its actions. It lives in integrations because it shows relay items and the
myFAStrack portal and calls the relay's Complete and Publish (DESIGN.md §2: imports point down)."""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.actors import as_actor
from accounts.decorators import role_required
from accounts.models import Role
from accounts.selectors import users_visible_to
from photos.selectors import is_publishable, project_photos
from projects.models import EvidenceType, ProjectStatus
from projects.selectors import project_events, project_get
from surveys.selectors import project_survey, project_surveys, response_for
from surveys.services import AnswersInvalid, response_save
from surveys.validation import NON_QUESTION_KEY

from . import checkin, pages, relay
from .base import SourceError
from .checkin import check_in_steps
from .share.selectors import active_hand_over, live_shares


def _photos_by_task(project, photos):
    """{task: [(evidence label, [photos])]} in the task order, evidence types in Before/During/After order."""
    grouped = defaultdict(lambda: defaultdict(list))
    for photo in photos:
        grouped[photo.task_id][photo.evidence_type].append(photo)
    return [
        (task, [(label, grouped[task.pk].get(value, [])) for value, label in EvidenceType.choices])
        for task in project.tasks.all()
    ]


def _can_open_portal(actor, project) -> bool:
    return (
        project.integration is not None
        and project.integration.kind == "fastrack"
        and actor.has_role(Role.COORDINATOR)
    )


def _survey_forms(project, photos, check_in, bound=None) -> list[dict]:
    """One form per shown survey; ``bound`` replaces one of them (a refused save, with what was posted)."""
    answerable = pages.answerable_photos(photos)
    closed = project.status == ProjectStatus.CLOSED
    return [
        bound
        if bound is not None and bound["survey"].pk == survey.pk
        else pages.survey_form(survey, response, photos=answerable, check_in=check_in, closed=closed)
        for survey, response in project_surveys(project)
        if pages.survey_shown(survey, check_in)
    ]


def _share_context(actor, project) -> dict:
    """Staff see whom the project is handed to, may take it back, and hand an open one to a live key."""
    if not actor.has_role(Role.COORDINATOR):
        return {}
    hand_over = active_hand_over(project)
    shares = live_shares(actor).exclude(pk=hand_over.link_id if hand_over else None)
    return {
        "hand_over": hand_over,
        "live_shares": list(shares) if project.status != ProjectStatus.CLOSED else [],
    }


def _detail_context(actor, project, bound_survey=None) -> dict:
    photos = list(project_photos(actor, project))
    steps = check_in_steps(project)
    return {
        **_share_context(actor, project),
        "project": project,
        "tasks": _photos_by_task(project, photos),
        "photo_tasks": [t for t in project.tasks.all() if t.is_photo_task and not t.archived],
        "evidence_types": EvidenceType.choices,
        "relay_items": pages.relay_items_of(project),
        "events": pages.history(actor, project_events(actor, project)[:200]),
        "can_manage": actor.has_role(Role.COORDINATOR),
        # The crew decides on the photos held for them (QA in Field): they may delete them.
        "is_crew": actor.user is not None and project.assignee_id == actor.user.pk,
        "can_portal": _can_open_portal(actor, project),
        "assignees": users_visible_to(actor).filter(is_active=True)
        if actor.has_role(Role.COORDINATOR)
        else [],
        "survey_forms": _survey_forms(project, photos, steps["check_in"], bound_survey),
        "check_in": steps["check_in"],
        "check_in_steps": steps["steps"],
        "approved_unpublished": sum(1 for p in photos if is_publishable(p)),
    }


@role_required(Role.FIELD)
def project_detail(request, pk):
    actor = as_actor(request.user)
    project = project_get(actor, pk)
    return render(request, "projects/detail.html", _detail_context(actor, project))


@role_required(Role.FIELD)
def project_history(request, pk):
    """The history list alone, for the project page to reload in place."""
    actor = as_actor(request.user)
    project = project_get(actor, pk)
    events = pages.history(actor, project_events(actor, project)[:200])
    return render(request, "projects/_history.html", {"project": project, "events": events})


@require_POST
@role_required(Role.FIELD)
def project_survey_answer(request, pk, survey_id):
    """Save a draft of a survey's answers, or submit them ("action" = "submit"), answered in the office.

    The services check who may answer (PermissionDenied: 403) and the answers (errors by question id). With
    HTMX the survey's form is swapped in place; without, a save redirects and a refused one re-renders the
    page with the form as posted.
    """
    actor = as_actor(request.user)
    project = project_get(actor, pk)
    survey = project_survey(project, survey_id)
    check_in = pages.check_in_of(project)
    if not pages.survey_shown(survey, check_in):
        raise Http404("The AGS checklist is answered once the crew checked in.")
    submit = request.POST.get("action") == "submit"
    answers = pages.answers_from_post(survey, request.POST)
    form_args = {
        "photos": pages.answerable_photos(project_photos(actor, project)),
        "check_in": check_in,
        "closed": project.status == ProjectStatus.CLOSED,
    }
    try:
        if pages.sent_with_check_in(survey, check_in):
            raise ValidationError("The checklist was sent to the client with the check-in's completion.")
        response = response_save(project=project, survey=survey, actor=actor, answers=answers, submit=submit)
    except AnswersInvalid as exc:
        form = pages.survey_form(
            survey, response_for(project, survey), posted=answers, errors=exc.answer_errors, **form_args
        )
    except ValidationError as exc:  # a closed project, a sent checklist: nothing to mark per question
        form = pages.survey_form(
            survey,
            response_for(project, survey),
            posted=answers,
            errors={NON_QUESTION_KEY: " ".join(exc.messages)},
            **form_args,
        )
    else:
        message = f"{survey.name} submitted." if submit else f"Draft of {survey.name} saved."
        if not request.headers.get("HX-Request"):
            messages.success(request, message)
            return redirect(reverse("project", args=[project.pk]) + f"#survey-{survey.pk}")
        form = pages.survey_form(survey, response, message=message, **form_args)
    if request.headers.get("HX-Request"):
        # 200 even when refused: htmx swaps only successful answers, and the errors are the content.
        response = render(request, "projects/_survey.html", {"form": form, "project": project})
        if form.get("message"):  # saved: the history gained an event; its list reloads itself
            response["HX-Trigger"] = "history-changed"
        return response
    context = _detail_context(actor, project, bound_survey=form)
    return render(request, "projects/detail.html", context, status=400)


@require_POST
@role_required(Role.FIELD)
def project_complete(request, pk):
    actor = as_actor(request.user)
    project = project_get(actor, pk)
    try:
        checkin.complete(project=project, actor=actor)
    except AnswersInvalid as exc:  # the AGS checklist, submitted by this Complete, has wrong answers
        count = len(exc.answer_errors)
        messages.error(
            request,
            f"The AGS Checklist has {count} answer(s) that need attention: "
            "save it with every answer, then Complete again.",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{project.name} is complete.")
    return redirect("project", project.pk)


@require_POST
@role_required(Role.FIELD)
def project_check_in(request, pk):
    """Check In from the project page (the field app does it through the API): the client answers at once,
    so a wrong ABC number is known while the crew is still at the door."""
    actor = as_actor(request.user)
    project = project_get(actor, pk)
    try:
        result = checkin.check_in(project=project, actor=actor, abc_number=request.POST.get("abc_number", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if result.sent:
            messages.success(request, f"Checked in with ABC number {result.check_in.abc_number}.")
        else:
            messages.info(request, result.message)
    return redirect(reverse("project", args=[project.pk]) + "#check-in")


@require_POST
@role_required(Role.COORDINATOR)
def project_publish(request, pk):
    actor = as_actor(request.user)
    project = project_get(actor, pk)
    count = relay.publish_project(project=project, actor=actor)
    messages.success(
        request, f"Published {count} photo(s)." if count else "Nothing approved waits to be published."
    )
    return redirect("qa-queue") if request.POST.get("next") == "qa" else redirect("project", project.pk)


@role_required(Role.COORDINATOR)
def project_portal(request, pk):
    """myFAStrack embedded: a short-lived link asked for on each visit."""
    actor = as_actor(request.user)
    project = project_get(actor, pk)
    url, error = None, None
    if not _can_open_portal(actor, project):
        error = "myFAStrack is only offered for FAStrack projects."
    else:
        try:
            url = project.integration.source().portal_url(project, request.user)
        except SourceError as exc:
            error = f"myFAStrack could not be opened: {exc.message}"
        if url is None and error is None:
            error = "FAStrack gave no portal link for this order."
    return render(request, "projects/portal.html", {"project": project, "url": url, "error": error})
