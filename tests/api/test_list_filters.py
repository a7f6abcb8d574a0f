"""Lists are paginated and filterable (DESIGN.md §7): the page shape of the lists that used to answer bare
arrays, and the filters of the history, the relay items, the add-ons, the import log, users and
integrations. A bad filter value is a JSON 400 naming the parameter, never a 500 nor an unfiltered list."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.actors import Actor
from integrations.models import EventLevel, Integration, IntegrationEvent, RefreshRun, RelayItem, RelayKind
from projects.models import EventType, Project, ProjectEvent
from projects.services import project_assign, project_update
from tests.factories import AccountFactory, UserFactory
from wms_addons.models import WmsAddon

from .conftest import make_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant():
    tenant = make_tenant(AccountFactory(), "FILTER-" + uuid.uuid4().hex[:6])
    tenant.project = Project.objects.get(pk=tenant.ids["project"])
    tenant.integration = Integration.objects.get(pk=tenant.ids["integration"])
    return tenant


@pytest.fixture
def owner_api(tenant):
    client = APIClient()
    client.force_authenticate(tenant.owner)
    return client


def _ids(client, url, key="id", **params) -> list[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return [row[key] for row in response.json()["results"]]


def _refused(client, url, **params) -> dict:
    response = client.get(url, params)
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid" and set(params) & set(body["errors"]), body
    return body


@pytest.mark.parametrize(
    "template", ["/api/v1/users/", "/api/v1/integrations/", "/api/v1/projects/{project}/surveys/"]
)
def test_former_bare_arrays_are_pages(owner_api, tenant, template):
    url = template.format(project=tenant.ids["project"])
    Integration.objects.create(account=tenant.account, kind="fastrack", name="Second")
    from surveys.models import AttachedBy, ProjectSurvey, Survey, SurveySource

    survey = Survey.objects.create(
        source=SurveySource.CUSTOM, account=tenant.account, form_ref="F-2", name="Second survey"
    )
    ProjectSurvey.objects.create(project=tenant.project, survey=survey, attached_by=AttachedBy.VENDOR)

    whole = owner_api.get(url).json()
    assert set(whole) == {"count", "next", "previous", "results"} and whole["count"] >= 2
    first = owner_api.get(url, {"page_size": 1}).json()
    assert len(first["results"]) == 1 and first["count"] == whole["count"] and first["next"]
    second = owner_api.get(url, {"page_size": 1, "page": 2}).json()
    assert second["results"][0]["id"] == whole["results"][1]["id"]


def test_project_events_by_type_and_since(owner_api, tenant):
    actor = Actor.for_user(tenant.owner)
    project = tenant.project
    url = f"/api/v1/projects/{project.pk}/events/"
    ProjectEvent.objects.filter(project=project).update(created_at=timezone.now() - timedelta(hours=1))
    since = timezone.now()
    project_update(project=project, actor=actor, instructions="Gate code 1234")
    project_assign(project=project, actor=actor, assignee=UserFactory(account=tenant.account))
    events = {e.type: e.sequence for e in ProjectEvent.objects.filter(project=project, created_at__gte=since)}

    recent = {"since": since.isoformat()}
    assert _ids(owner_api, url, "sequence", type=EventType.ASSIGNED, **recent) == [events[EventType.ASSIGNED]]
    both = owner_api.get(url, {"type": [EventType.ASSIGNED, EventType.UPDATED], **recent}).json()
    assert [e["type"] for e in both["results"]] == [EventType.ASSIGNED, EventType.UPDATED]  # newest first
    assert {e["type"] for e in owner_api.get(url, {"type": EventType.CREATED}).json()["results"]} == {
        EventType.CREATED
    }
    assert _ids(owner_api, url, "sequence", since=since.isoformat()) == [
        events[EventType.ASSIGNED],
        events[EventType.UPDATED],
    ]
    assert _ids(owner_api, url, "sequence", type=EventType.CREATED, **recent) == []
    assert len(_ids(owner_api, url, "sequence")) == ProjectEvent.objects.filter(project=project).count()
    _refused(owner_api, url, type="project.exploded")
    _refused(owner_api, url, since="yesterday")
    # ISO allows offsets PostgreSQL refuses, and times that leave the calendar once in UTC.
    assert _ids(owner_api, url, "sequence", since="9713-01-16T13:36:47-21:48") == []
    _refused(owner_api, url, since="9999-12-31T23:00:00-09:00")


def test_relay_items_by_status_and_kind(owner_api, tenant):
    url = f"/api/v1/projects/{tenant.project.pk}/relay-items/"
    failed = RelayItem.objects.get(project=tenant.project)
    sent = RelayItem.objects.create(
        integration=tenant.integration,
        project=tenant.project,
        kind=RelayKind.SURVEY,
        serial=uuid.uuid4(),
        status="sent",
    )
    assert _ids(owner_api, url, status="failed") == [failed.pk]
    assert _ids(owner_api, url, kind="survey") == [sent.pk]
    assert _ids(owner_api, url, kind="photo", status="sent") == []
    assert sorted(_ids(owner_api, url)) == sorted([failed.pk, sent.pk])
    _refused(owner_api, url, status="lost")
    _refused(owner_api, url, kind="fax")


def test_addons_by_active(owner_api, tenant):
    url = "/api/v1/wms/addons/"
    paused = WmsAddon(account=tenant.account, name="Paused", url="https://wms.example.test/p", enabled=False)
    paused.set_secret("whsec_" + "B" * 32)
    paused.save()
    assert _ids(owner_api, url, active="false") == [paused.pk]
    assert _ids(owner_api, url, active="true") == [tenant.ids["addon"]]
    assert len(_ids(owner_api, url)) == 2


def test_import_log_by_level_and_run(owner_api, tenant):
    integration = tenant.integration
    url = f"/api/v1/integrations/{integration.pk}/events/"
    run = RefreshRun.objects.get(pk=tenant.ids["run"])
    later = RefreshRun.objects.create(integration=integration, status="failed")
    error = IntegrationEvent.objects.create(
        integration=integration, run=later, level=EventLevel.ERROR, message="Refresh failed"
    )
    first = IntegrationEvent.objects.get(run=run)
    assert _ids(owner_api, url, level="error") == [error.pk]
    assert _ids(owner_api, url, run=run.pk) == [first.pk]
    assert _ids(owner_api, url, run=later.pk, level="info") == []
    assert sorted(_ids(owner_api, url)) == sorted([first.pk, error.pk])
    for bad in ("abc", "1.5", "0", str(2**64)):
        _refused(owner_api, url, run=bad)
    _refused(owner_api, url, level="panic")


def test_users_and_integrations_filters(owner_api, tenant):
    assert _ids(owner_api, "/api/v1/users/", role="field") == [tenant.field_user.pk]
    off = Integration.objects.create(account=tenant.account, kind="fastrack", name="Off", enabled=False)
    assert _ids(owner_api, "/api/v1/integrations/", enabled="false") == [off.pk]
    assert _ids(owner_api, "/api/v1/integrations/", kind="fastrack", enabled="true") == [
        tenant.integration.pk
    ]
    _refused(owner_api, "/api/v1/users/", role="boss")
    _refused(owner_api, "/api/v1/integrations/", kind="fax")


# A boolean filter reads true/false or 1/0 in any case; anything else is a 400 naming the parameter, never
# an unfiltered list (django-filter's own BooleanFilter drops what it cannot read).
BOOLEAN_FILTERS = ["/api/v1/wms/addons/?active", "/api/v1/integrations/?enabled", "/api/v1/users/?is_active"]


def _boolean_rows(tenant, url: str) -> tuple[int, int]:
    """A row of ``url``'s list whose flag is off, and one whose flag is on."""
    if "addons" in url:
        off = WmsAddon(account=tenant.account, name="Paused", url="https://wms.example.test/p", enabled=False)
        off.set_secret("whsec_" + "B" * 32)
        off.save()
        return off.pk, tenant.ids["addon"]
    if "integrations" in url:
        off = Integration.objects.create(account=tenant.account, kind="fastrack", name="Off", enabled=False)
        return off.pk, tenant.integration.pk
    off = UserFactory(account=tenant.account, role="field", is_active=False)
    return off.pk, tenant.field_user.pk


