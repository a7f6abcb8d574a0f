"""Every model has an admin, and each changelist opens for staff without secrets on the page."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "projects", "surveys", "photos", "integrations", "wms_addons"}


def test_every_model_of_ours_is_registered():
    from django.apps import apps

    ours = {m for m in apps.get_models() if m._meta.app_label in OUR_APPS}
    assert ours - set(admin.site._registry) == set()


def test_changelists_open(client, fastrack):
    staff = User.objects.create_superuser("staff@vendordesk.test", "a long passphrase")
    client.force_login(staff)
    for model in admin.site._registry:
        if model._meta.app_label not in OUR_APPS:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("admin:integrations_integration_change", args=[fastrack.pk]))
    assert page.status_code == 200
    assert fastrack.get_credentials()["password"] not in page.content.decode()


def test_tasks_of_an_imported_project_cannot_be_edited_in_the_admin(client):
    from tests.factories import ProjectFactory, TaskFactory

    staff = User.objects.create_superuser("staff2@vendordesk.test", "a long passphrase")
    client.force_login(staff)
    locked = TaskFactory(project=ProjectFactory(locked=True), name="Grass Cut")
    free = TaskFactory(project=ProjectFactory(locked=False), name="Debris")
    task_url = reverse("admin:projects_task_change", args=[locked.pk])
    client.post(task_url, {"name": "Renamed", "project": locked.project_id, "position": 0})
    locked.refresh_from_db()
    assert locked.name == "Grass Cut"
    page = client.get(reverse("admin:projects_project_change", args=[locked.project_id])).content.decode()
    assert 'name="tasks-0-name"' not in page  # shown read-only
    page = client.get(reverse("admin:projects_project_change", args=[free.project_id])).content.decode()
    assert 'name="tasks-0-name"' in page
