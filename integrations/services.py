"""Writes to integrations: create, change settings and credentials, validate, apply settings to open
projects."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.actors import Actor
from accounts.models import Role, User
from config.db import unique_or
from config.netsafety import validate_public_url
from projects.events import build_event
from projects.models import EventType, Project, ProjectEvent, ProjectStatus

from .base import AuthError, SourceError
from .models import EventLevel, Health, Integration, IntegrationEvent
from .registry import SOURCES, source_class
from .relay import release_held

SETTINGS_FIELDS = (
    "name",
    "base_url",
    "qa_in_field",
    "default_assignee",
    "enabled",
    "refresh_interval_minutes",
)


def _require_admin(actor: Actor) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only admins and owners manage integrations.")


def _check_assignee(actor: Actor, user: User | None) -> None:
    if user is not None and (user.account_id != actor.account_id or not user.is_active):
        raise ValidationError({"default_assignee": "No such active sub-user in this account."})


def _save(integration: Integration) -> None:
    with unique_or("name", f"An integration named {integration.name} already exists."):
        integration.save()


@sensitive_variables("credentials")
def _check_credentials(kind: str, credentials: dict) -> None:
    """Every credential the kind needs, not blank: a source given half a login fails at each refresh."""
    missing = [f for f in source_class(kind).credential_fields if not str(credentials.get(f) or "").strip()]
    if missing:
        raise ValidationError({"credentials": f"Enter the {' and '.join(missing).replace('_', ' ')}."})


def _clean(integration: Integration) -> None:
    if integration.kind not in SOURCES:
        raise ValidationError({"kind": f"Unknown integration kind: {integration.kind}"})
    if integration.base_url:
        try:
            validate_public_url(integration.base_url)
        except ValidationError as exc:
            raise ValidationError({"base_url": exc.messages}) from exc
    if (
        Integration.objects.filter(account_id=integration.account_id, name=integration.name)
        .exclude(pk=integration.pk)
        .exists()
    ):
        raise ValidationError({"name": f"An integration named {integration.name} already exists."})
    if not 5 <= integration.refresh_interval_minutes <= 24 * 60:
        raise ValidationError({"refresh_interval_minutes": "Choose between 5 minutes and 24 hours."})


# Every local hidden from error reports, the decorators' frames below included (they hold the arguments).
@sensitive_variables()
@transaction.atomic
def integration_create(
    *,
    actor: Actor,
    kind: str,
    name: str,
    base_url: str = "",
    credentials: dict,
    qa_in_field: bool = True,
    default_assignee: User | None = None,
    enabled: bool = True,
    refresh_interval_minutes: int = 60,
) -> Integration:
    _require_admin(actor)
    _check_assignee(actor, default_assignee)
    integration = Integration(
        account=actor.account,
        kind=kind,
        name=(name or "").strip() or kind,
        base_url=(base_url or "").strip(),
        qa_in_field=qa_in_field,
        default_assignee=default_assignee,
        enabled=enabled,
        refresh_interval_minutes=refresh_interval_minutes,
    )
    _clean(integration)
    _check_credentials(kind, credentials)
    integration.set_credentials(credentials)
    _save(integration)
    return integration


@sensitive_variables()
@transaction.atomic
def integration_update(
    *, integration: Integration, actor: Actor, credentials: dict | None = None, **fields
) -> Integration:
    """Change settings; new credentials reset health so scheduled work holds until they validate.
    Settings apply to new projects; ``apply_settings_to_open_projects`` updates the open ones."""
    _require_admin(actor)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot change: {', '.join(sorted(unknown))}")
    if "default_assignee" in fields:
        _check_assignee(actor, fields["default_assignee"])
    for name, value in fields.items():
        setattr(integration, name, value.strip() if isinstance(value, str) else value)
    _clean(integration)
    if credentials:
        _check_credentials(integration.kind, credentials)
        integration.set_credentials(credentials)
        integration.health = Health.UNKNOWN
        integration.health_message = "Credentials changed: click Validate."
    _save(integration)
    return integration


def integration_validate(*, integration: Integration, actor: Actor | None = None) -> tuple[bool, str]:
    """The Validate button: ask the client whether it accepts our credentials. Returns (ok, message)."""
    if actor is not None:
        _require_admin(actor)
    now = timezone.now()
    try:
        integration.source().validate()
    except AuthError as exc:
        health, message = Health.AUTH_FAILED, exc.message
    except SourceError as exc:
        health, message = Health.ERROR, f"Could not validate: {exc.message}"
    else:
        health, message = Health.OK, "Success"
    Integration.objects.filter(pk=integration.pk).update(
        health=health,
        health_message="" if health == Health.OK else message[:500],
        last_validated_at=now,
        file_save_failures=0,
    )
    integration.refresh_from_db()
    if health == Health.OK:
        released = release_held(integration)  # the seeds: held photos go once the credentials are right
        if released:
            message = f"Success ({released} held item(s) released)"
    IntegrationEvent.objects.create(
        integration=integration,
        message=f"Validate: {message}",
        level=EventLevel.INFO if health == Health.OK else EventLevel.ERROR,
    )
    return health == Health.OK, message


@transaction.atomic
def apply_settings_to_open_projects(*, integration: Integration, actor: Actor) -> int:
    """Copy QA in Field to every open project of the integration, and the default assignee to the open ones
    nobody is assigned to, in one step (the seeds' "delete, then Full Refresh", without the deleting)."""
    _require_admin(actor)
    projects = list(
        Project.objects.select_for_update()
        .filter(integration=integration, deleted_at__isnull=True)
        .exclude(status=ProjectStatus.CLOSED)
        .order_by("pk")  # rows locked in one order by everyone who locks many: no deadlock with a refresh
    )
    assignee = integration.default_assignee
    now, events, changed = timezone.now(), [], []
    for project in projects:
        touched = False
        if project.qa_in_field != integration.qa_in_field:
            events.append(
                build_event(
                    project,
                    actor,
                    EventType.UPDATED,
                    {"qa_in_field": [project.qa_in_field, integration.qa_in_field]},
                    now=now,
                )
            )
            project.qa_in_field = integration.qa_in_field
            touched = True
        if assignee is not None and project.assignee_id is None:
            project.assignee = assignee
            events.append(
                build_event(
                    project,
                    actor,
                    EventType.ASSIGNED,
                    {"assignee": [None, assignee.pk], "wms_contractor_id": ["", assignee.wms_contractor_id]},
                    now=now,
                )
            )
            touched = True
        if touched:
            changed.append(project)
    Project.objects.bulk_update(changed, ["qa_in_field", "assignee", "last_event_sequence", "updated_at"])
    ProjectEvent.objects.bulk_create(events)
    return len(changed)
