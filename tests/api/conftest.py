"""Fixtures of the API-wide tests: one account's rows of every kind a path of /api/v1/ can name, the
operations of the generated schema, and a filler that turns a path template into a URL of given rows."""

from __future__ import annotations

import io
import re
import socket
import uuid
from dataclasses import dataclass, field

import pytest

from accounts.actors import Actor
from accounts.services import api_key_issue, user_token_issue
from integrations.models import Health, Integration, IntegrationEvent, RefreshRun, RelayItem, RelayKind
from photos.models import PhotoSource
from photos.services import photo_ingest
from projects.models import CheckIn, ProjectEvent
from projects.services import project_create
from surveys.models import AttachedBy, ProjectSurvey, Survey, SurveyResponse, SurveySource
from tests.factories import UserFactory
from tests.photos.imagefiles import make_jpeg
from wms_addons.models import WmsAddon, WmsDelivery

# The literal segment before a path parameter names the resource the id belongs to. A new resource is one
# line here plus its row in make_tenant(); the tenancy walk fails until both exist.
RESOURCES = {
    "projects": "project",
    "photos": "photo",
    "surveys": "survey",
    "integrations": "integration",
    "refresh-runs": "run",
    "users": "user",
    "addons": "addon",
    "deliveries": "delivery",
    "shares": "share",
    "tokens": "token",
    "api-keys": "api_key",
}

_PARAM = re.compile(r"\{([^}]+)\}")


class UnfilledPath(LookupError):
    """A path parameter whose resource the API tests do not know yet."""


def resources_of(path: str) -> list[tuple[str, str]]:
    """``[(parameter, resource)]`` of a path template, in order; UnfilledPath for an unknown resource."""
    found = []
    segments = path.strip("/").split("/")
    for index, segment in enumerate(segments):
        match = _PARAM.fullmatch(segment)
        if not match:
            continue
        owner = segments[index - 1] if index else ""
        if owner not in RESOURCES:
            raise UnfilledPath(f"{path}: no row for {{{match[1]}}} after {owner!r}")
        found.append((match[1], RESOURCES[owner]))
    return found


def fill_path(path: str, rows_by_resource: dict[str, int]) -> str:
    """The path template with each parameter replaced by the id of the row of its resource."""
    ids = {param: rows_by_resource[resource] for param, resource in resources_of(path)}
    return _PARAM.sub(lambda m: str(ids[m[1]]), path)


@dataclass
class Tenant:
    """One account's rows; ``ids`` maps each resource of RESOURCES to a row of it."""

    account: object
    owner: object
    field_user: object
    marker: str
    ids: dict[str, int] = field(default_factory=dict)
    api_key: str = ""


def dead_url() -> str:
    """A loopback URL nobody listens on, so a call to the client fails at once instead of hanging."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _photo(actor, project, task):
    handle = io.BytesIO(make_jpeg(64, 48))
    handle.name = "IMG_0001.jpg"
    photo, _ = photo_ingest(
        actor=actor,
        project=project,
        task=task,
        evidence_type="before",
        file=handle,
        serial=uuid.uuid4(),
        source=PhotoSource.OFFICE,
    )
    return photo


def make_tenant(account, marker: str, *, field_user=None, assign: bool = True) -> Tenant:
    """Rows of every kind under ``account``, each named with ``marker`` so a leak shows in any body.

    The project is a manual one (no client is called), assigned to the field user unless ``assign`` is
    False. The integration points at a dead port for the same reason.
    """
    owner = UserFactory(account=account, role="owner", full_name=f"{marker} owner")
    # The crew's own name carries no marker: a field user may see themselves.
    field_user = field_user or UserFactory(account=account, role="field", full_name="Crew")
    other = UserFactory(account=account, role="coordinator", full_name=f"{marker} coordinator")
    actor = Actor.for_user(owner)
    project = project_create(
        actor=actor,
        name=f"{marker} project",
        tasks=["Lawn"],
        address1=f"1 {marker} St",
        zip="78701",
        assignee=field_user if assign else None,
    )
    task = project.tasks.get()
    photo = _photo(actor, project, task)

    integration = Integration(account=account, kind="fastrack", name=f"{marker} AFS", base_url=dead_url())
    integration.health = Health.OK
    integration.set_credentials({"username": "walk", "password": "walk"})
    integration.save()
    run = RefreshRun.objects.create(integration=integration, status="succeeded")
    IntegrationEvent.objects.create(integration=integration, run=run, message=f"{marker} imported")
    RelayItem.objects.create(
        integration=integration,
        project=project,
        kind=RelayKind.PHOTO,
        photo=photo,
        serial=uuid.uuid4(),
        status="failed",
        last_error=f"{marker} failed",
    )

    survey = Survey.objects.create(
        source=SurveySource.CUSTOM, account=account, form_ref=f"F-{marker}", name=f"{marker} survey"
    )
    ProjectSurvey.objects.create(project=project, survey=survey, attached_by=AttachedBy.VENDOR)
    SurveyResponse.objects.create(project=project, survey=survey, answers={})
    CheckIn.objects.create(project=project, abc_number="ABC123456", checked_in_by_label=marker)

    key = api_key_issue(account=account, name=f"{marker} key")
    addon = WmsAddon(account=account, name=f"{marker} WMS", url="https://wms.example.test/hook")
    addon.set_secret("whsec_" + "A" * 32)
    addon.save()
    event = ProjectEvent.objects.filter(project=project).order_by("sequence").first()
    delivery = WmsDelivery.objects.create(
        addon=addon, event=event, project=project, sequence=event.sequence, status="parked"
    )
    from integrations.share.services import share_create

    share, _ = share_create(actor=actor, name=f"{marker} sub")
    token = user_token_issue(user=owner, name=f"{marker} phone")
    tenant = Tenant(account=account, owner=owner, field_user=field_user, marker=marker, api_key=key.key)
    tenant.ids = {
        "project": project.pk,
        "photo": photo.pk,
        "survey": survey.pk,
        "integration": integration.pk,
        "run": run.pk,
        "user": other.pk,
        "addon": addon.pk,
        "delivery": delivery.pk,
        "task": task.pk,
        "api_key": key.record.pk,
        "share": share.pk,
        "token": token.record.pk,
    }
    return tenant


@pytest.fixture(scope="session")
def api_operations():
    """``[(method, path template, operation)]`` of the generated OpenAPI schema, built in-process."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    return schema, operations
