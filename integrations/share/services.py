"""Writes of the primary vendor's side of Share: issuing, changing and revoking share keys, and handing
projects over. Keyword-only, one transaction each; every hand-over writes a ProjectEvent on the project."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.actors import Actor
from accounts.models import Role
from accounts.secrets import digest, new_secret
from config.crypto import CredentialsUnreadable
from config.db import unique_or
from projects.events import record_event
from projects.models import CloseReason, EventType, Project, ProjectStatus
from projects.selectors import projects_visible_to
from projects.services import project_close

from ..base import AuthError
from ..models import Integration
from .models import HandOver, ShareLink, SharePhotoStatus

KEY_PREFIX = "shr"


def _require(actor: Actor, role: str, action: str) -> None:
    if not actor.has_role(role):
        raise PermissionDenied(f"Your role ({actor.role}) cannot {action}.")


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A share key needs a name (the subcontractor's, typically)."})
    return name[:100]


def _check_name_free(link: ShareLink) -> None:
    clash = ShareLink.objects.filter(account_id=link.account_id, name=link.name, revoked_at__isnull=True)
    if clash.exclude(pk=link.pk).exists():
        raise ValidationError({"name": f"A share key named {link.name} already exists."})


def _check_photo_status(value: str) -> None:
    if value not in SharePhotoStatus.values:
        raise ValidationError({"photo_status": f"Choose one of {', '.join(SharePhotoStatus.values)}."})


@sensitive_variables("key")
@transaction.atomic
def share_create(
    *, actor: Actor, name: str, photo_status: str = SharePhotoStatus.PENDING_QA
) -> tuple[ShareLink, str]:
    """Issue a share key; returns the link and the key, which is shown this once and stored only hashed."""
    _require(actor, Role.ADMIN, "issue share keys")
    _check_photo_status(photo_status)
    key, prefix, key_digest = new_secret(KEY_PREFIX)
    link = ShareLink(
        account=actor.account,
        name=_clean_name(name),
        key_prefix=prefix,
        key_digest=key_digest,
        photo_status=photo_status,
        created_by_label=actor.label[:200],
    )
    _check_name_free(link)
    with unique_or("name", f"A share key named {link.name} already exists."):
        link.save()
    return link, key


@transaction.atomic
def share_update(*, link: ShareLink, actor: Actor, name: str | None = None, photo_status: str | None = None):
    """Rename, or change where the subcontractor's photos land (applies to photos delivered from now on)."""
    _require(actor, Role.ADMIN, "change share keys")
    if link.revoked_at is not None:
        raise ValidationError("This share key was revoked; issue a new one.", code="revoked")
    if name is not None:
        link.name = _clean_name(name)
        _check_name_free(link)
    if photo_status is not None:
        _check_photo_status(photo_status)
        link.photo_status = photo_status
    with unique_or("name", f"A share key named {link.name} already exists."):
        link.save(update_fields=["name", "photo_status"])
    return link


@transaction.atomic
def share_revoke(*, link: ShareLink, actor: Actor) -> ShareLink:
    """Revoke the key at once: the subcontractor's validate, refresh and deliveries fail from now on, every
    project it held is taken back (recorded on each project), and the subcontractor's open copies close
    here and now: its refreshes fail from now on, so its auto-close never would. Revoking twice changes
    nothing."""
    _require(actor, Role.ADMIN, "revoke share keys")
    link = ShareLink.objects.select_for_update().select_related("account").get(pk=link.pk)
    if link.revoked_at is not None:
        return link
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    for hand_over in HandOver.objects.filter(link=link, taken_back_at__isnull=True).select_related("project"):
        _take_back(hand_over, actor, reason="revoked")
    if link.subcontractor_id is not None:
        closer = Actor.system(link.subcontractor, f"{link.account.name} revoked the share key {link.name}")
        for copy in subcontractor_copies(link):
            project_close(project=copy, actor=closer, reason=CloseReason.SHARE_REVOKED)
    return link


@sensitive_variables("key")
def _integrations_of_link(link: ShareLink) -> list[int]:
    """The subcontractor's share integrations that hold this link's key. Keys are stored encrypted, so each
    is compared by digest; an account has few integrations."""
    ids = []
    for integration in Integration.objects.filter(account_id=link.subcontractor_id, kind="share"):
        try:
            key = integration.get_credentials().get("share_key", "")
        except CredentialsUnreadable:
            continue  # it cannot have read through the link since its key became unreadable
        if key and digest(key) == link.key_digest:
            ids.append(integration.pk)
    return ids


