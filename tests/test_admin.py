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
