"""A project update names what it cannot change instead of dropping it silently."""

import pytest

from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_an_update_with_fields_it_cannot_change_is_refused_whole(coordinator_client, account):
    project = ProjectFactory(account=account, instructions="Old")
    response = coordinator_client.patch(
        f"/api/v1/projects/{project.pk}/",
        {"instructions": "New", "tasks": ["Lawn"], "status": "closed"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["tasks"] == ["Tasks are not changed through a project update."]
    assert errors["status"] == ["Not a field that can be changed here."]
    project.refresh_from_db()
    assert project.instructions == "Old" and project.status == "open"