def subcontractor_copies(link: ShareLink) -> QuerySet[Project]:
    """The subcontractor's open projects copied from ones ever handed through this link: imported by an
    integration holding its key, source ref = the primary project's id (``source.to_order``)."""
    if link.subcontractor_id is None:
        return Project.objects.none()
    refs = [str(pk) for pk in HandOver.objects.filter(link=link).values_list("project_id", flat=True)]
    return (
        Project.objects.filter(
            account_id=link.subcontractor_id,
            integration_id__in=_integrations_of_link(link),
            source_ref__in=set(refs),
            deleted_at__isnull=True,
        )
        .exclude(status=ProjectStatus.CLOSED)
        .order_by("pk")
    )


def _take_back(hand_over: HandOver, actor: Actor, *, reason: str = "") -> None:
    hand_over.taken_back_at = timezone.now()
    hand_over.save(update_fields=["taken_back_at"])
    project = Project.objects.select_for_update().get(pk=hand_over.project_id)
    changes = {"shared_with": [hand_over.link.name, None]}
    if reason:
        changes["reason"] = reason
    record_event(project, actor, EventType.UPDATED, changes)


def _hand_over_one(project: Project, link: ShareLink | None, actor: Actor) -> bool:
    """Hand one locked project to ``link`` (None takes it back). True when something changed."""
    current = (
        HandOver.objects.select_related("link").filter(project=project, taken_back_at__isnull=True).first()
    )
    if (current.link_id if current else None) == (link.pk if link else None):
        return False
    if link is not None and (project.deleted_at is not None or project.status == ProjectStatus.CLOSED):
        raise ValidationError(
            {
                "project": f"{project.name} is {'deleted' if project.deleted_at else 'closed'}: "
                "only open projects are handed over."
            },
            code="not_open",
        )
    if current is not None:
        current.taken_back_at = timezone.now()
        current.save(update_fields=["taken_back_at"])
    if link is not None:
        HandOver.objects.create(link=link, project=project, handed_by_label=actor.label[:200])
    record_event(
        project,
        actor,
        EventType.UPDATED,
        {"shared_with": [current.link.name if current else None, link.name if link else None]},
    )
    return True


def _live_link(link: ShareLink | None, actor: Actor) -> ShareLink | None:
    if link is None:
        return None
    link = ShareLink.objects.select_for_update().get(pk=link.pk)  # a concurrent revoke waits for us
    if link.account_id != actor.account_id:
        raise PermissionDenied("This share key belongs to another account.")
    if link.revoked_at is not None:
        raise ValidationError({"share": "This share key was revoked."}, code="revoked")
    return link


@transaction.atomic
def project_hand_over(*, project: Project, link: ShareLink | None, actor: Actor) -> Project:
    """Hand the project to a share link, move it to another, or take it back with None. The subcontractor's
    copy follows on its next refresh (taken back: it closes there)."""
    _require(actor, Role.COORDINATOR, "hand projects over")
    if project.account_id != actor.account_id:
        raise PermissionDenied("This project belongs to another account.")
    link = _live_link(link, actor)
    project = Project.objects.select_for_update().get(pk=project.pk)
    _hand_over_one(project, link, actor)
    return project


@transaction.atomic
def projects_hand_over(*, link: ShareLink, project_ids: Iterable[int], actor: Actor) -> int:
    """Hand several projects to one link, all or none; ids the caller cannot see are named in the error.
    Returns how many changed hands."""
    _require(actor, Role.COORDINATOR, "hand projects over")
    link = _live_link(link, actor)
    wanted = sorted(set(project_ids))
    projects = list(
        projects_visible_to(actor).filter(pk__in=wanted).select_for_update(of=("self",)).order_by("pk")
    )
    if missing := sorted(set(wanted) - {p.pk for p in projects}):
        raise ValidationError(
            {"projects": f"No such projects: {', '.join(map(str, missing))}."}, code="not_found"
        )
    return sum(_hand_over_one(project, link, actor) for project in projects)


def share_touch(*, link: ShareLink, account_id: int) -> None:
    """A source used the key: bind it to the subcontractor's account on first use (a conditional UPDATE, so
    two accounts racing cannot both win) and note when, at most every few minutes (no write per photo)."""
    now = timezone.now()
    if link.subcontractor_id is None:
        ShareLink.objects.filter(pk=link.pk, subcontractor__isnull=True).update(
            subcontractor_id=account_id, last_used_at=now
        )
        bound = ShareLink.objects.filter(pk=link.pk).values_list("subcontractor_id", flat=True).first()
        if bound != account_id:
            raise AuthError("This share key is already used by another account. Ask for a key of your own.")
        link.subcontractor_id, link.last_used_at = account_id, now
    elif link.last_used_at is None or link.last_used_at < now - timedelta(minutes=5):
        ShareLink.objects.filter(pk=link.pk).update(last_used_at=now)
