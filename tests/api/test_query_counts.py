"""Every list of /api/v1/ is paginated and costs the same number of queries for 2 rows as for 8, filtered
or not (STYLE.md: selectors own the prefetching; tests assert query counts)."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.actors import Actor
from accounts.services import api_key_issue, user_token_issue
from integrations.models import Integration, IntegrationEvent, RelayItem, RelayKind
from projects.models import ProjectEvent
from projects.services import project_create, project_update
from surveys.models import AttachedBy, ProjectSurvey, Survey, SurveyResponse, SurveySource
from tests.factories import AccountFactory, UserFactory
from wms_addons.models import WmsAddon, WmsDelivery

from .conftest import _photo, make_tenant

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/projects/",
    "/api/v1/projects/{project}/photos/",
    "/api/v1/projects/{project}/events/",
    "/api/v1/projects/{project}/relay-items/",
    "/api/v1/relay-items/",
    "/api/v1/projects/{project}/surveys/",
    "/api/v1/integrations/",
    "/api/v1/integrations/{integration}/events/",
    "/api/v1/users/",
    "/api/v1/wms/addons/",
    "/api/v1/wms/deliveries/",
    "/api/v1/shares/",
    # The filters: a filtered page costs what an unfiltered one does.
    "/api/v1/projects/?status=open&updated_since=2000-01-01T00:00:00Z",
    "/api/v1/projects/{project}/events/?type=project.updated&since=2000-01-01T00:00:00Z",
    "/api/v1/projects/{project}/relay-items/?kind=photo&status=queued",
    "/api/v1/relay-items/?kind=photo&status=queued&project={project}&integration={integration}",
    "/api/v1/integrations/?kind=fastrack&enabled=true",
    "/api/v1/integrations/{integration}/events/?level=info",
    "/api/v1/users/?role=field&is_active=true",
    "/api/v1/wms/addons/?active=true",
]

# A sub-user's own lists: an API key is refused them, so these are read as the owner.
USER_LISTS = ["/api/v1/tokens/", "/api/v1/api-keys/"]


def add_rows(tenant, count: int) -> None:
    """``count`` more rows of every listed kind, all of the tenant's account and project."""
    actor = Actor.for_user(tenant.owner)
    project = tenant.project
    task = project.tasks.get()
    integration = tenant.integration
    for _ in range(count):
        tag = uuid.uuid4().hex[:8]
        crew = UserFactory(account=tenant.account, role="field", full_name=f"Crew {tag}")
        project_create(actor=actor, name=f"More {tag}", tasks=["Lawn", "Trim"], assignee=crew)
        project_update(project=project, actor=actor, instructions=f"Note {tag}")  # one more event
        Integration.objects.create(
            account=tenant.account, kind="fastrack", name=f"AFS {tag}", default_assignee=crew
        )
        photo = _photo(actor, project, task)
        RelayItem.objects.create(
            integration=integration, project=project, kind=RelayKind.PHOTO, photo=photo, serial=uuid.uuid4()
        )
        IntegrationEvent.objects.create(integration=integration, message=f"line {tag}")
        survey = Survey.objects.create(
            source=SurveySource.CUSTOM, account=tenant.account, form_ref=f"F-{tag}", name=f"Survey {tag}"
        )
        ProjectSurvey.objects.create(project=project, survey=survey, attached_by=AttachedBy.VENDOR)
        SurveyResponse.objects.create(project=project, survey=survey, answers={})
        addon = WmsAddon(account=tenant.account, name=f"WMS {tag}", url="https://wms.example.test/hook")
        addon.set_secret("whsec_" + "A" * 32)
        addon.save()
        for event in ProjectEvent.objects.filter(project=project).order_by("-sequence")[:2]:
            WmsDelivery.objects.create(addon=addon, event=event, project=project, sequence=event.sequence)
        from integrations.share.services import share_create

        share_create(actor=actor, name=f"Sub {tag}")
        user_token_issue(user=tenant.owner, name=f"Phone {tag}")
        api_key_issue(account=tenant.account, name=f"Key {tag}", created_by=tenant.owner)


@pytest.fixture
def tenant():
    tenant = make_tenant(AccountFactory(), "COUNT")
    from projects.models import Project

    tenant.project = Project.objects.get(pk=tenant.ids["project"])
    tenant.integration = Integration.objects.get(pk=tenant.ids["integration"])
    return tenant


def _queries(client, url) -> tuple[int, int]:
    path, _, query = url.partition("?")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {**dict(parse_qsl(query)), "page_size": 100})
    assert response.status_code == 200, (url, response.content[:300])
    body = response.json()
    # Every list is paginated (DESIGN.md §7): never a bare array.
    assert isinstance(body, dict) and set(body) == {"count", "next", "previous", "results"}, (url, body)
    return len(captured), body["count"]


@pytest.mark.parametrize("template", LISTS)
def test_list_query_count_does_not_grow_with_rows(tenant, template):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {tenant.api_key}")
    url = template.format(project=tenant.ids["project"], integration=tenant.ids["integration"])
    add_rows(tenant, 1)
    client.get(url)  # warm caches (content types, the key's last use) so both counts see the same
    few, few_rows = _queries(client, url)
    add_rows(tenant, 6)
    many, many_rows = _queries(client, url)
    assert many_rows > few_rows, (url, few_rows, many_rows)
    assert many == few, f"{url}: {few} queries for {few_rows} rows, {many} for {many_rows}"


@pytest.mark.parametrize("url", USER_LISTS)
def test_own_credential_lists_cost_the_same_for_more_rows(tenant, url):
    client = APIClient()
    client.force_authenticate(tenant.owner)
    add_rows(tenant, 1)
    client.get(url)
    few, few_rows = _queries(client, url)
    add_rows(tenant, 6)
    many, many_rows = _queries(client, url)
    assert many_rows > few_rows, (url, few_rows, many_rows)
    assert many == few, f"{url}: {few} queries for {few_rows} rows, {many} for {many_rows}"
