"""Reads of Share. Two audiences, never mixed:

- the primary vendor's staff, scoped to their account (``shares_visible_to``, ``share_get``);
- a ``ShareSource``, scoped to one live link and the projects handed to it, and nothing else of the primary
  account (``handed_projects``, ``handed_project``, ``last_hand_over``, ``shared_survey``).
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from accounts.actors import as_actor
from accounts.secrets import digest
from projects.filters import search_q
from projects.models import Project, ProjectStatus, Task
from projects.selectors import projects_visible_to
from surveys.models import ProjectSurvey, Survey, SurveySource

from .models import HandOver, ShareLink


def shares_visible_to(caller) -> QuerySet[ShareLink]:
    """The account's share keys, live ones first, with how many projects each holds now."""
    return (
        ShareLink.objects.filter(account_id=as_actor(caller).account_id)
        .select_related("subcontractor")
        .annotate(projects=Count("hand_overs", filter=Q(hand_overs__taken_back_at__isnull=True)))
        .order_by("revoked_at", "name", "id")
    )


def share_get(caller, pk) -> ShareLink:
    """One of the caller's account's share keys, or Http404 (another account's id included)."""
    link = shares_visible_to(caller).filter(pk=pk).first()
    if link is None:
        raise Http404("No such share.")
    return link


def live_shares(caller) -> QuerySet[ShareLink]:
    """The account's live share keys: what a project can be handed to."""
    return shares_visible_to(caller).filter(revoked_at__isnull=True)


def link_hand_overs(caller, link: ShareLink) -> QuerySet[HandOver]:
    """The projects handed through ``link`` now (one of the caller's account's), by project name."""
    return (
        HandOver.objects.filter(
            link=link, taken_back_at__isnull=True, project__account_id=as_actor(caller).account_id
        )
        .select_related("project__integration", "project__assignee")
        .order_by("project__name", "project_id")
    )


CANDIDATES_SHOWN = 200


def hand_over_candidates(caller, link: ShareLink, search: str = "") -> QuerySet[Project]:
    """The account's open imported projects not handed to ``link`` now, each with ``shared_with``: the
    name of the live link holding it, if any (handing it here moves it). Searched like the projects table."""
    current = HandOver.objects.filter(project=OuterRef("pk"), taken_back_at__isnull=True)
    projects = (
        projects_visible_to(caller)
        .filter(integration__isnull=False, status=ProjectStatus.OPEN)
        .exclude(Exists(current.filter(link=link)))
        .annotate(shared_with=Subquery(current.values("link__name")[:1]))
        .select_related("integration")
        .order_by("due_date", "name", "id")
    )
    term = (search or "").strip()
    if term:
        projects = projects.filter(search_q(term) | Q(zip__startswith=term))
    return projects


def link_for_key(key: str) -> ShareLink | None:
    """The link a key opens, live or revoked; None for a key nobody issued. One indexed lookup."""
    if not key:
        return None
    return ShareLink.objects.select_related("account").filter(key_digest=digest(key)).first()


def active_hand_over(project: Project) -> HandOver | None:
    return HandOver.objects.select_related("link").filter(project=project, taken_back_at__isnull=True).first()


# --- what a ShareSource may read: the link's handed projects, nothing else ---------------------------------


def _handed(link: ShareLink) -> QuerySet[Project]:
    handed = HandOver.objects.filter(link=link, project=OuterRef("pk"), taken_back_at__isnull=True)
    # The account filter is redundant with the hand-over's checks; it keeps a bug elsewhere from leaking.
    return Project.objects.filter(Exists(handed), account_id=link.account_id, deleted_at__isnull=True)


def handed_projects(link: ShareLink) -> QuerySet[Project]:
    """The feed: projects handed to the link and not closed, by id (keyset pages), with their live tasks and
    their client forms prefetched (three queries a page)."""
    return (
        _handed(link)
        .exclude(status=ProjectStatus.CLOSED)
        .prefetch_related(
            Prefetch("tasks", queryset=Task.objects.filter(archived=False).order_by("position", "id")),
            Prefetch(
                "survey_links",
                queryset=ProjectSurvey.objects.exclude(survey__source=SurveySource.BUILTIN)
                .select_related("survey")
                .order_by("survey__form_ref", "survey__version"),
            ),
        )
        .order_by("pk")
    )


def _project_id(ref) -> int | None:
    try:
        return int(str(ref))
    except (TypeError, ValueError):
        return None


def handed_project(link: ShareLink, ref) -> Project | None:
    """The primary project behind a subcontractor's source ref, while it is handed to this link (closed or
    not); None otherwise."""
    pk = _project_id(ref)
    if pk is None:
        return None
    return _handed(link).select_related("account", "integration").filter(pk=pk).first()


def last_hand_over(link: ShareLink, ref) -> HandOver | None:
    """The latest hand-over of that project to this link, taken back or not, with its project."""
    pk = _project_id(ref)
    if pk is None:
        return None
    return (
        HandOver.objects.select_related("project")
        .filter(link=link, project_id=pk, project__account_id=link.account_id)
        .order_by("-handed_at", "-id")
        .first()
    )


def shared_survey(link: ShareLink, form_ref: str, version: int) -> Survey | None:
    """A client form attached to a project handed to this link: the template the subcontractor attaches."""
    return (
        Survey.objects.filter(
            form_ref=form_ref,
            version=version,
            project_links__project__in=_handed(link),
        )
        .exclude(source=SurveySource.BUILTIN)
        .order_by("pk")
        .first()
    )


def project_survey(project: Project, form_ref: str, version: int) -> Survey | None:
    """The primary project's own survey of that form and version."""
    return (
        Survey.objects.filter(project_links__project=project, form_ref=form_ref, version=version)
        .exclude(source=SurveySource.BUILTIN)
        .first()
    )
