"""Another account's rows are never visible; field users see only their own projects."""

import pytest

from accounts.actors import Actor
from accounts.services import api_key_issue
from projects.selectors import project_get, projects_visible_to
from projects.services import project_delete
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_selectors_scope_by_account_for_users_and_api_keys(account, other_account, owner):
    mine = ProjectFactory(account=account)
    theirs = ProjectFactory(account=other_account)
    key = api_key_issue(account=account, name="wms").record
    for caller in (owner, key, Actor.for_user(owner)):
        visible = set(projects_visible_to(caller))
        assert mine in visible
        assert theirs not in visible


def test_field_user_sees_only_assigned_projects(account, field_user):
    assigned = ProjectFactory(account=account, assignee=field_user)
    ProjectFactory(account=account)
    ProjectFactory(account=account, assignee=UserFactory(account=account))
    assert list(projects_visible_to(field_user)) == [assigned]


def test_deleted_projects_are_hidden(account, owner):
    project = ProjectFactory(account=account)
    project_delete(project=project, actor=Actor.for_user(owner))
    assert project not in projects_visible_to(owner)
    with pytest.raises(Exception) as err:
        project_get(owner, project.pk)
    assert "No such project" in str(err.value)


def test_api_answers_404_for_another_accounts_project(owner_client, other_account):
    theirs = ProjectFactory(account=other_account)
    for method, url, body in [
        ("get", f"/api/v1/projects/{theirs.pk}/", None),
        ("patch", f"/api/v1/projects/{theirs.pk}/", {"instructions": "x"}),
        ("delete", f"/api/v1/projects/{theirs.pk}/", None),
        ("post", f"/api/v1/projects/{theirs.pk}/assign", {"user": None}),
        ("post", f"/api/v1/projects/{theirs.pk}/close", None),
        ("get", f"/api/v1/projects/{theirs.pk}/events/", None),
    ]:
        response = getattr(owner_client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["code"] == "not_found"
    assert owner_client.get("/api/v1/projects/").json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.deleted_at is None and theirs.status == "open"


def test_api_cannot_assign_to_another_accounts_user(owner_client, account, other_account):
    project = ProjectFactory(account=account)
    stranger = UserFactory(account=other_account, wms_contractor_id="C-7")
    assert (
        owner_client.post(
            f"/api/v1/projects/{project.pk}/assign", {"user": stranger.pk}, format="json"
        ).status_code
        == 404
    )
    response = owner_client.post(
        f"/api/v1/projects/{project.pk}/assign", {"wms_contractor_id": "C-7"}, format="json"
    )
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.assignee is None


def test_field_user_gets_404_for_a_project_not_assigned_to_them(field_client, account):
    project = ProjectFactory(account=account)
    assert field_client.get(f"/api/v1/projects/{project.pk}/").status_code == 404
    assert field_client.get("/api/v1/projects/").json()["count"] == 0
