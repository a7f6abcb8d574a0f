"""Writing ProjectEvents: the one place that numbers a project's history.

Callers hold the project's row lock (``select_for_update``) or, for the importer, the integration's refresh
lease plus a lock on the page's rows, so sequences never collide.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from accounts.actors import Actor, ActorKind

from .models import Project, ProjectEvent


def jsonable(value):
    """Field values as they go into ``changes``: dates as ISO strings, decimals as strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def actor_fields(actor: Actor) -> dict:
    """How an event records who acted (also for the importer's direct row inserts)."""
    return {
        "actor_kind": actor.kind,
        "actor_user_id": actor.user.pk if actor.kind == ActorKind.USER else None,
        "actor_api_key_id": actor.api_key.pk if actor.kind == ActorKind.API_KEY else None,
        "actor_label": actor.label[:200],
    }


def build_event(
    project: Project, actor: Actor, type: str, changes: dict | None = None, *, now=None
) -> ProjectEvent:
    """Number the next event of ``project`` (in memory) and return it unsaved; the caller saves both."""
    now = now or timezone.now()
    project.last_event_sequence += 1
    project.updated_at = now
    return ProjectEvent(
        project=project,
        account_id=project.account_id,
        sequence=project.last_event_sequence,
        type=type,
        **actor_fields(actor),
        changes={
            k: [jsonable(v) for v in pair] if isinstance(pair, list | tuple) else jsonable(pair)
            for k, pair in (changes or {}).items()
        },
        created_at=now,
    )


def record_event(
    project: Project, actor: Actor, type: str, changes: dict | None = None, *, update_fields=()
) -> ProjectEvent:
    """Save ``update_fields`` of the project together with its next event."""
    event = build_event(project, actor, type, changes)
    project.save(update_fields=[*update_fields, "last_event_sequence", "updated_at"])
    event.save()
    return event
