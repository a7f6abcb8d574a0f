"""`make run`'s data opened page by page, and through the API: the demo account after a refresh of the
sandbox's demo orders, as the owner and as a field user. Catches the data shapes the hand-made fixtures of
other tests miss (the demo integration has a default assignee; the seeds' duplicate services and orders,
forms and check-ins)."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from integrations.models import Integration
from projects.models import Project
from tests.integrations.helpers import refresh_now

pytestmark = pytest.mark.django_db


def test_every_demo_page_opens_after_a_refresh(sandbox):
    sandbox.seed_demo()
    call_command("demo", fastrack_url=sandbox.url, stdout=io.StringIO())
    integration = Integration.objects.get(kind="fastrack")
    run = refresh_now(integration)
    assert run.status == "succeeded" and run.created > 0

    owner = User.objects.get(email="owner@demo.vendordesk.test")
    browser = Client()
    browser.force_login(owner)
    pages = ["/", "/projects/", "/qa/", "/integrations/", f"/integrations/{integration.pk}/", "/relays/"]
    pages += [f"/integrations/{integration.pk}/log", f"/refresh-runs/{run.pk}/", "/team/", "/shares/"]
    pages += [f"/projects/{pk}/" for pk in Project.objects.values_list("pk", flat=True)]
    for url in pages:
        response = browser.get(url)
        assert response.status_code == 200, url

    # The same data through the API.
    for pk in Project.objects.values_list("pk", flat=True):
        for url in (
            f"/api/v1/projects/{pk}/",
            f"/api/v1/projects/{pk}/events/",
            f"/api/v1/projects/{pk}/surveys/",
        ):
            assert browser.get(url).status_code == 200, url
    for url in ("/api/v1/projects/", f"/api/v1/integrations/{integration.pk}/events/", "/api/v1/users/"):
        assert browser.get(url).status_code == 200, url

    crew = User.objects.get(email="field1@demo.vendordesk.test")
    field = Client()
    field.force_login(crew)
    for pk in Project.objects.filter(assignee=crew).values_list("pk", flat=True):
        assert field.get(f"/projects/{pk}/").status_code == 200
