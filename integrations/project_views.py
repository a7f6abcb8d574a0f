"""The project page and its actions. It lives in integrations because it shows relay items and the
myFAStrack portal and calls the relay's Complete and Publish (DESIGN.md §2: imports point down)."""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.actors import as_actor
from accounts.decorators import role_required
from accounts.models import Role
from accounts.selectors import users_visible_to
from photos.selectors import project_photos
from projects.models import EvidenceType
from projects.selectors import project_events, project_get
from surveys.selectors import project_surveys

from . import pages, relay
from .base import SourceError


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


@role_required(Role.FIELD)
def project_detail(request, pk):
    actor = as_actor(request.user)
    project = project_get(actor, pk)
    photos = list(project_photos(actor, project))
    context = {
        "project": project,
        "tasks": _photos_by_task(project, photos),
        "photo_tasks": [t for t in project.tasks.all() if t.is_photo_task and not t.archived],
        "evidence_types": EvidenceType.choices,
        "relay_items": pages.relay_items_of(project),
        "events": project_events(actor, project)[:200],
        "can_manage": actor.has_role(Role.COORDINATOR),
        "can_portal": _can_open_portal(actor, project),
        "assignees": users_visible_to(actor).filter(is_active=True)
        if actor.has_role(Role.COORDINATOR)
        else [],
        # Read-only here: answering surveys and check-in steps is the surveys pages' job (in progress).
        "surveys": project_surveys(project),
        "approved_unpublished": sum(1 for p in photos if p.status == "approved" and p.published_at is None),
    }
    return render(request, "projects/detail.html", context)


@require_POST
@role_required(Role.FIELD)
def project_complete(request, pk):
    actor = as_actor(request.user)
    project = project_get(actor, pk)
    try:
        relay.complete_project(project=project, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{project.name} is complete.")
    return redirect("project", project.pk)


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
