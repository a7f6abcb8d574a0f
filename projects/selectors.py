"""Reads of projects, scoped to the caller's account; field users see only what is assigned to them."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.actors import Actor, as_actor

from .models import Project, ProjectEvent, ProjectStatus, Task


def projects_visible_to(caller) -> QuerySet[Project]:
    """Every project the caller may see: its account's, not deleted, and for field users only their own."""
    actor = as_actor(caller)
    projects = Project.objects.filter(account_id=actor.account_id, deleted_at__isnull=True)
    if actor.is_field:
        projects = projects.filter(assignee_id=actor.user.pk)
    return projects


def project_list(caller) -> QuerySet[Project]:
    """The project table: one query whatever the number of rows (assignee and integration joined).
    Filtering is ProjectFilter's job, on top of this."""
    return projects_visible_to(caller).select_related("assignee", "integration").order_by("due_date", "id")


def project_get(caller, pk) -> Project:
    """One visible project with what its detail page shows, or Http404 (another account's id included)."""
    project = (
        projects_visible_to(caller)
        .select_related("assignee", "integration", "account")
        .prefetch_related(Prefetch("tasks", queryset=Task.objects.order_by("archived", "position", "id")))
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404("No such project.")
    return project


# Photo statuses counted on the project's detail (the photos app owns the table; the names are its).
PHOTO_STATUSES = ("held", "pending_qa", "approved", "rejected")


def project_detail(caller, pk) -> Project:
    """``project_get`` plus what the API's detail shows: the check-in, the attached surveys and photo counts
    by status, in two queries."""
    project = (
        projects_visible_to(caller)
        .select_related("assignee", "integration", "check_in")
        .prefetch_related(
            Prefetch("tasks", queryset=Task.objects.order_by("archived", "position", "id")),
            "survey_links__survey",
        )
        .annotate(**{f"photos_{s}": Count("photos", filter=Q(photos__status=s)) for s in PHOTO_STATUSES})
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404("No such project.")
    project.photo_counts = {s: getattr(project, f"photos_{s}") for s in PHOTO_STATUSES}
    return project


def project_for_update(caller, pk) -> Project:
    """The visible project, locked for a write (call inside a transaction)."""
    project = projects_visible_to(caller).select_for_update(of=("self",)).filter(pk=pk).first()
    if project is None:
        raise Http404("No such project.")
    return project


def project_events(caller, project: Project) -> QuerySet[ProjectEvent]:
    actor: Actor = as_actor(caller)
    return (
        ProjectEvent.objects.filter(project=project, account_id=actor.account_id)
        .select_related("actor_user")
        .order_by("-sequence")
    )


def dashboard_counts(caller) -> dict:
    """Open, due today, overdue and unassigned projects, "today" in the account's time zone. One query."""
    actor = as_actor(caller)
    today = timezone.localdate(timezone=actor.account.tzinfo)
    open_projects = Q(status=ProjectStatus.OPEN)
    return projects_visible_to(actor).aggregate(
        open=Count("id", filter=open_projects),
        due_today=Count("id", filter=open_projects & Q(due_date=today)),
        overdue=Count("id", filter=open_projects & Q(due_date__lt=today)),
        unassigned=Count("id", filter=open_projects & Q(assignee__isnull=True)),
    )
