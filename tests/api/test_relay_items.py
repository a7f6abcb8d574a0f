"""GET /api/v1/relay-items/: every relay item the caller may see, account-wide. The per-project list's rule
(projects_visible_to: a field user's own projects only, deleted projects never), paginated, newest first,
filtered by status, kind, project and integration. Another account's items never appear."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.actors import Actor
from integrations.models import Integration, RelayItem, RelayKind
from projects.models import Project
from projects.services import project_create
from tests.factories import AccountFactory

from .conftest import make_tenant

pytestmark = pytest.mark.django_db

URL = "/api/v1/relay-items/"


@pytest.fixture
def tenant():
    tenant = make_tenant(AccountFactory(), "RELAY-" + uuid.uuid4().hex[:6])
    tenant.project = Project.objects.get(pk=tenant.ids["project"])
    tenant.integration = Integration.objects.get(pk=tenant.ids["integration"])
    tenant.item = RelayItem.objects.get(project=tenant.project)  # failed photo, from make_tenant
    return tenant


@pytest.fixture
def other():
    """Another account, with its own (failed, photo) item: never in the tenant's list."""
    return make_tenant(AccountFactory(), "OTHER-" + uuid.uuid4().hex[:6])


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _item(tenant, project, *, kind=RelayKind.SURVEY, status="queued", integration=None, age=0) -> RelayItem:
    return RelayItem.objects.create(
        integration=integration or tenant.integration,
        project=project,
        kind=kind,
        serial=uuid.uuid4(),
        status=status,
        created_at=timezone.now() - timedelta(minutes=age),
    )


def _unassigned_project(tenant) -> Project:
    return project_create(actor=Actor.for_user(tenant.owner), name="Not the crew's", tasks=["Lawn"])


def _ids(client, **params) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:300]
    return [row["id"] for row in response.json()["results"]]


def _key_client(tenant) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {tenant.api_key}")
    return client


def test_the_accounts_items_newest_first_and_never_another_accounts(tenant, other):
    RelayItem.objects.filter(pk=tenant.item.pk).update(created_at=timezone.now() - timedelta(hours=1))
    elsewhere = _unassigned_project(tenant)
    newer = _item(tenant, elsewhere, age=10)
    newest = _item(tenant, tenant.project, kind=RelayKind.PHOTO, age=0)

    for client in (_client(tenant.owner), _key_client(tenant)):
        response = client.get(URL)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert [row["id"] for row in body["results"]] == [newest.pk, newer.pk, tenant.item.pk]
        assert other.marker.encode() not in response.content
    # The per-project list's rows, in the same shape.
    row = _client(tenant.owner).get(URL, {"project": tenant.project.pk}).json()["results"][-1]
    per_project = _client(tenant.owner).get(f"/api/v1/projects/{tenant.project.pk}/relay-items/").json()
    assert row == per_project["results"][-1]
    # The other account sees only its own.
    assert _ids(_client(other.owner)) == [RelayItem.objects.get(project__account=other.account).pk]


def test_a_field_user_sees_only_their_projects_items(tenant):
    elsewhere = _unassigned_project(tenant)
    hidden = _item(tenant, elsewhere)
    own = _item(tenant, tenant.project)

    assert set(_ids(_client(tenant.field_user))) == {tenant.item.pk, own.pk}
    assert _ids(_client(tenant.field_user), project=elsewhere.pk) == []
    assert hidden.pk in _ids(_client(tenant.owner))


def test_a_deleted_projects_items_are_gone_as_from_the_per_project_list(tenant):
    Project.objects.filter(pk=tenant.project.pk).update(deleted_at=timezone.now())
    assert _ids(_client(tenant.owner)) == []


def test_filters_by_status_kind_project_and_integration(tenant, other):
    client = _client(tenant.owner)
    elsewhere = _unassigned_project(tenant)
    second = Integration.objects.create(account=tenant.account, kind="fastrack", name="Second AFS")
    sent = _item(tenant, elsewhere, status="sent", integration=second)
    queued = _item(tenant, tenant.project, kind=RelayKind.CHECK_IN)

    assert _ids(client, status="failed") == [tenant.item.pk]
    assert _ids(client, status="sent") == [sent.pk]
    assert _ids(client, kind="check_in") == [queued.pk]
    assert set(_ids(client, project=tenant.project.pk)) == {tenant.item.pk, queued.pk}
    assert _ids(client, project=elsewhere.pk) == [sent.pk]
    assert _ids(client, integration=second.pk) == [sent.pk]
    assert _ids(client, integration=tenant.integration.pk, kind="photo") == [tenant.item.pk]
    assert _ids(client, integration=second.pk, status="failed") == []
    # Naming another account's rows filters to nothing: never their items.
    assert _ids(client, project=other.ids["project"]) == []
    assert _ids(client, integration=other.ids["integration"]) == []

    for param, bad in [
        ("status", "lost"),
        ("kind", "fax"),
        ("project", "abc"),
        ("project", "1.5"),
        ("integration", "0"),
        ("integration", str(2**64)),
    ]:
        response = client.get(URL, {param: bad})
        assert response.status_code == 400, (param, bad, response.content[:300])
        body = response.json()
        assert body["code"] == "invalid" and param in body["errors"], body


def test_pages_cost_the_same_queries_whatever_their_size(tenant, django_assert_max_num_queries):
    client = _client(tenant.field_user)  # the field rule's subquery included
    client.get(URL)  # warm what a first request caches
    with django_assert_max_num_queries(4) as few:
        assert len(client.get(URL, {"page_size": 2}).json()["results"]) == 1
    for age in range(12):
        _item(tenant, tenant.project, age=age)
    with django_assert_max_num_queries(len(few)) as many:
        page = client.get(URL, {"page_size": 10}).json()
    assert len(page["results"]) == 10 and page["count"] == 13 and page["next"]
    assert len(many) == len(few)
