"""Reads of photos, scoped like projects: the caller's account, and for field users their own projects."""

from __future__ import annotations

from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404

from accounts.actors import as_actor
from projects.models import Project, ProjectStatus
from projects.selectors import projects_visible_to

from .models import Photo, PhotoStatus
from .phash import NEAR_DUPLICATE_DISTANCE, bands, hamming

# A flat or nearly blank picture shares bands with many others; looking at more candidates than this would
# turn the lookup into the scan it exists to avoid.
REUSE_CANDIDATES = 200


def project_for_photos(caller, pk) -> Project:
    """A project the caller may see, with its account (its time zone reads EXIF times), or Http404."""
    project = projects_visible_to(caller).select_related("account").filter(pk=pk).first()
    if project is None:
        raise Http404("No such project.")
    return project


def photos_visible_to(caller) -> QuerySet[Photo]:
    actor = as_actor(caller)
    return Photo.objects.filter(account_id=actor.account_id, project__in=projects_visible_to(actor))


def project_photos(caller, project: Project) -> QuerySet[Photo]:
    """A project's photos with their tasks, oldest first: one query whatever the number of rows."""
    return (
        photos_visible_to(caller).filter(project=project).select_related("task").order_by("uploaded_at", "id")
    )


def qa_queue(caller) -> QuerySet[Photo]:
    """Photos waiting for the office's QA, oldest first: on open projects, and on those the crew completed
    (under QA in Office, the usual moment for QA), not on closed ones."""
    return (
        photos_visible_to(caller)
        .filter(status=PhotoStatus.PENDING_QA)
        .exclude(project__status=ProjectStatus.CLOSED)
        .select_related("project", "task")
        .order_by("uploaded_at", "id")
    )


# What publishing sends: approved, not yet published, on a live photo task.
PUBLISHABLE = Q(
    status=PhotoStatus.APPROVED, published_at__isnull=True, task__archived=False, task__is_photo_task=True
)


def is_publishable(photo: Photo) -> bool:
    """``PUBLISHABLE`` for a photo already loaded with its task (the project page counts them in Python)."""
    return (
        photo.status == PhotoStatus.APPROVED
        and photo.published_at is None
        and not photo.task.archived
        and photo.task.is_photo_task
    )


def publishable_photos(project: Project) -> QuerySet[Photo]:
    """What publishing sends, for the relay (no caller: the publish service has already checked who may
    publish)."""
    return (
        Photo.objects.filter(PUBLISHABLE, project=project)
        .select_related("task")
        .order_by("uploaded_at", "id")
    )


def projects_to_publish(caller, *, limit: int) -> list[dict]:
    """Open projects with photos waiting for Publish, those waiting longest first: project id and name, how
    many, the oldest upload. One grouped query, at most ``limit`` rows."""
    return list(
        photos_visible_to(caller)
        .filter(PUBLISHABLE)
        .exclude(project__status=ProjectStatus.CLOSED)
        .values("project_id", "project__name")
        .annotate(count=Count("id"), oldest=Min("uploaded_at"))
        .order_by("oldest", "project_id")[:limit]
    )


def photo_get(caller, pk) -> Photo:
    photo = photos_visible_to(caller).select_related("task", "project").filter(pk=pk).first()
    if photo is None:
        raise Http404("No such photo.")
    return photo


def near_duplicate_of(*, account_id: int, exclude_project_id: int, phash: int) -> int | None:
    """The id of the closest near-duplicate on another project of the account, or None. One query.

    Hashes within NEAR_DUPLICATE_DISTANCE share at least one of their four bands (photos/phash.py), so the
    indexed "any band equal" candidates contain every match; the Hamming distance then discards the rest.
    """
    b0, b1, b2, b3 = bands(phash)
    candidates = (
        Photo.objects.filter(account_id=account_id)
        .exclude(project_id=exclude_project_id)
        .filter(Q(phash_band0=b0) | Q(phash_band1=b1) | Q(phash_band2=b2) | Q(phash_band3=b3))
        # No ORDER BY: with one, PostgreSQL may walk the primary key under the LIMIT instead of OR-ing the
        # band indexes.
        .order_by()
        .values_list("id", "phash")[:REUSE_CANDIDATES]
    )
    matches = [(hamming(phash, other), pk) for pk, other in candidates]
    best = min((m for m in matches if m[0] <= NEAR_DUPLICATE_DISTANCE), default=None)
    return best[1] if best else None
