"""Photo QA pages: the queue, one photo large with its facts, and the QA actions (photos.services)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.actors import as_actor
from accounts.decorators import role_required
from accounts.models import Role
from config.posted import posted_id, posted_ids
from projects.models import EvidenceType

from . import selectors, services

PAGE_SIZE = 60
# Projects listed with a Publish button above the queue, those waiting longest first.
PUBLISHABLE_PROJECTS = 50


def _neighbours(queue, photo):
    """The photos before and after this one in the queue's order (uploaded_at, id): two indexed reads."""
    after = Q(uploaded_at__gt=photo.uploaded_at) | Q(uploaded_at=photo.uploaded_at, id__gt=photo.pk)
    before = Q(uploaded_at__lt=photo.uploaded_at) | Q(uploaded_at=photo.uploaded_at, id__lt=photo.pk)
    following = queue.filter(after).values_list("pk", flat=True).first()
    previous = queue.filter(before).order_by("-uploaded_at", "-id").values_list("pk", flat=True).first()
    return previous, following


@role_required(Role.COORDINATOR)
def qa_queue(request):
    page = Paginator(selectors.qa_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "photos/queue.html",
        {
            "page": page,
            "publishable": selectors.projects_to_publish(request.user, limit=PUBLISHABLE_PROJECTS),
        },
    )


@role_required(Role.COORDINATOR)
def qa_photo(request, pk):
    photo = selectors.photo_get(request.user, pk)
    previous, following = _neighbours(selectors.qa_queue(request.user), photo)
    tasks = photo.project.tasks.filter(archived=False, is_photo_task=True)
    context = {
        "photo": photo,
        "previous": previous,
        "following": following,
        "tasks": tasks,
        "evidence_types": EvidenceType.choices,
    }
    return render(request, "photos/photo.html", context)


def _next_in_queue(request, photo):
    """After a decision, go on with the next photo still waiting, or back to the queue."""
    _, following = _neighbours(selectors.qa_queue(request.user), photo)
    return redirect("qa-photo", following) if following else redirect("qa-queue")


@require_POST
@role_required(Role.COORDINATOR)
def photo_approve(request, pk):
    photo = selectors.photo_get(request.user, pk)
    try:
        services.photo_approve(photo=photo, actor=as_actor(request.user), seen=request.POST.get("seen"))
    except ValidationError as exc:  # held for the crew, or decided otherwise a moment ago
        messages.error(request, " ".join(exc.messages))
        return redirect("qa-photo", photo.pk)
    messages.success(request, "Approved.")
    return _next_in_queue(request, photo)


@require_POST
@role_required(Role.COORDINATOR)
def photo_reject(request, pk):
    photo = selectors.photo_get(request.user, pk)
    try:
        services.photo_reject(
            photo=photo,
            actor=as_actor(request.user),
            reason=request.POST.get("reason", ""),
            seen=request.POST.get("seen"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("qa-photo", photo.pk)
    messages.success(request, "Rejected.")
    return _next_in_queue(request, photo)


@require_POST
@role_required(Role.COORDINATOR)
def photo_move(request, pk):
    photo = selectors.photo_get(request.user, pk)
    task_id = posted_id(request.POST["task"]) if request.POST.get("task") else photo.task_id
    task = photo.project.tasks.filter(pk=task_id).first() if task_id else None
    try:
        if task is None:
            raise ValidationError("Choose a task of this project.")
        services.photo_move(
            photo=photo,
            actor=as_actor(request.user),
            task=task,
            evidence_type=request.POST.get("evidence_type") or photo.evidence_type,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Moved to {task.name} · {photo.get_evidence_type_display()}.")
    return redirect("qa-photo", photo.pk)


@require_POST
@role_required(Role.COORDINATOR)
def photos_bulk_approve(request):
    ids = posted_ids(request.POST.getlist("ids"))
    if ids is None:  # a malformed id names no photo, as another account's does not
        raise Http404("No such photo.")
    if not ids:
        messages.error(request, "Tick some photos first.")
        return redirect("qa-queue")
    if selectors.photos_visible_to(request.user).filter(pk__in=ids).count() != len(ids):
        raise Http404("No such photo.")
    try:
        count = services.photos_bulk_approve(actor=as_actor(request.user), ids=ids)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Approved {count} photo(s). Publish their projects to send them.")
    return redirect("qa-queue")


@require_POST
@role_required(Role.FIELD)
def photo_discard(request, pk):
    """QA in Field: the crew deletes a photo held for them, from the project page."""
    photo = selectors.photo_get(request.user, pk)
    try:
        services.photo_discard(photo=photo, actor=as_actor(request.user))
    except (ValidationError, PermissionDenied) as exc:  # not held, or not this user's crew: say why
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        messages.success(request, "Deleted the photo.")
    return redirect("project", photo.project_id)