@pytest.mark.parametrize("template", [*BOOLEAN_FILTERS, "/api/v1/projects/{project}/photos/?possible_reuse"])
def test_boolean_filters_refuse_what_they_cannot_read(owner_api, tenant, template):
    url, _, param = template.format(project=tenant.ids["project"]).partition("?")
    for bad in ("maybe", "2", "yes", "unknown", "truee"):
        body = _refused(owner_api, url, **{param: bad})
        message = body["errors"][param][0]
        assert param in message and "true or false" in message, body


@pytest.mark.parametrize("template", BOOLEAN_FILTERS)
def test_boolean_filters_read_true_false_and_1_0(owner_api, tenant, template):
    url, _, param = template.partition("?")
    off, on = _boolean_rows(tenant, url)
    for value in ("false", "FALSE", "0", " False "):
        assert off in _ids(owner_api, url, **{param: value})
        assert on not in _ids(owner_api, url, **{param: value})
    for value in ("true", "True", "1"):
        assert on in _ids(owner_api, url, **{param: value})
        assert off not in _ids(owner_api, url, **{param: value})
    assert {off, on} <= set(_ids(owner_api, url, **{param: ""}))  # empty: no filter


def test_photos_by_possible_reuse(owner_api, tenant):
    from photos.models import Photo

    url = f"/api/v1/projects/{tenant.project.pk}/photos/"
    photo = Photo.objects.get(pk=tenant.ids["photo"])
    assert _ids(owner_api, url, possible_reuse="true") == []
    assert _ids(owner_api, url, possible_reuse="0") == [photo.pk]
    Photo.objects.filter(pk=photo.pk).update(possible_reuse=True)
    assert _ids(owner_api, url, possible_reuse="TRUE") == [photo.pk]
    assert _ids(owner_api, url, possible_reuse="false") == []


@pytest.mark.parametrize(
    "template", ["/api/v1/projects/?integration", "/api/v1/projects/{project}/photos/?task"]
)
def test_id_filters_refuse_what_is_not_a_row_id(owner_api, tenant, template):
    url, _, param = template.format(project=tenant.ids["project"]).partition("?")
    for bad in ("1.5", "-1", "0", "abc", str(2**63)):
        assert param in _refused(owner_api, url, **{param: bad})["errors"], bad
